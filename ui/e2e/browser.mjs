// The browser side of the Chromium tests: the built UI served by vite preview, Debian's
// Chromium, and pages whose every invoke goes to one development bridge (backend.mjs).
import assert from 'node:assert/strict';
import { preview } from 'vite';
import { chromium } from 'playwright-core';
import { bridgeScript } from './backend.mjs';

const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
];

/** The office face's window. */
export const DESK = { viewport: { width: 1280, height: 800 } };
/** A technician's phone. */
export const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };

/** Serves ui/dist and starts Chromium; `open` makes pages, `close` ends both. */
export async function startUi() {
  const script = await bridgeScript();
  const server = await preview({ preview: { port: 0, strictPort: false }, logLevel: 'warn' });
  const closeServer = () => new Promise((resolve) => server.httpServer.close(resolve));
  let browser;
  try {
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  } catch (err) {
    await closeServer();
    throw err;
  }
  return {
    url: server.resolvedUrls.local[0],
    /**
     * A page in a new browser context (`options`: viewport, locale …) whose invokes go to
     * `bridge`; its script errors and console errors are pushed onto `problems`.
     */
    async open(bridge, options, problems = []) {
      const context = await browser.newContext(options);
      await context.addInitScript({ content: `window.__ONSITE_BRIDGE__ = ${JSON.stringify(bridge)};` });
      await context.addInitScript({ content: script });
      const page = await context.newPage();
      page.on('pageerror', (err) => problems.push(String(err)));
      page.on('console', (msg) => msg.type() === 'error' && !/Failed to load resource/.test(msg.text()) && problems.push(msg.text()));
      return { context, page, problems };
    },
    async close() {
      await browser.close();
      await closeServer();
    },
  };
}

/** The desk's layout bar: no sideways scrolling and no text under 16 px. */
export async function assertFitsDesk(page, label) {
  const report = await page.evaluate(() => ({
    scrollWidth: document.scrollingElement.scrollWidth,
    innerWidth,
    tiny: [...document.querySelectorAll('body *')]
      .filter((el) => [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim()))
      .filter((el) => el.getBoundingClientRect().width > 0 && !el.closest('.visually-hidden'))
      .filter((el) => parseFloat(getComputedStyle(el).fontSize) < 16)
      .map((el) => `${el.tagName} “${el.textContent.trim().slice(0, 30)}”`),
  }));
  assert.ok(report.scrollWidth <= report.innerWidth, `${label}: no horizontal scrolling`);
  assert.deepEqual(report.tiny, [], `${label}: no text below 16 px`);
}
