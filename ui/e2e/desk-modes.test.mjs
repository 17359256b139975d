// Service modes on the office face at 1280×800, against the real backend (backend.mjs):
// a mail-in order through the workshop (packing instructions, received with a photo,
// the fault confirmed by phone with the call logged, consent by phone, payment, shipped
// back with the tracking number, closed), the workshop list with its clocks, a carry-in
// receipt signed at the counter, the supervisor's fee override voiding a signature with
// every signature kept, and comments with tech support's answer. English and Chinese.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Backend, PASSWORD } from './backend.mjs';
import { assertFitsDesk, startUi, DESK } from './browser.mjs';
import { screenshotPath, waitFor } from './support.mjs';

let context;
let page;
let ui;
let backend;
let desk;
let agent;
let tech;
let support;
let staff;
const problems = [];

before(async () => {
  backend = await new Backend().start();
  [desk, agent, tech, support] = await Promise.all(['desk', 'agent', 'tech', 'support'].map((n) => backend.device(n)));
  await backend.call(desk, 'sign_in', { server: backend.url, login: 'supervisor', password: PASSWORD });
  await backend.call(agent, 'sign_in', { server: backend.url, login: 'dispatcher', password: PASSWORD });
  await backend.call(tech, 'sign_in', { server: backend.url, login: 'tech', password: PASSWORD });
  await backend.call(support, 'sign_in', { server: backend.url, login: 'support', password: PASSWORD });
  staff = await backend.call(desk, 'staff', { day: new Date().toISOString().slice(0, 10) });
  ui = await startUi();
  ({ context, page } = await ui.open(desk, { ...DESK, locale: 'en-GB' }, problems));
  await page.goto(ui.url);
});

after(async () => {
  assert.deepEqual(problems, [], 'no script or console errors');
  await ui?.close();
  await backend?.close();
});

const op = (bridge, id, body) => backend.call(bridge, 'order_op', { id, op: body });
const sync = (bridge) => backend.call(bridge, 'sync_now');
const li = () => staff.find((s) => s.name === '李伟')?.id;

async function language(lang) {
  await page.getByTestId('nav-settings').click();
  await page.getByTestId('language-select').selectOption(lang);
}

/** An order made at intake by the agent, dispatched to 李伟 and the customer reached. */
async function intake(mode, name) {
  const created = await backend.call(agent, 'create_order', {
    intake: {
      channel: 'phone',
      customer: { name, phone: '13900001111', address: '上海市徐汇区漕溪北路 18 号', key_account: false },
      product: { model: 'WM-8 洗衣机', serial: `SN-${mode}-${Date.now()}`, purchase_date: null },
      fault_code: 'E21',
      description: 'drum does not spin',
      mode,
      priority: 'normal',
    },
    answer: null,
  });
  const id = created.order.id;
  await op(agent, id, { op: 'dispatch', assignee: li(), window: null });
  await op(agent, id, { op: 'log_contact', id: randomUUID(), channel: 'phone', reached: true, note: 'instructions sent' });
  await sync(agent);
  await sync(tech);
  return created.order;
}

async function openOrder(id) {
  await sync(desk);
  // Through the list, so the order page loads afresh what the desk just pulled.
  await page.goto(`${ui.url}#/orders`);
  await page.getByTestId('orders-table').waitFor();
  await page.goto(`${ui.url}#/order/${id}`);
  await page.getByTestId('order-number').waitFor();
}

const state = async (id) => (await backend.call(desk, 'get_order', { id })).order.state;

