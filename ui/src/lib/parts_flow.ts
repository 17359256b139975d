// Parts requisitions, typed: the phone's asks, hand-backs and van (offline, on the device)
// and the desk's requisition queues (online). The bodies and every rule are in the Rust
// command layer (commands/src/requisitions.rs) and core; the shapes are generated.
import { invoke } from '@tauri-apps/api/core';
import type { AskParts, HandBackArgs, QueueEntry, RequestView, RequisitionAction, RequisitionQueue, VanPart } from './gen/types';

export function askParts(args: AskParts): Promise<RequestView> {
  return invoke<RequestView>('ask_parts', { args });
}

export function handBack(args: HandBackArgs): Promise<RequestView> {
  return invoke<RequestView>('hand_back', { args });
}

export function myRequests(): Promise<RequestView[]> {
  return invoke<RequestView[]>('my_requests');
}

export function vanDetail(): Promise<VanPart[]> {
  return invoke<VanPart[]>('van_detail');
}

export function officeRequisitions(): Promise<RequisitionQueue> {
  return invoke<RequisitionQueue>('office_requisitions');
}

export function requisitionAction(id: string, action: RequisitionAction): Promise<RequisitionQueue> {
  return invoke<RequisitionQueue>('office_requisition_action', { id, action });
}

/** The refusal code Rust gave for `action` on this entry, or null when it is open. */
export function refusal(entry: QueueEntry, action: string): string | null {
  const check = entry.checks.find((c) => c.action === action);
  // An action Rust did not answer for is not offered.
  return check ? check.refused : 'errors.requisition.role_not_permitted';
}
