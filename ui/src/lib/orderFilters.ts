// The office order table's filters, kept in the URL hash (`#/orders?state=in_repair&sla=
// at_risk`) so a view can be bookmarked and shared. Unknown or malformed values are
// dropped rather than trusted.
import type { OrderQuery, OrderState, SlaStatus } from './api';
import { addDays, dayStart } from './format';
import { OPEN_STATES } from './today';

export const ALL_STATES: OrderState[] = [
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
  'closed',
  'cancelled',
  'on_hold',
];
export const SLA_STATUSES: SlaStatus[] = ['on_track', 'at_risk', 'breached', 'paused'];

export interface OrderFilters {
  /** A single state, or `open` for every state still being worked. */
  state: OrderState | 'open' | null;
  /** A technician's user id. */
  tech: string | null;
  sla: SlaStatus | null;
  /** `YYYY-MM-DD`, local, inclusive. */
  from: string | null;
  to: string | null;
  text: string;
}

export const NO_FILTERS: OrderFilters = { state: null, tech: null, sla: null, from: null, to: null, text: '' };

const DAY = /^\d{4}-\d{2}-\d{2}$/;

export function filtersFromParams(params: URLSearchParams): OrderFilters {
  const state = params.get('state');
  const sla = params.get('sla');
  const from = params.get('from');
  const to = params.get('to');
  return {
    state: state === 'open' || ALL_STATES.includes(state as OrderState) ? (state as OrderState | 'open') : null,
    tech: params.get('tech') || null,
    sla: SLA_STATUSES.includes(sla as SlaStatus) ? (sla as SlaStatus) : null,
    from: from && DAY.test(from) ? from : null,
    to: to && DAY.test(to) ? to : null,
    text: params.get('q') ?? '',
  };
}

/** The filters as a query string, without empty ones, in a stable order. */
export function filtersToParams(f: OrderFilters): URLSearchParams {
  const params = new URLSearchParams();
  if (f.state) params.set('state', f.state);
  if (f.tech) params.set('tech', f.tech);
  if (f.sla) params.set('sla', f.sla);
  if (f.from) params.set('from', f.from);
  if (f.to) params.set('to', f.to);
  if (f.text.trim()) params.set('q', f.text.trim());
  return params;
}

/** What to ask `listOrders` for. Dates are local days; `to` includes the whole day. */
export function toOrderQuery(f: OrderFilters): Partial<OrderQuery> {
  const q: Partial<OrderQuery> = {};
  if (f.state === 'open') q.states = OPEN_STATES;
  else if (f.state) q.states = [f.state];
  if (f.tech) q.assignee = f.tech;
  if (f.sla) q.sla = f.sla;
  if (f.from) q.from = dayStart(f.from).toISOString();
  if (f.to) q.to = dayStart(addDays(f.to, 1)).toISOString();
  if (f.text.trim()) q.text = f.text.trim();
  return q;
}
