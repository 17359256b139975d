// The customer page at 1280×800 in Debian's Chromium, against the real backend
// (backend.mjs, the seeded demo office), in both languages: a dispatcher finds a customer
// by phone (typed with spaces, part of the number) and by name, sees their product with
// its serial and purchase date, their orders, complaint and follow-up (the order and
// complaint rows open them), sets their tier, and the tier sticks after a reload and is
// on every order of theirs.
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

const request = (classification, name, phone, description) => ({
  channel: 'phone',
  classification,
  customer: { name, phone, address: '上海市徐汇区漕溪北路 18 号', key_account: false },
  product: { model: 'WM-8 洗衣机', serial: `SN-${phone}`, purchase_date: '2025-03-01', delivered_on: null },
  fault_code: '',
  description,
  mode: 'on_site',
  priority: 'normal',
});

/** A customer with a consultation answered (and called back), a repair, and a complaint
 * about the repair, all of the same washer; answers the two orders and the complaint. */
async function customer(name, phone) {
  const asked = await backend.call(bridge, 'create_order', {
    intake: request('consultation', name, phone, 'how to clean the filter'),
    answer: 'Open the flap at the bottom and rinse the filter.',
  });
  await backend.call(bridge, 'record_follow_up', {
    id: asked.order.id,
    input: { channel: 'phone', score: 4, comment: 'helpful answer' },
  });
  const repair = await backend.call(bridge, 'create_order', {
    intake: request('repair', name, phone, 'drum does not spin'),
    answer: null,
  });
  const made = await backend.call(bridge, 'create_complaint', {
    intake: request('complaint', name, phone, 'nobody came on Tuesday'),
    complaint: { demand: 'a visit this week', contact: '', severity: 'general', order: repair.order.id },
  });
  return { asked: asked.order, repair: repair.order, complaint: made.complaint };
}

async function customersPage(locale) {
  const { page } = await ui.open(bridge, { ...DESK, locale }, problems);
  await page.goto(`${ui.url}#/customers`);
  await page.getByTestId('customer-search').waitFor();
  return page;
}

async function find(page, query) {
  await page.getByTestId('customer-search').fill(query);
  await page.getByTestId('customer-search-go').click();
  await page.getByTestId('customers-list').waitFor();
  return page.getByTestId('customer-hit');
}

async function checkHistory(page, made, lang) {
  await page.getByTestId('customer-name').waitFor();
  assert.equal(await page.getByTestId('customer-product').count(), 1, 'one washer, one serial');
  assert.equal(await page.getByTestId('customer-product-serial').textContent(), made.repair.product.serial);
  assert.match(await page.getByTestId('customer-product-purchased').textContent(), /2025/);
  const orders = await page.getByTestId('customer-order').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-id')));
  assert.deepEqual(orders, [made.repair.id, made.asked.id], 'every order, the latest first');
  assert.deepEqual(
    await page.getByTestId('customer-complaint').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-id'))),
    [made.complaint.id],
  );
  assert.match(await page.getByTestId('customer-complaint').textContent(), new RegExp(made.complaint.number));
  assert.equal(await page.getByTestId('customer-follow-up').count(), 1);
  assert.equal(await page.getByTestId('customer-follow-up-score').textContent(), '4');
  assert.match(await page.getByTestId('customer-follow-up').textContent(), /helpful answer/);
  assert.equal(await page.getByTestId('customer-tier').textContent(), lang.regular);
}

async function setTier(page, tier, words) {
  await page.getByTestId('customer-tier-select').selectOption(tier);
  await page.getByTestId('customer-tier-save').click();
  await page.getByTestId('customer-tier-saved').waitFor();
  assert.equal(await page.getByTestId('customer-tier').textContent(), words);
}

const EN = { regular: 'Regular', key: 'Key account', long: 'Long-term' };
const ZH = { regular: '普通客户', key: '大客户', long: '长期客户' };

