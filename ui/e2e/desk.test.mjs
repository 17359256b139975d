// The office face at 1280×800 in Debian's Chromium, signed in as a supervisor, with the
// Tauri IPC replaced by the in-memory fake in ipc-mock.ts: intake, dispatch, the order
// table (filters in the URL, keyboard), and an order's full record.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { build, preview } from 'vite';
import { chromium } from 'playwright-core';
import { screenshotPath, waitFor } from './support.mjs';

let server;
let browser;
let context;
let page;
let url;
const problems = [];

before(async () => {
  const mock = await build({
    configFile: false,
    logLevel: 'warn',
    build: { write: false, lib: { entry: new URL('./ipc-mock.ts', import.meta.url).pathname, formats: ['iife'], name: 'OnsiteIpcMock' } },
  });
  server = await preview({ preview: { port: 0, strictPort: false }, logLevel: 'warn' });
  url = server.resolvedUrls.local[0];
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--no-first-run'] });
  context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-GB' });
  await context.addInitScript({ content: `window.__ONSITE_MOCK_OPTIONS__ = ${JSON.stringify({ user: 'chen', fresh: true })};` });
  await context.addInitScript({ content: mock[0].output[0].code });
  page = await context.newPage();
  page.on('pageerror', (err) => problems.push(String(err)));
  page.on('console', (msg) => msg.type() === 'error' && problems.push(msg.text()));
  await page.goto(url);
});

after(async () => {
  await browser?.close();
  await new Promise((resolve) => (server ? server.httpServer.close(resolve) : resolve()));
});

