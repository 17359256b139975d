// The office's set-up commands (catalog, stock, people), typed. The bodies are in the Rust
// command layer (commands/src/office.rs) and the server; the shapes are generated.
import { invoke } from '@tauri-apps/api/core';
import type { ImportReport, OfficeArea, Part, PeopleAction, PeopleOverview, StockAction, StockOverview } from './gen/types';

/** The set-up areas the signed-in role administers (the desk shows only these). */
export function officeAreas(): Promise<OfficeArea[]> {
  return invoke<OfficeArea[]>('office_areas');
}

export function officeCatalog(): Promise<Part[]> {
  return invoke<Part[]>('office_catalog');
}

/** Adds or edits a part; a new one gets its id from `newId()`. */
export function savePart(part: Part): Promise<Part> {
  return invoke<Part>('office_save_part', { part });
}

/**
 * Imports a CSV catalog whole, or rejects with the row and column at fault in `details`.
 * The file goes as it is on disk (its bytes, base64): Rust reads UTF-8 or the GBK that
 * Chinese Excel saves.
 */
export async function importCatalog(file: Blob): Promise<ImportReport> {
  return invoke<ImportReport>('office_import_catalog', { file: await base64(file) });
}

/** A file's bytes as base64, without the data URL's prefix. */
function base64(file: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result).replace(/^data:[^,]*,/, ''));
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(file);
  });
}

export function officeStock(): Promise<StockOverview> {
  return invoke<StockOverview>('office_stock');
}

/** A warehouse, a receipt or a transfer; answers the stock as it stands after it. */
export function stockAction(action: StockAction): Promise<StockOverview> {
  return invoke<StockOverview>('office_stock_action', { action });
}

export function officePeople(): Promise<PeopleOverview> {
  return invoke<PeopleOverview>('office_people');
}

/** An account or device action; answers the people screen as it stands after it. */
export function peopleAction(action: PeopleAction): Promise<PeopleOverview> {
  return invoke<PeopleOverview>('office_people_action', { action });
}

/** Serials typed one per line or separated by commas. */
export function serialList(text: string): string[] {
  return text
    .split(/[\n,，]/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}
