// The customer, typed: the complaints still open of the customer with a phone (for the
// warning at intake), the search by phone or name, one customer's history, and the tier
// the office sets. The rules (the same customer is the same phone, who may set a tier,
// the tier a new order starts with) are in Rust (commands/src/customers.rs,
// core/src/customers.rs); the shapes are generated.
import { invoke } from '@tauri-apps/api/core';
import type { ComplaintListItem, CustomerHistory, CustomerSummary, CustomerTier } from './gen/types';

export const TIERS: readonly CustomerTier[] = ['regular', 'long_term', 'key_account'];

export function customerOpenComplaints(phone: string): Promise<ComplaintListItem[]> {
  return invoke<ComplaintListItem[]>('customer_open_complaints', { phone });
}

export function customerSearch(query: string): Promise<CustomerSummary[]> {
  return invoke<CustomerSummary[]>('customer_search', { query });
}

export function customerHistory(key: string): Promise<CustomerHistory> {
  return invoke<CustomerHistory>('customer_history', { key });
}

export function setCustomerTier(key: string, tier: CustomerTier): Promise<CustomerHistory> {
  return invoke<CustomerHistory>('set_customer_tier', { key, tier });
}
