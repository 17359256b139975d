// Server flags on the office face at 1280×800, against the real backend (backend.mjs): a
// seeded onsite-server whose reconciliation writes the flags, a supervisor's desk and a
// dispatcher's second desk, each a development bridge serving the Rust command layer.
// A late clock's flag said in Chinese with no English; a merge conflict shown and settled
// by the supervisor; a signature made void by a later change.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Backend, PASSWORD } from './backend.mjs';
import { startUi, DESK } from './browser.mjs';
import { screenshotPath, waitFor } from './support.mjs';

let context;
let page;
let ui;
let backend;
let desk;
let second;
let staff;
/** The office's orders as Rust lists them. */
let list = [];
const problems = [];

before(async () => {
  backend = await new Backend().start();
  desk = await backend.device('desk');
  second = await backend.device('second-desk');
  await backend.call(desk, 'sign_in', { server: backend.url, login: 'supervisor', password: PASSWORD });
  await backend.call(second, 'sign_in', { server: backend.url, login: 'dispatcher', password: PASSWORD });
  list = await backend.call(desk, 'list_orders', { query: {} });
  staff = await backend.call(desk, 'staff', { day: new Date().toISOString().slice(0, 10) });
  ui = await startUi();
  ({ context, page } = await ui.open(desk, { ...DESK, locale: 'en-GB' }, problems));
  await page.goto(ui.url);
});

after(async () => {
  await ui?.close();
  await backend?.close();
});

const op = (bridge, id, body) => backend.call(bridge, 'order_op', { id, op: body });
const sync = (bridge) => backend.call(bridge, 'sync_now');
const person = (name) => staff.find((s) => s.name === name)?.id;

async function language(lang) {
  await page.getByTestId('nav-settings').click();
  await page.getByTestId('language-select').selectOption(lang);
}

async function openOrder(id) {
  await page.goto(`${ui.url}#/order/${id}`);
  await page.getByTestId('flags-panel').waitFor();
}

const details = (kind) => page.locator(`[data-testid=flags-panel] [data-testid=flag-detail][data-kind=${kind}]`).allInnerTexts();

test("a late clock's flag from the server is said in Chinese, with no English", async () => {
  const late = list.find((o) => o.sla === 'breached');
  assert.ok(late, 'the demo (seeded around now) has one order past its clock');
  // Any change to the order makes the server evaluate its clocks on the next push.
  await op(desk, late.id, { op: 'comment', id: randomUUID(), text: '已再次致电客户' });
  await sync(desk);
  const detail = await backend.call(desk, 'get_order', { id: late.id });
  const breached = detail.order.flags.filter((f) => f.kind === 'sla_breached');
  assert.ok(breached.length > 0, `the server flagged the late clock: ${JSON.stringify(detail.order.flags)}`);
  assert.ok(breached.every((f) => f.detail === '' && f.params[0]?.about === 'sla_clock'), 'the flag carries params, not prose');

  await openOrder(late.id);
  const en = await details('sla_breached');
  assert.ok(en.length > 0 && en.every((d) => /was due/.test(d)), `in English: ${en}`);

  await language('zh-CN');
  await openOrder(late.id);
  await waitFor('the flag in Chinese', async () => (await page.getByTestId('flags-panel').innerText()).includes('异常提醒'));
  const zh = await details('sla_breached');
  assert.ok(zh.length > 0, 'the server flag is shown');
  for (const d of zh) assert.doesNotMatch(d, /[A-Za-z]/, `no English in the flag's detail: ${d}`);
  const panel = page.getByTestId('flags-panel');
  await panel.scrollIntoViewIfNeeded();
  await page.screenshot({ path: screenshotPath('desk-zh-flags-sla'), fullPage: true });
  await language('en');
});

