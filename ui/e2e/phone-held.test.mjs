// The technician's notice of a held change at phone size (390×844, touch) in Debian's
// Chromium, against the real backend (backend.mjs): a technician's device that was
// tampered with (its store edited to claim the supervisor's role, as a modified app
// could) cancels one of its orders; the server holds the change. The phone shows the
// held-back notice on that order with the reason in the reader's language, and after a
// supervisor (another device) discards or releases it, the notice is gone once the phone
// syncs again. In English (en-GB) and Chinese.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Backend, PASSWORD } from './backend.mjs';
import { startUi, PHONE } from './browser.mjs';
import { screenshotPath, waitFor } from './support.mjs';

let ui;
let backend;
let desk;

/**
 * A technician's device with one cancellation the server holds. The store claims the
 * supervisor's role only while the change is made: the face the app shows follows the
 * stored role, and the technician is meant to see the phone, as their own app would.
 */
async function heldPhone(name, login) {
  const bridge = await backend.device(name);
  await backend.call(bridge, 'sign_in', { server: backend.url, login, password: PASSWORD });
  const mine = await backend.call(bridge, 'list_orders', { query: {} });
  const order = mine.find((o) => o.state === 'dispatched' || o.state === 'contacted');
  assert.ok(order, `${login} has an open order to cancel`);
  backend.claimRole(name, 'supervisor');
  await backend.call(bridge, 'order_op', { id: order.id, op: { op: 'cancel', reason: '客户不修了' } });
  await backend.call(bridge, 'sync_now');
  backend.claimRole(name, 'technician');
  const page = await backend.call(bridge, 'get_order', { id: order.id });
  assert.ok(page.quarantined, `the server holds the cancellation of ${order.number}`);
  return { bridge, order };
}

async function open(bridge, locale, order) {
  const problems = [];
  const { context, page } = await ui.open(bridge, { ...PHONE, locale }, problems);
  await page.goto(`${ui.url}#/order/${order.id}`);
  await page.getByTestId('order-customer').waitFor();
  return { context, page, problems };
}

/** The supervisor's decision on the held change for `order`, from the desk's device. */
async function decide(order, what, note) {
  const held = await backend.call(desk, 'list_held_changes', { all: false });
  const mine = held.find((h) => h.doc_id === order.id);
  assert.ok(mine, `the supervisor sees the held change of ${order.number}`);
  await backend.call(desk, `${what}_held_change`, { id: mine.id, note });
}

/** No sideways scrolling at the phone's width. */
async function assertNoSideways(page, label) {
  const { scrollWidth, innerWidth } = await page.evaluate(() => ({ scrollWidth: document.scrollingElement.scrollWidth, innerWidth }));
  assert.ok(scrollWidth <= innerWidth, `${label}: no horizontal scrolling (${scrollWidth} > ${innerWidth})`);
}

before(async () => {
  backend = await new Backend().start();
  desk = await backend.device('desk');
  await backend.call(desk, 'sign_in', { server: backend.url, login: 'supervisor', password: PASSWORD });
  ui = await startUi();
});

after(async () => {
  await ui?.close();
  await backend?.close();
});

test('in English, the held cancellation is noticed on the order; after a discard and a sync it is gone', async () => {
  const { bridge, order } = await heldPhone('phone-en', 'tech');
  const { context, page, problems } = await open(bridge, 'en-GB', order);
  const notice = page.getByTestId('alert-quarantined');
  await notice.waitFor();
  assert.equal(await notice.locator('strong').innerText(), 'The office held back a change made on this device.');
  assert.equal(await notice.locator('.detail').innerText(), 'The role “Technician” may not make this change');
  await assertNoSideways(page, 'en held notice');
  await notice.scrollIntoViewIfNeeded();
  await page.screenshot({ path: screenshotPath('phone-en-held') });

  await decide(order, 'discard', 'Customer still wants the repair');
  await page.getByTestId('sync-now').tap();
  await waitFor('the notice to go after the sync', async () => (await notice.count()) === 0);
  assert.equal((await backend.call(bridge, 'get_order', { id: order.id })).quarantined, null, 'Rust agrees: nothing held');
  await page.screenshot({ path: screenshotPath('phone-en-held-decided') });
  assert.deepEqual(problems, [], 'no script errors');
  await context.close();
});

test('in Chinese, the reason is in Chinese words; after a release and a sync the notice is gone', async () => {
  const { bridge, order } = await heldPhone('phone-zh', 'tech2');
  const { context, page, problems } = await open(bridge, 'zh-CN', order);
  const notice = page.getByTestId('alert-quarantined');
  await notice.waitFor();
  assert.equal(await notice.locator('strong').innerText(), '本机的一处改动被服务中心退回。');
  const reason = await notice.locator('.detail').innerText();
  assert.equal(reason, '维修工程师无权进行这项改动');
  assert.doesNotMatch(reason, /[A-Za-z]/, 'no Latin letters in the reason');
  await assertNoSideways(page, 'zh held notice');
  await notice.scrollIntoViewIfNeeded();
  await page.screenshot({ path: screenshotPath('phone-zh-held') });

  await decide(order, 'release', '客户电话确认取消');
  await page.getByTestId('sync-now').tap();
  await waitFor('the notice to go after the sync', async () => (await notice.count()) === 0);
  const after = await backend.call(bridge, 'get_order', { id: order.id });
  assert.equal(after.quarantined, null, 'Rust agrees: nothing held');
  assert.equal(after.order.state, 'cancelled', 'released: the cancellation stands');
  await page.getByTestId('state-chip').first().waitFor();
  assert.equal(await page.getByTestId('state-chip').first().getAttribute('data-state'), 'cancelled');
  await page.screenshot({ path: screenshotPath('phone-zh-held-decided') });
  assert.deepEqual(problems, [], 'no script errors');
  await context.close();
});
