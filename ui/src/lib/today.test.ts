import { describe, expect, it } from 'vitest';
import type { OrderListItem } from './api';
import { groupByDay } from './today';

function order(number: string, start: Date | null): OrderListItem {
  const end = start ? new Date(start.getTime() + 2 * 3_600_000) : null;
  return {
    id: number,
    number,
    state: 'dispatched',
    assignee: 'u-1',
    assignee_name: 'Wang',
    customer_name: 'Liu',
    phone: '138',
    address: 'Shanghai',
    product_model: 'XQG100',
    serial: 'S1',
    window: start && end ? { start: start.toISOString(), end: end.toISOString() } : null,
    due_at: null,
    sla: null,
    sign_off: 'none',
    open_flags: 0,
    unsent: false,
    updated_at: '2026-11-23T00:00:00Z',
  };
}

/** A local time on the day `offset` days from `base`. */
function at(base: Date, offset: number, hour: number): Date {
  const d = new Date(base);
  d.setDate(d.getDate() + offset);
  d.setHours(hour, 0, 0, 0);
  return d;
}

describe("the technician's day", () => {
  const now = new Date(2026, 10, 23, 8, 30);

  it('puts today first, then the coming days in order, then earlier open work, then unscheduled', () => {
    const groups = groupByDay(
      [
        order('WO-5', null),
        order('WO-4', at(now, -2, 9)),
        order('WO-3', at(now, 3, 9)),
        order('WO-2', at(now, 1, 14)),
        order('WO-1', at(now, 0, 16)),
        order('WO-0', at(now, 0, 9)),
      ],
      now,
    );
    expect(groups.map((g) => g.kind)).toEqual(['today', 'day', 'day', 'earlier', 'unscheduled']);
    expect(groups[0].orders.map((o) => o.number)).toEqual(['WO-0', 'WO-1']);
    expect(groups.map((g) => ('day' in g ? g.day : null))).toEqual(['2026-11-23', '2026-11-24', '2026-11-26', null, null]);
  });

  it('groups by the local day of the window start, not the UTC day', () => {
    // 00:30 local on the 24th is still the 23rd in UTC for zones east of Greenwich;
    // either way it belongs to the local 24th.
    const groups = groupByDay([order('WO-1', at(now, 1, 0))], now);
    expect(groups).toHaveLength(1);
    expect(groups[0]).toMatchObject({ kind: 'day', day: '2026-11-24' });
  });

  it('leaves out empty groups', () => {
    expect(groupByDay([], now)).toEqual([]);
    expect(groupByDay([order('WO-1', null)], now).map((g) => g.kind)).toEqual(['unscheduled']);
  });
});
