// The supervisor's review of held changes at 1280×800 in Debian's Chromium, against the
// real backend (backend.mjs): a technician's device that was tampered with (its store
// edited to claim the supervisor's role, as a modified app could) cancels two of its
// orders; the server holds both. The desk lists them with the device, the attested user,
// the reason and the change; the supervisor releases one and discards the other, each
// after a confirmation; the orders show the outcome, the technician's notice clears on
// its next sync, and the audit trail names the device and the user. In both languages.
// A service agent's desk has no review screen.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Backend, PASSWORD } from './backend.mjs';
import { startUi, DESK } from './browser.mjs';
import { screenshotPath, waitFor } from './support.mjs';

let context;
let page;
let ui;
let backend;
let desk;
let tech;
/** The two orders the technician's device cancels: [to release, to discard]. */
let held = [];
const problems = [];

async function deskPage(bridge, locale) {
  const { context: ctx, page: p } = await ui.open(bridge, { ...DESK, locale }, problems);
  await p.goto(ui.url);
  return { ctx, page: p };
}

before(async () => {
  backend = await new Backend().start();
  desk = await backend.device('desk');
  tech = await backend.device('tech');
  await backend.call(desk, 'sign_in', { server: backend.url, login: 'supervisor', password: PASSWORD });
  await backend.call(tech, 'sign_in', { server: backend.url, login: 'tech', password: PASSWORD });
  const mine = await backend.call(tech, 'list_orders', { query: {} });
  held = mine.filter((o) => o.state === 'dispatched' || o.state === 'contacted').slice(0, 2);
  assert.equal(held.length, 2, 'the demo technician has two open orders to cancel');
  backend.claimRole('tech', 'supervisor');
  for (const o of held) await backend.call(tech, 'order_op', { id: o.id, op: { op: 'cancel', reason: '客户不修了' } });
  await backend.call(tech, 'sync_now');
  for (const o of held) {
    const page = await backend.call(tech, 'get_order', { id: o.id });
    assert.ok(page.quarantined, `the technician is told ${o.number} is held`);
  }
  await backend.call(desk, 'sync_now');
  ui = await startUi();
  ({ ctx: context, page } = await deskPage(desk, 'en-GB'));
});

after(async () => {
  await ui?.close();
  await backend?.close();
});

const heldRows = () => page.getByTestId('held-row');
const rowOf = (o) => page.locator(`[data-testid=held-row][data-doc="${o.id}"]`);

async function decide(o, what, note) {
  await rowOf(o).getByTestId('held-open').click();
  await page.getByTestId('held-detail').waitFor();
  await page.getByTestId('held-note').fill(note);
  await page.getByTestId(`held-${what}`).click();
  await page.getByTestId('held-confirm').waitFor();
  await page.getByTestId('held-confirm-yes').click();
  await page.getByTestId('held-done').waitFor();
}