test('a mail-in order goes through the workshop to shipped back and closed, in English', async () => {
  const order = await intake('mail_in', '赵敏');
  await openOrder(order.id);
  const panel = page.getByTestId('workshop-panel');
  const instructions = await page.getByTestId('packing-instructions').innerText();
  assert.match(instructions, new RegExp(order.number), 'the instructions name the order number');
  assert.match(instructions, /within 24 hours of arrival/);
  await page.screenshot({ path: screenshotPath('desk-en-mailin-instructions'), fullPage: true });

  // Received, with a photo of the condition on arrival.
  await page.getByTestId('receive-condition').fill('Box dented, product intact, cord included');
  await page.getByTestId('receive-submit').click();
  await waitFor('the photo asked for', async () => /photo of the condition/i.test(await panel.innerText()));
  const photo = await page.screenshot({ clip: { x: 0, y: 0, width: 120, height: 90 } });
  await page.getByTestId('receive-photo').setInputFiles({ name: 'arrival.png', mimeType: 'image/png', buffer: photo });
  await page.getByTestId('receive-submit').click();
  await page.getByTestId('receipt').waitFor();
  assert.equal(await state(order.id), 'received');

  // The workshop list shows it with its 24 h inspection clock.
  await page.getByTestId('nav-workshop').click();
  const row = page.locator(`[data-testid=workshop-row][data-order="${order.number}"]`);
  await row.waitFor();
  assert.match(await row.getByTestId('workshop-clock').innerText(), /Inspect mail-in/);
  await assertFitsDesk(page, 'en workshop');
  await page.screenshot({ path: screenshotPath('desk-en-workshop'), fullPage: true });
  await row.getByRole('link').click();
  await page.getByTestId('workshop-panel').waitFor();

  // The fault confirmed with the customer by phone: the call is logged with it.
  await page.getByTestId('call-note').fill('Customer confirms E21 and a grinding noise');
  await page.getByTestId('confirm-submit').click();
  await waitFor('the fault confirmed', async () => (await backend.call(desk, 'get_order', { id: order.id })).order.fault_confirmed !== null);
  const confirmed = await backend.call(desk, 'get_order', { id: order.id });
  assert.ok(confirmed.order.contacts.some((c) => c.note.includes('grinding')), 'the call is logged');

  // The technician inspects on the bench and sends the plan; the customer agrees by phone.
  await sync(desk);
  await sync(tech);
  await op(tech, order.id, {
    op: 'record_diagnosis', cause: 'belt cracked', plan: 'replace the belt', parts: [], tools: 'bench kit',
    estimated_minutes: 40, estimated_fee: { minor: 28000, currency: 'CNY' }, risks: 'none',
  });
  await sync(tech);
  await openOrder(order.id);
  await page.getByTestId('consent-submit').click();
  await page.getByTestId('consent-by-phone').waitFor();
  assert.equal(await state(order.id), 'plan_agreed');

  // Repair and test on the bench.
  await sync(desk);
  await sync(tech);
  await op(tech, order.id, { op: 'add_repair_step', id: randomUUID(), description: 'replaced the belt', minutes: 25 });
  await op(tech, order.id, { op: 'record_test', id: randomUUID(), passed: true, notes: 'full spin', care_advice_given: true });
  await sync(tech);
  await openOrder(order.id);

  // Chargeable: the payment first, then shipped back with the tracking number.
  assert.match(await page.getByTestId('ship-refusal').innerText(), /payment/i, 'Rust says why it cannot ship yet');
  await page.getByTestId('payment-method').fill('WeChat Pay');
  await page.getByTestId('payment-reference').fill('4200001234');
  await page.getByTestId('payment-submit').click();
  await page.getByTestId('payment').waitFor();
  await page.getByTestId('ship-carrier').fill('SF Express');
  await page.getByTestId('ship-tracking').fill('SF1400123456');
  await page.getByTestId('ship-submit').click();
  await page.getByTestId('shipment-tracking').waitFor();
  assert.equal(await page.getByTestId('shipment-tracking').innerText(), 'SF1400123456');
  await page.getByTestId('order-close').click();
  await waitFor('the order closed', async () => (await state(order.id)) === 'closed');
  await assertFitsDesk(page, 'en mail-in shipped');
  await page.screenshot({ path: screenshotPath('desk-en-mailin-shipped'), fullPage: true });

  // Closed: it leaves the workshop.
  await page.getByTestId('nav-workshop').click();
  await page.locator('[data-testid=workshop-list], [data-testid=workshop-empty]').first().waitFor();
  assert.equal(await page.locator(`[data-testid=workshop-row][data-order="${order.number}"]`).count(), 0);
});

test('a carry-in receipt is signed at the counter, and the workshop reads in Chinese', async () => {
  await language('zh-CN');
  const order = await intake('carry_in', '孙悦');
  await openOrder(order.id);
  await page.getByTestId('receive-condition').fill('机盖有划痕');
  const canvas = page.getByTestId('signature-canvas');
  await canvas.scrollIntoViewIfNeeded();
  const box = await canvas.boundingBox();
  await page.mouse.move(box.x + 30, box.y + 60);
  await page.mouse.down();
  for (const [dx, dy] of [[80, 30], [140, 70], [200, 40]]) await page.mouse.move(box.x + dx, box.y + dy, { steps: 5 });
  await page.mouse.up();
  await page.getByTestId('receive-submit').click();
  await page.getByTestId('receipt').waitFor();
  const signed = page.getByTestId('signature-receipt');
  await signed.waitFor();
  assert.match(await signed.innerText(), /收件签字/);
  assert.match(await signed.innerText(), /孙悦/);
  await page.screenshot({ path: screenshotPath('desk-zh-carryin-received'), fullPage: true });

  await page.getByTestId('nav-workshop').click();
  const row = page.locator(`[data-testid=workshop-row][data-order="${order.number}"]`);
  await row.waitFor();
  const text = await page.getByTestId('workshop-list').innerText();
  assert.match(text, /送修/);
  assert.match(text, /已收件/);
  await assertFitsDesk(page, 'zh workshop');
  await page.screenshot({ path: screenshotPath('desk-zh-workshop'), fullPage: true });
});

