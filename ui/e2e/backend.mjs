// The real backend for the Chromium tests: a seeded onsite-server on a free loopback
// port, and one development bridge per device (its own data folder), each serving the
// Rust command layer to one browser page. To go offline, stop the server.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import { waitFor } from './support.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const targetDir = process.env.CARGO_TARGET_DIR || join(process.env.HOME ?? '', '.cache', 'onsite', 'target');
const serverBin = process.env.ONSITE_SERVER || join(targetDir, 'debug', 'onsite-server');
const bridgeBin = process.env.ONSITE_BRIDGE || join(targetDir, 'debug', 'onsite-bridge');

/** The password of every demo account (sync-server/src/seed.rs). */
export const PASSWORD = 'onsite-demo';

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/** The page script that forwards every invoke to a bridge, built once. */
export async function bridgeScript() {
  const out = await build({
    configFile: false,
    logLevel: 'warn',
    root: join(root, 'ui'),
    build: { write: false, lib: { entry: join(root, 'ui', 'e2e', 'ipc-bridge.ts'), formats: ['iife'], name: 'OnsiteBridge' } },
  });
  return out[0].output[0].code;
}

export class Backend {
  constructor() {
    this.work = mkdtempSync(join(tmpdir(), 'onsite-chromium-'));
    this.bridges = [];
  }

  /** Seeds the demo office and starts the server. */
  async start() {
    const seeded = spawnSync(serverBin, ['seed-demo', '--data', join(this.work, 'server')], { encoding: 'utf8' });
    if (seeded.status !== 0) throw new Error(`seed-demo failed (${serverBin}): ${seeded.stderr}`);
    this.port = await freePort();
    this.url = `http://127.0.0.1:${this.port}`;
    await this.startServer();
    return this;
  }

  async startServer() {
    this.server = spawn(serverBin, ['serve', '--data', join(this.work, 'server'), '--listen', `127.0.0.1:${this.port}`], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    await waitFor('the sync server to answer /health', async () => (await fetch(`${this.url}/health`).catch(() => null))?.ok);
  }

  /** Kills the server, as a lost signal would look to the devices. */
  async stopServer() {
    const exited = new Promise((resolve) => this.server.once('exit', resolve));
    this.server.kill('SIGKILL');
    await exited;
  }

  /** A new device: a bridge on its own data folder. Resolves to its address. */
  async device(name) {
    const child = spawn(bridgeBin, ['--data', join(this.work, name), '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
    this.bridges.push(child);
    const address = await new Promise((resolve, reject) => {
      let seen = '';
      child.once('exit', (code) => reject(new Error(`onsite-bridge (${bridgeBin}) exited with ${code}`)));
      child.stdout.on('data', (chunk) => {
        seen += chunk;
        const found = /listening on (http:\/\/\S+)/.exec(seen);
        if (found) resolve(found[1]);
      });
    });
    return address;
  }

  /**
   * Edits a device's own store to claim `role` for its user, as a modified app could.
   * The bridge's sync loop may be writing at that moment, so the edit waits up to 10 s
   * for the store's lock (the sqlite3 shell's default is to fail at once).
   */
  claimRole(device, role) {
    const db = join(this.work, device, 'onsite.db');
    execFileSync('sqlite3', ['-cmd', '.timeout 10000', db,
      `UPDATE device_meta SET value = json_set(value, '$.role', '${role}') WHERE key = 'account';`]);
  }

  /** Calls a command on a device's bridge, as the UI would. */
  async call(bridge, command, args = {}) {
    const res = await fetch(`${bridge}/invoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ command, args }),
    });
    const body = await res.json();
    if (!res.ok) throw new Error(`${command}: ${body.code} ${body.message}`);
    return body;
  }

  async close() {
    for (const b of this.bridges) b.kill('SIGKILL');
    this.server?.kill('SIGKILL');
    rmSync(this.work, { recursive: true, force: true });
  }
}
