// A clock's length as the settings form edits it: a number and a unit. Pure conversion
// between the form and the `SlaSpan` Rust sends and checks; no rule lives here (Rust's
// `Settings::validate` decides what is allowed).
import type { SlaSpan } from './gen/types';

export type SpanUnit = 'seconds' | 'minutes' | 'hours' | 'working_days';

export interface SpanInput {
  amount: number;
  unit: SpanUnit;
}

/** The largest whole unit the span is a multiple of. */
export function spanInput(span: SlaSpan): SpanInput {
  if ('working_days' in span) return { amount: span.working_days, unit: 'working_days' };
  const s = span.seconds;
  if (s % 3600 === 0) return { amount: s / 3600, unit: 'hours' };
  if (s % 60 === 0) return { amount: s / 60, unit: 'minutes' };
  return { amount: s, unit: 'seconds' };
}

export function spanValue(input: SpanInput): SlaSpan {
  const n = Math.round(Number(input.amount));
  switch (input.unit) {
    case 'working_days':
      return { working_days: n };
    case 'hours':
      return { seconds: n * 3600 };
    case 'minutes':
      return { seconds: n * 60 };
    default:
      return { seconds: n };
  }
}
