// The real desktop app, built by cargo, driven through tauri-driver and WebKitWebDriver.
// Run under xvfb-run; ONSITE_APP points at the binary.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Session, startTauriDriver } from './webdriver.mjs';
import { screenshotPath } from './support.mjs';

const app = process.env.ONSITE_APP;
const PORT = 4444;
let driver;
let session;
let dataDir;

before(async () => {
  assert.ok(app, 'ONSITE_APP must name the built app binary');
  dataDir = mkdtempSync(join(tmpdir(), 'onsite-e2e-'));
  driver = await startTauriDriver(PORT, { ONSITE_DATA_DIR: dataDir, LANG: 'en_US.UTF-8', LANGUAGE: 'en_US' });
  session = await Session.create(PORT, app);
});

after(async () => {
  await session?.close().catch(() => {});
  driver?.kill();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

test('the app window opens on the today screen with the device status', async () => {
  assert.equal(await session.textOf('#today-title'), "Today's orders");
  assert.match(await session.textOf('[data-testid=status-line]'), /Not signed in/);
  writeFileSync(screenshotPath('app-today'), await session.screenshot());
});

test('settings shows the device id the Rust store created', async () => {
  await session.click('[data-testid=nav-settings]');
  const id = await session.textOf('[data-testid=device-id]', { matching: /^[0-9a-f-]{36}$/ });
  assert.equal(id[14], '7', 'device ids are UUID v7');
  writeFileSync(screenshotPath('app-settings'), await session.screenshot());
});
