// Complaints and return/exchange checks, typed: recording a complaint from intake, the
// complaint desk's list and page, each step of the cycle, and a return or exchange
// claim's eligibility. The bodies and every rule are in the Rust command layer
// (commands/src/complaints.rs, commands/src/intake.rs) and core; the shapes are generated.
import { invoke } from '@tauri-apps/api/core';
import type { Claim, ClaimUnit, ComplaintConflictItem, ComplaintDetail, ComplaintListItem, ComplaintOp, ComplaintScope, Intake, IntakeComplaint, ReturnCheck } from './gen/types';

export function createComplaint(intake: Intake, complaint: IntakeComplaint): Promise<ComplaintDetail> {
  return invoke<ComplaintDetail>('create_complaint', { intake, complaint });
}

export function listComplaints(scope: ComplaintScope): Promise<ComplaintListItem[]> {
  return invoke<ComplaintListItem[]>('list_complaints', { scope });
}

export function orderComplaints(id: string): Promise<ComplaintListItem[]> {
  return invoke<ComplaintListItem[]>('order_complaints', { id });
}

export function getComplaint(id: string): Promise<ComplaintDetail> {
  return invoke<ComplaintDetail>('get_complaint', { id });
}

export function complaintOp(id: string, op: ComplaintOp): Promise<ComplaintDetail> {
  return invoke<ComplaintDetail>('complaint_op', { id, op });
}

/** A return or exchange claim judged as asked today, with every refusal reason; with the
 *  unit (serial, phone), an earlier granted exchange of it adds its ground. */
export function checkReturn(claim: Claim, unit?: ClaimUnit): Promise<ReturnCheck> {
  return invoke<ReturnCheck>('check_return', { claim, unit: unit ?? null });
}

/** Complaints with a decision field written two ways at once, for the supervisor. */
export function complaintConflicts(): Promise<ComplaintConflictItem[]> {
  return invoke<ComplaintConflictItem[]>('complaint_conflicts');
}
