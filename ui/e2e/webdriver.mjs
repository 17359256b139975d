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
    // Its own process group, so stopTauriDriver can end WebKitWebDriver and the app with
    // it: an app left running keeps the test runner's output pipe open, and the run hangs.
    detached: true,
  });
  let exited = null;
  driver.once('exit', (code) => (exited = code));
  await waitFor(`tauri-driver on port ${port}`, async () => {
    if (exited !== null) throw new Error(`tauri-driver exited with ${exited}`);
    return portOpen(port);
  });
  return driver;
}

/** Ends tauri-driver and everything it started (WebKitWebDriver, the app). */
export function stopTauriDriver(driver) {
  try {
    process.kill(-driver.pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

export class Session {
  constructor(base, id) {
    this.base = base;
    this.id = id;
  }

  /** Opens the app at `application`; no browserName, which WebKitWebDriver would reject. */
  static async create(port, application) {
    const base = `http://127.0.0.1:${port}`;
    // tauri-driver accepts connections before its WebKitWebDriver does: until then a
    // session request fails to connect, so retry that (and only that) for a while.
    const value = await waitFor(`a WebDriver session on port ${port}`, async () => {
      try {
        return await call(base, 'POST', '/session', {
          capabilities: { alwaysMatch: { 'tauri:options': { application } } },
        });
      } catch (err) {
        if (String(err.cause ?? err).includes('ECONNREFUSED') || String(err).includes('fetch failed')) return null;
        throw err;
      }
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

  /** The first element matching `css`, waiting until there is one. */
  async waitFind(css, timeoutMs) {
    return waitFor(`an element ${css}`, () => this.find(css), { timeoutMs });
  }

  /** Runs `script` (a function body; `arguments` holds `args`) in the page. */
  exec(script, ...args) {
    return this.cmd('POST', '/execute/sync', { script, args });
  }

  /** Types `text` into the field, as the keyboard would, after clearing it. */
  async type(css, text) {
    const el = await this.waitFind(css);
    await this.cmd('POST', `/element/${el}/clear`, {});
    await this.cmd('POST', `/element/${el}/value`, { text });
  }

  /**
   * Sets a date, time or select field the way a picker does (value, then input and change
   * events): typing into native pickers differs from engine to engine.
   */
  async pick(css, value) {
    await this.waitFind(css);
    await this.exec(
      `const el = document.querySelector(arguments[0]);
       el.value = arguments[1];
       el.dispatchEvent(new Event('input', { bubbles: true }));
       el.dispatchEvent(new Event('change', { bubbles: true }));`,
      css,
      value,
    );
  }

  /** Hands a file to an `<input type=file>`, as choosing it in the picker does. */
  async upload(css, path) {
    const el = await this.waitFind(css);
    await this.cmd('POST', `/element/${el}/value`, { text: path });
  }

  /** Draws one stroke with the mouse through `points` ([x, y] from the element's centre). */
  async draw(css, points) {
    const el = await this.waitFind(css);
    await this.exec('arguments[0].scrollIntoView({ block: "center" });', { [ELEMENT]: el });
    const origin = { [ELEMENT]: el };
    const [first, ...rest] = points;
    const actions = [
      { type: 'pointerMove', duration: 0, origin, x: first[0], y: first[1] },
      { type: 'pointerDown', button: 0 },
      ...rest.map(([x, y]) => ({ type: 'pointerMove', duration: 60, origin, x, y })),
      { type: 'pointerUp', button: 0 },
    ];
    await this.cmd('POST', '/actions', {
      actions: [{ type: 'pointer', id: 'finger', parameters: { pointerType: 'mouse' }, actions }],
    });
    await this.cmd('DELETE', '/actions');
  }

  /** The visible text of the first element matching `css`, waiting until it has some. */
  async textOf(css, { matching = /\S/ } = {}) {
    return waitFor(`text matching ${matching} in ${css}`, async () => {
      const text = await this.cmd('GET', `/element/${await this.find(css)}/text`);
      return matching.test(text) ? text : null;
    });
  }

  async click(css) {
    const el = await this.waitFind(css);
    await this.exec('arguments[0].scrollIntoView({ block: "center" });', { [ELEMENT]: el });
    await this.cmd('POST', `/element/${el}/click`, {});
  }

  /** The value of attribute `name` on the first element matching `css`, or null. */
  async attr(css, name) {
    return this.exec(
      'const el = document.querySelector(arguments[0]); return el ? el.getAttribute(arguments[1]) : null;',
      css,
      name,
    );
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
