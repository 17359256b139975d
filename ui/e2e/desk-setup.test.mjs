// The company's set-up on the desk at 1280×800 in Debian's Chromium, in English and in
// Chinese, against the real backend (a seeded onsite-server and a development bridge per
// device, see backend.mjs): the parts catalog and its CSV import (a bad row named, nothing
// stored; a GBK file from Chinese Excel read), goods received and a transfer to a van
// with the stock per location, people (add, disable, the last supervisor kept) with the
// record of who did what, and the rail showing each role only the screens it administers.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Backend, PASSWORD } from './backend.mjs';
import { startUi, DESK, assertFitsDesk } from './browser.mjs';
import { screenshotPath, waitFor } from './support.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
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


const railItems = (page) => page.locator('.rail-item').evaluateAll((els) => els.map((e) => e.getAttribute('data-testid')));

const LANGUAGES = [
  {
    locale: 'en-GB',
    tag: 'en',
    prefix: 'E2E-EN',
    words: {
      imported: /2 parts added, 0 updated/,
      badRow: /row 3, column “price”/,
      received: /received/,
      transferred: /transferred to 李伟的车/,
      lastSupervisor: /last active supervisor/,
      disabled: /is disabled/,
      auditDisabled: 'Person disabled',
      catalog: 'Parts catalog',
    },
  },
  {
    locale: 'zh-CN',
    tag: 'zh',
    prefix: 'E2E-ZH',
    words: {
      imported: /新增 2 种，更新 0 种/,
      badRow: /第 3 行“单价”列/,
      received: /已入库/,
      transferred: /已发放到 李伟的车/,
      lastSupervisor: /最后一位在岗的售后主管/,
      disabled: /已停用/,
      auditDisabled: '停用人员',
      catalog: '备件目录',
    },
  },
];

