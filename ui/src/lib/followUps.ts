// Follow-ups 回访, typed: the queue of calls owed (after closing, and the periodic calls
// of long-term and key customers), recording one, and the complaint an unsatisfied score
// starts. The bodies and every rule are in Rust (commands/src/follow_ups.rs,
// core/src/follow_ups.rs); the shapes are generated.
import { invoke } from '@tauri-apps/api/core';
import type { ComplaintDetail, FollowUpComplaint, FollowUpInput, FollowUpQueue, FollowUpRecorded } from './gen/types';

export function followUpQueue(): Promise<FollowUpQueue> {
  return invoke<FollowUpQueue>('follow_up_queue');
}

export function recordFollowUp(id: string, input: FollowUpInput): Promise<FollowUpRecorded> {
  return invoke<FollowUpRecorded>('record_follow_up', { id, input });
}

export function complaintFromFollowUp(id: string, start: FollowUpComplaint): Promise<ComplaintDetail> {
  return invoke<ComplaintDetail>('complaint_from_follow_up', { id, start });
}