test('a supervisor overrides a signed fee: the signature is void and both signatures stay, in Chinese', async () => {
  // On site: the technician does the visit and the customer signs.
  const created = await backend.call(agent, 'create_order', {
    intake: {
      channel: 'phone',
      customer: { name: '钱进', phone: '13900002222', address: '上海市静安区南京西路 1 号', key_account: false },
      product: { model: 'WM-8 洗衣机', serial: `SN-fee-${Date.now()}`, purchase_date: null },
      fault_code: 'E21', description: 'drum does not spin', mode: 'on_site', priority: 'normal',
    },
    answer: null,
  });
  const id = created.order.id;
  await op(agent, id, { op: 'dispatch', assignee: li(), window: null });
  await sync(agent);
  await sync(tech);
  const fee = { minor: 28000, currency: 'CNY' };
  for (const body of [
    { op: 'log_contact', id: randomUUID(), channel: 'phone', reached: true, note: 'ok' },
    { op: 'check_in', visit: randomUUID() },
    { op: 'show_work_id' },
    { op: 'confirm_fault', note: 'E21' },
    { op: 'record_diagnosis', cause: 'belt', plan: 'replace the belt', parts: [], tools: '', estimated_minutes: 30, estimated_fee: fee, risks: '' },
    { op: 'record_consent', customer_name: '钱进', fee_agreed: fee },
    { op: 'add_repair_step', id: randomUUID(), description: 'replaced the belt', minutes: 20 },
    { op: 'record_test', id: randomUUID(), passed: true, notes: 'ok', care_advice_given: true },
  ]) await op(tech, id, body);
  const strokes = { width: 320, height: 160, strokes: [{ points: [{ x: 10, y: 10, time: 1 }, { x: 90, y: 60, time: 2 }] }] };
  await backend.call(tech, 'sign_off', { id, signature: strokes, signer: '钱进', rating: 5 });
  await sync(tech);

  await openOrder(id);
  const fees = page.getByTestId('fee-panel');
  await page.getByTestId('fee-override-open').click();
  await page.getByTestId('fee-amount').fill('150');
  await page.getByTestId('fee-reason').fill('老客户优惠');
  await page.getByTestId('fee-confirm').click();
  await page.getByTestId('fee-override').waitFor();
  assert.match(await page.getByTestId('fee-override').innerText(), /老客户优惠/);
  assert.match(await fees.getByTestId('fee-now').innerText(), /150/);
  await waitFor('the signature void', async () => /已失效/.test(await page.getByTestId('sign-off-panel').innerText()));
  await page.screenshot({ path: screenshotPath('desk-zh-fee-override-void'), fullPage: true });

  // The customer signs again; the first signature stays on record.
  await sync(desk);
  await sync(tech);
  await backend.call(tech, 'sign_off', { id, signature: strokes, signer: '钱进', rating: 4 });
  await sync(tech);
  await openOrder(id);
  const list = page.getByTestId('signature-list');
  await waitFor('two sign-offs listed', async () => (await list.getByTestId('signature-sign_off').count()) === 2);
  assert.equal(await list.locator('[data-current=true]').count(), 1, 'one is current');
  assert.match(await list.locator('[data-current=true]').innerText(), /当前有效签字/);
  await page.getByTestId('signature-list').scrollIntoViewIfNeeded();
  await assertFitsDesk(page, 'zh signatures');
  await page.screenshot({ path: screenshotPath('desk-zh-signatures'), fullPage: true });
});

test('comments: tech support answers the technician, and the desk adds one, in Chinese', async () => {
  const order = await intake('mail_in', '周琳');
  await op(tech, order.id, { op: 'comment', id: randomUUID(), text: 'E21 反复出现，下一步怎么查？' });
  await sync(tech);
  await sync(support);
  await op(support, order.id, { op: 'comment', id: randomUUID(), text: '先查电机碳刷，磨损就换 BR-2。' });
  await sync(support);
  await openOrder(order.id);
  const comments = page.getByTestId('comments');
  await waitFor('both comments', async () => (await comments.getByTestId('comment').count()) === 2);
  await page.getByTestId('comment-input').fill('客户希望下午六点前来电');
  await page.getByTestId('comment-send').click();
  await waitFor('the desk comment', async () => (await comments.getByTestId('comment').count()) === 3);
  const texts = await comments.getByTestId('comment-text').allInnerTexts();
  assert.deepEqual(texts, ['E21 反复出现，下一步怎么查？', '先查电机碳刷，磨损就换 BR-2。', '客户希望下午六点前来电'], 'kept in order');
  const first = await comments.getByTestId('comment').first().innerText();
  assert.match(first, /李伟/);
  assert.match(first, /维修工程师|技术员|工程师/);
  await comments.scrollIntoViewIfNeeded();
  await page.screenshot({ path: screenshotPath('desk-zh-comments'), fullPage: true });
  await language('en');
});
