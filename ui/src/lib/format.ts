// Dates, times and money for display. Everything inside is UTC (RFC 3339) or integer
// minor units; this is the one place that turns them into the user's local words.
import type { Money, TimeWindow } from './api';

/** The local calendar day of an instant, as `YYYY-MM-DD`. */
export function localDay(at: string | Date): string {
  const d = typeof at === 'string' ? new Date(at) : at;
  const m = String(d.getMonth() + 1).padStart(2, '0');
  const day = String(d.getDate()).padStart(2, '0');
  return `${d.getFullYear()}-${m}-${day}`;
}

/** Local midnight at the start of a `YYYY-MM-DD` day. */
export function dayStart(day: string): Date {
  const [y, m, d] = day.split('-').map(Number);
  return new Date(y, m - 1, d);
}

/** The `YYYY-MM-DD` day `n` days after `day` (local calendar, DST-safe). */
export function addDays(day: string, n: number): string {
  const d = dayStart(day);
  d.setDate(d.getDate() + n);
  return localDay(d);
}

/** An instant at a local day and `HH:MM`, as RFC 3339 UTC. */
export function localInstant(day: string, time: string): string {
  const d = dayStart(day);
  const [h, min] = time.split(':').map(Number);
  d.setHours(h, min, 0, 0);
  return d.toISOString();
}

/** `HH:MM` (local) of an instant. */
export function localTime(at: string): string {
  const d = new Date(at);
  return `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
}

export function formatTime(at: string, lang: string): string {
  return new Date(at).toLocaleTimeString(lang, { hour: '2-digit', minute: '2-digit', hour12: false });
}

/** "09:00–11:00"; a window spanning days shows both dates. */
export function formatWindow(w: TimeWindow, lang: string): string {
  const sameDay = localDay(w.start) === localDay(w.end);
  if (sameDay) return `${formatTime(w.start, lang)}–${formatTime(w.end, lang)}`;
  return `${formatDateTime(w.start, lang)} – ${formatDateTime(w.end, lang)}`;
}

/** A day heading: "Wed 26 Nov" / "11月26日周三". */
export function formatDay(day: string, lang: string): string {
  return dayStart(day).toLocaleDateString(lang, { weekday: 'short', month: 'short', day: 'numeric' });
}

export function formatDate(at: string, lang: string): string {
  const d = /^\d{4}-\d{2}-\d{2}$/.test(at) ? dayStart(at) : new Date(at);
  return d.toLocaleDateString(lang, { year: 'numeric', month: 'short', day: 'numeric' });
}

export function formatDateTime(at: string, lang: string): string {
  return new Date(at).toLocaleString(lang, {
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    hour12: false,
  });
}

/** Digits after the decimal point for a currency (CNY 2, JPY 0). */
export function minorDigits(currency: string): number {
  try {
    return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    return 2;
  }
}

export function formatMoney(m: Money, lang: string): string {
  const digits = minorDigits(m.currency);
  const value = m.minor / 10 ** digits;
  try {
    return new Intl.NumberFormat(lang, { style: 'currency', currency: m.currency, currencyDisplay: 'narrowSymbol' }).format(value);
  } catch {
    return `${value.toFixed(digits)} ${m.currency}`;
  }
}

/**
 * Reads a typed amount ("120", "120.5", "1,200.50", "¥80") as integer minor units.
 * Null when it is not an amount; never goes through a float for the fraction.
 */
export function parseMoney(text: string, currency: string): Money | null {
  const cleaned = text.replace(/[\s,¥￥$€£]/g, '').replace(/^(CNY|RMB|元)|元$/gi, '');
  const digits = minorDigits(currency);
  const match = /^(\d+)(?:\.(\d*))?$/.exec(cleaned);
  if (!match) return null;
  const fraction = match[2] ?? '';
  if (fraction.length > digits) return null;
  const minor = Number(match[1]) * 10 ** digits + Number(fraction.padEnd(digits, '0') || '0');
  if (!Number.isSafeInteger(minor)) return null;
  return { minor, currency };
}

/** The amount as typed back into a field ("120.50"). */
export function moneyInput(m: Money): string {
  const digits = minorDigits(m.currency);
  return (m.minor / 10 ** digits).toFixed(digits);
}

/** How long ago, as an i18n key and its values (`time.minutes_ago` with `{count}`). */
export function ago(at: string, now: number): { key: string; values: Record<string, string | number> } {
  const seconds = Math.max(0, (now - Date.parse(at)) / 1000);
  if (seconds < 60) return { key: 'time.just_now', values: {} };
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return { key: 'time.minutes_ago', values: { count: minutes } };
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return { key: 'time.hours_ago', values: { count: hours } };
  return { key: 'time.days_ago', values: { count: Math.floor(hours / 24) } };
}

/**
 * A length of time as an i18n key and its values, for "left" and "overdue by" on the SLA
 * board: days and hours from two days up, hours and minutes from an hour, else minutes.
 */
export function span(ms: number): { key: string; values: Record<string, number> } {
  const minutes = Math.floor(Math.abs(ms) / 60_000);
  const hours = Math.floor(minutes / 60);
  if (hours >= 48) return { key: 'sla_board.span.days_hours', values: { d: Math.floor(hours / 24), h: hours % 24 } };
  if (hours >= 1) return { key: 'sla_board.span.hours_minutes', values: { h: hours, m: minutes % 60 } };
  return { key: 'sla_board.span.minutes', values: { m: minutes } };
}
