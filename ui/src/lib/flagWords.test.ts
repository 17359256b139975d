// Server flags in the reader's language: every kind, params tag, held reason and
// withdrawal code has words in both locales, and the Chinese words of a flag with params
// carry no English (only the data: part numbers, names and ids as they were written).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Flag, FlagParams } from './api';
import { flagDetails, flagSubject, withdrawnText } from './flagWords';
import { createI18n, type Language } from './i18n';
import { Locale } from './locale.svelte';

const ROOT = join(__dirname, '..', '..', '..');
const GEN = readFileSync(join(__dirname, 'gen', 'types.ts'), 'utf8');

function union(name: string): string[] {
  const m = GEN.match(new RegExp(`export type ${name} = ([^;]+);`));
  return m ? [...m[1].matchAll(/"([a-z_]+)"/g)].map((x) => x[1]) : [];
}

const ABOUTS = [...GEN.matchAll(/"about": "([a-z_]+)"/g)].map((m) => m[1]);
const KINDS = union('FlagKind');
const HELD = union('HeldReason');
/** The codes the server withdraws an at-risk flag with, read from its source. */
function withdrawals(): string[] {
  const file = join(ROOT, 'sync-server/src/sync/reconcile/findings.rs');
  if (!existsSync(file)) return ['met', 'breached', 'paused', 'stopped'];
  const src = readFileSync(file, 'utf8');
  const block = src.slice(src.indexOf('let choice = match status'));
  return [...block.slice(0, block.indexOf('};')).matchAll(/=> "([a-z_]+)"/g)].map((m) => m[1]);
}

async function locale(lang: Language): Promise<Locale> {
  return new Locale(await createI18n(lang), lang, false);
}

function flag(kind: Flag['kind'], subject: string, params: FlagParams[], detail = ''): Flag {
  return {
    id: '0192f000-0000-7000-8000-000000000001',
    kind,
    subject,
    detail,
    params,
    for_role: 'supervisor',
    raised_at: '2026-03-02T02:00:00Z',
    resolution: null,
  };
}

// Data in Chinese, so any Latin letter in the output is the UI's own words.
const SAMPLES: Flag[] = [
  flag('stock_over_use', '八号皮带', [
    { about: 'stock_below_zero', part_number: '八号皮带', location: '三号车', location_name: '三号车', balance: -1, orders: ['一号单', '二号单'] },
    { about: 'serial_fitted_twice', part_number: '八号皮带', serial: '一二三', orders: ['一号单', '二号单'] },
  ]),
  flag('stock_over_use', '八号皮带', [
    { about: 'stock_below_zero', part_number: '八号皮带', location: '〇〇一', location_name: null, balance: -2, orders: ['一号单'] },
  ]),
  flag('conflict', 'state', [{ about: 'conflict', values: [{ path: 'state', values: ['cancelled', 'signed_off'] }] }]),
  flag('sign_off_void', 'sign_off', [{ about: 'sign_off_void', signer: '王芳', signed_at: '2026-03-02T02:00:00Z' }]),
  flag('sla_at_risk', 'contact', [{ about: 'sla_clock', clock: 'contact', deadline: '2026-03-02T02:00:00Z' }]),
  flag('sla_breached', 'contact', [{ about: 'sla_clock', clock: 'contact', deadline: '2026-03-02T02:00:00Z' }]),
  ...HELD.filter((r) => r !== 'other').map((reason) =>
    flag('quarantined', 'technician_may_not_change', [
      { about: 'held', reason: reason as 'may_not_change', code: 'technician_may_not_change', role: 'technician', by: '李师傅', device: '一号机' },
    ]),
  ),
];

describe('flags in the reader language', () => {
  it('reads the kinds, tags and reasons from the generated types', () => {
    expect(KINDS).toContain('stock_over_use');
    expect(ABOUTS).toEqual(expect.arrayContaining(['stock_below_zero', 'serial_fitted_twice', 'conflict', 'sign_off_void', 'sla_clock', 'held']));
    expect(HELD).toContain('may_not_change');
    expect(withdrawals()).toEqual(expect.arrayContaining(['met', 'breached']));
  });

  it('has words for every flag kind, params tag, held reason and withdrawal in both languages', async () => {
    for (const lang of ['en', 'zh-CN'] as const) {
      const l = await locale(lang);
      const keys = [
        ...KINDS.map((k) => `flags.kind.${k}`),
        ...HELD.flatMap((r) => [`flag_words.held.${r}`, `flag_words.held_subject.${r}`]),
        ...withdrawals().map((c) => `flag_words.withdrawn.${c}`),
        ...ABOUTS.filter((a) => a !== 'sla_clock').map((a) => `flag_words.params.${a}`),
        'flag_words.params.sla_at_risk',
        'flag_words.params.sla_breached',
        'flag_words.params.conflict_path',
      ];
      const missing = keys.filter((k) => l.t(k) === k);
      expect(missing, `keys without words in ${lang}`).toEqual([]);
    }
  });

  it('puts every sample into words, each params tag at least once', () => {
    const covered = new Set(SAMPLES.flatMap((f) => f.params.map((p) => p.about)));
    expect([...covered].sort()).toEqual([...new Set(ABOUTS)].sort());
  });

  it('says a flag with params in Chinese with no English words', async () => {
    const l = await locale('zh-CN');
    for (const f of SAMPLES) {
      const lines = [l.t(`flags.kind.${f.kind}`, { subject: flagSubject(l.t, f) }), ...flagDetails(l.t, f, 'zh-CN')];
      expect(lines.length).toBeGreaterThan(1);
      for (const line of lines) expect(line, `${f.kind}: ${line}`).not.toMatch(/[A-Za-z]/);
    }
  });

  it('says the same flags in English with the values in place', async () => {
    const l = await locale('en');
    const [stock] = SAMPLES;
    const lines = flagDetails(l.t, stock, 'en');
    expect(lines[0]).toMatch(/book balance is -1 after the use on 一号单 and 二号单/);
    expect(lines[1]).toMatch(/Serial 一二三/);
    const held = SAMPLES.find((f) => f.kind === 'quarantined');
    expect(held && flagSubject(l.t, held)).toMatch(/^a change a technician may not make$/i);
  });

  it('keeps showing the stored prose of a flag written before params existed', async () => {
    const l = await locale('zh-CN');
    const old = flag('sign_off_void', 'sign_off', [], '王芳 signed at 2026-03-02 10:00 UTC; the work changed since.');
    expect(flagDetails(l.t, old, 'zh-CN')).toEqual([old.detail]);
    expect(flagDetails(l.t, flag('conflict', 'state', []), 'zh-CN')).toEqual([]);
  });

  it('words the server withdrawal of an at-risk flag from its code', async () => {
    const l = await locale('zh-CN');
    const f = flag('sla_at_risk', 'contact', []);
    f.resolution = { by: '00000000-0000-0000-0000-000000000000', at: '2026-03-02T03:00:00Z', note: 'The clock is no longer at risk.', choice: 'met' };
    expect(withdrawnText(l.t, f)).toBe('时限已不再临近。');
    f.resolution = { ...f.resolution, choice: null };
    expect(withdrawnText(l.t, f), 'a person resolving it wrote their own note').toBeNull();
  });
});