test('a dispatcher finds a customer by phone and by name, sees their history and sets their tier', async () => {
  const made = await customer('Chen Jing', '13722220001');
  const page = await customersPage('en-GB');
  assert.equal(await page.getByTestId('nav-customers').getAttribute('aria-current'), 'page');

  // Part of the number, written with spaces.
  let hits = await find(page, '3722 2200 01');
  assert.equal(await hits.count(), 1);
  assert.equal(await hits.first().getAttribute('data-key'), '13722220001');
  assert.match(await hits.first().textContent(), /Chen Jing/);
  await hits.first().getByTestId('customer-open').click();
  assert.equal(await page.evaluate(() => location.hash), '#/customers/13722220001');
  await checkHistory(page, made, EN);
  assert.equal(await page.getByTestId('customer-name').textContent(), 'Chen Jing');
  assert.match(await page.getByTestId('customer-next-periodic').textContent(), /no periodic follow-up/);
  await assertFitsDesk(page, 'customer history');
  await page.screenshot({ path: screenshotPath('desk-en-customer'), fullPage: true });

  await setTier(page, 'key_account', EN.key);
  assert.match(await page.getByTestId('customer-next-periodic').textContent(), /next periodic follow-up due/);
  await page.reload();
  await page.getByTestId('customer-name').waitFor();
  await waitFor('the tier after the reload', async () => (await page.getByTestId('customer-tier').textContent()) === EN.key);
  for (const o of [made.asked, made.repair]) {
    const detail = await backend.call(bridge, 'get_order', { id: o.id });
    assert.equal(detail.order.customer.tier, 'key_account', `on ${o.number} too`);
  }
  // A new order of the known customer starts with the tier.
  const again = await backend.call(bridge, 'create_order', {
    intake: request('repair', 'Chen Jing', '137 2222 0001', 'door does not lock'),
    answer: null,
  });
  assert.equal(again.order.customer.tier, 'key_account');

  // By name, in any case, and the rows open the complaint and the order.
  await page.getByRole('link', { name: 'Back to the search' }).click();
  hits = await find(page, 'chen jing');
  assert.deepEqual(await hits.evaluateAll((rows) => rows.map((r) => r.getAttribute('data-key'))), ['13722220001']);
  assert.match(await hits.first().textContent(), /Key account/);
  await hits.first().getByTestId('customer-open').click();
  await page.getByTestId('customer-complaint-open').click();
  await page.getByTestId('complaint-detail').waitFor();
  assert.match(await page.getByTestId('complaint-detail').textContent(), new RegExp(made.complaint.number));
  await page.goBack();
  await page.getByTestId('customer-order').first().waitFor();
  await page.locator(`[data-testid="customer-order"][data-id="${made.asked.id}"]`).getByTestId('customer-order-open').click();
  await waitFor('the order page', async () => (await page.getByTestId('order-number').count()) === 1);
  assert.equal(await page.getByTestId('order-number').textContent(), made.asked.number);
  assert.deepEqual(problems, []);
});

test('in Chinese: found by phone and by name, the tier set and kept after a reload', async () => {
  const made = await customer('陈静', '13722220002');
  const page = await customersPage('zh-CN');
  assert.equal((await page.getByTestId('nav-customers').textContent()).trim().endsWith('客户'), true);

  let hits = await find(page, '137-2222-0002');
  assert.equal(await hits.count(), 1);
  assert.match(await hits.first().textContent(), /陈静/);
  hits = await find(page, '陈静');
  assert.deepEqual(await hits.evaluateAll((rows) => rows.map((r) => r.getAttribute('data-key'))), ['13722220002']);
  await hits.first().getByTestId('customer-open').click();
  await checkHistory(page, made, ZH);
  assert.match(await page.getByTestId('customer-next-periodic').textContent(), /无定期回访/);
  assert.match(await page.locator('section.customers').textContent(), /产品.*工单.*投诉.*回访/s);

  await setTier(page, 'long_term', ZH.long);
  assert.match(await page.getByTestId('customer-tier-saved').textContent(), /等级已保存/);
  assert.match(await page.getByTestId('customer-next-periodic').textContent(), /下次定期回访日期/);
  await assertFitsDesk(page, 'customer history (zh)');
  await page.screenshot({ path: screenshotPath('desk-zh-customer'), fullPage: true });
  await page.reload();
  await page.getByTestId('customer-name').waitFor();
  await waitFor('the tier after the reload', async () => (await page.getByTestId('customer-tier').textContent()) === ZH.long);

  await page.goto(`${ui.url}#/customers?q=${encodeURIComponent('没有这个人')}`);
  await page.getByTestId('customers-none').waitFor();
  assert.match(await page.getByTestId('customers-none').textContent(), /没有找到/);
  assert.deepEqual(problems, []);
});
