// The SLA board on the office face at 1280×800, against the real backend (backend.mjs): a
// demo server seeded around now, a supervisor's desk and a dispatcher's second desk, each
// a development bridge serving the Rust command layer. The board shows the seeded late
// and at-risk orders grouped by clock; a hold for the customer made on the other desk
// turns its rows to "paused" without a reload; the filters narrow it; a row opens its
// order; and in Chinese nothing is left in English.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Backend, PASSWORD } from './backend.mjs';
import { assertFitsDesk, startUi, DESK } from './browser.mjs';
import { screenshotPath, waitFor } from './support.mjs';

let context;
let page;
let ui;
let backend;
let desk;
let second;
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
  ui = await startUi();
  ({ context, page } = await ui.open(desk, { ...DESK, locale: 'en-GB' }, problems));
  await page.goto(ui.url);
});

after(async () => {
  await ui?.close();
  await backend?.close();
});

const rows = () => page.getByTestId('sla-row');
const rowOf = (number) => page.locator(`[data-testid=sla-row][data-number="${number}"]`);
const statuses = async (number) => rowOf(number).evaluateAll((rs) => rs.map((r) => r.dataset.status));

async function openBoard() {
  await page.getByTestId('nav-sla').click();
  await page.getByTestId('sla-summary').waitFor();
}

test('the late and at-risk orders are on the board, grouped by clock, with the time left', async () => {
  const late = list.find((o) => o.sla === 'breached');
  const risky = list.filter((o) => o.sla === 'at_risk');
  assert.ok(late && risky.length > 0, 'the demo (seeded around now) has late and at-risk orders');
  await openBoard();
  await waitFor('the late order on the board', async () => (await statuses(late.number)).includes('breached'));
  for (const o of risky) {
    await waitFor(`${o.number} at risk on the board`, async () => (await statuses(o.number)).includes('at_risk'));
  }
  const lateRow = rowOf(late.number).filter({ has: page.locator('.left.breached') }).first();
  assert.match(await lateRow.innerText(), /overdue by \d/);
  assert.match(await rowOf(risky[0].number).first().innerText(), /\d+ (h|min).* left/);
  // Every group is headed by its clock's name and lists least time left first.
  const groups = await page.getByTestId('sla-group').evaluateAll((gs) =>
    gs.map((g) => ({ clock: g.dataset.clock, heading: g.querySelector('h2').textContent, n: g.querySelectorAll('[data-testid=sla-row]').length })),
  );
  assert.ok(groups.length > 0 && groups.every((g) => g.n > 0 && !g.heading.includes('sla.clock')), JSON.stringify(groups));
  assert.match(await page.getByTestId('sla-summary').innerText(), /\d+ clocks? overdue/);
  await assertFitsDesk(page, 'the SLA board');
  await page.screenshot({ path: screenshotPath('desk-en-sla-board'), fullPage: true });
});

test('a hold for the customer made on another desk shows as paused without a reload', async () => {
  const order = list.find((o) => o.sla === 'at_risk');
  await openBoard();
  await waitFor('the order at risk', async () => (await statuses(order.number)).includes('at_risk'));
  await backend.call(second, 'order_op', { id: order.id, op: { op: 'hold', kind: 'waiting_for_customer', reason: '客户出差，下周一再约' } });
  await backend.call(second, 'sync_now');
  // The supervisor's desk hears of it through its long poll and asks the board again.
  await waitFor('its rows paused', async () => {
    const s = await statuses(order.number);
    return s.length > 0 && s.every((x) => x === 'paused');
  }, { timeoutMs: 30_000 });
  assert.match(await rowOf(order.number).first().innerText(), /waiting for the customer/);
});

test('the filters narrow the board, and a row opens its order', async () => {
  await openBoard();
  const late = list.find((o) => o.sla === 'breached');
  await waitFor('rows', async () => (await rows().count()) > 0);
  await page.getByTestId('sla-filter-clock').selectOption('first_response');
  await waitFor('only first-response clocks', async () => {
    const clocks = await page.getByTestId('sla-group').evaluateAll((gs) => gs.map((g) => g.dataset.clock));
    return clocks.length <= 1 && clocks.every((c) => c === 'first_response');
  });
  await page.getByTestId('sla-filter-clock').selectOption('');
  const assigned = list.find((o) => o.sla && o.assignee);
  if (assigned) {
    await page.getByTestId('sla-filter-tech').selectOption(assigned.assignee);
    await waitFor('only their rows', async () => {
      const names = await rows().evaluateAll((rs) => rs.map((r) => r.children[3].textContent.trim()));
      return names.length > 0 && names.every((n) => n === assigned.assignee_name);
    });
    await page.getByTestId('sla-filter-tech').selectOption('');
  }
  await waitFor('the late order back', async () => (await statuses(late.number)).length > 0);
  await rowOf(late.number).first().locator('a').click();
  await waitFor('its order page', async () => page.url().includes(`#/order/${late.id}`));
  await page.getByRole('heading', { name: new RegExp(late.number) }).first().waitFor();
});

test('the board in Chinese, with no English left', async () => {
  await page.getByTestId('nav-settings').click();
  await page.getByTestId('language-select').selectOption('zh-CN');
  await openBoard();
  await page.getByRole('heading', { name: '时效看板' }).waitFor();
  await waitFor('rows', async () => (await rows().count()) > 0);
  const text = await page.locator('.board').innerText();
  // Order numbers and customers' Latin names aside, the board's own words are Chinese.
  const words = await page.locator('.board h1, .board h2, .board th, .board label span, [data-testid=sla-summary], .board td.left, [data-testid=sla-chip]').allInnerTexts();
  for (const w of words) assert.doesNotMatch(w.replace(/\d+/g, ''), /[A-Za-z]/, `no English on the board: “${w}”`);
  assert.match(text, /已超时/);
  await assertFitsDesk(page, 'the SLA board in Chinese');
  await page.screenshot({ path: screenshotPath('desk-zh-sla-board'), fullPage: true });
  assert.deepEqual(problems, [], 'no console errors');
});
