// The app's Tauri commands, typed. Every call into Rust goes through here so that errors
// always arrive as a stable code the UI can translate. The Rust side is
// src-tauri/src/commands/*.rs; the shapes below are what it serialises.
import { invoke } from '@tauri-apps/api/core';

// ---------------------------------------------------------------------------------------
// Shared shapes

export type Role = 'technician' | 'dispatcher' | 'support' | 'supervisor' | 'storekeeper';

export type OrderState =
  | 'new'
  | 'dispatched'
  | 'contacted'
  | 'on_site'
  | 'received'
  | 'plan_agreed'
  | 'in_repair'
  | 'tested'
  | 'signed_off'
  | 'shipped_back'
  | 'closed'
  | 'cancelled'
  | 'on_hold';

export type SlaStatus = 'on_track' | 'at_risk' | 'breached' | 'paused';
export type SignOffStatus = 'none' | 'valid' | 'void';

/** Integer minor units (fen) plus ISO 4217 code. Never a float. */
export interface Money {
  minor: number;
  currency: string;
}

export interface TimeWindow {
  start: string; // RFC 3339, UTC
  end: string;
}

/** An error from a command, as the Rust side serialises it. */
export interface CommandError {
  code: string;
  message: string;
  /** Values for the translated message, e.g. `{ unsent: 3 }`. */
  details?: Record<string, string | number>;
}

// ---------------------------------------------------------------------------------------
// Session and sync

export interface Me {
  id: string;
  login: string;
  name: string;
  role: Role;
}

export interface AppStatus {
  version: string;
  device_id: string;
  /** The server this device is enrolled with, if the user has signed in. */
  server: string | null;
  /** Who is signed in on this device. Technicians get the phone face, office roles the desk. */
  user: Me | null;
}

export interface SyncStatus {
  /** The last sync attempt reached the server. */
  online: boolean;
  /** A sync round is running right now. */
  syncing: boolean;
  last_sync_at: string | null;
  /** Documents with changes the server has not acknowledged yet. */
  unsent: number;
  /** i18n key of the last sync's failure (`errors.sync.offline`, …), null after a success. */
  last_error: string | null;
  clock_offset_ms: number | null;
  /** Grows whenever a sync brought something in: views reload when it changes. */
  data_version: number;
}

// ---------------------------------------------------------------------------------------
// Orders

export interface OrderQuery {
  /** Order states to include; empty or absent means all. */
  states?: OrderState[];
  /** A technician's user id. */
  assignee?: string;
  /** Only unassigned orders (dispatch board). */
  unassigned?: boolean;
  sla?: SlaStatus;
  /** Customer name, phone, address, serial, model or order number; Chinese works per character. */
  text?: string;
  /** Scheduled or created on/after this instant (RFC 3339). */
  from?: string;
  /** …and before this instant. */
  to?: string;
  limit?: number;
}

export interface OrderListItem {
  id: string;
  number: string;
  state: OrderState;
  assignee: string | null;
  assignee_name: string | null;
  customer_name: string;
  phone: string;
  address: string;
  product_model: string;
  serial: string;
  window: TimeWindow | null;
  /** The earliest running SLA deadline. */
  due_at: string | null;
  sla: SlaStatus | null;
  sign_off: SignOffStatus;
  /** Open (unresolved) flags on the order. */
  open_flags: number;
  /** This device has changes to the order the server has not acknowledged yet. */
  unsent: boolean;
  updated_at: string;
}

export type FlagKind =
  | 'stock_over_use'
  | 'conflict'
  | 'sign_off_void'
  | 'sla_at_risk'
  | 'sla_breached'
  | 'quarantined';

/** Something the server (or the device) found that a person must look at. */
export interface Flag {
  id: string;
  kind: FlagKind;
  /** What it is about: a part number, a field name (`state`, `fee`…), an SLA clock name. */
  subject: string;
  /** Plain-language detail, already in the words of the people involved. */
  detail: string;
  /** The role that should deal with it. */
  for_role: Role;
  raised_at: string;
  resolution: { by: string; at: string; note: string; choice: string | null } | null;
}

