// The words of the quiet sync line: "All changes synced 2 min ago", "3 changes waiting ·
// offline", "Syncing…". Pure, so the wording is tested without a browser.
import type { SyncStatus } from './api';
import { ago } from './format';

export type SyncTone = 'ok' | 'waiting' | 'syncing' | 'offline' | 'problem';

/** An i18n key with its values; a value may itself be a phrase, translated first. */
export interface Phrase {
  key: string;
  values: Record<string, string | number | Phrase>;
}

/** Translates a phrase with any translator (`locale.t`, or i18next's `t` in tests). */
export function say(t: (key: string, values?: Record<string, unknown>) => string, phrase: Phrase): string {
  const values: Record<string, string | number> = {};
  for (const [name, value] of Object.entries(phrase.values)) {
    values[name] = typeof value === 'object' ? say(t, value) : value;
  }
  return t(phrase.key, values);
}

export interface SyncLine {
  tone: SyncTone;
  /** Phrases joined with " · ". */
  parts: Phrase[];
  /** A failure that is not simply "no signal", in plain words (an `errors.*` key). */
  problem: string | null;
}

export function describeSync(status: SyncStatus, now: number): SyncLine {
  const parts: Phrase[] = [];
  const offline = !status.online || status.last_error === 'errors.sync.offline';
  const problem = status.last_error && status.last_error !== 'errors.sync.offline' ? status.last_error : null;

  if (status.syncing) {
    parts.push({ key: 'sync.syncing', values: {} });
    if (status.unsent > 0) parts.push({ key: 'sync.waiting', values: { count: status.unsent } });
    return { tone: 'syncing', parts, problem: null };
  }

  if (status.unsent > 0) {
    parts.push({ key: 'sync.waiting', values: { count: status.unsent } });
  } else if (status.last_sync_at) {
    parts.push({ key: 'sync.all_synced', values: { when: ago(status.last_sync_at, now) } });
  } else {
    parts.push({ key: 'sync.never', values: {} });
  }
  if (offline) parts.push({ key: 'sync.offline', values: {} });

  const tone: SyncTone = problem ? 'problem' : offline ? 'offline' : status.unsent > 0 ? 'waiting' : 'ok';
  return { tone, parts, problem };
}
