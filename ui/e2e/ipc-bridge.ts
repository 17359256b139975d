// Runs in the page before the app: every `invoke` goes to the development bridge
// (commands/src/bin/onsite-bridge.rs), which calls the same Rust command functions the
// Tauri shell does, on a real device store signed in to a real onsite-server. No shape
// or rule is re-implemented here. `window.__ONSITE_BRIDGE__` is the bridge's address.
import { mockIPC } from '@tauri-apps/api/mocks';

interface Internals {
  invoke: (cmd: string, args?: unknown, options?: { headers?: Record<string, string> }) => Promise<unknown>;
}

declare global {
  interface Window {
    __ONSITE_BRIDGE__: string;
    /** Every call the page made, for tests that check what the UI sent. */
    __onsiteCalls: { cmd: string; args: unknown }[];
    __TAURI_INTERNALS__: Internals;
  }
}

window.__onsiteCalls = [];

async function answer(res: Response): Promise<unknown> {
  const body = await res.json();
  // A refusal arrives as `{code, message, details}`, exactly as Tauri rejects with it.
  if (!res.ok) throw body;
  return body;
}

mockIPC(async (cmd, payload) => {
  window.__onsiteCalls.push({ cmd, args: payload });
  return answer(
    await fetch(`${window.__ONSITE_BRIDGE__}/invoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ command: cmd, args: payload ?? {} }),
    }),
  );
});

// A raw body (add_photo) carries its other arguments in headers, which mockIPC's
// callback does not see: send those calls as bytes, with the headers as the query.
const internals = window.__TAURI_INTERNALS__;
const forward = internals.invoke;
internals.invoke = async (cmd, args, options) => {
  if (!(args instanceof Uint8Array)) return forward(cmd, args, options);
  const headers = options?.headers ?? {};
  const query = new URLSearchParams({
    id: headers['x-order-id'] ?? '',
    caption: decodeURIComponent(headers['x-caption'] ?? ''),
  });
  window.__onsiteCalls.push({ cmd, args: { bytes: args.byteLength, id: query.get('id') } });
  return answer(await fetch(`${window.__ONSITE_BRIDGE__}/invoke/${cmd}?${query}`, { method: 'POST', body: new Blob([args as Uint8Array<ArrayBuffer>]) }));
};
