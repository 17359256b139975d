// The KPIs (asked of the office, computed there by onsite-core) and the service report
// PDF (made on this device), typed. The bodies are in commands/src/kpi.rs and report.rs;
// the shapes are generated.
import { invoke } from '@tauri-apps/api/core';
import type { KpiQuery, KpiReport, KpiTable, ServiceReport } from './gen/types';

/** The KPIs for `query`, overall and per technician, model and period. */
export function kpi(query: KpiQuery): Promise<KpiReport> {
  return invoke<KpiReport>('kpi', { query });
}

/** One table of the KPIs as CSV (stable English headers). */
export function kpiCsv(query: KpiQuery, table: KpiTable): Promise<string> {
  return invoke<string>('kpi_csv', { query, table });
}

/** Renders and saves the order's service report in `lang` (`zh-CN` or `en`). */
export function serviceReport(id: string, lang: string): Promise<ServiceReport> {
  return invoke<ServiceReport>('service_report', { id, lang });
}

/** The bytes of a `data:` URL as a Blob, for a download link, printing or sharing. */
export function dataUrlBlob(url: string): Blob {
  const [head, body] = url.split(',', 2);
  const type = /^data:([^;]+)/.exec(head)?.[1] ?? 'application/octet-stream';
  const raw = atob(body ?? '');
  const bytes = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
  return new Blob([bytes], { type });
}
