// Returns, exchanges and the company's complaint causes on the desk at 1280×800 in
// Debian's Chromium, against the real backend (backend.mjs): a supervisor adds a cause
// class to the company settings and classifies a complaint by it from the complaint
// page's picker; a return asked on day 8 is taken in and refused, the refusal recorded
// with who, why and the rules' reason, shown at intake and on the order page; an
// exchange granted on a unit makes the next claim about that unit offer the ground of
// a fault after exchange by itself. In both languages.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Backend, PASSWORD } from './backend.mjs';
import { startUi, DESK, assertFitsDesk } from './browser.mjs';
import { screenshotPath, waitFor } from './support.mjs';

let ui;
let backend;
let bridge;
const problems = [];

/** The company's date (UTC+8, the demo calendar) `days` from today, as YYYY-MM-DD. */
function companyDay(days = 0) {
  return new Date(Date.now() + 8 * 3600_000 + days * 86_400_000).toISOString().slice(0, 10);
}

before(async () => {
  backend = await new Backend().start();
  bridge = await backend.device('desk');
  await backend.call(bridge, 'sign_in', { server: backend.url, login: 'supervisor', password: PASSWORD });
  ui = await startUi();
});

after(async () => {
  await ui?.close();
  await backend?.close();
});

async function deskPage(locale) {
  const { page } = await ui.open(bridge, { ...DESK, locale }, problems);
  await page.goto(ui.url);
  return page;
}

async function fillCustomer(page, phone, description) {
  await page.getByTestId('intake-name').fill('刘洋');
  await page.getByTestId('intake-phone').fill(phone);
  await page.getByTestId('intake-address').fill('上海市徐汇区漕溪北路18号 5楼');
  await page.getByTestId('intake-description').fill(description);
}