test('a merge conflict is shown on the desk and the supervisor settles it', async () => {
  const fresh = list.find((o) => o.state === 'new');
  assert.ok(fresh, 'a new order to dispatch twice');
  const [li, chen] = [person('李伟'), person('Chen Jie')];
  assert.ok(li && chen, 'both technicians are known');
  // Two desks dispatch the same order to different technicians before either syncs:
  // offline, or the desks' background syncs could bring one dispatch to the other first.
  await backend.stopServer();
  await op(second, fresh.id, { op: 'dispatch', assignee: li, window: null });
  await op(desk, fresh.id, { op: 'dispatch', assignee: chen, window: null });
  await backend.startServer();
  await sync(second);
  await sync(desk);

  await openOrder(fresh.id);
  const flag = page.locator('[data-testid=flag][data-kind=conflict][data-subject=assignee]');
  await flag.waitFor();
  assert.match(await flag.innerText(), /Two devices recorded a different technician/i);
  const conflictDetail = await flag.getByTestId('flag-detail').innerText();
  assert.match(conflictDetail, /李伟/, `the values in words: ${conflictDetail}`);
  assert.match(conflictDetail, /Chen Jie/);
  assert.ok((await page.getByTestId('alert-conflict').count()) > 0, 'the page says the values conflict');
  await page.screenshot({ path: screenshotPath('desk-en-flags-conflict'), fullPage: true });

  // Resolving needs a choice and a note; then the value stands everywhere.
  await flag.getByTestId('flag-note').fill('Chen Jie is nearer the customer');
  await flag.getByTestId('flag-resolve-submit').click();
  await flag.getByRole('alert').waitFor();
  assert.match(await flag.getByRole('alert').innerText(), /Choose which value stands/);
  await flag.getByRole('radio', { name: 'Chen Jie' }).check();
  await flag.getByTestId('flag-resolve-submit').click();
  await waitFor('the flag resolved', async () => /kept: Chen Jie/.test(await flag.innerText()));
  await sync(desk);
  await sync(second);
  const there = await backend.call(second, 'get_order', { id: fresh.id });
  assert.equal(there.order.assignee, chen, 'the kept value is on the other desk after a sync');
  assert.ok(!there.conflicts.some((c) => c.field === 'assignee'), 'and the conflict is over there too');
  assert.ok(
    there.order.flags.some((f) => f.kind === 'conflict' && f.subject === 'assignee' && f.resolution?.choice),
    'the resolution reached the other desk',
  );
  assert.deepEqual(problems, [], 'no script errors');
});

test('a signature made void by a later change is flagged, in both languages', async () => {
  const signed = list.find((o) => o.state === 'signed_off');
  assert.ok(signed, 'the seeded signed-off order');
  await op(desk, signed.id, { op: 'override_fee', id: randomUUID(), fee: { minor: 9900, currency: 'CNY' }, reason: 'goodwill discount' });
  await sync(desk);
  const detail = await backend.call(desk, 'get_order', { id: signed.id });
  assert.equal(detail.sign_off, 'void', 'the digest no longer matches');
  assert.ok(detail.order.flags.some((f) => f.kind === 'sign_off_void' && f.params[0]?.about === 'sign_off_void'), 'the server flagged it with params');

  await openOrder(signed.id);
  await page.getByTestId('alert-sign-off-void').waitFor();
  const en = await details('sign_off_void');
  assert.ok(en.length === 1 && /signed on .*the signature no longer covers the order/.test(en[0]), `in English: ${en}`);
  await language('zh-CN');
  await openOrder(signed.id);
  await waitFor('the page in Chinese', async () => (await page.getByTestId('alert-sign-off-void').innerText()).includes('客户签字已失效'));
  const zh = await details('sign_off_void');
  assert.ok(zh.length === 1 && zh[0].includes('签字'), `in Chinese: ${zh}`);
  // Only the signer's name is data; the seeded signer has a Chinese or an English name.
  const signer = detail.order.sign_off?.signer ?? '';
  assert.doesNotMatch(zh[0].replace(signer, ''), /[A-Za-z]/, `no English beyond the signer's name: ${zh[0]}`);
  await page.screenshot({ path: screenshotPath('desk-zh-flags-void'), fullPage: true });
  await language('en');
  assert.deepEqual(problems, [], 'no script errors');
});
