// What every screen may need from the shell, handed down through Svelte context:
// who is signed in, the sync state, and the router.
import { getContext, setContext } from 'svelte';
import type { AppStatus, Me } from './api';
import type { Router } from './router.svelte';
import type { Sync } from './sync.svelte';

export interface Shell {
  readonly me: Me;
  readonly status: AppStatus;
  readonly sync: Sync;
  readonly router: Router;
  /** Called with the status `sign_out` returned. */
  signedOut(status: AppStatus): void;
}

const KEY = Symbol('shell');

export function setShell(shell: Shell): void {
  setContext(KEY, shell);
}

export function getShell(): Shell {
  return getContext<Shell>(KEY);
}
