// The technician's visit as the Rust command layer answers it: the steps in the rules'
// order, each done, next, open or locked, with the lifecycle's refusal as a locked
// step's reason (`detail.steps`, see commands/src/visit.rs). Nothing here decides a
// rule; it only picks from what Rust said.
import type { OrderDetail, OrderDoc } from './api';
import type { StepId, VisitStep } from './gen/types';

export type { StepId, StepStatus } from './gen/types';
export type Step = VisitStep;

export function visitSteps(detail: OrderDetail): Step[] {
  return detail.steps;
}

/** The step whose action belongs at the bottom of the screen, if any. */
export function nextStep(steps: Step[]): Step | null {
  return steps.find((s) => s.status === 'next') ?? null;
}

/** The visit the technician is checked in on, if any (a record, not a rule). */
export function openVisit(o: OrderDoc): OrderDoc['visits'][number] | null {
  const last = o.visits.at(-1);
  return last && last.checked_out_at === null ? last : null;
}

/** Two locked steps in a row with the same reason say it once. */
export function sameReason(a: Step | undefined, b: Step): boolean {
  return (a?.reason?.code ?? null) === (b.reason?.code ?? null) && JSON.stringify(a?.reason?.details ?? null) === JSON.stringify(b.reason?.details ?? null);
}