export interface ClockView {
  /** SLA clock name, e.g. `contact`, `arrival`, `repair` (i18n key `sla.clock.<name>`). */
  clock: string;
  status: SlaStatus;
  deadline: string;
  running: boolean;
}

export interface ConflictView {
  /** Field name, e.g. `state`, `assignee`, `fee`. */
  field: string;
  /** Each concurrent value, as a display string (states and ids as stored). */
  values: string[];
}

/**
 * The whole order as the Rust `OrderDoc` serialises (see core/src/doc/order.rs and
 * core/src/records/order.rs), plus what the device works out about it.
 */
export interface OrderDetail {
  order: OrderDoc;
  clocks: ClockView[];
  sign_off: SignOffStatus;
  conflicts: ConflictView[];
  /** Warranty on today's date, from the purchase date. */
  warranty: WarrantyStatus;
  chargeable: boolean;
  /** Ops the signed-in user may apply now (their `op` tags), in the visit's order. */
  allowed: string[];
  /** User id → display name, for history and records. */
  people: Record<string, string>;
  /** Every change to the order, oldest first: who did what, when, on which device. */
  changes: { at: string; by: string; role: Role | null; op: string; device: string }[];
  unsent: boolean;
  /** The server held back a change from this device (quarantine), in plain words. */
  quarantined: { code: string; reason: string } | null;
}

/** Mirrors `OrderDoc` (snake_case JSON). Only the fields the UI reads are typed strictly. */
export interface OrderDoc {
  id: string;
  number: string;
  request: {
    id: string;
    channel: string;
    classification: string;
    received_at: string;
    description: string;
    fault_since: string | null;
    external_damage: string;
  };
  customer: { id: string; name: string; phone: string; address: string; tier: string };
  product: { model: string; serial: string; purchase_date: string | null; delivered_on: string | null };
  mode: 'on_site' | 'mail_in' | 'carry_in';
  priority: 'normal' | 'emergency';
  fault_code: string;
  customer_damage: boolean;
  charge: string;
  state: OrderState;
  assignee: string | null;
  schedule: TimeWindow | null;
  dispatched_at: string | null;
  contacts: { id: string; at: string; by: string; channel: string; reached: boolean; note: string }[];
  visits: {
    id: string;
    by: string;
    checked_in_at: string;
    id_shown_at: string | null;
    checked_out_at: string | null;
  }[];
  fault_confirmed: { at: string; by: string; note: string } | null;
  diagnosis: {
    at: string;
    by: string;
    cause: string;
    plan: string;
    parts: string[];
    tools: string;
    estimated_minutes: number;
    estimated_fee: Money;
    risks: string;
  } | null;
  plan_approval: { by: { user: string; role: Role }; at: string; note: string } | null;
  consent: { customer_name: string; at: string; recorded_by: string; fee_agreed: Money | null } | null;
  fee: Money;
  steps: { id: string; at: string; by: string; description: string; minutes: number }[];
  parts: {
    id: string;
    at: string;
    by: string;
    part: string;
    part_number: string;
    quantity: number;
    serials_new: string[];
    serials_old: string[];
    location: string;
  }[];
  tests: { id: string; at: string; by: string; passed: boolean; notes: string; care_advice_given: boolean }[];
  objections: { id: string; at: string; signer: string; text: string }[];
  sign_off: {
    signer: string;
    at: string;
    captured_by: string;
    rating: number | null;
    signature_blob: string;
    digest: string;
  } | null;
  closed_at: string | null;
  hold: { kind: string; reason: string; from: OrderState; at: string; by: string } | null;
  cancellation: { at: string; by: string; reason: string } | null;
  photos: { hash: string; caption: string; at: string; by: string }[];
  comments: { id: string; at: string; by: { user: string; role: Role }; text: string }[];
  history: { id: string; at: string; by: string; role: Role; from: OrderState; to: OrderState; reason: string; pauses_clocks: boolean }[];
  flags: Flag[];
  [other: string]: unknown;
}

