// The current UI language as reactive state: reading `t` in a template re-renders it
// when the language changes.
import type { i18n } from 'i18next';
import { saveLanguage, systemLanguage, type Language } from './i18n';

export class Locale {
  language = $state<Language>('en');
  /** True while the language follows the system locale rather than a saved choice. */
  followsSystem = $state(true);
  readonly #i18n: i18n;

  constructor(instance: i18n, language: Language, followsSystem: boolean) {
    this.#i18n = instance;
    this.language = language;
    this.followsSystem = followsSystem;
    this.#applyToDocument();
  }

  t = (key: string, options?: Record<string, unknown>): string =>
    this.#i18n.t(key, { ...options, lng: this.language });

  /** Picks a language, or `null` to follow the system again. */
  choose(language: Language | null): void {
    saveLanguage(language);
    this.followsSystem = language === null;
    this.language = language ?? systemLanguage();
    this.#applyToDocument();
  }

  #applyToDocument(): void {
    // The lang attribute makes WebKit pick CJK glyphs from the right font for zh-CN.
    if (typeof document !== 'undefined') document.documentElement.lang = this.language;
  }
}
