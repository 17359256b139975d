// The held-change review's words: every code the Rust view model can answer with has
// words in both languages (read from commands/src/held.rs), and the role a reason names
// is worded, not shown as a code.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createI18n, type Language } from './i18n';
import { Locale } from './locale.svelte';
import { findingText, leafText, pathText, reasonText } from './held';

const RUST = join(__dirname, '..', '..', '..', 'commands', 'src', 'held.rs');

function listed(source: string, name: string): string[] {
  const block = new RegExp(`const ${name}: &\\[&str\\] = &\\[([^\\]]*)\\]`).exec(source)?.[1] ?? '';
  return [...block.matchAll(/"([a-z_]+)"/g)].map((m) => m[1]);
}

function keysFromRust(): string[] {
  const source = readFileSync(RUST, 'utf8');
  const literal = [...source.matchAll(/"(held\.[a-z_]+\.[a-z_]+)"/g)].map((m) => m[1]);
  return [
    ...new Set([
      ...literal,
      ...listed(source, 'REASONS').map((c) => `held.reason.${c}`),
      ...listed(source, 'FINDINGS').map((c) => `held.finding.${c}`),
    ]),
  ];
}

async function locale(lang: Language): Promise<Locale> {
  return new Locale(await createI18n(lang), lang, false);
}

describe('held-change words', () => {
  it('has words for every reason and finding code Rust answers with, in both languages', async () => {
    if (!existsSync(RUST)) return;
    const keys = keysFromRust();
    expect(keys.length).toBeGreaterThan(15);
    expect(keys).toContain('held.reason.role_may_not_change');
    expect(keys).toContain('held.finding.not_own_van');
    for (const lang of ['en', 'zh-CN'] as const) {
      const l = await locale(lang);
      const missing = keys.filter((k) => l.t(k) === k);
      expect(missing, `held-change codes without words in ${lang}`).toEqual([]);
    }
  });

  it('words the role a reason names, and a finding by its field', async () => {
    for (const [lang, role, field] of [
      ['en', /Technician/, /^order state: /],
      ['zh-CN', /维修工程师无权/, /^order state|^工单状态/],
    ] as const) {
      const l = await locale(lang);
      const t = l.t.bind(l);
      expect(reasonText(t, { code: 'held.reason.role_may_not_change', role: 'technician', raw: 'technician_may_not_change' })).toMatch(role);
      expect(findingText(t, { code: 'held.finding.role_not_permitted', raw: 'role_not_permitted', field: 'state', record: null })).toMatch(field);
      const other = reasonText(t, { code: 'held.reason.other', role: null, raw: 'from_a_newer_server' });
      expect(other).toContain('from_a_newer_server');
    }
  });

  it('shows a state by its word and no value as none', async () => {
    const l = await locale('zh-CN');
    const t = l.t.bind(l);
    expect(leafText(t, 'state', { path: '', value: 'cancelled' })).toBe(l.t('states.order.cancelled'));
    expect(leafText(t, 'cancellation', { path: 'reason', value: null })).toBe('（无）');
  });

  it('words the place inside a record, with no English in Chinese', async () => {
    const l = await locale('zh-CN');
    const t = l.t.bind(l);
    for (const path of ['at', 'by', 'reason', 'checked_in_at', 'fee.minor', 'schedule.start']) {
      expect(pathText(t, path), path).not.toMatch(/[A-Za-z]/);
    }
    expect(pathText(t, 'serials_new.0')).toBe('新件序列号 · 第 1 项');
    expect(pathText(t, 'from_a_newer_app')).toBe('from_a_newer_app');
  });
});
