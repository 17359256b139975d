import { describe, expect, it } from 'vitest';
import type { OrderDetail, OrderDoc } from './api';
import { nextStep, visitSteps } from './visit';

function doc(over: Partial<OrderDoc> = {}): OrderDoc {
  return {
    id: 'o1',
    number: 'WO-1',
    request: { id: 'r', channel: 'phone', classification: 'repair', received_at: '2026-11-23T00:00:00Z', description: 'E21', fault_since: null, external_damage: '' },
    customer: { id: 'c', name: 'Liu', phone: '138', address: 'Shanghai', tier: 'regular' },
    product: { model: 'XQG100', serial: 'S', purchase_date: null, delivered_on: null },
    mode: 'on_site',
    priority: 'normal',
    fault_code: 'E21',
    customer_damage: false,
    charge: 'out_of_warranty',
    state: 'dispatched',
    assignee: 'u',
    schedule: null,
    dispatched_at: '2026-11-23T00:00:00Z',
    contacts: [],
    visits: [],
    fault_confirmed: null,
    diagnosis: null,
    plan_approval: null,
    consent: null,
    fee: { minor: 0, currency: 'CNY' },
    steps: [],
    parts: [],
    tests: [],
    objections: [],
    sign_off: null,
    closed_at: null,
    hold: null,
    cancellation: null,
    photos: [],
    comments: [],
    history: [],
    flags: [],
    ...over,
  };
}

function detail(order: OrderDoc, allowed: string[], over: Partial<OrderDetail> = {}): OrderDetail {
  return {
    order,
    clocks: [],
    sign_off: order.sign_off ? 'valid' : 'none',
    conflicts: [],
    warranty: { status: 'no_proof_of_purchase' },
    chargeable: true,
    allowed,
    people: {},
    changes: [],
    unsent: false,
    quarantined: null,
    ...over,
  };
}

const status = (d: OrderDetail) => Object.fromEntries(visitSteps(d).map((s) => [s.id, s.status]));
const reason = (d: OrderDetail, id: string) => visitSteps(d).find((s) => s.id === id)?.reason;

