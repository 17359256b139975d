// The office face at 1280×800 in Debian's Chromium, signed in as a supervisor, against
// the real backend: a seeded onsite-server and a development bridge serving the Rust
// command layer (see backend.mjs): intake, dispatch, the order table (filters in the
// URL, keyboard), and an order's full record.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Backend, PASSWORD } from './backend.mjs';
import { startUi, DESK, assertFitsDesk } from './browser.mjs';
import { screenshotPath, waitFor } from './support.mjs';

let context;
let page;
let ui;
let backend;
let bridge;
/** The office's orders as Rust lists them, by customer name. */
const orders = {};
let list = [];
let total = 0;
const problems = [];

before(async () => {
  backend = await new Backend().start();
  bridge = await backend.device('desk');
  await backend.call(bridge, 'sign_in', { server: backend.url, login: 'supervisor', password: PASSWORD });
  list = await backend.call(bridge, 'list_orders', { query: {} });
  total = list.length;
  for (const o of list) orders[o.customer_name] ??= o;
  ui = await startUi();
  ({ context, page } = await ui.open(bridge, { ...DESK, locale: 'en-GB' }, problems));
  await page.goto(ui.url);
});

after(async () => {
  await ui?.close();
  await backend?.close();
});

const rows = () => page.getByTestId('order-row').evaluateAll((els) => els.map((e) => e.textContent.trim()));

test('the order table filters by state, keeps the filters in the URL, and works from the keyboard', async () => {
  await page.getByTestId('orders-table').waitFor();
  await waitFor('every order on the office device', async () => (await rows()).length === total);
  await assertFitsDesk(page, 'orders');
  await page.screenshot({ path: screenshotPath('desk-en-orders') });

  // The demo, seeded around now, has exactly one breached order (on hold for a part).
  const late = list.filter((o) => o.sla === 'breached');
  assert.equal(late.length, 1, `one breached order in the demo: ${JSON.stringify(list.map((o) => [o.state, o.sla]))}`);
  const [{ state, number: overdue }] = late;
  assert.ok(list.filter((o) => o.sla === 'at_risk').length >= 2, 'and a few at risk');
  await page.getByTestId('filter-state').selectOption(state);
  await waitFor(`the ${state} orders`, async () => (await rows()).length === list.filter((o) => o.state === state).length);
  assert.equal(await page.evaluate(() => location.hash), `#/orders?state=${state}`);
  await page.getByTestId('filter-sla').selectOption('breached');
  await waitFor('the overdue order', async () => (await rows()).length === 1);
  assert.deepEqual(await rows(), [overdue]);

  await page.reload();
  await page.getByTestId('orders-table').waitFor();
  assert.equal(await page.getByTestId('filter-state').inputValue(), state, 'the bookmarked view keeps its filters');
  assert.equal(await page.getByTestId('filter-sla').inputValue(), 'breached');
  await waitFor('the same row', async () => JSON.stringify(await rows()) === JSON.stringify([overdue]));

  await page.getByRole('button', { name: 'Clear filters' }).click();
  await waitFor('all orders again', async () => (await rows()).length === total);
  await page.getByTestId('filter-text').fill('陈晨');
  await waitFor('the order found by customer name', async () => (await rows()).length === 1);
  assert.match(await page.evaluate(() => location.hash), /q=/);
  await page.getByRole('button', { name: 'Clear filters' }).click();
  await waitFor('all orders again', async () => (await rows()).length === total);

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
  await page.setViewportSize({ width: 1280, height: 420 });
  const head = page.locator('[data-testid=orders-table] thead th').first();
  const wrap = page.locator('.table-wrap');
  await wrap.evaluate((el) => el.scrollBy(0, 200));
  assert.ok((await wrap.evaluate((el) => el.scrollTop)) > 100, 'the rows did scroll');
  const top = (await wrap.boundingBox()).y;
  const after = (await head.boundingBox()).y;
  assert.ok(after >= top && after <= top + 1, `the header sits at the top of the scrolled table (${after} vs ${top})`);
  await page.setViewportSize({ width: 1280, height: 800 });
});