const WORDS = {
  en: {
    locale: 'en-GB',
    name: 'Courier damage',
    refused: /^Return refused/,
    granted: /^Exchange granted/,
    outside: /Outside the return window: the last day was/,
    by: /\(Supervisor\)/,
    earlier: /exchanged once already \(order /,
  },
  zh: {
    locale: 'zh-CN',
    name: '快递损坏',
    refused: /^拒绝退货/,
    granted: /^批准换货/,
    outside: /已超出退换期限：最后一天是/,
    by: /（售后主管）/,
    earlier: /已换货一次（工单 /,
  },
};

for (const [lang, w] of Object.entries(WORDS)) {
  test(`a cause class added in the company settings is picked on a complaint (${lang})`, async () => {
    const page = await deskPage(w.locale);
    const key = `courier_damage_${lang}`;
    await page.getByTestId('nav-company').click();
    await page.getByTestId('cause-list').waitFor();
    const before = await page.getByTestId('cause-row').count();
    assert.equal(await page.getByTestId('cause-key-0').inputValue(), 'product_quality', 'the default classes');
    // Rust refuses a class without its Chinese name, and nothing is saved.
    await page.getByTestId('cause-add').click();
    await page.getByTestId(`cause-key-${before}`).fill(key);
    await page.getByTestId(`cause-en-${before}`).fill('Courier damage');
    await page.getByTestId('settings-save').click();
    await page.getByTestId('settings-error').waitFor();
    await page.getByTestId(`cause-zh-${before}`).fill('快递损坏');
    await page.getByTestId('settings-save').click();
    await page.getByTestId('settings-saved').waitFor();
    await assertFitsDesk(page, 'cause list');
    await page.screenshot({ path: screenshotPath(`desk-${lang}-cause-list`), fullPage: true });

    await page.getByTestId('nav-intake').click();
    await page.getByTestId('intake-kind-complaint').check();
    await fillCustomer(page, lang === 'en' ? '13900139001' : '13900139002', lang === 'en' ? 'The washer arrived with a dented door' : '洗衣机送到时门板凹陷');
    await page.getByTestId('intake-demand').fill(lang === 'en' ? 'A new door' : '更换门板');
    await page.getByTestId('intake-submit').click();
    await page.getByTestId('complaint-detail').waitFor();
    await page.getByTestId('complaint-contact-note').fill(lang === 'en' ? 'Called back' : '已回电');
    await page.getByTestId('complaint-contact').click();
    const picker = page.getByTestId('complaint-cause-category');
    await waitFor('the company class offered', async () => (await picker.locator(`option[value="${key}"]`).count()) === 1);
    assert.equal((await picker.locator(`option[value="${key}"]`).textContent())?.trim(), w.name);
    await picker.selectOption(key);
    await page.getByTestId('complaint-cause-text').fill(lang === 'en' ? 'Carton crushed in transit' : '运输途中纸箱被压');
    await page.getByTestId('complaint-record-cause').click();
    await waitFor('the cause in words', async () => (await page.getByTestId('complaint-cause').textContent())?.startsWith(w.name));
    await page.screenshot({ path: screenshotPath(`desk-${lang}-complaint-company-cause`), fullPage: true });
    assert.deepEqual(problems, []);
  });

  test(`a return asked on day 8 is refused at intake, recorded with who and why, and shown on the order (${lang})`, async () => {
    const page = await deskPage(w.locale);
    await page.getByTestId('nav-intake').click();
    await page.getByTestId('intake-kind-return_exchange').check();
    await fillCustomer(page, lang === 'en' ? '13700137001' : '13700137002', lang === 'en' ? 'Wants the money back' : '要求退货退款');
    await page.getByTestId('intake-ground-unused_with_manufacturing_defect').check();
    await page.getByTestId('intake-purchase-date').fill(companyDay(-8));
    await page.getByTestId('intake-delivered-on').fill(companyDay(-8));
    await page.getByTestId('intake-claim-refused').waitFor();
    assert.ok(await page.getByTestId('intake-grant').isDisabled(), 'a refused claim is not granted');
    const why = lang === 'en' ? 'Delivered eight days ago; the window is seven' : '已送达八天，超过七天期限';
    await page.getByTestId('intake-decision-reason').fill(why);
    await page.getByTestId('intake-refuse').click();
    await page.getByTestId('intake-decided').waitFor();
    const decision = page.getByTestId('intake-decided').getByTestId('return-decision');
    assert.equal(await decision.getAttribute('data-granted'), 'false');
    assert.match(await decision.locator('strong').textContent(), w.refused);
    assert.match(await decision.getByTestId('return-decision-refusal').textContent(), w.outside);
    assert.match(await decision.getByTestId('return-decision-reason').textContent(), new RegExp(why));
    assert.match(await decision.getByTestId('return-decision-by').textContent(), w.by);
    await assertFitsDesk(page, 'return refused at intake');
    await page.screenshot({ path: screenshotPath(`desk-${lang}-return-decided`), fullPage: true });

    await page.getByTestId('intake-decided-order').click();
    await page.getByTestId('return-decisions').waitFor();
    const onOrder = page.getByTestId('return-decisions').getByTestId('return-decision');
    // The page reads the order when it opens; wait for that read rather than count once.
    await waitFor('the decision on the order page', async () => (await onOrder.count()) === 1);
    assert.match(await onOrder.locator('strong').textContent(), w.refused);
    assert.match(await onOrder.getByTestId('return-decision-reason').textContent(), new RegExp(why));
    await page.screenshot({ path: screenshotPath(`desk-${lang}-order-return-decision`), fullPage: true });
    assert.deepEqual(problems, []);
  });

  test(`an exchanged unit whose fault came back offers that ground by itself (${lang})`, async () => {
    const page = await deskPage(w.locale);
    const phone = lang === 'en' ? '13600136001' : '13600136002';
    const serial = `SN-EX-${lang}-${Date.now()}`;
    const take = async () => {
      await page.getByTestId('nav-intake').click();
      await page.getByTestId('intake-kind-return_exchange').check();
      await fillCustomer(page, phone, lang === 'en' ? 'Will not start' : '无法开机');
      await page.getByTestId('intake-model').fill('WM-8000');
      await page.getByTestId('intake-serial').fill(serial);
      await page.getByTestId('intake-purchase-date').fill(companyDay(-3));
      await page.getByTestId('intake-delivered-on').fill(companyDay(-3));
    };
    await take();
    await page.getByTestId('intake-claim-exchange').check();
    await page.getByTestId('intake-ground-quality_defect').check();
    await page.getByTestId('intake-claim-eligible').waitFor();
    await page.getByTestId('intake-decision-reason').fill(lang === 'en' ? 'Dead on arrival' : '到货即无法开机');
    await page.getByTestId('intake-grant').click();
    await page.getByTestId('intake-decided').waitFor();
    assert.match(await page.getByTestId('intake-decided').getByTestId('return-decision').locator('strong').textContent(), w.granted);

    // The same unit again: the earlier exchange is found and its ground ticked.
    await page.goto(ui.url);
    await take();
    await page.getByTestId('intake-earlier-exchange').waitFor();
    assert.match(await page.getByTestId('intake-earlier-exchange').textContent(), w.earlier);
    assert.ok(await page.getByTestId('intake-ground-fault_after_exchange').isChecked(), 'the ground is ticked');
    await page.getByTestId('intake-claim-eligible').waitFor();
    await page.screenshot({ path: screenshotPath(`desk-${lang}-return-after-exchange`), fullPage: true });
    assert.deepEqual(problems, []);
  });
}
