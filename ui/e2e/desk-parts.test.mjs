// The office's requisition queues on the desk at 1280×800 in Debian's Chromium, in English
// and in Chinese, against the real backend (backend.mjs): a technician's device asks for
// parts; the supervisor approves one request and is refused, in words, approving more than
// the warehouse holds; the storekeeper issues the approved parts at the parts counter, and
// takes back what the technician handed back: the spare into stock, the old part scrapped
// with a reason.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Backend, PASSWORD } from './backend.mjs';
import { startUi, DESK, assertFitsDesk } from './browser.mjs';
import { screenshotPath, waitFor } from './support.mjs';

let ui;
let backend;
let tech;

before(async () => {
  backend = await new Backend().start();
  ui = await startUi();
  tech = await backend.device('phone-tech');
  await backend.call(tech, 'sign_in', { server: backend.url, login: 'tech', password: PASSWORD });
});

after(async () => {
  await ui?.close();
  await backend?.close();
});

async function desk(login, locale) {
  const bridge = await backend.device(`desk-${login}-${locale}`);
  await backend.call(bridge, 'sign_in', { server: backend.url, login, password: PASSWORD });
  const problems = [];
  const { context, page } = await ui.open(bridge, { ...DESK, locale }, problems);
  await page.goto(ui.url);
  await page.getByTestId('nav-orders').waitFor();
  return { context, page, problems, bridge };
}

/** The technician asks for `quantity` of a part, and syncs. */
async function ask(number, quantity) {
  const parts = await backend.call(tech, 'find_parts', { text: number });
  const request = await backend.call(tech, 'ask_parts', {
    args: { requisitionId: crypto.randomUUID(), lineId: crypto.randomUUID(), partId: parts[0].id, quantity, orderId: null },
  });
  await backend.call(tech, 'sync_now');
  return request;
}

const LANGUAGES = [
  { locale: 'en-GB', tag: 'en', words: { approvals: 'Approvals', counter: 'Parts counter', refused: /holds only \d+ of BR-22: 999 cannot be approved/, approved: /approved/, issued: /issued to 李伟的车/, scrapped: /Scrapped/, toStock: /Back to stock/ } },
  { locale: 'zh-CN', tag: 'zh', words: { approvals: '领用审批', counter: '备件发放', refused: /只有 \d+ 件 BR-22，不能审批或发放 999 件/, approved: /已审批通过/, issued: /已向李伟的车/, scrapped: /报废/, toStock: /退回库存/ } },
];

for (const lang of LANGUAGES) {
  describe(`requisitions at the office (${lang.locale})`, () => {
    test('the supervisor approves a request and is told when the warehouse does not hold enough', async () => {
      const fits = await ask('BR-22', 2);
      const tooMany = await ask('BR-22', 999);
      const { page, problems, context } = await desk('supervisor', lang.locale);
      await waitFor('the approvals in the rail', async () => (await page.getByTestId('nav-approvals').count()) === 1);
      assert.match(await page.getByTestId('nav-approvals').textContent(), new RegExp(lang.words.approvals));
      await page.getByTestId('nav-approvals').click();
      const big = page.getByTestId('approval').filter({ hasText: tooMany.number });
      await big.waitFor();
      await big.getByTestId('approve').click();
      await page.getByTestId('approvals-error').waitFor();
      assert.match(await page.getByTestId('approvals-error').textContent(), lang.words.refused);
      const ok = page.getByTestId('approval').filter({ hasText: fits.number });
      await ok.getByTestId('approve').click();
      await page.getByTestId('approvals-done').waitFor();
      assert.match(await page.getByTestId('approvals-done').textContent(), lang.words.approved);
      await waitFor('the approved request to leave the queue', async () => (await page.getByTestId('approval').filter({ hasText: fits.number }).count()) === 0);
      await assertFitsDesk(page, 'approvals');
      await page.screenshot({ path: screenshotPath(`desk-${lang.tag}-approvals`), fullPage: true });
      assert.deepEqual(problems, [], 'no errors in the page');
      await context.close();
    });

    test('the storekeeper issues approved parts and takes back the spare and the old part', async () => {
      const { page, problems, context } = await desk('storekeeper', lang.locale);
      await waitFor('the parts counter in the rail', async () => (await page.getByTestId('nav-issuing').count()) === 1);
      assert.match(await page.getByTestId('nav-issuing').textContent(), new RegExp(lang.words.counter));
      await page.getByTestId('nav-issuing').click();
      const entry = page.getByTestId('issue-entry').filter({ hasText: 'BR-22' }).first();
      await entry.waitFor();
      const number = await entry.getAttribute('data-number');
      await entry.getByTestId('issue').click();
      await page.getByTestId('counter-done').waitFor();
      assert.match(await page.getByTestId('counter-done').textContent(), lang.words.issued);

      // The technician hands back one unused unit and an old part from their repair.
      await backend.call(tech, 'sync_now');
      const mine = (await backend.call(tech, 'my_requests')).find((r) => r.number === number);
      assert.equal(mine.status, 'issued', 'the phone has the issue');
      const line = mine.lines[0];
      await backend.call(tech, 'hand_back', { args: { requisitionId: mine.id, recordId: crypto.randomUUID(), what: 'unused', lineId: line.id, partId: null, quantity: 1, serials: [], orderId: null, note: '' } });
      await backend.call(tech, 'hand_back', { args: { requisitionId: mine.id, recordId: crypto.randomUUID(), what: 'old_part', lineId: null, partId: line.part_id, quantity: 1, serials: [], orderId: null, note: 'worn' } });
      await backend.call(tech, 'sync_now');

      await page.getByTestId('nav-stock').click();
      await page.getByTestId('nav-issuing').click();
      const back = page.getByTestId('take-back-entry').filter({ hasText: number });
      await back.waitFor();
      await back.locator('[data-what="unused"]').getByTestId('take-back').click();
      await waitFor('the spare back in stock', async () => lang.words.toStock.test((await page.getByTestId('counter-done').textContent().catch(() => '')) ?? ''));
      const oldRow = page.getByTestId('take-back-entry').filter({ hasText: number }).locator('[data-what="old_part"]');
      await oldRow.getByTestId('outcome').selectOption('scrapped');
      await oldRow.getByTestId('take-back').click();
      await page.getByTestId('counter-error').waitFor();
      await oldRow.getByTestId('take-back-reason').fill('碳刷磨损 worn out');
      await oldRow.getByTestId('take-back').click();
      await waitFor('the old part scrapped', async () => lang.words.scrapped.test((await page.getByTestId('counter-done').textContent().catch(() => '')) ?? ''));
      await waitFor('nothing left to take back for it', async () => (await page.getByTestId('take-back-entry').filter({ hasText: number }).count()) === 0);
      await assertFitsDesk(page, 'parts counter');
      await page.screenshot({ path: screenshotPath(`desk-${lang.tag}-counter`), fullPage: true });
      assert.deepEqual(problems, [], 'no errors in the page');
      await context.close();
    });
  });
}
