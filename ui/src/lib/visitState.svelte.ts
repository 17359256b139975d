// One open order on the technician's screen: its detail, whether an edit is running,
// and the last problem in plain words (a refused op's rule, or a field left empty).
import { applyOrderOp, errorDetails, errorKey, getOrder, type OrderDetail, type OrderOp } from './api';
import type { StepId } from './visit';

export interface Problem {
  /** An i18n key: an `errors.*` code from Rust, or a `visit.need.*` hint. */
  key: string;
  values: Record<string, string | number | boolean | null>;
}

export class VisitState {
  readonly id: string;
  detail = $state<OrderDetail | null>(null);
  loadFailure = $state<unknown>(null);
  busy = $state(false);
  problem = $state<Problem | null>(null);
  /** Bumped after each successful edit, so the screen can bring the next step into view. */
  edits = $state(0);
  /** The bottom button's words per step, when a step changes them (sign-off vs objection). */
  primary = $state<Partial<Record<StepId, string>>>({});

  readonly #afterEdit: () => void;

  /** `afterEdit` runs after each successful edit (the shell refreshes the unsent count). */
  constructor(id: string, afterEdit: () => void = () => {}) {
    this.id = id;
    this.#afterEdit = afterEdit;
  }

  async load(): Promise<void> {
    try {
      this.detail = await getOrder(this.id);
      this.loadFailure = null;
    } catch (err) {
      this.loadFailure = err;
    }
  }

  /** Runs one edit; on success the order shown is the one the edit returned. */
  async run(action: () => Promise<OrderDetail>): Promise<boolean> {
    if (this.busy) return false;
    this.busy = true;
    this.problem = null;
    try {
      this.detail = await action();
      this.edits += 1;
      this.#afterEdit();
      return true;
    } catch (err) {
      this.problem = { key: errorKey(err), values: errorDetails(err) };
      return false;
    } finally {
      this.busy = false;
    }
  }

  op(op: OrderOp): Promise<boolean> {
    return this.run(() => applyOrderOp(this.id, op));
  }

  /** A field the technician must fill before the edit can go in. */
  need(key: string, values: Record<string, string | number | boolean | null> = {}): false {
    this.problem = { key, values };
    return false;
  }
}
