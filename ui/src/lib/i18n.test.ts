import { describe, expect, it } from 'vitest';
import en from '../locales/en.json';
import zhCN from '../locales/zh-CN.json';
import { createI18n, matchLanguage } from './i18n';

function keys(tree: object, prefix = ''): string[] {
  return Object.entries(tree).flatMap(([k, v]) =>
    typeof v === 'object' && v !== null ? keys(v, `${prefix}${k}.`) : [`${prefix}${k}`],
  );
}

describe('language from the system locale', () => {
  it('picks Simplified Chinese for any Chinese locale', () => {
    expect(matchLanguage(['zh-CN'])).toBe('zh-CN');
    expect(matchLanguage(['zh'])).toBe('zh-CN');
    expect(matchLanguage(['zh-Hans-CN', 'en-US'])).toBe('zh-CN');
  });

  it('takes the first language we ship, in the user preference order', () => {
    expect(matchLanguage(['fr-FR', 'en-GB', 'zh-CN'])).toBe('en');
    expect(matchLanguage(['de-DE', 'zh-TW'])).toBe('zh-CN');
  });

  it('falls back to English when nothing matches', () => {
    expect(matchLanguage(['fr-FR'])).toBe('en');
    expect(matchLanguage([])).toBe('en');
  });
});

describe('translations', () => {
  it('has every English string in Chinese, and no extra ones', () => {
    expect(keys(zhCN).sort()).toEqual(keys(en).sort());
  });

  it('has no empty string in either language', () => {
    for (const tree of [en, zhCN]) {
      const leaves = keys(tree).map((k) => k.split('.').reduce<any>((o, p) => o[p], tree));
      expect(leaves.filter((s) => typeof s !== 'string' || s.trim() === '')).toEqual([]);
    }
  });

  it('renders the staff wording in zh-CN and interpolates values', async () => {
    const i18n = await createI18n('zh-CN');
    expect(i18n.t('nav.dispatch')).toBe('派单');
    expect(i18n.t('settings.language_system', { lang: 'English' })).toBe('跟随系统（English）');
  });
});
