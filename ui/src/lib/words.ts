// Small translations shared by screens: a conflicting value in the words of the field it
// belongs to, and record authors by name.
import type { OrderDetail } from './api';

type T = (key: string, options?: Record<string, unknown>) => string;

/** A value from `detail.conflicts`: a state becomes its word, a user id a name. */
export function conflictValue(t: T, field: string, value: string, detail: OrderDetail): string {
  if (field === 'state') return t(`states.order.${value}`, { defaultValue: value });
  if (field === 'assignee') return detail.people[value] ?? value;
  return value;
}

/** The name the server signs its own changes with (`ops::SERVER_ATTRIBUTION`). */
export const SERVER = 'server';

/**
 * Who did it: a name from `detail.people`, the office server for its own changes, or the
 * id when this device does not know the person.
 */
export function person(detail: OrderDetail, id: string | null | undefined, t?: T): string {
  if (!id) return '—';
  if (detail.people[id]) return detail.people[id];
  if (id === SERVER && t) return t('roles.server');
  return id;
}
