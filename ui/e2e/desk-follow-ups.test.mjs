// The follow-up queue 回访 at 1280×800 in Debian's Chromium, against the real backend
// (backend.mjs, the seeded demo office): a service agent finds the order closed yesterday
// in the queue with the customer's phone, records an unsatisfied call, and starts a
// complaint about the order from it in one step (English); in Chinese, an order closed
// now joins the queue and a satisfied call takes it out, leaving the queue empty. Intake
// warns about the open complaint when that customer calls again, in both languages.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Backend, PASSWORD } from './backend.mjs';
import { startUi, DESK, assertFitsDesk } from './browser.mjs';
import { screenshotPath, waitFor } from './support.mjs';

let ui;
let backend;
let bridge;
const problems = [];

before(async () => {
  backend = await new Backend().start();
  bridge = await backend.device('desk');
  await backend.call(bridge, 'sign_in', { server: backend.url, login: 'dispatcher', password: PASSWORD });
  ui = await startUi();
});

after(async () => {
  await ui?.close();
  await backend?.close();
});

async function deskPage(locale) {
  const { page } = await ui.open(bridge, { ...DESK, locale }, problems);
  await page.goto(`${ui.url}#/follow-ups`);
  return page;
}

const rows = (page) => page.getByTestId('follow-up-row');

test('an unsatisfied call on an order closed yesterday starts a complaint about it', async () => {
  const page = await deskPage('en-GB');
  await page.getByTestId('follow-ups-list').waitFor();
  assert.equal(await page.getByTestId('nav-follow-ups').getAttribute('aria-current'), 'page');
  // The demo closed one order yesterday without its call: it is the only one owed.
  assert.equal(await rows(page).count(), 1);
  const row = rows(page).first();
  const order = await row.getAttribute('data-order');
  assert.equal(await row.getAttribute('data-kind'), 'after_close');
  const detail = await backend.call(bridge, 'get_order', { id: order });
  assert.equal(await row.getByTestId('follow-up-phone').textContent(), detail.order.customer.phone, "the customer's phone");
  assert.equal(await row.getByTestId('follow-up-why').textContent().then((s) => s.trim()), 'After closing');
  assert.match(await row.getByTestId('sla-chip').textContent(), /^Follow-up/);
  await assertFitsDesk(page, 'follow-up queue');
  await page.screenshot({ path: screenshotPath('desk-en-follow-ups'), fullPage: true });

  await row.getByTestId('follow-up-open').click();
  await page.getByTestId('follow-up-form').waitFor();
  assert.match(await page.evaluate(() => location.hash), new RegExp(`^#/follow-ups/${order}`));
  await page.getByTestId('follow-up-channel').selectOption('we_chat');
  await page.getByTestId('follow-up-score').selectOption('2');
  await page.getByTestId('follow-up-comment').fill('The drum still squeaks after the repair');
  await page.screenshot({ path: screenshotPath('desk-en-follow-up-form'), fullPage: true });
  await page.getByTestId('follow-up-record').click();

  await page.getByTestId('follow-up-complaint').waitFor();
  assert.equal(await page.getByTestId('follow-up-result').getAttribute('data-unsatisfied'), 'true');
  await page.getByTestId('follow-ups-none').waitFor();
  assert.equal(await page.getByTestId('follow-up-content').inputValue(), 'The drum still squeaks after the repair', "prefilled from the call's comments");
  await page.getByTestId('follow-up-demand').fill('Fix it for free');
  await assertFitsDesk(page, 'follow-up complaint');
  await page.screenshot({ path: screenshotPath('desk-en-follow-up-unsatisfied'), fullPage: true });
  await page.getByTestId('follow-up-start-complaint').click();
  await page.getByTestId('follow-up-complaint-made').waitFor();
  await page.getByTestId('follow-up-complaint-made').getByRole('link').click();
  await page.getByTestId('complaint-detail').waitFor();
  assert.equal(await page.getByTestId('complaint-content').textContent(), 'The drum still squeaks after the repair');
  assert.match(await page.getByTestId('complaint-detail').textContent(), new RegExp(detail.order.number), 'linked to the order');

  // Intake warns about the open complaint when the same customer calls again.
  await page.getByTestId('nav-intake').click();
  await page.getByTestId('intake-phone').fill(detail.order.customer.phone);
  await page.getByTestId('intake-open-complaints').waitFor();
  assert.match(await page.getByTestId('intake-open-complaints').textContent(), /This customer has a complaint still open/);
  assert.match(await page.getByTestId('intake-open-complaint').textContent(), /Not yet contacted · The drum still squeaks/);
  await page.screenshot({ path: screenshotPath('desk-en-intake-open-complaint'), fullPage: true });

  // The call is on the order, with its channel and score.
  const after = await backend.call(bridge, 'get_order', { id: order });
  assert.deepEqual(after.order.follow_ups.map((f) => [f.channel, f.score]), [['we_chat', 2]]);
  assert.equal(after.clocks.find((c) => c.clock === 'follow_up')?.running, false, 'the follow-up clock stopped');
  assert.deepEqual(problems, []);
});

