// The app's Tauri commands, typed. Every call into Rust goes through here so that errors
// always arrive as a stable code the UI can translate.
import { invoke } from '@tauri-apps/api/core';

export interface AppStatus {
  version: string;
  device_id: string;
  server: string | null;
}

/** An error from a command, as the Rust side serialises it. */
export interface CommandError {
  code: string;
  message: string;
}

/** The i18n key to show for anything a command threw. Raw errors never reach the screen. */
export function errorKey(err: unknown): string {
  if (typeof err === 'object' && err !== null && 'code' in err) {
    const code = (err as CommandError).code;
    if (typeof code === 'string' && code.startsWith('errors.')) return code;
  }
  return 'errors.unknown';
}

export function appStatus(): Promise<AppStatus> {
  return invoke<AppStatus>('app_status');
}