export type WarrantyStatus =
  | { status: 'in_warranty'; until: string }
  | { status: 'expired'; since: string }
  | { status: 'no_proof_of_purchase' };

/**
 * One edit of an order, exactly as Rust's `OrderOp` deserialises it (`{"op": "check_in", …}`).
 * Record ids (`id`, `visit`) are made by the UI with `newId()` so a retried op is recognised.
 */
export type OrderOp =
  | { op: 'dispatch'; assignee: string; window: TimeWindow | null }
  | { op: 'assign'; assignee: string }
  | { op: 'schedule'; window: TimeWindow }
  | { op: 'log_contact'; id: string; channel: 'phone' | 'sms' | 'we_chat' | 'in_person' | 'email'; reached: boolean; note: string }
  | { op: 'check_in'; visit: string }
  | { op: 'show_work_id' }
  | { op: 'check_out' }
  | { op: 'confirm_fault'; note: string }
  | {
      op: 'record_diagnosis';
      cause: string;
      plan: string;
      parts: string[];
      tools: string;
      estimated_minutes: number;
      estimated_fee: Money;
      risks: string;
    }
  | { op: 'approve_plan'; note: string }
  | { op: 'record_consent'; customer_name: string; fee_agreed: Money | null }
  | { op: 'add_repair_step'; id: string; description: string; minutes: number }
  | { op: 'remove_part'; id: string }
  | { op: 'record_test'; id: string; passed: boolean; notes: string; care_advice_given: boolean }
  | { op: 'object'; id: string; signer: string; text: string }
  | { op: 'close' }
  | { op: 'cancel'; reason: string }
  | { op: 'hold'; kind: string; reason: string }
  | { op: 'resume' }
  | { op: 'reopen'; reason: string }
  | { op: 'comment'; id: string; text: string }
  | { op: 'resolve_flag'; id: string; note: string; choice: string | null };

/** A new request taken at the office (intake). */
export interface Intake {
  channel: 'phone' | 'we_chat' | 'website' | 'app' | 'email' | 'walk_in';
  customer: { name: string; phone: string; address: string; key_account: boolean };
  product: { model: string; serial: string; purchase_date: string | null }; // YYYY-MM-DD
  fault_code: string;
  description: string;
  mode: 'on_site' | 'mail_in' | 'carry_in';
  priority: 'normal' | 'emergency';
}

// ---------------------------------------------------------------------------------------
// Parts and staff (reference data, cached on the device at each sync)

export interface Part {
  id: string;
  number: string;
  name: string;
  unit: string;
  price: Money;
  serialized: boolean;
  certified: boolean;
  /** Barcode a keyboard-wedge scanner types (EAN-13 or the part number). */
  barcode: string;
}

export interface VanStockItem {
  part: Part;
  /** Units in the technician's van as this device knows; below zero means over-used. */
  quantity: number;
}

export interface StaffMember {
  id: string;
  name: string;
  role: Role;
  /** Orders assigned to them and scheduled on the given day. */
  load: number;
}

/** A strokes capture from signature_pad: `toData()` plus the canvas size in CSS px. */
export interface SignatureInput {
  width: number;
  height: number;
  strokes: unknown[];
}

// ---------------------------------------------------------------------------------------
// Commands

export function appStatus(): Promise<AppStatus> {
  return invoke<AppStatus>('app_status');
}

/** Signs in to `server` (e.g. `http://127.0.0.1:8787`) and enrolls this device. */
export function signIn(server: string, login: string, password: string): Promise<AppStatus> {
  return invoke<AppStatus>('sign_in', { server, login, password });
}

/**
 * Signs out and removes this device's data. Fails with `errors.session.unsent_changes`
 * (details.unsent) unless everything is synced or `discardUnsent` is true.
 */
