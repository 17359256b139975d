// The technician's parts at phone size (390×844, touch) in Debian's Chromium, against the
// real backend (backend.mjs): on the Stock tab, ask for parts for an order, see the request
// waiting to be sent, then approved and issued by the office (a supervisor's and a
// storekeeper's devices), hand back an unused unit, and read the van's figures with the
// movements behind them. In English (en-GB) and Chinese.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Backend, PASSWORD } from './backend.mjs';
import { startUi, PHONE } from './browser.mjs';
import { screenshotPath, waitFor } from './support.mjs';

let ui;
let backend;
let boss;
let keeper;

before(async () => {
  backend = await new Backend().start();
  ui = await startUi();
  boss = await backend.device('desk-supervisor');
  await backend.call(boss, 'sign_in', { server: backend.url, login: 'supervisor', password: PASSWORD });
  keeper = await backend.device('desk-storekeeper');
  await backend.call(keeper, 'sign_in', { server: backend.url, login: 'storekeeper', password: PASSWORD });
});

after(async () => {
  await ui?.close();
  await backend?.close();
});

const LANGUAGES = [
  { locale: 'en-GB', tag: 'en', words: { asked: 'Asked', approved: 'Approved', issued: 'Issued', waiting: /waiting for the storekeeper/, issuedMove: /Issued \+2/ } },
  { locale: 'zh-CN', tag: 'zh', words: { asked: '已申请', approved: '已审批', issued: '已发放', waiting: /待仓库收回/, issuedMove: /发放 \+2/ } },
];

for (const lang of LANGUAGES) {
  test(`a technician asks for parts, follows them to the van and hands one back (${lang.locale})`, async () => {
    const bridge = await backend.device(`phone-parts-${lang.tag}`);
    await backend.call(bridge, 'sign_in', { server: backend.url, login: 'tech', password: PASSWORD });
    const problems = [];
    const { context, page } = await ui.open(bridge, { ...PHONE, locale: lang.locale }, problems);
    await page.goto(`${ui.url}#/stock`);
    await page.getByTestId('ask-form').waitFor();

    // The van's seeded stock came as requests too: those are listed before asking.
    await page.locator('[data-testid=requests], [data-testid=no-requests]').first().waitFor();
    const before = await page.getByTestId('request').evaluateAll((els) => els.map((e) => e.getAttribute('data-number')));

    // Offline: the request stays on the phone, marked as not sent.
    await backend.stopServer();
    try {
      await waitFor('parts to choose from', async () => (await page.getByTestId('ask-part').locator('option').count()) > 0);
      const gasket = (await page.getByTestId('ask-part').locator('option').allTextContents()).find((o) => o.startsWith('BR-23'));
      await page.getByTestId('ask-part').selectOption({ label: gasket });
      await page.getByTestId('ask-quantity').fill('2');
      const orders = await page.getByTestId('ask-order').locator('option').allTextContents();
      assert.ok(orders.length > 1, 'the technician can name one of their orders');
      await page.getByTestId('ask-order').selectOption({ index: 1 });
      await page.getByTestId('ask-submit').tap();
      await page.getByTestId('parts-done').waitFor();
      // Ours is the one not sent yet: another device's requests may arrive meanwhile.
      const number = await waitFor('the new request in the list, not sent yet', async () => {
        const numbers = await page.locator('[data-testid=request]:has([data-testid=request-unsent])').evaluateAll((els) => els.map((e) => e.getAttribute('data-number')));
        return numbers.find((n) => !before.includes(n)) ?? null;
      });
      const mine = page.locator(`[data-testid=request][data-number="${number}"]`);
      assert.equal((await mine.getByTestId('request-status').textContent()).trim(), lang.words.asked);
      await mine.getByTestId('request-unsent').waitFor();
    } finally {
      // Back online: the office approves and issues; the phone follows.
      await backend.startServer();
    }
    await backend.call(bridge, 'sync_now');
    await backend.call(boss, 'sync_now');
    const queue = await backend.call(boss, 'office_requisitions');
    const entry = queue.to_approve.find((e) => e.requester_name === '李伟' && e.lines.some((l) => l.part_number === 'BR-23' && l.requested === 2) && !before.includes(e.number));
    assert.ok(entry, 'the supervisor sees the request');
    await backend.call(boss, 'office_requisition_action', { id: entry.id, action: { action: 'approve', id: crypto.randomUUID(), quantities: [], note: '' } });
    await backend.call(keeper, 'office_requisition_action', { id: entry.id, action: { action: 'issue', id: crypto.randomUUID(), line: entry.lines[0].id, quantity: 2, serials: [] } });
    await backend.call(bridge, 'sync_now');
    const issued = page.getByTestId('request').filter({ hasText: entry.number });
    await waitFor('the request to show as issued', async () => (await issued.getByTestId('request-status').textContent().catch(() => '')).trim() === lang.words.issued);

    // The van shows the issue behind its figure.
    const van = page.getByTestId('van-part').filter({ hasText: 'BR-23' });
    await waitFor('the issue in the van', async () => lang.words.issuedMove.test((await van.textContent().catch(() => '')) ?? ''));

    // One unit back, unused.
    await issued.getByTestId('hand-back-unused').tap();
    await page.getByTestId('parts-done').waitFor();
    await waitFor('the hand-back on the request', async () => lang.words.waiting.test((await issued.textContent()) ?? ''));
    await page.screenshot({ path: screenshotPath(`phone-${lang.tag}-parts`), fullPage: true });
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 390, `no sideways scrolling at phone width (${width})`);
    assert.deepEqual(problems, [], 'no errors in the page');
    await context.close();
  });
}
