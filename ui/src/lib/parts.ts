// Finding a part in the van: by typed text, or by the code a keyboard-wedge barcode
// scanner types (EAN-13 or the part number) followed by Enter.
import type { Part, VanStockItem } from './api';

export function partMatches(part: Part, text: string): boolean {
  const needle = text.trim().toLowerCase();
  if (!needle) return true;
  return [part.name, part.number, part.barcode].some((s) => s.toLowerCase().includes(needle));
}

export function filterStock(items: VanStockItem[], text: string): VanStockItem[] {
  return items.filter((i) => partMatches(i.part, text));
}

/** The item whose part's barcode or part number is exactly `code` (a scan). */
export function byCode<T>(items: T[], code: string, partOf: (item: T) => Part): T | null {
  const c = code.trim().toLowerCase();
  if (!c) return null;
  return items.find((i) => partOf(i).barcode.toLowerCase() === c || partOf(i).number.toLowerCase() === c) ?? null;
}
