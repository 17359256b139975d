// Sync state for the status line and for views that reload when a sync brought
// something in. `sync_status` is local and cheap, so it is polled every few seconds.
import { errorKey, syncNow, syncStatus, type SyncStatus } from './api';

export const POLL_MS = 3000;

export class Sync {
  status = $state<SyncStatus | null>(null);
  /** Wall clock at the last poll, so "2 min ago" moves on by itself. */
  now = $state(Date.now());
  /** `data_version` as last seen; views read it in an effect to reload. */
  dataVersion = $state(0);
  /** The status itself could not be read (an `errors.*` key). */
  error = $state<string | null>(null);
  running = $state(false);
  #timer: ReturnType<typeof setInterval> | null = null;

  start(): void {
    if (this.#timer !== null) return;
    void this.poll();
    this.#timer = setInterval(() => void this.poll(), POLL_MS);
  }

  stop(): void {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
  }

  async poll(): Promise<void> {
    try {
      this.#take(await syncStatus());
      this.error = null;
    } catch (err) {
      this.error = errorKey(err);
    }
    this.now = Date.now();
  }

  async syncNow(): Promise<void> {
    if (this.running) return;
    this.running = true;
    if (this.status) this.status = { ...this.status, syncing: true };
    try {
      this.#take(await syncNow());
      this.error = null;
    } catch (err) {
      this.error = errorKey(err);
      await this.poll();
    } finally {
      this.running = false;
      this.now = Date.now();
    }
  }

  #take(status: SyncStatus): void {
    this.status = status;
    if (status.data_version !== this.dataVersion) this.dataVersion = status.data_version;
  }
}
