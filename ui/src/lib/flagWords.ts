// A server flag in the reader's language: its headline subject and what it found, from
// the kind and the typed params the server wrote (`core::records::flag_params`). A flag
// written before flags carried params has only its stored `detail` prose, shown as it is.
import type { Flag, FlagParams, OrderDetail } from './api';
import { formatDateTime } from './format';
import { conflictValue } from './words';

type T = (key: string, options?: Record<string, unknown>) => string;

/** The flag's subject in words: a clock, a field, a held change's reason, or a part number. */
export function flagSubject(t: T, flag: Flag): string {
  if (flag.kind === 'sla_at_risk' || flag.kind === 'sla_breached') return t(`sla.clock.${flag.subject}`, { defaultValue: flag.subject });
  if (flag.kind === 'conflict') return t(`fields.${flag.subject}`, { defaultValue: flag.subject });
  if (flag.kind === 'quarantined') {
    const held = flag.params.find((p) => p.about === 'held');
    if (held?.about === 'held') return t(`flag_words.held_subject.${held.reason}`, { role: t(`roles.${held.role}`) });
  }
  return flag.subject;
}

function list(items: string[], language: string): string {
  return new Intl.ListFormat(language, { style: 'long', type: 'conjunction' }).format(items);
}

/** One finding in words. */
export function paramsText(t: T, flag: Flag, p: FlagParams, language: string, detail?: OrderDetail): string {
  switch (p.about) {
    case 'stock_below_zero':
      return t('flag_words.params.stock_below_zero', {
        part: p.part_number,
        location: p.location_name ?? t('flag_words.location_unnamed', { id: p.location }),
        balance: p.balance,
        orders: list(p.orders, language),
      });
    case 'serial_fitted_twice':
      return t('flag_words.params.serial_fitted_twice', { part: p.part_number, serial: p.serial, orders: list(p.orders, language) });
    case 'conflict': {
      const words = (v: string) => (detail ? conflictValue(t, flag.subject, v, detail) : t(`states.order.${v}`, { defaultValue: v }));
      const paths = p.values.map((c) =>
        t('flag_words.params.conflict_path', {
          path: t(`fields.${c.path}`, { defaultValue: c.path }),
          values: c.values.map(words).join(' / '),
        }),
      );
      return t('flag_words.params.conflict', { values: paths.join(t('flag_words.separator')) });
    }
    case 'sign_off_void':
      return t('flag_words.params.sign_off_void', { signer: p.signer, time: formatDateTime(p.signed_at, language) });
    case 'sla_clock':
      return t(flag.kind === 'sla_breached' ? 'flag_words.params.sla_breached' : 'flag_words.params.sla_at_risk', {
        clock: t(`sla.clock.${p.clock}`, { defaultValue: p.clock }),
        time: formatDateTime(p.deadline, language),
      });
    case 'held':
      return t('flag_words.params.held', {
        reason: t(`flag_words.held.${p.reason}`, { role: t(`roles.${p.role}`), code: p.code }),
        by: p.by,
        role: t(`roles.${p.role}`),
        device: p.device,
      });
  }
}

/** What the flag found, one line per finding; the stored prose for a flag without params. */
export function flagDetails(t: T, flag: Flag, language: string, detail?: OrderDetail): string[] {
  if (flag.params.length === 0) return flag.detail ? [flag.detail] : [];
  return flag.params.map((p) => paramsText(t, flag, p, language, detail));
}

/**
 * The words for how a flag was settled: the server withdraws an at-risk flag with a code
 * as its choice (`met`, `breached`, `paused`, `stopped`) and no note of a person's.
 */
export function withdrawnText(t: T, flag: Flag): string | null {
  const choice = flag.resolution?.choice;
  if (flag.kind !== 'sla_at_risk' || !choice) return null;
  return t(`flag_words.withdrawn.${choice}`, { defaultValue: '' }) || null;
}