async function assertFitsDesk(label) {
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

const rows = () => page.getByTestId('order-row').evaluateAll((els) => els.map((e) => e.textContent.trim()));

test('the order table filters by state, keeps the filters in the URL, and works from the keyboard', async () => {
  await page.getByTestId('orders-table').waitFor();
  assert.equal((await rows()).length, 9, 'every order on the office device');
  await assertFitsDesk('orders');
  await page.screenshot({ path: screenshotPath('desk-en-orders') });

  await page.getByTestId('filter-state').selectOption('contacted');
  await waitFor('two contacted orders', async () => (await rows()).length === 2);
  assert.match(await page.evaluate(() => location.hash), /^#\/orders\?state=contacted$/);
  await page.getByTestId('filter-sla').selectOption('breached');
  await waitFor('one overdue contacted order', async () => (await rows()).length === 1);
  assert.deepEqual(await rows(), ['WO-2026-000104']);

  await page.reload();
  await page.getByTestId('orders-table').waitFor();
  assert.equal(await page.getByTestId('filter-state').inputValue(), 'contacted', 'the bookmarked view keeps its filters');
  assert.equal(await page.getByTestId('filter-sla').inputValue(), 'breached');
  assert.deepEqual(await rows(), ['WO-2026-000104']);

  await page.getByRole('button', { name: 'Clear filters' }).click();
  await waitFor('all orders again', async () => (await rows()).length === 9);
  await page.getByTestId('filter-text').fill('郑磊');
  await waitFor('the order found by customer name', async () => (await rows()).length === 1);
  assert.match(await page.evaluate(() => location.hash), /q=/);
  await page.getByRole('button', { name: 'Clear filters' }).click();
  await waitFor('all orders again', async () => (await rows()).length === 9);

  // Keyboard: arrows move between rows, Enter opens one.
  const all = await rows();
  await page.getByTestId('order-row').first().focus();
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowDown');
  assert.equal(await page.evaluate(() => document.activeElement.textContent.trim()), all[2]);
  await page.keyboard.press('Enter');
  await waitFor('the order page', async () => (await page.getByTestId('order-number').textContent()) === all[2]);
  await page.goBack();
  await page.getByTestId('orders-table').waitFor();
});

test('the table header stays in view while the rows scroll', async () => {
  await page.setViewportSize({ width: 1280, height: 520 });
  const head = page.locator('[data-testid=orders-table] thead th').first();
  const wrap = page.locator('.table-wrap');
  await wrap.evaluate((el) => el.scrollBy(0, 200));
  assert.ok((await wrap.evaluate((el) => el.scrollTop)) > 100, 'the rows did scroll');
  const top = (await wrap.boundingBox()).y;
  const after = (await head.boundingBox()).y;
  assert.ok(after >= top && after <= top + 1, `the header sits at the top of the scrolled table (${after} vs ${top})`);
  await page.setViewportSize({ width: 1280, height: 800 });
});

test('an order shows everything: record, history with devices, signature, photos; a supervisor reopens it', async () => {
  await page.goto(`${url}#/order/order-108`);
  await page.getByTestId('signature-image').waitFor();
  assert.ok((await page.getByTestId('change-history').locator('tbody tr').count()) >= 1);
  assert.match(await page.getByTestId('change-history').innerText(), /01936b2e-7c1a-7def-8a00-desk00000001/, 'the device of each change');
  assert.match(await page.getByTestId('state-history').innerText(), /Signed off[\s\S]*Closed/);
  await page.getByTestId('photo-thumb').waitFor();
  await assertFitsDesk('order detail');
  await page.screenshot({ path: screenshotPath('desk-en-order-closed'), fullPage: true });

  await page.getByTestId('order-reopen').click();
  await page.getByTestId('action-confirm').click();
  assert.match(await page.getByRole('alert').first().innerText(), /Give a reason/);
  await page.getByTestId('action-reason').fill('Customer called: suction weak again');
  await page.getByTestId('action-confirm').click();
  await waitFor('the order back in repair', async () => (await page.getByTestId('state-chip').first().getAttribute('data-state')) === 'in_repair');
});

test('a supervisor settles a conflict by choosing the value that stands', async () => {
  await page.goto(`${url}#/order/order-105`);
  await page.getByTestId('flags-panel').waitFor();
  assert.match(await page.getByTestId('order-alerts').innerText(), /signature no longer covers/);
  await page.screenshot({ path: screenshotPath('desk-en-order-flags'), fullPage: true });
  const conflict = page.getByTestId('flag').filter({ hasText: 'Two devices recorded a different order state' });
  await conflict.getByLabel('Signed off').check();
  await conflict.getByTestId('flag-note').fill('Customer signed; cancellation was a mistake');
  await conflict.getByTestId('flag-resolve-submit').click();
  await waitFor('the flag resolved', async () => /Resolved by 陈静[\s\S]*kept: Signed off/.test(await page.getByTestId('flags-panel').innerText()));
  assert.doesNotMatch(await page.getByTestId('order-alerts').innerText(), /Two devices recorded/);
});

test('intake shows the warranty as soon as the purchase date is known, and creates the order', async () => {
  await page.getByTestId('nav-intake').click();
  await page.getByTestId('intake-name').fill('黄晓明');
  await page.getByTestId('intake-phone').fill('130 1234 0000');
  await page.getByTestId('intake-address').fill('上海市嘉定区城中路 20 号');
  await page.getByTestId('intake-model').fill('海尔 XQB80 波轮洗衣机');
  await page.getByTestId('intake-serial').fill('XQ2201-10001');
  const recent = new Date(Date.now() - 200 * 86_400_000).toISOString().slice(0, 10);
  await page.getByTestId('intake-purchase-date').fill(recent);
  await waitFor('in warranty', async () => /In warranty until[\s\S]*free repair/.test(await page.getByTestId('warranty-note').innerText()));
  await page.getByTestId('intake-purchase-date').fill('2019-05-01');
  await waitFor('expired', async () => /Warranty ended[\s\S]*chargeable repair/.test(await page.getByTestId('warranty-note').innerText()));
  await page.getByTestId('intake-description').fill('洗衣机不进水');
  await page.getByTestId('intake-fault-code').fill('E11');
  await assertFitsDesk('intake');
  await page.screenshot({ path: screenshotPath('desk-en-intake'), fullPage: true });
  await page.getByTestId('intake-submit').click();
  await waitFor('the new order page', async () => (await page.getByTestId('order-number').count()) === 1);
  assert.equal(await page.getByTestId('order-number').textContent(), 'WO-2026-000110');
  assert.equal(await page.getByTestId('state-chip').first().getAttribute('data-state'), 'new');
});

test('intake finds a returning customer by phone and fills in their details', async () => {
  await page.getByTestId('nav-intake').click();
  await page.getByTestId('intake-phone').fill('13800138001');
  const known = page.getByTestId('intake-known');
  await known.waitFor();
  await known.getByRole('button').first().click();
  assert.notEqual(await page.getByTestId('intake-name').inputValue(), '', 'the name is filled in');
  assert.notEqual(await page.getByTestId('intake-address').inputValue(), '', 'the address is filled in');
  await waitFor('the suggestions to close', async () => (await known.count()) === 0);
  await assertFitsDesk('intake with a known customer');
  await page.getByTestId('intake-phone').fill('');
  await page.getByTestId('intake-name').fill('');
  await page.getByTestId('intake-address').fill('');
});

test('dispatch: pick the order, a technician and a window, all from the keyboard', async () => {
  await page.getByTestId('nav-dispatch').click();
  await page.getByTestId('dispatch-waiting').waitFor();
  assert.match(await page.getByTestId('dispatch-waiting').innerText(), /WO-2026-000110/);
  const waiting = page.getByTestId('dispatch-waiting');
  await waiting.getByLabel('WO-2026-000110 黄晓明').focus();
  await page.keyboard.press('Space');
  const techs = page.getByTestId('dispatch-techs');
  await techs.getByLabel(/王伟/).focus();
  await page.keyboard.press('Space');
  await page.getByTestId('dispatch-start').fill('13:00');
  await page.getByTestId('dispatch-end').fill('15:00');
  await assertFitsDesk('dispatch');
  await page.screenshot({ path: screenshotPath('desk-en-dispatch'), fullPage: true });
  await page.getByTestId('dispatch-submit').focus();
  await page.keyboard.press('Enter');
  await waitFor('dispatched', async () => /WO-2026-000110 dispatched to 王伟/.test(await page.getByTestId('dispatch-done').innerText()));
  assert.match(await page.getByTestId('dispatch-booked').innerText(), /WO-2026-000110[\s\S]*王伟/);
  assert.doesNotMatch(await waiting.innerText(), /WO-2026-000110/);
  assert.match(await techs.innerText(), /王伟\s*3 visits/, 'his load for today went up');
});

test('the office face in Chinese', async () => {
  await page.getByTestId('nav-settings').click();
  await page.getByTestId('language-select').selectOption('zh-CN');
  await page.getByTestId('nav-orders').click();
  await page.getByRole('heading', { name: '工单' }).waitFor();
  assert.match(await page.getByTestId('orders-table').innerText(), /工单号[\s\S]*工程师 · 上门时间/);
  await assertFitsDesk('orders in Chinese');
  await page.screenshot({ path: screenshotPath('desk-zh-orders') });
  await page.getByTestId('nav-dispatch').click();
  await page.getByTestId('dispatch-techs').waitFor();
  await page.screenshot({ path: screenshotPath('desk-zh-dispatch') });
  await page.goto(`${url}#/order/order-105`);
  await page.getByTestId('flags-panel').waitFor();
  await page.screenshot({ path: screenshotPath('desk-zh-order'), fullPage: true });
  assert.deepEqual(problems, [], 'no script errors');
});
