// Stock counts, over-use resolved for real and the stock views on the desk at 1280×800
// in Debian's Chromium, in English and in Chinese, against the real backend (a seeded
// onsite-server and a development bridge per device, see backend.mjs). The storekeeper
// opens a count of the warehouse, enters a surplus and a shortage, one of them while the
// office cannot be reached (the server stopped), and the supervisor approves it; a
// technician over-uses a part from the van and the storekeeper settles it with a late
// issue from the warehouse; the stock views show a minimum, low stock, the history
// filtered by the count's number, and its CSV with the same headers in both languages.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Backend, PASSWORD } from './backend.mjs';
import { startUi, DESK, assertFitsDesk } from './browser.mjs';
import { screenshotPath, waitFor } from './support.mjs';

let ui;
let backend;

before(async () => {
  backend = await new Backend().start();
  ui = await startUi();
});

after(async () => {
  await ui?.close();
  await backend?.close();
});

/** A desk signed in as `login`, in `locale`. */
async function desk(login, locale) {
  const bridge = await backend.device(`desk-${login}-${locale}`);
  await backend.call(bridge, 'sign_in', { server: backend.url, login, password: PASSWORD });
  const problems = [];
  const { context, page } = await ui.open(bridge, { ...DESK, locale }, problems);
  await page.goto(ui.url);
  await page.getByTestId('nav-orders').waitFor();
  return { context, page, problems, bridge };
}

const LANGUAGES = [
  {
    locale: 'en-GB',
    tag: 'en',
    tech: 'tech',
    words: {
      surplus: /Surplus \(盘盈\) \+1/,
      shortage: /Shortage \(盘亏\) −1/,
      offline: /cannot be reached/,
      queued: /1 figure waits/,
      awaiting: /A supervisor approves/,
      posted: /posted: book and physical stock agree/,
      lateIssue: /Late issue/,
      low: 'Low',
      reason: ['found in the returns crate', 'one cracked, thrown away'],
    },
  },
  {
    locale: 'zh-CN',
    tag: 'zh',
    tech: 'tech',
    words: {
      surplus: /盘盈 \+1/,
      shortage: /盘亏 −1/,
      offline: /连不上服务中心/,
      queued: /还有 1 条实盘数量/,
      awaiting: /须由售后主管审批/,
      posted: /已过账：账实相符/,
      lateIssue: /补录发放/,
      low: '库存不足',
      reason: ['退货箱里找到一件', '一件破损已丢弃'],
    },
  },
];

/** The figures in one count line's cells. */
async function line(row) {
  const cells = await row.locator('td').allInnerTexts();
  return { book: Number(cells[0]), moved: Number(cells[4]), now: Number(cells[5]) };
}

