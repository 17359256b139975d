// Service-mode steps on the technician's phone (390×844, touch) against the real
// backend: tech support's answer to the technician's question arrives after a sync; the
// customer authorises work on the data in their product before the repair; customer
// damage is reassessed with a photo and the repair waits for consent again; an
// objection is signed and kept on record. English and Chinese.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Backend, PASSWORD } from './backend.mjs';
import { startUi, PHONE } from './browser.mjs';
import { screenshotPath, waitFor } from './support.mjs';

let ui;
let backend;
let agent;
let support;
let phone;
let page;
let staff;
const problems = [];

before(async () => {
  backend = await new Backend().start();
  [agent, support, phone] = await Promise.all(['agent', 'support', 'phone'].map((n) => backend.device(n)));
  await backend.call(agent, 'sign_in', { server: backend.url, login: 'dispatcher', password: PASSWORD });
  await backend.call(support, 'sign_in', { server: backend.url, login: 'support', password: PASSWORD });
  await backend.call(phone, 'sign_in', { server: backend.url, login: 'tech', password: PASSWORD });
  staff = await backend.call(agent, 'staff', { day: new Date().toISOString().slice(0, 10) });
  ui = await startUi();
  ({ page } = await ui.open(phone, { ...PHONE, locale: 'en-US' }, problems));
  await page.goto(ui.url);
});

after(async () => {
  assert.deepEqual(problems, [], 'no script or console errors');
  await ui?.close();
  await backend?.close();
});

const op = (bridge, id, body) => backend.call(bridge, 'order_op', { id, op: body });
const sync = (bridge) => backend.call(bridge, 'sync_now');
const fee = { minor: 28000, currency: 'CNY' };

/** An on-site order dispatched to 李伟, driven on the phone's device up to `until`. */
async function order(name, until) {
  const created = await backend.call(agent, 'create_order', {
    intake: {
      channel: 'phone',
      customer: { name, phone: '13900003333', address: '杭州市西湖区文三路 1 号', key_account: false },
      product: { model: 'CF-2 咖啡机', serial: `SN-${randomUUID().slice(0, 8)}`, purchase_date: null },
      fault_code: 'E7', description: 'no hot water', mode: 'on_site', priority: 'normal',
    },
    answer: null,
  });
  const id = created.order.id;
  await op(agent, id, { op: 'dispatch', assignee: staff.find((s) => s.name === '李伟').id, window: null });
  await sync(agent);
  await sync(phone);
  const steps = [
    { op: 'log_contact', id: randomUUID(), channel: 'phone', reached: true, note: 'ok' },
    { op: 'check_in', visit: randomUUID() },
    { op: 'show_work_id' },
    { op: 'confirm_fault', note: 'no hot water' },
    { op: 'record_diagnosis', cause: 'firmware', plan: 'reflash the controller', parts: [], tools: '', estimated_minutes: 30, estimated_fee: fee, risks: 'stored recipes may be lost', touches_data: until !== 'consent' },
    { op: 'record_consent', customer_name: name, fee_agreed: fee },
  ];
  for (const body of steps) await op(phone, id, body);
  return created.order;
}

async function openOrder(number) {
  await page.goto(`${ui.url}#/today`);
  await page.locator(`[data-number="${number}"]`).first().tap();
  await page.getByTestId('order-customer').waitFor();
}

test("tech support's answer to the technician reaches the phone after a sync, in English", async () => {
  const o = await order('吴桐', 'consent');
  await openOrder(o.number);
  const comments = page.getByTestId('comments');
  await comments.scrollIntoViewIfNeeded();
  await page.getByTestId('comment-input').fill('E7 after the reflash too: what next?');
  await page.getByTestId('comment-send').tap();
  await waitFor('the question posted', async () => (await comments.getByTestId('comment').count()) === 1);
  await sync(phone);
  await sync(support);
  await op(support, o.id, { op: 'comment', id: randomUUID(), text: 'Check the heater relay; part RL-3.' });
  await sync(support);
  await sync(phone);
  await waitFor('the answer on the phone', async () => (await comments.getByTestId('comment').count()) === 2, { timeoutMs: 20_000 });
  const answer = await comments.getByTestId('comment').nth(1).innerText();
  assert.match(answer, /heater relay/);
  assert.match(answer, /Zhao Min/);
  assert.match(answer, /Tech support/i);
  await comments.scrollIntoViewIfNeeded();
  await page.screenshot({ path: screenshotPath('phone-en-comments-answer') });
});