for (const lang of LANGUAGES) {
  describe(`set-up at the office (${lang.locale})`, () => {
    let page;
    let problems;
    let context;

    before(async () => ({ page, problems, context } = await desk('supervisor', lang.locale)));
    after(async () => {
      assert.deepEqual(problems, [], 'no errors in the page');
      await context?.close();
    });

    test('a supervisor sees the catalog, stock and people screens in the rail', async () => {
      await waitFor('the set-up screens in the rail', async () => (await railItems(page)).includes('nav-people'));
      assert.deepEqual(await railItems(page), ['nav-intake', 'nav-dispatch', 'nav-orders', 'nav-sla', 'nav-workshop', 'nav-complaints', 'nav-follow-ups', 'nav-customers', 'nav-company', 'nav-calendar', 'nav-held', 'nav-kpi', 'nav-catalog', 'nav-stock', 'nav-approvals', 'nav-issuing', 'nav-people', 'nav-counts', 'nav-stock-views', 'nav-settings']);
      assert.equal((await page.getByTestId('nav-catalog').textContent()).trim().endsWith(lang.words.catalog), true);
    });

    test('the catalog imports a CSV file whole, and a bad row is named and stores nothing', async () => {
      await page.getByTestId('nav-catalog').click();
      await page.getByTestId('catalog-table').waitFor();
      const before = await page.getByTestId('catalog-row').count();
      const bad = `编号,名称,单位,单价\n${lang.prefix}-9,好的一行,个,10\n${lang.prefix}-10,坏的一行,个,十块\n`;
      const file = lang.tag === 'en' ? bad.replace('编号,名称,单位,单价', 'number,name,unit,price') : bad;
      await page.getByTestId('import-file').setInputFiles({ name: 'bad.csv', mimeType: 'text/csv', buffer: Buffer.from(file) });
      await page.getByTestId('import-submit').click();
      await page.getByTestId('catalog-error').waitFor();
      assert.match(await page.getByTestId('catalog-error').textContent(), lang.words.badRow);
      assert.equal(await page.getByTestId('catalog-row').count(), before, 'not even the good row was stored');

      const good = `备件编号,名称,单位,单价,序列号管理,贵重/限量,原厂认证,条形码\n${lang.prefix}-1,密封圈 Door seal,个,18.50,否,否,是,6900000000011\n${lang.prefix}-2,加热管 Heater,根,260,否,否,是,\n`;
      await page.getByTestId('import-file').setInputFiles({ name: 'catalog.csv', mimeType: 'text/csv', buffer: Buffer.from(good) });
      await page.getByTestId('import-submit').click();
      await page.getByTestId('catalog-done').waitFor();
      assert.match(await page.getByTestId('catalog-done').textContent(), lang.words.imported);
      await waitFor('the imported parts in the table', async () => (await page.getByTestId('catalog-row').count()) === before + 2);
      const row = page.getByTestId('catalog-row').filter({ hasText: `${lang.prefix}-1` });
      assert.match(await row.textContent(), /18\.50/);

      // Edit one by hand: the price changes in place.
      await row.getByRole('button').click();
      await page.getByTestId('part-price').fill('19');
      await page.getByTestId('part-save').click();
      await page.getByTestId('catalog-done').waitFor();
      await waitFor('the new price', async () => /19\.00/.test(await page.getByTestId('catalog-row').filter({ hasText: `${lang.prefix}-1` }).textContent()));
      await assertFitsDesk(page, 'catalog');
      await page.screenshot({ path: screenshotPath(`desk-${lang.tag}-catalog`), fullPage: true });
    });

    test('a catalog saved by Chinese Excel (GBK, not UTF-8) imports with its Chinese names', async () => {
      // Real GBK bytes (made with iconv), as Excel on a Chinese Windows saves "CSV".
      const gbk = readFileSync(join(root, 'commands', 'tests', 'fixtures', 'catalog-gbk.csv'));
      assert.throws(() => new TextDecoder('utf-8', { fatal: true }).decode(gbk), 'the file is not UTF-8');
      await page.getByTestId('import-file').setInputFiles({ name: '备件目录.csv', mimeType: 'text/csv', buffer: gbk });
      await page.getByTestId('import-submit').click();
      await page.getByTestId('catalog-done').waitFor();
      const row = (number) => page.getByTestId('catalog-row').filter({ hasText: number });
      await waitFor('the GBK parts in the table', async () => (await row('GBK-2').count()) === 1);
      assert.match(await row('GBK-1').textContent(), /排水泵 Drain pump/);
      assert.match(await row('GBK-2').textContent(), /门封圈/);
    });

    test('goods received and a transfer to a van show in the stock per location', async () => {
      await page.getByTestId('nav-stock').click();
      await page.getByTestId('receipt-form').waitFor();
      await waitFor('the imported part to be offered', async () => (await page.getByTestId('receipt-part').locator('option').allTextContents()).some((o) => o.startsWith(`${lang.prefix}-2`)));
      const option = (await page.getByTestId('receipt-part').locator('option').allTextContents()).find((o) => o.startsWith(`${lang.prefix}-2`));
      await page.getByTestId('receipt-part').selectOption({ label: option });
      await page.getByTestId('receipt-quantity').fill('6');
      await page.getByTestId('receipt-note').fill('DN-2026-118');
      await page.getByTestId('receipt-submit').click();
      await waitFor('the receipt', async () => lang.words.received.test((await page.getByTestId('stock-done').textContent().catch(() => '')) ?? ''));

      await page.getByTestId('transfer-part').selectOption({ label: option });
      const van = (await page.getByTestId('transfer-to').locator('option').allTextContents()).find((o) => o.startsWith('李伟的车'));
      await page.getByTestId('transfer-to').selectOption({ label: van });
      await page.getByTestId('transfer-quantity').fill('7');
      await page.getByTestId('transfer-submit').click();
      await page.getByTestId('stock-error').waitFor();
      assert.match(await page.getByTestId('stock-error').textContent(), /6/, 'the refusal says how many the warehouse holds');

      await page.getByTestId('transfer-quantity').fill('2');
      await page.getByTestId('transfer-submit').click();
      await waitFor('the transfer', async () => lang.words.transferred.test((await page.getByTestId('stock-done').textContent().catch(() => '')) ?? ''));

      const locationText = async (start) => {
        const all = await page.getByTestId('stock-location').allTextContents();
        return all.find((t) => t.trim().startsWith(start)) ?? '';
      };
      const inVan = await locationText('李伟的车');
      assert.match(inVan, new RegExp(`${lang.prefix}-2[^\\d]*2`), `the van holds the two heaters: ${inVan}`);
      const inWarehouse = await locationText('北京中心仓');
      assert.match(inWarehouse, new RegExp(`${lang.prefix}-2[^\\d]*4`), `the warehouse keeps four: ${inWarehouse}`);
      assert.match(await page.getByTestId('stock-recent').textContent(), new RegExp(`${lang.prefix}-2`));
      await assertFitsDesk(page, 'stock');
      await page.screenshot({ path: screenshotPath(`desk-${lang.tag}-stock`), fullPage: true });
    });

    test('a supervisor adds and disables a person, cannot disable the last supervisor, and it is all on record', async () => {
      await page.getByTestId('nav-people').click();
      await page.getByTestId('users-table').waitFor();
      const login = `e2e.${lang.tag}`;
      await page.getByTestId('user-name').fill(lang.tag === 'en' ? 'Test Person' : '测试人员');
      await page.getByTestId('user-login').fill(login);
      await page.getByTestId('user-role').selectOption('dispatcher');
      await page.getByTestId('user-password').fill('a long password');
      await page.getByTestId('user-add').click();
      await page.getByTestId('people-done').waitFor();
      const row = page.locator(`[data-testid=user-row][data-login="${login}"]`);
      await row.waitFor();

      await row.getByTestId('user-disable').click();
      await waitFor('the person disabled', async () => lang.words.disabled.test((await page.getByTestId('people-done').textContent().catch(() => '')) ?? ''));
      await row.getByTestId('user-enable').waitFor();

      await page.locator('[data-testid=user-row][data-login="supervisor"]').getByTestId('user-disable').click();
      await page.getByTestId('people-error').waitFor();
      assert.match(await page.getByTestId('people-error').textContent(), lang.words.lastSupervisor);

      assert.ok((await page.getByTestId('device-row').count()) >= 1, 'enrolled devices are listed');
      const audit = await page.getByTestId('audit-row').allTextContents();
      assert.ok(audit.some((r) => r.includes(lang.words.auditDisabled) && r.includes(login) && r.includes('刘洋')), `the disabling is recorded with who did it: ${audit.slice(0, 3)}`);
      await assertFitsDesk(page, 'people');
      await page.screenshot({ path: screenshotPath(`desk-${lang.tag}-people`), fullPage: true });
    });
  });
}

test('a storekeeper gets the catalog and stock screens, not people; a service agent gets none', async () => {
  for (const [login, expected] of [
    ['storekeeper', ['nav-catalog', 'nav-stock']],
    ['dispatcher', []],
  ]) {
    const { page, problems, context } = await desk(login, 'en-GB');
    if (expected.length) await waitFor('the set-up screens in the rail', async () => (await railItems(page)).includes(expected[0]));
    const items = await railItems(page);
    assert.deepEqual(
      items.filter((i) => ['nav-catalog', 'nav-stock', 'nav-people'].includes(i)),
      expected,
      `${login}: ${items}`,
    );
    // Typing the address of a screen the role does not administer shows the orders.
    await page.goto(`${ui.url}#/people`);
    await page.getByTestId('orders-table').waitFor();
    assert.deepEqual(problems, []);
    await context.close();
  }
});