test('a supervisor sees each held change with device, user, reason and change, then releases one and discards the other', async () => {
  await page.getByTestId('nav-held').click();
  await page.getByTestId('held-list').waitFor();
  await waitFor('both held changes', async () => (await heldRows().count()) === 2);
  for (const o of held) {
    const row = rowOf(o);
    assert.equal(await row.getByTestId('held-open').innerText(), o.number, 'the order by its number');
    assert.match(await row.getByTestId('held-from').innerText(), /^李伟 on Onsite on \w+$/, 'the attested user on the enrolled device');
    assert.equal(await row.getByTestId('held-reason').innerText(), 'The role “Technician” may not make this change');
  }

  const [toRelease, toDiscard] = held;
  await rowOf(toRelease).getByTestId('held-open').click();
  const detail = page.getByTestId('held-detail');
  await detail.waitFor();
  assert.match(await page.getByTestId('held-findings').innerText(), /names someone other than the sender as its author/);
  const state = page.locator('[data-testid=held-change][data-field=state]');
  assert.match(await state.innerText(), new RegExp(`order state\\s+${toRelease.state === 'dispatched' ? 'Dispatched' : 'Contacted'}\\s+Cancelled`));
  assert.match(await page.getByTestId('held-changes').innerText(), /客户不修了/, 'the cancellation reason it would have recorded');
  await page.screenshot({ path: screenshotPath('desk-en-held'), fullPage: true });

  // Going back from the confirmation decides nothing.
  await page.getByTestId('held-release').click();
  assert.match(await page.getByTestId('held-confirm').innerText(), /merged into the order as your decision/);
  await page.getByTestId('held-confirm-no').click();
  assert.equal(await heldRows().count(), 2);

  await decide(toRelease, 'release', 'Customer confirmed by phone');
  assert.match(await page.getByTestId('held-done').innerText(), new RegExp(`Released: ${toRelease.number} now has the change`));
  await waitFor('one left', async () => (await heldRows().count()) === 1);
  await decide(toDiscard, 'discard', 'Customer still wants the repair');
  await page.getByTestId('held-none').waitFor();

  const released = await backend.call(desk, 'get_order', { id: toRelease.id });
  assert.equal(released.order.state, 'cancelled', 'released: merged into the order');
  const kept = await backend.call(desk, 'get_order', { id: toDiscard.id });
  assert.equal(kept.order.state, toDiscard.state, 'discarded: the order stays as it was');

  await backend.call(tech, 'sync_now');
  for (const o of held) {
    const p = await backend.call(tech, 'get_order', { id: o.id });
    assert.equal(p.quarantined, null, `decided: the technician's notice for ${o.number} is gone`);
  }

  // The decided ones stay listed on request, with who decided.
  await page.getByTestId('held-all').check();
  await waitFor('both, decided', async () => (await heldRows().count()) === 2);
  assert.match(await page.evaluate(() => location.hash), /^#\/held\?all=1$/);
  await rowOf(toRelease).getByTestId('held-open').click();
  assert.match(await page.getByTestId('held-decided').innerText(), /^Released by 刘洋, /);
});

test('the audit trail names the enrolled device and the attested user, not an actor id', async () => {
  const [released] = held;
  await page.goto(`${ui.url}#/order/${released.id}`);
  const history = page.getByTestId('change-history');
  await history.waitFor();
  const rows = await history.locator('tbody tr').evaluateAll((els) => els.map((e) => [...e.cells].map((c) => c.textContent.trim())));
  const cancel = rows.find((r) => r[3] === 'Cancelled the order');
  assert.ok(cancel, `the released cancellation is in the trail: ${JSON.stringify(rows)}`);
  assert.match(cancel[4], /^Onsite on \w+$/, 'on the device the server enrolled');
  assert.deepEqual(cancel.slice(1, 3), ['李伟', 'Technician'], 'the attested user in their own role, not the role the tampered device claimed');
  const decided = rows.find((r) => r[3] === 'Resolved a flag');
  assert.deepEqual(decided?.slice(1, 3), ['刘洋', 'Supervisor'], "the supervisor's decision, written by the office server");
  for (const r of rows) {
    assert.ok(!/^[0-9a-f]{8}$/.test(r[4]), `no bare actor prefix: ${r}`);
    // The demo office was seeded by the server before any device enrolled.
    assert.ok(/^(Onsite on \w+|Office server|Unknown device \([0-9a-f]{8}\))$/.test(r[4]), `a device name, the server, or said unknown: ${r}`);
  }
  await page.screenshot({ path: screenshotPath('desk-en-held-history'), fullPage: true });
});

test('the review in Chinese', async () => {
  await page.goto(`${ui.url}#/settings`);
  await page.getByTestId('language-select').selectOption('zh-CN');
  await page.getByTestId('nav-held').click();
  await page.getByRole('heading', { name: '待审核的改动' }).waitFor();
  await page.getByTestId('held-none').waitFor();
  await page.getByTestId('held-all').check();
  await waitFor('the decided ones', async () => (await heldRows().count()) === 2);
  const [released, discarded] = held;
  assert.equal(await rowOf(released).getByTestId('held-reason').innerText(), '维修工程师无权进行这项改动');
  assert.match(await rowOf(released).getByTestId('held-from').innerText(), /^李伟（Onsite on \w+）$/);
  assert.match(await rowOf(released).innerText(), /已放行/);
  assert.match(await rowOf(discarded).innerText(), /已驳回/);
  await rowOf(discarded).getByTestId('held-open').click();
  assert.match(await page.locator('[data-testid=held-change][data-field=state]').innerText(), /工单状态[\s\S]*已取消/);
  assert.match(await page.getByTestId('held-findings').innerText(), /署名的作者不是发送人本人/);
  await page.screenshot({ path: screenshotPath('desk-zh-held'), fullPage: true });
  await page.goto(`${ui.url}#/order/${released.id}`);
  await page.getByTestId('change-history').waitFor();
  await page.screenshot({ path: screenshotPath('desk-zh-held-history'), fullPage: true });
  assert.deepEqual(problems, [], 'no script errors');
});

test("a service agent's desk has no review screen", async () => {
  const agent = await backend.device('agent');
  await backend.call(agent, 'sign_in', { server: backend.url, login: 'dispatcher', password: PASSWORD });
  const other = await deskPage(agent, 'en-GB');
  await other.page.getByTestId('nav-orders').waitFor();
  assert.equal(await other.page.getByTestId('nav-held').count(), 0, 'no Held changes in the rail');
  await other.ctx.close();
});
