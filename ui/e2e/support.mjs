// Shared by the browser tests: where screenshots go, and waiting on a condition with a
// deadline (never a fixed sleep).
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const screenshotDir = join(root, 'target', 'e2e-screenshots');
mkdirSync(screenshotDir, { recursive: true });

export function screenshotPath(name) {
  return join(screenshotDir, `${name}.png`);
}

/** Calls `probe` until it returns a truthy value, failing loudly at the deadline. */
export async function waitFor(what, probe, { timeoutMs = 20_000, intervalMs = 100 } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${last}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
