// The browser side of the Chromium tests: the built UI served by vite preview, Debian's
// Chromium, and pages whose every invoke goes to one development bridge (backend.mjs).
import assert from 'node:assert/strict';
import { preview } from 'vite';
import { chromium } from 'playwright-core';
import { bridgeScript } from './backend.mjs';
import { screenshotPath } from './support.mjs';

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

/** The desk's layout bar: no sideways scrolling, no text under 16 px, no drop-down cut short. */
export async function assertFitsDesk(page, label) {
  const report = await page.evaluate(() => ({
    scrollWidth: document.scrollingElement.scrollWidth,
    innerWidth,
    tiny: [...document.querySelectorAll('body *')]
      .filter((el) => [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim()))
      .filter((el) => el.getBoundingClientRect().width > 0 && !el.closest('.visually-hidden'))
      .filter((el) => parseFloat(getComputedStyle(el).fontSize) < 16)
      .map((el) => `${el.tagName} “${el.textContent.trim().slice(0, 30)}”`),
    // A drop-down narrower than its chosen option shows “hour…”: lay the option's words
    // out in the select's own font and compare with the room the select leaves them
    // (its left padding, and about 20 px for the arrow, which sits in its right padding).
    cut: (() => {
      const probe = document.body.appendChild(document.createElement('span'));
      probe.style.cssText = 'position: absolute; visibility: hidden; white-space: pre; left: -9999px';
      const out = [...document.querySelectorAll('select')]
        .filter((el) => el.getBoundingClientRect().width > 0 && !el.closest('.visually-hidden'))
        .filter((el) => {
          const style = getComputedStyle(el);
          for (const p of ['fontFamily', 'fontSize', 'fontWeight', 'fontStyle', 'letterSpacing']) probe.style[p] = style[p];
          probe.textContent = el.selectedOptions[0]?.textContent ?? '';
          const room = el.getBoundingClientRect().width - parseFloat(style.paddingLeft) - Math.max(parseFloat(style.paddingRight), 20) - parseFloat(style.borderLeftWidth) - parseFloat(style.borderRightWidth);
          return probe.getBoundingClientRect().width > room + 0.5;
        })
        .map((el) => `${el.dataset.testid ?? el.name ?? 'select'} “${el.selectedOptions[0]?.textContent}” ${Math.round(el.getBoundingClientRect().width)} px`);
      probe.remove();
      return out;
    })(),
  }));
  assert.ok(report.scrollWidth <= report.innerWidth, `${label}: no horizontal scrolling`);
  assert.deepEqual(report.tiny, [], `${label}: no text below 16 px`);
  if (report.cut.length) await page.screenshot({ path: screenshotPath(`failed-${label.replace(/\W+/g, '-')}`) });
  assert.deepEqual(report.cut, [], `${label}: every drop-down shows its chosen option whole`);
}
