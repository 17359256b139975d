// Words for the server's review of a held change. Rust (commands/src/held.rs) turns the
// server's codes into i18n keys with the role they name; this only looks them up, and
// shows a field or a state by its word where the app has one.
import type { FindingView, HeldReasonView, Leaf } from './api';
import { formatDateTime } from './format';

type T = (key: string, options?: Record<string, unknown>) => string;

/** Why a change is held, e.g. "A technician may not make this change". */
export function reasonText(t: T, reason: HeldReasonView): string {
  return t(reason.code, { role: reason.role ? t(`roles.${reason.role}`) : '', code: reason.raw });
}

/** A document field by its word, or its own name when the app has none. */
export function fieldText(t: T, field: string): string {
  return t(`held.field.${field}`, { defaultValue: t(`fields.${field}`, { defaultValue: field }) });
}

/** One rule the change breaks, naming the field. */
export function findingText(t: T, finding: FindingView): string {
  return t(finding.code, { field: fieldText(t, finding.field), code: finding.raw });
}

/**
 * A place inside a field's value (`cancellation.at`, `serials_new.0`) in words: each
 * part by its word, a list index as "item n", a name the app has no word for as itself.
 */
export function pathText(t: T, path: string): string {
  return path
    .split('.')
    .filter((part) => part !== '')
    .map((part) => (/^\d+$/.test(part) ? t('held.item', { n: Number(part) + 1 }) : t(`held.path.${part}`, { defaultValue: part })))
    .join(' · ');
}

const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/** A value as the desk shows it: a state by its word, an instant in local time, none as "(none)". */
export function leafText(t: T, field: string, leaf: Leaf, lang = 'en'): string {
  if (leaf.value === null) return t('held.empty_value');
  if (field === 'state' && leaf.path === '') return t(`states.order.${leaf.value}`, { defaultValue: leaf.value });
  if (INSTANT.test(leaf.value)) return formatDateTime(leaf.value, lang);
  return leaf.value;
}
