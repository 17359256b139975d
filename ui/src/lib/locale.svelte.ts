// The current UI language as reactive state: reading `t` in a template re-renders it
// when the language changes.
import type { i18n } from 'i18next';
import { getContext, setContext } from 'svelte';
import { errorDetails, errorKey } from './api';
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

  /**
   * A message for an `errors.*` code in plain words. A code that is also a group
   * (`errors.storage` and `errors.storage.full`) uses the group's `general` text; a code
   * this build has no words for falls back to its group's, then to `errors.unknown`.
   */
  message = (code: string, values: Record<string, unknown> = {}): string => {
    const lng = this.language;
    const group = code.split('.').slice(0, 2).join('.');
    // A refusal may have words for its action ("only a supervisor can reopen …").
    const action = typeof values.action === 'string' ? [`${code}_${values.action}`] : [];
    for (const key of [...action, code, `${code}.general`, `${group}.general`, 'errors.unknown']) {
      if (this.#i18n.exists(key, { lng }) && typeof this.#i18n.t(key, { lng, returnObjects: true }) === 'string') {
        return this.#i18n.t(key, { ...values, lng });
      }
    }
    return this.#i18n.t('errors.unknown', { lng });
  };

  /** Whatever a command threw, in plain words. */
  error = (err: unknown): string => this.message(errorKey(err), errorDetails(err));

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

const KEY = Symbol('locale');

export function setLocale(locale: Locale): void {
  setContext(KEY, locale);
}

/** The app's locale, from any component below App. */
export function getLocale(): Locale {
  return getContext<Locale>(KEY);
}