export function signOut(discardUnsent: boolean): Promise<AppStatus> {
  return invoke<AppStatus>('sign_out', { discardUnsent });
}

export function syncStatus(): Promise<SyncStatus> {
  return invoke<SyncStatus>('sync_status');
}

/** Syncs now and resolves when the round is over (with its outcome in the status). */
export function syncNow(): Promise<SyncStatus> {
  return invoke<SyncStatus>('sync_now');
}

export function listOrders(query: OrderQuery): Promise<OrderListItem[]> {
  return invoke<OrderListItem[]>('list_orders', { query });
}

export function getOrder(id: string): Promise<OrderDetail> {
  return invoke<OrderDetail>('get_order', { id });
}

/** Applies one op; refused ops reject with the rule's code, e.g. `errors.order.consent_missing`. */
export function applyOrderOp(id: string, op: OrderOp): Promise<OrderDetail> {
  return invoke<OrderDetail>('order_op', { id, op });
}

/** Records a part used from this technician's van. Serials are required for serialized parts. */
export function usePart(
  id: string,
  recordId: string,
  partId: string,
  quantity: number,
  serialsNew: string[],
  serialsOld: string[],
): Promise<OrderDetail> {
  return invoke<OrderDetail>('use_part', { id, recordId, partId, quantity, serialsNew, serialsOld });
}

/** Adds a photo (any JPEG/PNG/WebP bytes; EXIF is removed on the device). */
export function addPhoto(id: string, bytes: Uint8Array, caption: string): Promise<OrderDetail> {
  return invoke<OrderDetail>('add_photo', { id, bytes: Array.from(bytes), caption });
}

/** Stores the customer's signature and signs the order off. */
export function signOff(
  id: string,
  signature: SignatureInput,
  signer: string,
  rating: number | null,
): Promise<OrderDetail> {
  return invoke<OrderDetail>('sign_off', { id, signature, signer, rating });
}

/** A photo, thumbnail or signature as a `data:` URL, or null if this device does not have it yet. */
export function blobUrl(hash: string, thumbnail: boolean): Promise<string | null> {
  return invoke<string | null>('blob_url', { hash, thumbnail });
}

/** Office intake: the request becomes a repair order, or with `answer` is closed as a consultation. */
export function createOrder(intake: Intake, answer: string | null): Promise<OrderDetail> {
  return invoke<OrderDetail>('create_order', { intake, answer });
}

/** Warranty and chargeability for a purchase date (YYYY-MM-DD), shown live on intake. */
export function checkWarranty(purchaseDate: string | null): Promise<{ warranty: WarrantyStatus; chargeable: boolean }> {
  return invoke('check_warranty', { purchaseDate });
}

export function vanStock(): Promise<VanStockItem[]> {
  return invoke<VanStockItem[]>('van_stock');
}

/** Parts catalog search by number, name or barcode. */
export function findParts(text: string): Promise<Part[]> {
  return invoke<Part[]>('find_parts', { text });
}

/** Staff with their load on `day` (YYYY-MM-DD, local). */
export function staff(day: string): Promise<StaffMember[]> {
  return invoke<StaffMember[]>('staff', { day });
}

// ---------------------------------------------------------------------------------------
// Helpers

/** The i18n key to show for anything a command threw. Raw errors never reach the screen. */
export function errorKey(err: unknown): string {
  if (typeof err === 'object' && err !== null && 'code' in err) {
    const code = (err as CommandError).code;
    if (typeof code === 'string' && code.startsWith('errors.')) return code;
  }
  return 'errors.unknown';
}

/** Interpolation values that came with an error, if any. */
export function errorDetails(err: unknown): Record<string, string | number> {
  if (typeof err === 'object' && err !== null && 'details' in err) {
    const details = (err as CommandError).details;
    if (details && typeof details === 'object') return details;
  }
  return {};
}

/** A fresh record id (UUID v4 from the platform's CSPRNG). */
export function newId(): string {
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
