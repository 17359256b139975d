// A minimal W3C WebDriver client over fetch, for driving the real app through
// tauri-driver. The protocol is a handful of JSON calls; a full client library would
// try to manage browsers we do not have.
import { spawn } from 'node:child_process';
import { createConnection } from 'node:net';
import { waitFor } from './support.mjs';

const ELEMENT = 'element-6066-11e4-a52e-4f735466cecf';

function portOpen(port) {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => (socket.end(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

/**
 * Starts tauri-driver on `port` and resolves once it accepts connections. The app it
 * launches inherits `env`, which is how each app instance gets its own data folder.
 */
export async function startTauriDriver(port, env = {}) {
  const driver = spawn('tauri-driver', ['--port', String(port), '--native-port', String(port + 1)], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, ...env },
  });
  let exited = null;
  driver.once('exit', (code) => (exited = code));
  await waitFor(`tauri-driver on port ${port}`, async () => {
    if (exited !== null) throw new Error(`tauri-driver exited with ${exited}`);
    return portOpen(port);
  });
  return driver;
}

export class Session {
  constructor(base, id) {
    this.base = base;
    this.id = id;
  }

  /** Opens the app at `application`; no browserName, which WebKitWebDriver would reject. */
  static async create(port, application) {
    const base = `http://127.0.0.1:${port}`;
    const value = await call(base, 'POST', '/session', {
      capabilities: { alwaysMatch: { 'tauri:options': { application } } },
    });
    return new Session(base, value.sessionId);
  }

  cmd(method, path, body) {
    return call(this.base, method, `/session/${this.id}${path}`, body);
  }

  async find(css) {
    const el = await this.cmd('POST', '/element', { using: 'css selector', value: css });
    return el[ELEMENT];
  }

  /** The visible text of the first element matching `css`, waiting until it has some. */
  async textOf(css, { matching = /\S/ } = {}) {
    return waitFor(`text matching ${matching} in ${css}`, async () => {
      const text = await this.cmd('GET', `/element/${await this.find(css)}/text`);
      return matching.test(text) ? text : null;
    });
  }

  async click(css) {
    await this.cmd('POST', `/element/${await this.find(css)}/click`, {});
  }

  async screenshot() {
    return Buffer.from(await this.cmd('GET', '/screenshot'), 'base64');
  }

  async close() {
    await this.cmd('DELETE', '');
  }
}

async function call(base, method, path, body) {
  const res = await fetch(base + path, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await res.json();
  if (!res.ok || json.value?.error) {
    throw new Error(`${method} ${path}: ${json.value?.error ?? res.status} ${json.value?.message ?? ''}`);
  }
  return json.value;
}
