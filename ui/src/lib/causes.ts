//! A complaint cause class in words: the company's list (Rust's answer, with both names)
//! names it; a class since removed from the list shows its key.
import type { CauseClass } from './api';
import type { Language } from './i18n';

/** The name of cause class `key` in `language`, from the company's list. */
export function causeName(causes: CauseClass[], key: string, language: Language): string {
  const c = causes.find((x) => x.key === key);
  if (!c) return key;
  return language === 'en' ? c.en : c.zh;
}
