// The technician's visit as steps in the rules' order (contact, arrive, confirm, plan and
// consent, repair, parts, test, sign, close), each done, next, open or locked. What may
// be done now comes from `detail.allowed` (the Rust lifecycle); why a step is locked is
// worked out here from what the order is still missing, in the lifecycle's own codes.
import type { OrderDetail, OrderDoc, OrderState } from './api';

export type StepId =
  | 'contact'
  | 'check_in'
  | 'arrive'
  | 'diagnosis'
  | 'consent'
  | 'repair'
  | 'parts'
  | 'photos'
  | 'test'
  | 'sign_off'
  | 'close';

/**
 * done: recorded. next: the one thing to do now (its action sits at the bottom of the
 * screen). open: possible now but not required (more parts, photos, another repair
 * step). locked: not possible yet; `reason` is an i18n key saying why.
 */
export type StepStatus = 'done' | 'next' | 'open' | 'locked';

export interface Step {
  id: StepId;
  status: StepStatus;
  /** Optional steps never become "next" and never hold the visit up. */
  optional: boolean;
  reason: string | null;
}

interface StepRule {
  id: StepId;
  /** The op tags (as in `detail.allowed`) that work this step. */
  ops: string[];
  optional?: boolean;
  done: (o: OrderDoc, d: OrderDetail) => boolean;
  /** The lifecycle code for "this step is missing", used as a later step's lock reason. */
  missing: (o: OrderDoc) => string;
  onSiteOnly?: boolean;
}

const RANK: Record<OrderState, number> = {
  new: 0,
  dispatched: 1,
  contacted: 2,
  on_site: 3,
  received: 3,
  plan_agreed: 4,
  in_repair: 5,
  tested: 6,
  signed_off: 7,
  shipped_back: 8,
  closed: 9,
  cancelled: -1,
  on_hold: -1,
};

/** How far the order has come; an order on hold counts from the state it was held in. */
export function progress(o: OrderDoc): number {
  if (o.state === 'on_hold' && o.hold) return RANK[o.hold.from] ?? 0;
  return RANK[o.state];
}

export function latestTestPassed(o: OrderDoc): boolean {
  const latest = [...o.tests].sort((a, b) => a.at.localeCompare(b.at)).at(-1);
  return latest?.passed ?? false;
}

export function openVisit(o: OrderDoc): OrderDoc['visits'][number] | null {
  const last = o.visits.at(-1);
  return last && last.checked_out_at === null ? last : null;
}

const RULES: StepRule[] = [
  {
    id: 'contact',
    ops: ['log_contact'],
    done: (o) => o.contacts.some((c) => c.reached) || progress(o) >= 2,
    missing: () => 'errors.order.contact_missing',
  },
  {
    id: 'check_in',
    ops: ['check_in'],
    onSiteOnly: true,
    done: (o) => o.visits.length > 0 && progress(o) >= 3,
    missing: () => 'errors.order.not_checked_in',
  },
  {
    id: 'arrive',
    ops: ['show_work_id', 'confirm_fault'],
    done: (o) => o.fault_confirmed !== null && (o.mode !== 'on_site' || o.visits.some((v) => v.id_shown_at !== null)),
    missing: (o) =>
      o.mode === 'on_site' && !o.visits.some((v) => v.id_shown_at !== null)
        ? 'errors.order.work_id_not_shown'
        : 'errors.order.fault_not_confirmed',
  },
  {
    id: 'diagnosis',
    ops: ['record_diagnosis'],
    done: (o) => o.diagnosis !== null,
    missing: () => 'errors.order.plan_missing',
  },
  {
    id: 'consent',
    ops: ['record_consent'],
    done: (o) => o.consent !== null && progress(o) >= 4,
    missing: () => 'errors.order.consent_missing',
  },
  {
    id: 'repair',
    ops: ['add_repair_step'],
    done: (o) => o.steps.length > 0,
    missing: () => 'errors.order.repair_not_started',
  },
  {
    id: 'parts',
    ops: ['use_part'],
    optional: true,
    done: (o) => o.parts.length > 0,
    missing: () => 'errors.order.consent_missing',
  },
  {
    id: 'photos',
    ops: ['add_photo'],
    optional: true,
    done: (o) => o.photos.length > 0,
    missing: () => 'errors.order.not_allowed_in_state',
  },
  {
    id: 'test',
    ops: ['record_test'],
    done: (o) => latestTestPassed(o) && progress(o) >= 6,
    missing: () => 'errors.order.test_not_passed',
  },
  {
    id: 'sign_off',
    ops: ['sign_off', 'object'],
    done: (o, d) => o.sign_off !== null && d.sign_off === 'valid' && progress(o) >= 7,
    missing: () => 'errors.order.sign_off_missing',
  },
  {
    id: 'close',
    ops: ['close'],
    done: (o) => o.state === 'closed',
    missing: () => 'errors.order.sign_off_missing',
  },
];

export function visitSteps(detail: OrderDetail): Step[] {
  const o = detail.order;
  const allowed = new Set(detail.allowed);
  const rules = RULES.filter((r) => !r.onSiteOnly || o.mode === 'on_site');
  const steps: Step[] = [];
  let nextFound = false;
  /** The first required step before this one that is not done yet. */
  let firstGap: StepRule | null = null;

  for (const rule of rules) {
    const done = rule.done(o, detail);
    const can = rule.ops.some((op) => allowed.has(op)) || (rule.id === 'consent' && consentPossible(o, allowed));
    let status: StepStatus;
    let reason: string | null = null;
    if (done) {
      status = 'done';
    } else if (can && !rule.optional && !nextFound) {
      status = 'next';
      nextFound = true;
    } else if (can) {
      status = 'open';
    } else {
      status = 'locked';
      reason = lockReason(o, detail, rule, firstGap);
    }
    steps.push({ id: rule.id, status, optional: rule.optional ?? false, reason });
    if (!done && !rule.optional && firstGap === null) firstGap = rule;
  }
  return steps;
}

/**
 * Consent is checked by the lifecycle on the order *with* the consent being recorded, so
 * a device that checks `record_consent` on the order as it is may never list it. When the
 * plan may still be changed (same rules as consent, short of the consent itself), the
 * consent step is offered; a refusal (plan approval missing) then comes back in words.
 */
function consentPossible(o: OrderDoc, allowed: Set<string>): boolean {
  return o.consent === null && o.diagnosis !== null && allowed.has('record_diagnosis');
}

function lockReason(o: OrderDoc, d: OrderDetail, rule: StepRule, gap: StepRule | null): string {
  if (o.state === 'on_hold') return 'errors.order.on_hold';
  if (o.state === 'cancelled' || o.state === 'closed') return 'visit.locked.finished';
  if (o.state === 'new') return 'visit.locked.not_dispatched';
  if (rule.id === 'close' && d.sign_off === 'void') return 'errors.order.sign_off_void';
  if (gap) return gap.missing(o);
  if (rule.id === 'consent' && o.diagnosis !== null) return 'errors.order.plan_approval_missing';
  return 'visit.locked.not_now';
}

/** The step whose action belongs at the bottom of the screen, if any. */
export function nextStep(steps: Step[]): Step | null {
  return steps.find((s) => s.status === 'next') ?? null;
}