test('an order closed now joins the queue and a satisfied call empties it (in Chinese)', async () => {
  const signed = (await backend.call(bridge, 'list_orders', { query: { states: ['signed_off'] } }))[0];
  assert.ok(signed, 'the demo has a signed-off order');
  await backend.call(bridge, 'order_op', { id: signed.id, op: { op: 'close' } });
  const page = await deskPage('zh-CN');
  await page.getByTestId('follow-ups-list').waitFor();
  assert.equal(await rows(page).count(), 1);
  assert.equal(await rows(page).first().getAttribute('data-order'), signed.id);
  assert.equal(await rows(page).first().getByTestId('follow-up-phone').textContent(), signed.phone);
  assert.equal(await rows(page).first().getByTestId('follow-up-why').textContent().then((s) => s.trim()), '闭环后回访');
  await rows(page).first().getByTestId('follow-up-open').click();
  await page.getByTestId('follow-up-score').selectOption('5');
  await page.getByTestId('follow-up-comment').fill('客户很满意');
  await assertFitsDesk(page, 'follow-up form (zh)');
  await page.screenshot({ path: screenshotPath('desk-zh-follow-up-form'), fullPage: true });
  await page.getByTestId('follow-up-record').click();
  await page.getByTestId('follow-up-done').waitFor();
  assert.match(await page.getByTestId('follow-up-done').textContent(), /回访已记录/);
  assert.equal(await page.getByTestId('follow-up-complaint').count(), 0, 'a satisfied call starts no complaint');
  await waitFor('the queue empty', async () => (await page.getByTestId('follow-ups-none').count()) === 1);
  assert.equal(await page.getByTestId('follow-ups-none').textContent(), '暂无到期回访。');
  await page.screenshot({ path: screenshotPath('desk-zh-follow-ups-empty'), fullPage: true });

  // The customer with the complaint started in English calls again: intake warns, in Chinese.
  const complained = (await backend.call(bridge, 'list_complaints', { scope: 'open' })).find((c) => c.order);
  await page.getByTestId('nav-intake').click();
  await page.getByTestId('intake-phone').fill(complained.phone);
  await page.getByTestId('intake-open-complaints').waitFor();
  assert.match(await page.getByTestId('intake-open-complaints').textContent(), /该客户有 1 条投诉尚未结案/);
  assert.match(await page.getByTestId('intake-open-complaint').textContent(), new RegExp(`${complained.number} · 待联系`));
  await assertFitsDesk(page, 'intake warning (zh)');
  await page.screenshot({ path: screenshotPath('desk-zh-intake-open-complaint'), fullPage: true });
  assert.deepEqual(problems, []);
});
