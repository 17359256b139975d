import { mount } from 'svelte';
import App from './App.svelte';
import { createI18n, savedLanguage, systemLanguage } from './lib/i18n';
import { Locale } from './lib/locale.svelte';
import './app.css';

const saved = savedLanguage();
const language = saved ?? systemLanguage();
const instance = await createI18n(language);
const target = document.getElementById('app');
if (target) mount(App, { target, props: { locale: new Locale(instance, language, saved === null) } });
