// The returning customer at intake, typed: the complaints of the customer with a phone
// that are still open. The rule (the same customer is the same phone) is in Rust
// (commands/src/customers.rs, core/src/customers.rs); the shapes are generated.
import { invoke } from '@tauri-apps/api/core';
import type { ComplaintListItem } from './gen/types';

export function customerOpenComplaints(phone: string): Promise<ComplaintListItem[]> {
  return invoke<ComplaintListItem[]>('customer_open_complaints', { phone });
}
