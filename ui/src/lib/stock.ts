// Stock counts (盘点), over-use resolution and the stock views, typed. The bodies are in
// the Rust command layer (commands/src/stock.rs) and the server; the shapes are generated.
import { invoke } from '@tauri-apps/api/core';
import type {
  CountCommand,
  CountList,
  CountView,
  HistoryEntry,
  MovementFilter,
  OverUseResolution,
  StockMinimum,
  StockRow,
} from './gen/types';

/** Every count; offline, the ones this device holds (`offline` says which). */
export function stockCounts(): Promise<CountList> {
  return invoke<CountList>('stock_counts');
}

/** One count: the office's copy after this device's queued figures went out, or offline the device's own. */
export function stockCount(id: string): Promise<CountView> {
  return invoke<CountView>('stock_count', { id });
}

/** Open, enter a figure (works offline), or approve. */
export function countAction(command: CountCommand): Promise<CountView> {
  return invoke<CountView>('stock_count_action', { command });
}

/** Settles a stock over-use flag with a movement and resolves it. */
export function resolveOverUse(resolution: OverUseResolution): Promise<null> {
  return invoke<null>('resolve_over_use', { resolution });
}

export function stockLevels(): Promise<StockRow[]> {
  return invoke<StockRow[]>('stock_levels');
}

export function setMinimum(minimum: StockMinimum): Promise<StockRow[]> {
  return invoke<StockRow[]>('stock_set_minimum', { minimum });
}

export function stockHistory(filter: MovementFilter): Promise<HistoryEntry[]> {
  return invoke<HistoryEntry[]>('stock_history', { filter });
}

/** The filtered history as CSV text (stable English headers). */
export function stockHistoryCsv(filter: MovementFilter): Promise<string> {
  return invoke<string>('stock_history_csv', { filter });
}
