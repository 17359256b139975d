// The UI at phone size (390×844, touch) in Debian's Chromium, with the Tauri IPC mocked.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { build, preview } from 'vite';
import { chromium } from 'playwright-core';
import { screenshotPath } from './support.mjs';

const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
];

let server;
let browser;
let page;

before(async () => {
  const mock = await build({
    configFile: false,
    logLevel: 'warn',
    build: {
      write: false,
      lib: { entry: new URL('./ipc-mock.ts', import.meta.url).pathname, formats: ['iife'], name: 'OnsiteIpcMock' },
    },
  });
  const mockCode = mock[0].output[0].code;

  server = await preview({ preview: { port: 0, strictPort: false }, logLevel: 'warn' });
  const url = server.resolvedUrls.local[0];

  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  const context = await browser.newContext({
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
    locale: 'en-US',
  });
  await context.addInitScript({ content: mockCode });
  page = await context.newPage();
  const problems = [];
  page.on('pageerror', (err) => problems.push(err));
  page.on('console', (msg) => msg.type() === 'error' && problems.push(msg.text()));
  await page.goto(url);
  await page.getByTestId('status-line').waitFor();
  assert.deepEqual(problems, [], 'the page loads without script errors');
});

after(async () => {
  await browser?.close();
  await new Promise((resolve) => (server ? server.httpServer.close(resolve) : resolve()));
});

async function assertFitsPhone(label) {
  const { scrollWidth, clientWidth } = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    clientWidth: document.documentElement.clientWidth,
  }));
  assert.ok(scrollWidth <= clientWidth, `${label}: no horizontal scrolling (${scrollWidth} > ${clientWidth})`);

  const small = await page.evaluate(() =>
    [...document.querySelectorAll('button, a[href], select, input, textarea')]
      .map((el) => ({ el, box: el.getBoundingClientRect() }))
      .filter(({ box }) => box.width > 0 && (box.height < 44 || box.width < 44))
      .map(({ el, box }) => `${el.outerHTML.slice(0, 60)} ${box.width}×${box.height}`),
  );
  assert.deepEqual(small, [], `${label}: every control is at least 44 px for a gloved thumb`);
}

test('today screen fits a phone and says how orders will arrive', async () => {
  await assertFitsPhone('today');
  await page.getByRole('heading', { name: "Today's orders" }).waitFor();
  assert.match(await page.getByTestId('status-line').innerText(), /Not signed in/);
  await page.screenshot({ path: screenshotPath('phone-today-en') });
});

test('settings shows the device and switches the whole UI to Chinese', async () => {
  await page.getByTestId('nav-settings').tap();
  assert.equal(await page.getByTestId('device-id').innerText(), '01936b2e-7c1a-7def-8a00-phone0000001');
  await assertFitsPhone('settings');

  await page.getByTestId('language-select').selectOption('zh-CN');
  await page.getByRole('heading', { name: '设置' }).waitFor();
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'zh-CN');
  await page.getByTestId('nav-today').tap();
  await page.getByRole('heading', { name: '今日工单' }).waitFor();
  assert.match(await page.getByTestId('status-line').innerText(), /未登录/);
  await assertFitsPhone('today in Chinese');
  await page.screenshot({ path: screenshotPath('phone-today-zh') });
});

test('the language choice is kept across a restart', async () => {
  await page.reload();
  await page.getByRole('heading', { name: '今日工单' }).waitFor();
});