test('an order shows its record and history with devices; a supervisor reopens it', async () => {
  const closed = orders['周杰'];
  await page.goto(`${ui.url}#/order/${closed.id}`);
  await page.getByTestId('change-history').waitFor();
  assert.ok((await page.getByTestId('change-history').locator('tbody tr').count()) >= 5, 'every change, from the document');
  assert.match(await page.getByTestId('state-history').innerText(), /Signed off[\s\S]*Closed/);
  await assertFitsDesk(page, 'order detail');
  await page.screenshot({ path: screenshotPath('desk-en-order-closed'), fullPage: true });

  await page.getByTestId('order-reopen').click();
  await page.getByTestId('action-confirm').click();
  assert.match(await page.getByRole('alert').first().innerText(), /Give a reason/);
  await page.getByTestId('action-reason').fill('Customer called: cooling weak again');
  await page.getByTestId('action-confirm').click();
  await waitFor('the order reopened', async () => (await page.getByTestId('state-chip').first().getAttribute('data-state')) !== 'closed');
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
  await assertFitsDesk(page, 'intake');
  await page.screenshot({ path: screenshotPath('desk-en-intake'), fullPage: true });
  await page.getByTestId('intake-submit').click();
  await waitFor('the new order page', async () => (await page.getByTestId('order-number').count()) === 1);
  newNumber = await page.getByTestId('order-number').textContent();
  assert.match(newNumber, /^WO-\d{8}-[0-9A-F]{6}$/, 'numbered by the rule in Rust');
  assert.equal(await page.getByTestId('state-chip').first().getAttribute('data-state'), 'new');
});

let newNumber;

test('intake finds a returning customer by phone and fills in their details', async () => {
  await page.getByTestId('nav-intake').click();
  await page.getByTestId('intake-phone').fill('13800138001');
  const known = page.getByTestId('intake-known');
  await known.waitFor();
  await known.getByRole('button').first().click();
  assert.notEqual(await page.getByTestId('intake-name').inputValue(), '', 'the name is filled in');
  assert.notEqual(await page.getByTestId('intake-address').inputValue(), '', 'the address is filled in');
  await waitFor('the suggestions to close', async () => (await known.count()) === 0);
  await assertFitsDesk(page, 'intake with a known customer');
  await page.getByTestId('intake-phone').fill('');
  await page.getByTestId('intake-name').fill('');
  await page.getByTestId('intake-address').fill('');
});

test('dispatch: pick the order, a technician and a window, all from the keyboard', async () => {
  await page.getByTestId('nav-dispatch').click();
  await page.getByTestId('dispatch-waiting').waitFor();
  const waiting = page.getByTestId('dispatch-waiting');
  await waitFor('the new order waiting', async () => (await waiting.innerText()).includes(newNumber));
  const techs = page.getByTestId('dispatch-techs');
  const loadOf = async () => Number(/李伟\s*(\d+) visit/.exec(await techs.innerText())?.[1] ?? 0);
  const before = await loadOf();
  await waiting.getByLabel(`${newNumber} 黄晓明`).focus();
  await page.keyboard.press('Space');
  await techs.getByLabel(/李伟/).focus();
  await page.keyboard.press('Space');
  await page.getByTestId('dispatch-start').fill('13:00');
  await page.getByTestId('dispatch-end').fill('15:00');
  await assertFitsDesk(page, 'dispatch');
  await page.screenshot({ path: screenshotPath('desk-en-dispatch'), fullPage: true });
  await page.getByTestId('dispatch-submit').focus();
  await page.keyboard.press('Enter');
  await waitFor('dispatched', async () => new RegExp(`${newNumber} dispatched to 李伟`).test(await page.getByTestId('dispatch-done').innerText()));
  // The board reloads the day's bookings after saying it is done.
  await waitFor('the order booked on the day', async () =>
    new RegExp(`${newNumber}[\\s\\S]*李伟`).test(await page.getByTestId('dispatch-booked').innerText()));
  assert.doesNotMatch(await waiting.innerText(), new RegExp(newNumber));
  await waitFor('his load for the day went up', async () => (await loadOf()) === before + 1);
});

test('the office face in Chinese', async () => {
  await page.getByTestId('nav-settings').click();
  await page.getByTestId('language-select').selectOption('zh-CN');
  await page.getByTestId('nav-orders').click();
  await page.getByRole('heading', { name: '工单' }).waitFor();
  assert.match(await page.getByTestId('orders-table').innerText(), /工单号[\s\S]*工程师 · 上门时间/);
  await assertFitsDesk(page, 'orders in Chinese');
  await page.screenshot({ path: screenshotPath('desk-zh-orders') });
  await page.getByTestId('nav-dispatch').click();
  await page.getByTestId('dispatch-techs').waitFor();
  await page.screenshot({ path: screenshotPath('desk-zh-dispatch') });
  await page.goto(`${ui.url}#/order/${orders['周杰'].id}`);
  await page.getByTestId('change-history').waitFor();
  await page.screenshot({ path: screenshotPath('desk-zh-order'), fullPage: true });
  assert.deepEqual(problems, [], 'no script errors');
});
