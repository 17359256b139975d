import { describe, expect, it } from 'vitest';
import { NO_FILTERS, filtersFromParams, filtersToParams, toOrderQuery } from './orderFilters';
import { formatHash, parseHash } from './route';
import { OPEN_STATES } from './today';

describe('order filters in the URL', () => {
  it('round-trips through the hash', () => {
    const f = { state: 'in_repair', tech: 'u-wang', sla: 'at_risk', from: '2026-11-01', to: '2026-11-30', text: '刘芳' } as const;
    const hash = formatHash(['orders'], filtersToParams(f));
    expect(hash).toBe('#/orders?state=in_repair&tech=u-wang&sla=at_risk&from=2026-11-01&to=2026-11-30&q=%E5%88%98%E8%8A%B3');
    const route = parseHash(hash);
    expect(route.path).toEqual(['orders']);
    expect(filtersFromParams(route.params)).toEqual(f);
  });

  it('leaves empty filters out of the URL', () => {
    expect(formatHash(['orders'], filtersToParams(NO_FILTERS))).toBe('#/orders');
    expect(filtersToParams({ ...NO_FILTERS, text: '   ' }).toString()).toBe('');
  });

  it('drops values that are not valid instead of trusting them', () => {
    const f = filtersFromParams(new URLSearchParams('state=exploded&sla=late&from=yesterday&to=2026-13&q=x'));
    expect(f).toEqual({ ...NO_FILTERS, text: 'x' });
  });

  it('asks for the right orders: open states, and whole local days', () => {
    const q = toOrderQuery({ ...NO_FILTERS, state: 'open', from: '2026-11-01', to: '2026-11-30', text: ' pump ' });
    expect(q.states).toEqual(OPEN_STATES);
    expect(q.from).toBe(new Date(2026, 10, 1).toISOString());
    expect(q.to).toBe(new Date(2026, 11, 1).toISOString());
    expect(q.text).toBe('pump');
    expect(toOrderQuery(NO_FILTERS)).toEqual({});
  });
});

describe('hash routes', () => {
  it('reads the path and the query', () => {
    expect(parseHash('#/order/0193-abc').path).toEqual(['order', '0193-abc']);
    expect(parseHash('').path).toEqual([]);
    expect(parseHash('#/').path).toEqual([]);
    expect(parseHash('#/orders?state=closed').params.get('state')).toBe('closed');
  });

  it('survives a malformed escape', () => {
    expect(parseHash('#/order/%E0%A4%A').path).toEqual(['order', '%E0%A4%A']);
  });
});
