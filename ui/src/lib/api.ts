// The app's commands, typed. Every call into Rust goes through here so that errors
// always arrive as a stable code the UI can translate. The bodies are in the Rust command
// layer (commands/src/*.rs); the shapes are generated from it into ./gen/types.ts and
// re-exported here, never written by hand.
import { invoke } from '@tauri-apps/api/core';
import type {
  AppStatus,
  BoardQuery,
  CalendarDay,
  CalendarScreen,
  CommandError,
  HeldChangeView,
  Intake,
  OrderDetail,
  OrderListItem,
  OrderOp,
  OrderQuery,
  Part,
  SettingsScreen,
  Settings,
  SignatureInput,
  SlaBoard,
  StaffMember,
  SyncStatus,
  VanStockItem,
  WarrantyCheck,
  WorkingWeek,
  WorkshopItem,
} from './gen/types';

export type * from './gen/types';

/** An order's state history entry, a comment … as the order document holds them. */
export type OrderDoc = OrderDetail['order'];

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

export function listOrders(query: Partial<OrderQuery>): Promise<OrderListItem[]> {
  return invoke<OrderListItem[]>('list_orders', { query });
}

/** Every running clock at risk, breached or paused, grouped by clock, least time left first. */
export function slaBoard(query: Partial<BoardQuery>): Promise<SlaBoard> {
  return invoke<SlaBoard>('sla_board', { query });
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

/**
 * Adds a photo (any JPEG/PNG/WebP bytes; EXIF is removed on the device). The bytes go as
 * the raw request body, not as JSON; the order and caption ride in headers.
 */
export function addPhoto(id: string, bytes: Uint8Array, caption: string): Promise<OrderDetail> {
  return invoke<OrderDetail>('add_photo', bytes, {
    headers: { 'x-order-id': id, 'x-caption': encodeURIComponent(caption) },
  });
}

/** Stores the customer's signature and signs the order off. */
export function signOff(
  id: string,
  signature: SignatureInput,
  signer: string,
  rating: number | null,
  objection: string | null = null,
): Promise<OrderDetail> {
  return invoke<OrderDetail>('sign_off', { id, signature, signer, rating, objection });
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
export function checkWarranty(purchaseDate: string | null): Promise<WarrantyCheck> {
  return invoke<WarrantyCheck>('check_warranty', { purchaseDate });
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

/** Every company settings version (from the office server; needs a connection). */
export function companySettings(): Promise<SettingsScreen> {
  return invoke<SettingsScreen>('company_settings');
}

/** Saves the figures as the next version (supervisors; the server checks). */
export function saveSettings(settings: Settings): Promise<SettingsScreen> {
  return invoke<SettingsScreen>('save_settings', { settings });
}

/** The working calendar's listed days and change log. */
export function companyCalendar(): Promise<CalendarScreen> {
  return invoke<CalendarScreen>('company_calendar');
}

/** Replaces the holidays and make-up days of `year` (supervisors). */
export function saveCalendarYear(year: number, days: CalendarDay[]): Promise<CalendarScreen> {
  return invoke<CalendarScreen>('save_calendar_year', { year, days });
}

/** Sets the weekend days, working hours and UTC offset (supervisors; the server checks). */
export function saveWorkingWeek(week: WorkingWeek): Promise<CalendarScreen> {
  return invoke<CalendarScreen>('save_working_week', { week });
}

/** Imports a calendar file (docs/calendar-file.md), all or nothing (supervisors). */
export function importCalendar(text: string): Promise<CalendarScreen> {
  return invoke<CalendarScreen>('import_calendar', { text });
}

/** The changes the server holds for a supervisor's review, oldest first (decided ones too with `all`). */
export function listHeldChanges(all: boolean): Promise<HeldChangeView[]> {
  return invoke<HeldChangeView[]>('list_held_changes', { all });
}

/** Releases a held change: merged into the order as this supervisor's decision, with `note`. */
export function releaseHeldChange(id: string, note: string): Promise<HeldChangeView> {
  return invoke<HeldChangeView>('release_held_change', { id, note });
}

/** Discards a held change: the order stays as it is; `note` says why. */
export function discardHeldChange(id: string, note: string): Promise<HeldChangeView> {
  return invoke<HeldChangeView>('discard_held_change', { id, note });
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
export function errorDetails(err: unknown): Record<string, string | number | boolean | null> {
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

/** The workshop: mail-in and carry-in products received and not yet closed, with their clocks. */
export function workshop(): Promise<WorkshopItem[]> {
  return invoke<WorkshopItem[]>('workshop');
}

/** A mail-in or carry-in product arrives: its condition, the photo of it, the customer's signature at the counter. */
export function receiveProduct(
  id: string,
  condition: string,
  photo: string | null,
  signer: string | null,
  signature: SignatureInput | null,
): Promise<OrderDetail> {
  return invoke<OrderDetail>('receive_product', { id, condition, photo, signer, signature });
}
