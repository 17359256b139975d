import { describe, expect, it } from 'vitest';
import { spanInput, spanValue } from './spans';

describe('clock lengths in the settings form', () => {
  it('shows a span in its largest whole unit and writes it back unchanged', () => {
    expect(spanInput({ seconds: 86400 })).toEqual({ amount: 24, unit: 'hours' });
    expect(spanInput({ seconds: 1800 })).toEqual({ amount: 30, unit: 'minutes' });
    expect(spanInput({ seconds: 10 })).toEqual({ amount: 10, unit: 'seconds' });
    expect(spanInput({ working_days: 2 })).toEqual({ amount: 2, unit: 'working_days' });
    for (const span of [{ seconds: 43200 }, { seconds: 90 }, { working_days: 7 }]) {
      expect(spanValue(spanInput(span))).toEqual(span);
    }
  });

  it('turns 12 hours into the seconds Rust keeps', () => {
    expect(spanValue({ amount: 12, unit: 'hours' })).toEqual({ seconds: 43200 });
  });
});
