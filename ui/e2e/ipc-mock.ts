// Stands in for the Rust side when the UI runs in a plain browser: the same commands
// with fixed answers, through Tauri's own IPC mock.
import { mockIPC } from '@tauri-apps/api/mocks';

mockIPC((cmd) => {
  switch (cmd) {
    case 'app_status':
      return { version: '0.1.0', device_id: '01936b2e-7c1a-7def-8a00-phone0000001', server: null };
    default:
      throw { code: 'errors.internal', message: `command ${cmd} is not mocked` };
  }
});
