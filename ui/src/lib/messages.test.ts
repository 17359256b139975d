// Every code the Rust side can send has words in both languages, and every key the
// screens ask for exists. Codes are read from the Rust sources when they are beside us.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import en from '../locales/en.json';
import { createI18n, type Language } from './i18n';
import { Locale } from './locale.svelte';
import { ALL_STATES, SLA_STATUSES } from './orderFilters';

const ROOT = join(__dirname, '..', '..', '..');
const SRC = join(__dirname, '..');

function files(dir: string, pattern: RegExp): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'target' || name === 'node_modules' ? [] : files(path, pattern);
    return pattern.test(name) ? [path] : [];
  });
}

/** `"errors.x.y"` literals in the Rust crates the device talks to. */
function rustCodes(): string[] {
  const dirs = ['core/src', 'device/src', 'commands/src', 'src-tauri/src', 'sync-server/src'].map((d) => join(ROOT, d));
  const found = new Set<string>();
  for (const file of dirs.flatMap((d) => files(d, /\.rs$/))) {
    for (const m of readFileSync(file, 'utf8').matchAll(/"(errors\.[a-z_]+(?:\.[a-z_]+)*)"/g)) found.add(m[1]);
  }
  // The seed's codes are the server's own start-up errors, never shown on a device.
  return [...found].filter((c) => !/^errors\.seed\./.test(c)).sort();
}

const NAMED_IN_THE_BRIEF = [
  'errors.order.consent_missing',
  'errors.order.fee_consent_missing',
  'errors.order.not_allowed_in_state',
  'errors.sync.offline',
  'errors.auth.bad_credentials',
  'errors.session.unsent_changes',
  'errors.storage',
];

async function locale(lang: Language): Promise<Locale> {
  return new Locale(await createI18n(lang), lang, false);
}

describe('error codes in plain words', () => {
  it('has words for every code the Rust side can send, in both languages', async () => {
    const codes = [...new Set([...rustCodes(), ...NAMED_IN_THE_BRIEF])];
    for (const lang of ['en', 'zh-CN'] as const) {
      const l = await locale(lang);
      const unknown = l.message('errors.unknown');
      const missing = codes.filter((code) => {
        const own = l.message(code);
        return own === unknown || own === code;
      });
      expect(missing, `codes without their own words in ${lang}`).toEqual([]);
    }
  });

  it('reads the lifecycle codes from core when it is there', () => {
    if (!existsSync(join(ROOT, 'core/src/lifecycle.rs'))) return;
    expect(rustCodes()).toContain('errors.order.consent_missing');
  });

  it('falls back to the group, then to a general message, never the raw code', async () => {
    const l = await locale('en');
    expect(l.message('errors.storage')).toMatch(/could not read or save/);
    expect(l.message('errors.order.some_future_rule')).toBe(l.message('errors.order.general'));
    expect(l.message('SQLITE_BUSY')).toBe(l.message('errors.unknown'));
    expect(l.error({ code: 'errors.order.consent_missing', message: 'x' })).toMatch(/No repair before the customer agrees/);
    expect(l.error(new Error('boom'))).toBe(l.message('errors.unknown'));
  });

  it('writes the rules in the staff wording in Chinese', async () => {
    const l = await locale('zh-CN');
    expect(l.message('errors.order.consent_missing')).toContain('客户同意');
    expect(l.message('errors.order.work_id_not_shown')).toContain('工牌');
    expect(l.message('errors.order.part_not_certified')).toContain('原厂或认证备件');
  });
});

function has(path: string): boolean {
  const leaf = path.split('.').reduce<unknown>((node, part) => (node && typeof node === 'object' ? (node as Record<string, unknown>)[part] : undefined), en);
  if (typeof leaf === 'string') return true;
  // Plural forms: `key_one` / `key_other`.
  const parent = path.split('.').slice(0, -1).reduce<unknown>((node, part) => (node as Record<string, unknown>)?.[part], en) as Record<string, unknown> | undefined;
  const last = path.split('.').at(-1)!;
  return typeof parent?.[`${last}_other`] === 'string' || (typeof leaf === 'object' && leaf !== null && typeof (leaf as Record<string, unknown>).general === 'string');
}

describe('every key the screens use exists', () => {
  it('has the literal keys used in components and lib', () => {
    const used = new Set<string>();
    for (const file of files(SRC, /\.(svelte|ts)$/).filter((f) => !f.endsWith('.test.ts'))) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/\b(?:t|message|need)\(\s*'([a-z_]+(?:\.[a-zA-Z0-9_]+)+)'/g)) used.add(m[1]);
      for (const m of text.matchAll(/key: '([a-z_]+(?:\.[a-z_]+)+)'/g)) used.add(m[1]);
      for (const m of text.matchAll(/'((?:visit|intake|flags|errors|dispatch|order|orders|sync|time)\.[a-z_]+(?:\.[a-z_]+)*)'/g)) used.add(m[1]);
    }
    const missing = [...used].filter((k) => !has(k));
    expect(missing).toEqual([]);
    expect(used.size).toBeGreaterThan(200);
  });

  it('has a word for every state, deadline status, step, flag, role and op', () => {
    const keys = [
      ...ALL_STATES.map((s) => `states.order.${s}`),
      ...SLA_STATUSES.map((s) => `sla.status.${s}`),
      ...['contact', 'check_in', 'arrive', 'diagnosis', 'consent', 'repair', 'parts', 'photos', 'test', 'sign_off', 'close'].map((s) => `visit.steps.${s}`),
      ...['contact', 'check_in', 'arrive', 'diagnosis', 'consent', 'repair', 'test', 'sign_off', 'close'].map((s) => `visit.primary.${s}`),
      ...['done', 'next', 'open', 'optional', 'locked'].map((s) => `visit.status.${s}`),
      ...['stock_over_use', 'conflict', 'sign_off_void', 'sla_at_risk', 'sla_breached', 'quarantined'].map((k) => `flags.kind.${k}`),
      ...['technician', 'dispatcher', 'support', 'supervisor', 'storekeeper'].map((r) => `roles.${r}`),
      ...['phone', 'we_chat', 'website', 'app', 'email', 'walk_in'].map((c) => `channels.intake.${c}`),
      ...['phone', 'sms', 'we_chat', 'in_person', 'email'].map((c) => `channels.contact.${c}`),
      ...['on_site', 'mail_in', 'carry_in'].map((m) => `modes.${m}`),
      ...['waiting_for_parts', 'waiting_for_customer', 'other'].map((k) => `hold.kind.${k}`),
    ];
    const api = readFileSync(join(SRC, 'lib', 'api.ts'), 'utf8');
    for (const m of api.matchAll(/\{ op: '([a-z_]+)'/g)) keys.push(`ops.${m[1]}`);
    expect(keys.filter((k) => !has(k))).toEqual([]);
  });
});

describe('refusals that say which', () => {
  it('words the role and the state a refusal names, in both languages', async () => {
    for (const [lang, reopen, state] of [
      ['en', /Only a supervisor can reopen a closed order/, /“Cancelled”/],
      ['zh-CN', /只有主管才能重新打开/, /“已取消”/],
    ] as const) {
      const locale = new Locale(await createI18n(lang as Language), lang as Language, false);
      expect(locale.message('errors.order.role_not_permitted', { role: 'dispatcher', action: 'reopen' })).toMatch(reopen);
      expect(locale.message('errors.order.not_allowed_in_state', { state: 'cancelled', action: 'close' })).toMatch(state);
    }
  });
});