test('the customer authorises work on their data before the repair, in Chinese', async () => {
  await page.getByTestId('nav-settings').tap().catch(() => {});
  await page.goto(`${ui.url}#/settings`);
  await page.getByTestId('language-select').selectOption('zh-CN');
  const o = await order('郑洁', 'data');
  await openOrder(o.number);
  const card = page.getByTestId('data-authorisation');
  await card.scrollIntoViewIfNeeded();
  assert.match(await card.innerText(), /须客户授权后才能开始/);
  const refused = await backend.call(phone, 'get_order', { id: o.id });
  assert.equal(refused.ops.find((c) => c.op === 'add_repair_step').refusal?.code, 'errors.order.data_authorisation_missing');
  await page.getByTestId('data-auth-scope').fill('备份并恢复已存储的配方');
  await page.getByTestId('data-auth-submit').tap();
  await card.getByTestId('data-authorisation-record').waitFor();
  assert.match(await card.innerText(), /郑洁 已授权/);
  await page.screenshot({ path: screenshotPath('phone-zh-data-authorisation') });
  const allowed = await backend.call(phone, 'get_order', { id: o.id });
  assert.ok(allowed.allowed.includes('add_repair_step'), 'the repair may start now');
});

test('customer damage reassessed with a photo sends the order back to consent, in Chinese', async () => {
  const o = await order('冯涛', 'consent');
  await op(phone, o.id, { op: 'add_repair_step', id: randomUUID(), description: '拆机检查', minutes: 10 });
  await openOrder(o.number);
  // The photo: one taken on the phone now.
  const toggle = page.getByTestId('step-photos').locator('.step-toggle');
  if ((await toggle.getAttribute('aria-expanded')) !== 'true') await toggle.tap();
  const shot = await page.screenshot({ clip: { x: 0, y: 0, width: 120, height: 90 } });
  await page.getByTestId('photo-caption').fill('主板进水');
  await page.getByTestId('photo-input').setInputFiles({ name: 'damage.png', mimeType: 'image/png', buffer: shot });
  await page.getByTestId('photo-thumb').first().waitFor();
  const fees = page.getByTestId('fee-panel');
  await fees.scrollIntoViewIfNeeded();
  await page.getByTestId('reassess-open').tap();
  await page.getByTestId('evidence-photo').first().check();
  await page.getByTestId('reassess-note').fill('主板进水，属人为损坏');
  await page.getByTestId('fee-confirm').tap();
  await fees.getByTestId('charge-reassessment').waitFor();
  assert.match(await fees.innerText(), /须客户重新确认新费用/);
  const after = await backend.call(phone, 'get_order', { id: o.id });
  assert.equal(after.order.state, 'on_site', 'back to where consent is given');
  assert.equal(after.ops.find((c) => c.op === 'add_repair_step').refusal?.code, 'errors.order.consent_missing');
  await page.screenshot({ path: screenshotPath('phone-zh-reassessed') });
});

test('an objection is signed and kept with the signature, in Chinese', async () => {
  const o = await order('褚亮', 'consent');
  await op(phone, o.id, { op: 'add_repair_step', id: randomUUID(), description: '更换加热管', minutes: 30 });
  await op(phone, o.id, { op: 'record_test', id: randomUUID(), passed: true, notes: '出水正常', care_advice_given: true });
  await openOrder(o.number);
  const step = page.getByTestId('step-sign_off');
  await step.scrollIntoViewIfNeeded();
  await page.getByTestId('mode-object').check();
  await page.getByTestId('objection-text').fill('水温仍然偏低');
  const canvas = page.getByTestId('signature-canvas');
  await canvas.scrollIntoViewIfNeeded();
  const box = await canvas.boundingBox();
  await page.mouse.move(box.x + 30, box.y + 60);
  await page.mouse.down();
  for (const [dx, dy] of [[90, 30], [150, 80], [220, 40]]) await page.mouse.move(box.x + dx, box.y + dy, { steps: 5 });
  await page.mouse.up();
  const button = page.getByTestId('primary-action');
  await waitFor('the bottom action to be the sign-off', async () => (await button.getAttribute('data-step')) === 'sign_off');
  await button.tap();
  await waitFor('the objection on record', async () => {
    const problem = page.getByTestId('visit-problem');
    if (await problem.count()) throw new Error(`refused: ${await problem.innerText()}`);
    return (await backend.call(phone, 'get_order', { id: o.id })).order.state === 'in_repair';
  });
  // Back to rework: the sign-off step waits again; opened, it shows the signed objection.
  const toggle = page.getByTestId('step-sign_off').locator('.step-toggle');
  if ((await toggle.getAttribute('aria-expanded')) !== 'true') await toggle.tap();
  const kept = page.getByTestId('signature-objection');
  assert.match(await kept.innerText(), /客户异议/);
  assert.match(await kept.innerText(), /水温仍然偏低/);
  await kept.getByTestId('signature-earlier').waitFor();
  const detail = await backend.call(phone, 'get_order', { id: o.id });
  assert.equal(detail.order.state, 'in_repair', '异议 → 整改');
  const objection = detail.signatures.find((s) => s.signature.kind === 'objection');
  assert.ok(objection && objection.signature.signature_blob.length === 64, 'the objection keeps its signature');
  await kept.scrollIntoViewIfNeeded();
  await page.screenshot({ path: screenshotPath('phone-zh-objection-signed') });
});