for (const lang of LANGUAGES) {
  describe(`stock on the desk (${lang.locale})`, () => {
    let keeper;
    let boss;

    before(async () => {
      keeper = await desk('storekeeper', lang.locale);
      boss = await desk('supervisor', lang.locale);
    });
    after(async () => {
      assert.deepEqual(keeper?.problems, [], 'no errors on the storekeeper’s page');
      assert.deepEqual(boss?.problems, [], 'no errors on the supervisor’s page');
      await keeper?.context.close();
      await boss?.context.close();
    });

    test('a count with a surplus and a shortage, one entered offline, posts only after the supervisor approves', async () => {
      const { page } = keeper;
      await page.getByTestId('nav-counts').click();
      await page.getByTestId('count-open-form').waitFor();
      const warehouse = await waitFor('the warehouse offered', async () =>
        (await page.getByTestId('count-location').locator('option').allTextContents()).find((o) => o.startsWith('北京中心仓')),
      );
      await page.getByTestId('count-location').selectOption({ label: warehouse });
      await page.getByTestId('count-open').click();
      const sheet = page.getByTestId('count-sheet');
      await sheet.waitFor();
      assert.equal(await sheet.getAttribute('data-state'), 'open');
      await page.getByTestId('count-awaiting').waitFor();
      assert.match(await page.getByTestId('count-awaiting').innerText(), lang.words.awaiting, 'the storekeeper is told who approves');

      // Two parts the warehouse holds: one found more of, one found fewer.
      const rows = page.getByTestId('count-line');
      const held = [];
      for (let i = 0; i < (await rows.count()) && held.length < 2; i++) {
        const figures = await line(rows.nth(i));
        if (figures.book > 0) held.push({ row: rows.nth(i), ...figures, part: await rows.nth(i).getAttribute('data-part') });
      }
      assert.equal(held.length, 2, 'the warehouse holds two parts to count');
      const [more, fewer] = held;

      await more.row.getByTestId('count-figure').fill(String(more.book + 1));
      await more.row.getByTestId('count-reason').fill(lang.words.reason[0]);
      await more.row.getByTestId('count-enter').click();
      await waitFor('the surplus shown', async () => lang.words.surplus.test(await more.row.getByTestId('count-difference').innerText()));

      // Out of the office's reach: the figure waits on the device, and is shown at once.
      await backend.stopServer();
      await fewer.row.getByTestId('count-figure').fill(String(fewer.book - 1));
      await fewer.row.getByTestId('count-reason').fill(lang.words.reason[1]);
      await fewer.row.getByTestId('count-enter').click();
      await page.getByTestId('count-offline').waitFor();
      assert.match(await page.getByTestId('count-offline').innerText(), lang.words.offline);
      assert.match(await page.getByTestId('count-queued').innerText(), lang.words.queued);
      await waitFor('the shortage shown offline', async () => lang.words.shortage.test(await fewer.row.getByTestId('count-difference').innerText()));
      await assertFitsDesk(page, 'count offline');
      await page.screenshot({ path: screenshotPath(`desk-${lang.tag}-count-offline`), fullPage: true });
      await backend.startServer();

      // Back in reach: the queued figure goes out; nothing is posted yet.
      const id = page.url().split('/').pop();
      await page.reload();
      await sheet.waitFor();
      await waitFor('the queue emptied', async () => (await page.getByTestId('count-queued').count()) === 0 && (await page.getByTestId('count-offline').count()) === 0);
      const before = await backend.call(keeper.bridge, 'stock_count', { id });
      assert.deepEqual(
        before.sheet.lines.filter((l) => l.counted !== null).map((l) => [l.part_number, l.counted - l.book_at_open]),
        [[more.part, 1], [fewer.part, -1]].sort((a, b) => a[0].localeCompare(b[0])),
        'the office has both figures',
      );
      assert.ok(before.lines.every((l, i) => l.book_now === before.sheet.lines[i].book_at_open + l.moved_since_open), 'the book has not moved');

      // The supervisor approves on the desk: posted, and book and physical agree.
      await boss.page.goto(`${ui.url}#/counts/${id}`);
      await boss.page.getByTestId('count-approve').waitFor();
      await boss.page.getByTestId('count-approve').click();
      await waitFor('posted', async () => (await boss.page.getByTestId('count-sheet').getAttribute('data-state')) === 'posted');
      assert.match(await boss.page.getByTestId('count-done').innerText(), lang.words.posted);
      const posted = await backend.call(boss.bridge, 'stock_count', { id });
      for (const [i, l] of posted.sheet.lines.entries()) {
        // Posting adds physical − book at opening on top of the book as it stood.
        const added = l.counted === null ? 0 : l.counted - l.book_at_open;
        assert.equal(posted.lines[i].book_now, before.lines[i].book_now + added, `${l.part_number}: the book moved by the count's difference only`);
      }
      assert.equal(posted.sheet.state, 'posted');
      await assertFitsDesk(boss.page, 'count posted');
      await boss.page.screenshot({ path: screenshotPath(`desk-${lang.tag}-count-posted`), fullPage: true });
    });

    test('an over-used part is settled by a late issue, and the flag says which', async () => {
      // A technician fits one more than the van holds.
      const tech = await backend.device(`phone-${lang.tech}-${lang.locale}`);
      await backend.call(tech, 'sign_in', { server: backend.url, login: lang.tech, password: PASSWORD });
      await backend.call(tech, 'sync_now');
      const orders = await backend.call(tech, 'list_orders', { query: {} });
      let order = null;
      for (const o of orders) {
        const d = await backend.call(tech, 'get_order', { id: o.id });
        if (d.allowed.includes('use_part')) {
          order = o;
          break;
        }
      }
      assert.ok(order, `${lang.tech} has an order parts can be used on: ${orders.map((o) => o.state)}`);
      // One more than the office's book says the van holds.
      const van = await backend.call(tech, 'van_stock');
      const levels0 = await backend.call(keeper.bridge, 'stock_levels');
      const held = (partId) => levels0.find((r) => r.part === partId && r.location_name.startsWith('李伟的车'))?.quantity ?? 0;
      const item = van.find((v) => !v.part.serialized && held(v.part.id) > 0);
      assert.ok(item, `the van holds a part: ${JSON.stringify(van)}`);
      await backend.call(tech, 'use_part', {
        id: order.id,
        recordId: randomUUID(),
        partId: item.part.id,
        quantity: held(item.part.id) + 1,
        serialsNew: [],
        serialsOld: [],
      });
      const pushed = await backend.call(tech, 'sync_now');
      const { page, bridge } = keeper;
      await waitFor(`the van below zero at the office (${JSON.stringify(pushed)})`, async () => {
        const rows = await backend.call(bridge, 'stock_levels');
        return rows.some((r) => r.part === item.part.id && r.quantity < 0);
      });
      await waitFor('the over-use on the storekeeper’s desk', async () => {
        await backend.call(bridge, 'sync_now');
        const d = await backend.call(bridge, 'get_order', { id: order.id });
        return d.order.flags.some((f) => f.kind === 'stock_over_use' && f.resolution === null);
      });
      await page.goto(`${ui.url}#/order/${order.id}`);
      const flag = page.locator(`[data-testid=flag][data-kind=stock_over_use][data-subject="${item.part.number}"]`).filter({ has: page.getByTestId('over-use-fix') });
      await flag.waitFor();
      await flag.getByTestId('fix-late_issue').check();
      const from = await waitFor('the warehouse offered', async () =>
        (await flag.getByTestId('fix-from').locator('option').allTextContents()).find((o) => o.startsWith('北京中心仓')),
      );
      await flag.getByTestId('fix-from').selectOption({ label: from });
      await flag.getByTestId('fix-note').fill(lang.tag === 'en' ? 'two went out on Monday, one was booked' : '周一发出两件，只登记了一件');
      await assertFitsDesk(page, 'over-use fix');
      await page.screenshot({ path: screenshotPath(`desk-${lang.tag}-over-use-fix`), fullPage: true });
      await flag.getByTestId('fix-submit').click();
      await waitFor('the fix recorded', async () => (await flag.count()) === 0 || (await page.getByTestId('fix-error').count()) > 0);
      assert.equal(await page.getByTestId('fix-error').count(), 0, await page.getByTestId('fix-error').innerText().catch(() => ''));

      const settled = page.locator(`[data-testid=flag][data-kind=stock_over_use][data-subject="${item.part.number}"]`);
      // Each language's run settles its own shortage on the same order: every settled
      // flag there says it was a late issue.
      await waitFor('the flag resolved with its fix', async () => {
        const notices = await settled.locator('.notice.ok').allInnerTexts();
        return notices.length > 0 && notices.every((n) => lang.words.lateIssue.test(n));
      });
      const detail = await backend.call(bridge, 'get_order', { id: order.id });
      const fixed = detail.order.flags.filter((f) => f.kind === 'stock_over_use' && f.subject === item.part.number);
      assert.ok(fixed.every((f) => f.resolution?.choice === 'late_issue'), `resolved by a late issue: ${JSON.stringify(fixed)}`);
      assert.equal(detail.order.parts.filter((p) => p.part === item.part.id).at(-1)?.quantity, held(item.part.id) + 1, 'the usage record stays as the technician made it');
      const levels = await backend.call(bridge, 'stock_levels');
      assert.ok(levels.every((r) => r.quantity >= 0), `no negative balance: ${JSON.stringify(levels.filter((r) => r.quantity < 0))}`);
      await page.screenshot({ path: screenshotPath(`desk-${lang.tag}-over-use-settled`), fullPage: true });
    });

    test('the stock views show a minimum and low stock, the history by count number, and its CSV', async () => {
      const { page, bridge } = keeper;
      await page.getByTestId('nav-stock-views').click();
      await page.getByTestId('levels').waitFor();
      // A minimum above what a van holds makes it low.
      const row = await waitFor('a van’s stock', async () => {
        const rows = await backend.call(bridge, 'stock_levels');
        return rows.find((r) => r.quantity > 0 && !r.location_name.startsWith('北京中心仓'));
      });
      const part = (await page.getByTestId('minimum-part').locator('option').allTextContents()).find((o) => o.startsWith(`${row.part_number} `));
      await page.getByTestId('minimum-part').selectOption({ label: part });
      await page.getByTestId('minimum-location').selectOption({ label: row.location_name });
      await page.getByTestId('minimum-value').fill(String(row.quantity + 5));
      await page.getByTestId('minimum-save').click();
      await page.getByTestId('views-done').waitFor();
      const level = page.locator(`[data-testid=level][data-part="${row.part_number}"][data-location="${row.location_name}"]`);
      await waitFor('the pair shown low', async () => (await level.getByTestId('low').innerText()).trim() === lang.words.low);
      await page.getByTestId('only-low').check();
      assert.ok((await page.getByTestId('level').count()) >= 1);
      assert.equal(await page.locator('[data-testid=level]:not(.low)').count(), 0, 'only low stock listed');

      // The history narrowed to the last count's adjustments, by its number.
      const counts = await backend.call(bridge, 'stock_counts');
      const number = counts.counts.find((c) => c.state === 'posted')?.number;
      assert.ok(number, 'a posted count');
      await page.getByTestId('filter-order').fill(number);
      await page.getByTestId('filter-apply').click();
      await waitFor('only the adjustments', async () => {
        const kinds = await page.getByTestId('movement').evaluateAll((els) => els.map((e) => e.getAttribute('data-kind')));
        return kinds.length >= 2 && kinds.every((k) => k === 'count_adjustment');
      });
      await assertFitsDesk(page, 'stock views');
      await page.screenshot({ path: screenshotPath(`desk-${lang.tag}-stock-views`), fullPage: true });

      await page.getByTestId('export-csv').click();
      const link = page.getByTestId('csv-download');
      await link.waitFor();
      const csv = await page.evaluate(async (href) => (await fetch(href)).text(), await link.getAttribute('href'));
      const [header, ...rows] = csv.replace(/^\uFEFF/, '').trim().split('\r\n');
      assert.equal(header, 'at,kind,part_number,quantity,from,to,reference,by,reason,movement_id', 'the same headers in every language');
      assert.ok(rows.length >= 2 && rows.every((r) => r.includes(`,count_adjustment,`) && r.includes(number)), `the view's rows: ${rows}`);
    });
  });
}

test('a dispatcher has no counts or stock views, and the office refuses them the count', async () => {
  const { page, problems, context, bridge } = await desk('dispatcher', 'en-GB');
  const items = await page.locator('.rail-item').evaluateAll((els) => els.map((e) => e.getAttribute('data-testid')));
  assert.ok(!items.includes('nav-counts') && !items.includes('nav-stock-views'), `${items}`);
  const refused = await backend.call(bridge, 'stock_count_action', { command: { action: 'open', location: randomUUID() } }).then(
    () => null,
    (err) => err,
  );
  assert.ok(refused, 'refused');
  assert.match(String(refused.code ?? refused.message ?? refused), /not_permitted/);
  assert.deepEqual(problems, []);
  await context.close();
});