describe('the visit, step by step', () => {
  it('starts with contacting the customer; everything after is locked, saying why', () => {
    const d = detail(doc(), ['log_contact', 'add_photo', 'hold']);
    expect(status(d)).toMatchObject({ contact: 'next', check_in: 'locked', arrive: 'locked', sign_off: 'locked', photos: 'open' });
    expect(nextStep(visitSteps(d))?.id).toBe('contact');
    expect(reason(d, 'check_in')).toBe('errors.order.contact_missing');
    expect(reason(d, 'close')).toBe('errors.order.contact_missing');
  });

  it('after check-in, the work ID and the fault come next', () => {
    const o = doc({
      state: 'on_site',
      contacts: [{ id: 'c1', at: '', by: 'u', channel: 'phone', reached: true, note: '' }],
      visits: [{ id: 'v1', by: 'u', checked_in_at: '', id_shown_at: null, checked_out_at: null }],
    });
    const d = detail(o, ['log_contact', 'show_work_id', 'check_out', 'add_photo']);
    expect(status(d)).toMatchObject({ contact: 'done', check_in: 'done', arrive: 'next', diagnosis: 'locked' });
    expect(reason(d, 'diagnosis')).toBe('errors.order.work_id_not_shown');
  });

  it('no repair before consent', () => {
    const o = doc({
      state: 'on_site',
      contacts: [{ id: 'c1', at: '', by: 'u', channel: 'phone', reached: true, note: '' }],
      visits: [{ id: 'v1', by: 'u', checked_in_at: '', id_shown_at: 'x', checked_out_at: null }],
      fault_confirmed: { at: '', by: 'u', note: 'E21' },
      diagnosis: { at: '', by: 'u', cause: 'pump', plan: 'replace', parts: [], tools: '', estimated_minutes: 30, estimated_fee: { minor: 18000, currency: 'CNY' }, risks: '' },
    });
    const d = detail(o, ['record_diagnosis', 'record_consent', 'add_photo']);
    expect(status(d)).toMatchObject({ diagnosis: 'done', consent: 'next', repair: 'locked', parts: 'locked' });
    expect(reason(d, 'repair')).toBe('errors.order.consent_missing');
  });

  it('offers consent once the plan is recorded, even if the device does not list it', () => {
    const o = doc({
      state: 'on_site',
      contacts: [{ id: 'c1', at: '', by: 'u', channel: 'phone', reached: true, note: '' }],
      visits: [{ id: 'v1', by: 'u', checked_in_at: '', id_shown_at: 'x', checked_out_at: null }],
      fault_confirmed: { at: '', by: 'u', note: 'E21' },
      diagnosis: { at: '', by: 'u', cause: 'pump', plan: 'replace', parts: [], tools: '', estimated_minutes: 30, estimated_fee: { minor: 0, currency: 'CNY' }, risks: '' },
    });
    // The lifecycle checks consent on the order carrying it; a device may not list it.
    expect(status(detail(o, ['record_diagnosis']))).toMatchObject({ consent: 'next' });
    // When even the plan may not change, the plan is waiting for approval.
    expect(reason(detail(o, ['add_photo']), 'consent')).toBe('errors.order.plan_approval_missing');
  });

  it('a test that failed, or an objection, sends the visit back to testing', () => {
    const o = doc({
      state: 'in_repair',
      contacts: [{ id: 'c1', at: '', by: 'u', channel: 'phone', reached: true, note: '' }],
      visits: [{ id: 'v1', by: 'u', checked_in_at: '', id_shown_at: 'x', checked_out_at: null }],
      fault_confirmed: { at: '', by: 'u', note: 'E21' },
      consent: { customer_name: 'Liu', at: '', recorded_by: 'u', fee_agreed: null },
      steps: [{ id: 's', at: '', by: 'u', description: 'pump', minutes: 30 }],
      tests: [{ id: 't', at: '2026-11-23T10:00:00Z', by: 'u', passed: true, notes: '', care_advice_given: true }],
      objections: [{ id: 'ob', at: '2026-11-23T10:10:00Z', signer: 'Liu', text: 'noise' }],
    });
    const d = detail(o, ['add_repair_step', 'use_part', 'record_test', 'add_photo']);
    expect(status(d)).toMatchObject({ repair: 'done', parts: 'open', test: 'next', sign_off: 'locked' });
  });

  it('a void sign-off blocks closing and says so', () => {
    const o = doc({
      state: 'signed_off',
      sign_off: { signer: 'Liu', at: '', captured_by: 'u', rating: 5, signature_blob: 'h', digest: 'd' },
      steps: [{ id: 's', at: '', by: 'u', description: 'pump', minutes: 30 }],
      tests: [{ id: 't', at: '', by: 'u', passed: true, notes: '', care_advice_given: true }],
    });
    const d = detail(o, ['add_photo'], { sign_off: 'void' });
    expect(status(d)).toMatchObject({ sign_off: 'locked', close: 'locked' });
    expect(reason(d, 'close')).not.toBeNull();
  });

  it('a mail-in order has no check-in step', () => {
    const d = detail(doc({ mode: 'mail_in' }), ['log_contact']);
    expect(visitSteps(d).map((s) => s.id)).not.toContain('check_in');
  });

  it('on hold, every step waiting says to resume first', () => {
    const o = doc({ state: 'on_hold', hold: { kind: 'waiting_for_parts', reason: 'board', from: 'in_repair', at: '', by: 'u' } });
    expect(reason(detail(o, ['resume']), 'test')).toBe('errors.order.on_hold');
  });

  it('a closed order has every step done', () => {
    const o = doc({
      state: 'closed',
      contacts: [{ id: 'c1', at: '', by: 'u', channel: 'phone', reached: true, note: '' }],
      visits: [{ id: 'v1', by: 'u', checked_in_at: '', id_shown_at: 'x', checked_out_at: 'y' }],
      fault_confirmed: { at: '', by: 'u', note: 'E21' },
      diagnosis: { at: '', by: 'u', cause: 'c', plan: 'p', parts: [], tools: '', estimated_minutes: 1, estimated_fee: { minor: 0, currency: 'CNY' }, risks: '' },
      consent: { customer_name: 'Liu', at: '', recorded_by: 'u', fee_agreed: null },
      steps: [{ id: 's', at: '', by: 'u', description: 'pump', minutes: 30 }],
      tests: [{ id: 't', at: '', by: 'u', passed: true, notes: '', care_advice_given: true }],
      sign_off: { signer: 'Liu', at: '', captured_by: 'u', rating: 5, signature_blob: 'h', digest: 'd' },
    });
    const s = status(detail(o, ['add_photo']));
    expect(Object.entries(s).filter(([id, st]) => st !== 'done' && !['parts', 'photos'].includes(id))).toEqual([]);
    expect(nextStep(visitSteps(detail(o, ['add_photo'])))).toBeNull();
  });
});
