// The technician's order list, grouped the way the day is worked: today first, then the
// coming days, then open work left from earlier days, then orders with no agreed time.
import type { OrderListItem, OrderState } from './api';
import { localDay } from './format';

export type DayGroup =
  | { kind: 'today'; day: string; orders: OrderListItem[] }
  | { kind: 'day'; day: string; orders: OrderListItem[] }
  | { kind: 'earlier'; orders: OrderListItem[] }
  | { kind: 'unscheduled'; orders: OrderListItem[] };

/** States a technician still has something to do in. */
export const OPEN_STATES: OrderState[] = [
  'new',
  'dispatched',
  'contacted',
  'on_site',
  'received',
  'plan_agreed',
  'in_repair',
  'tested',
  'signed_off',
  'shipped_back',
  'on_hold',
];

const byStart = (a: OrderListItem, b: OrderListItem) =>
  (a.window?.start ?? '').localeCompare(b.window?.start ?? '') || a.number.localeCompare(b.number);

/**
 * Groups orders by the local day of their window's start. Empty groups are left out;
 * within a group, orders run by start time.
 */
export function groupByDay(orders: OrderListItem[], now: Date): DayGroup[] {
  const today = localDay(now);
  const days = new Map<string, OrderListItem[]>();
  const earlier: OrderListItem[] = [];
  const unscheduled: OrderListItem[] = [];
  for (const order of orders) {
    if (!order.window) {
      unscheduled.push(order);
      continue;
    }
    const day = localDay(order.window.start);
    if (day < today) earlier.push(order);
    else days.set(day, [...(days.get(day) ?? []), order]);
  }
  const groups: DayGroup[] = [];
  const todays = days.get(today);
  if (todays) groups.push({ kind: 'today', day: today, orders: todays.sort(byStart) });
  for (const day of [...days.keys()].filter((d) => d !== today).sort()) {
    groups.push({ kind: 'day', day, orders: days.get(day)!.sort(byStart) });
  }
  if (earlier.length) groups.push({ kind: 'earlier', orders: earlier.sort(byStart) });
  if (unscheduled.length) {
    groups.push({ kind: 'unscheduled', orders: unscheduled.sort((a, b) => a.number.localeCompare(b.number)) });
  }
  return groups;
}
