import { describe, expect, it } from 'vitest';
import { addDays, ago, formatMoney, localDay, localInstant, localTime, parseMoney, span } from './format';

describe('money', () => {
  it('reads typed amounts as integer fen, never through a float', () => {
    expect(parseMoney('180', 'CNY')).toEqual({ minor: 18000, currency: 'CNY' });
    expect(parseMoney('180.5', 'CNY')).toEqual({ minor: 18050, currency: 'CNY' });
    expect(parseMoney('0.29', 'CNY')).toEqual({ minor: 29, currency: 'CNY' });
    expect(parseMoney('1,200.50', 'CNY')).toEqual({ minor: 120050, currency: 'CNY' });
    expect(parseMoney('¥80', 'CNY')).toEqual({ minor: 8000, currency: 'CNY' });
    expect(parseMoney('80元', 'CNY')).toEqual({ minor: 8000, currency: 'CNY' });
  });

  it('refuses what is not an amount', () => {
    expect(parseMoney('', 'CNY')).toBeNull();
    expect(parseMoney('abc', 'CNY')).toBeNull();
    expect(parseMoney('-5', 'CNY')).toBeNull();
    expect(parseMoney('1.234', 'CNY')).toBeNull();
    expect(parseMoney('1.5', 'JPY')).toBeNull();
  });

  it('shows amounts with the yuan sign in both languages', () => {
    expect(formatMoney({ minor: 18000, currency: 'CNY' }, 'en')).toBe('¥180.00');
    expect(formatMoney({ minor: 18050, currency: 'CNY' }, 'zh-CN')).toBe('¥180.50');
  });
});

describe('local days and times', () => {
  it('works in the local calendar', () => {
    expect(localDay(new Date(2026, 0, 5, 23, 59))).toBe('2026-01-05');
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
    const instant = localInstant('2026-11-23', '09:30');
    expect(localDay(instant)).toBe('2026-11-23');
    expect(localTime(instant)).toBe('09:30');
  });

  it('says how long ago', () => {
    const now = Date.parse('2026-11-23T10:00:00Z');
    expect(ago('2026-11-23T09:59:30Z', now).key).toBe('time.just_now');
    expect(ago('2026-11-23T09:58:00Z', now)).toEqual({ key: 'time.minutes_ago', values: { count: 2 } });
    expect(ago('2026-11-23T07:00:00Z', now)).toEqual({ key: 'time.hours_ago', values: { count: 3 } });
    expect(ago('2026-11-21T10:00:00Z', now)).toEqual({ key: 'time.days_ago', values: { count: 2 } });
  });
});

describe('scanned codes', () => {
  it('finds a part by exact barcode or part number', async () => {
    const { byCode, filterStock } = await import('./parts');
    const part = (id: string, number: string, barcode: string) => ({
      part: { id, number, name: id, unit: 'pc', price: { minor: 0, currency: 'CNY' }, serialized: false, certified: true, valuable: false, barcode },
      quantity: 1,
    });
    const van = [part('pump', 'BP-2000', '6901234567892'), part('seal', 'DS-1100', '6901234567908')];
    expect(byCode(van, '6901234567908\n', (i) => i.part)?.part.id).toBe('seal');
    expect(byCode(van, 'bp-2000', (i) => i.part)?.part.id).toBe('pump');
    expect(byCode(van, '690123456789', (i) => i.part)).toBeNull();
    expect(filterStock(van, '6901234567').length).toBe(2);
  });
});

describe('span', () => {
  it('says how long is left or overdue on the SLA board', () => {
    expect(span(25 * 60_000)).toEqual({ key: 'sla_board.span.minutes', values: { m: 25 } });
    expect(span(-(3 * 60 + 5) * 60_000)).toEqual({ key: 'sla_board.span.hours_minutes', values: { h: 3, m: 5 } });
    expect(span(47 * 3_600_000 + 59 * 60_000)).toEqual({ key: 'sla_board.span.hours_minutes', values: { h: 47, m: 59 } });
    expect(span(-(3 * 24 + 2) * 3_600_000)).toEqual({ key: 'sla_board.span.days_hours', values: { d: 3, h: 2 } });
  });
});
