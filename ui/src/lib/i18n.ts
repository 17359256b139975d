// UI strings: i18next with English and Simplified Chinese. The language follows the
// system locale until the user picks one in Settings; the choice is kept on the device.
import i18next, { type i18n } from 'i18next';
import en from '../locales/en.json';
import zhCN from '../locales/zh-CN.json';

export const LANGUAGES = ['en', 'zh-CN'] as const;
export type Language = (typeof LANGUAGES)[number];

const STORAGE_KEY = 'onsite.language';

/** Maps a BCP 47 tag (as `navigator.languages` gives it) to a language we ship. */
export function matchLanguage(tags: readonly string[]): Language {
  for (const tag of tags) {
    const lower = tag.toLowerCase();
    // Traditional-script regions still read Simplified better than English for our staff.
    if (lower === 'zh' || lower.startsWith('zh-')) return 'zh-CN';
    if (lower === 'en' || lower.startsWith('en-')) return 'en';
  }
  return 'en';
}

export function systemLanguage(): Language {
  const tags = typeof navigator === 'undefined' ? [] : (navigator.languages ?? [navigator.language]);
  return matchLanguage(tags);
}

/** The language chosen in Settings, or null to follow the system. */
export function savedLanguage(): Language | null {
  const saved = globalThis.localStorage?.getItem(STORAGE_KEY);
  return LANGUAGES.find((l) => l === saved) ?? null;
}

export async function createI18n(language: Language): Promise<i18n> {
  const instance = i18next.createInstance();
  await instance.init({
    lng: language,
    fallbackLng: 'en',
    resources: { en: { translation: en }, 'zh-CN': { translation: zhCN } },
    interpolation: { escapeValue: false }, // Svelte escapes on render.
    returnNull: false,
  });
  return instance;
}

export function saveLanguage(language: Language | null): void {
  if (language === null) globalThis.localStorage?.removeItem(STORAGE_KEY);
  else globalThis.localStorage?.setItem(STORAGE_KEY, language);
}
