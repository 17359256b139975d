// The complaint desk and intake's new classifications at 1280×800 in Debian's Chromium,
// against the real backend (backend.mjs): a service agent takes a complaint about a
// customer's order at intake, handles it through first contact, the cause, a measure,
// an unsatisfied verdict (handled again), a second measure, a satisfied verdict and the
// follow-up, and the order page lists it; a major complaint shows the agent why the
// measures are the supervisor's (in Chinese); a return asked after its window shows the
// refusal in words and a fresh one shows it can be granted; a purchase date in the
// future is refused. In both languages.
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
  await backend.call(bridge, 'sign_in', { server: backend.url, login: 'dispatcher', password: PASSWORD });
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

async function fillCustomer(page, description) {
  await page.getByTestId('intake-name').fill('张伟');
  await page.getByTestId('intake-phone').fill('13800138001');
  await page.getByTestId('intake-address').fill('北京市朝阳区建国路88号 3单元 1202');
  await page.getByTestId('intake-description').fill(description);
}

const status = (page) => page.getByTestId('complaint-detail-status').textContent();

async function measure(page, text) {
  await page.getByTestId('complaint-measure').fill(text);
  await page.getByTestId('complaint-measure-owner').selectOption({ index: 1 });
  await page.getByTestId('complaint-measure-deadline').fill(companyDay(1));
  await page.getByTestId('complaint-agree').click();
  await waitFor('the measure listed', async () => (await page.getByTestId('complaint-measures').textContent())?.includes(text));
  await page.getByTestId('complaint-measure-done').click();
  await waitFor('the measure done', async () => (await page.getByTestId('complaint-measure-done').count()) === 0);
}

test('a complaint about an order is taken at intake and handled to closing and follow-up', async () => {
  const page = await deskPage('en-GB');
  await page.getByTestId('nav-intake').click();
  await page.getByTestId('intake-kind-complaint').check();
  await fillCustomer(page, 'The technician came three hours late and did not call.');
  await page.getByTestId('intake-demand').fill('An apology and the call-out fee waived');
  await waitFor("the customer's orders to choose from", async () => (await page.getByTestId('intake-complaint-order').locator('option').count()) > 1);
  const orderLabel = await page.getByTestId('intake-complaint-order').locator('option').nth(1).textContent();
  await page.getByTestId('intake-complaint-order').selectOption({ index: 1 });
  await assertFitsDesk(page, 'complaint intake');
  await page.screenshot({ path: screenshotPath('desk-en-complaint-intake'), fullPage: true });
  await page.getByTestId('intake-submit').click();

  await page.getByTestId('complaint-detail').waitFor();
  assert.match(await page.evaluate(() => location.hash), /^#\/complaints\//);
  assert.equal(await status(page), 'Not yet contacted');
  const clocks = await page.getByTestId('complaint-clocks').getByTestId('sla-chip').allTextContents();
  assert.equal(clocks.length, 2, `first contact and resolution: ${clocks}`);
  assert.ok(clocks.some((c) => c.startsWith('Complaint first contact')), clocks.join(' | '));
  assert.ok(clocks.some((c) => c.startsWith('Complaint resolved')), clocks.join(' | '));
  assert.equal(await page.getByTestId('complaint-row').count(), 1, 'the open list has it');

  await page.getByTestId('complaint-contact-note').fill('Called back, apologised, promised an answer tomorrow');
  await page.getByTestId('complaint-contact').click();
  await waitFor('contacted', async () => (await status(page)) === 'Investigating');
  await page.getByTestId('complaint-cause-category').selectOption('timeliness');
  await page.getByTestId('complaint-cause-text').fill('Booked on an overfull day');
  await page.getByTestId('complaint-record-cause').click();
  await waitFor('the cause', async () => (await page.getByTestId('complaint-cause').textContent())?.startsWith('Late or missed appointment'));
  await measure(page, 'Waive the call-out fee');
  await page.getByTestId('complaint-inform-text').fill('Told the fee is waived');
  await page.getByTestId('complaint-inform').click();
  await waitFor('the note', async () => (await page.getByTestId('complaint-timeline').textContent())?.includes('Told the fee is waived'));
  await page.getByTestId('complaint-resolve').click();
  await waitFor('waiting for the customer', async () => (await status(page)) === 'Waiting for the customer');
  const paused = await page.getByTestId('complaint-clocks').locator('[data-sla=paused]').count();
  assert.equal(paused, 1, 'the resolution clock waits while the customer decides');
  await page.screenshot({ path: screenshotPath('desk-en-complaint-resolved'), fullPage: true });

  await page.getByTestId('complaint-verdict-comment').fill('Wants a voucher too');
  await page.getByTestId('complaint-unsatisfied').click();
  await waitFor('handled again', async () => (await status(page)) === 'Investigating');
  await measure(page, 'Send a service voucher');
  await page.getByTestId('complaint-resolve').click();
  await waitFor('waiting again', async () => (await status(page)) === 'Waiting for the customer');
  await page.getByTestId('complaint-satisfied').click();
  await waitFor('closed', async () => (await status(page)) === 'Closed');
  // The open list is asked again after the close is stored; wait for it rather than read it once.
  await waitFor('no longer on the open list', async () => (await page.getByTestId('complaint-row').count()) === 0);
  await page.getByTestId('complaint-follow-score').selectOption('4');
  await page.getByTestId('complaint-follow-comment').fill('Happy with the voucher');
  await page.getByTestId('complaint-follow-up').click();
  await page.getByTestId('complaint-follow-up-entry').waitFor();
  assert.match(await page.getByTestId('complaint-follow-up-entry').textContent(), /Follow-up by Phone call, score 4/);
  await assertFitsDesk(page, 'complaint page');
  await page.screenshot({ path: screenshotPath('desk-en-complaint-closed'), fullPage: true });

  // The order complained about lists it.
  const orderNumber = orderLabel.split(' · ')[0].trim();
  await page.getByRole('link', { name: orderNumber }).first().click();
  await page.getByTestId('order-complaints').waitFor();
  assert.match(await page.getByTestId('order-complaint').textContent(), /General · Closed/);
  await page.screenshot({ path: screenshotPath('desk-en-order-complaints') });
  assert.deepEqual(problems, []);
});

test('a major complaint tells the agent, in Chinese, that its measures are the supervisor’s', async () => {
  const page = await deskPage('zh-CN');
  await page.getByTestId('nav-intake').click();
  await page.getByTestId('intake-kind-complaint').check();
  await fillCustomer(page, '同一故障第三次出现，要求换新机');
  await page.getByTestId('intake-demand').fill('换新机');
  await page.getByTestId('intake-severity-major').check();
  await page.getByTestId('intake-submit').click();
  await page.getByTestId('complaint-detail').waitFor();
  assert.equal(await status(page), '待联系');
  await page.getByTestId('complaint-contact-note').fill('已回电致歉');
  await page.getByTestId('complaint-contact').click();
  await waitFor('调查中', async () => (await status(page)) === '调查中');
  await page.getByTestId('complaint-cause-text').fill('上次维修未更换主板');
  await page.getByTestId('complaint-record-cause').click();
  await page.getByTestId('complaint-why-measure').waitFor();
  assert.equal(await page.getByTestId('complaint-why-measure').textContent(), '重大投诉须由售后主管处理。');
  assert.ok(await page.getByTestId('complaint-agree').isDisabled(), 'the agent cannot agree measures');
  await assertFitsDesk(page, 'major complaint');
  await page.screenshot({ path: screenshotPath('desk-zh-complaint-major'), fullPage: true });
  assert.deepEqual(problems, []);
});

for (const [locale, lang, outside, granted, future] of [
  ['en-GB', 'en', /Outside the return window: the last day was/, /Can be granted/, /after today/],
  ['zh-CN', 'zh', /已超出退换期限：最后一天是/, /可以受理/, /晚于今天/],
]) {
  test(`a return's eligibility shows at intake before deciding, and a future purchase is refused (${lang})`, async () => {
    const page = await deskPage(locale);
    await page.getByTestId('nav-intake').click();
    await page.getByTestId('intake-kind-return_exchange').check();
    await fillCustomer(page, lang === 'en' ? 'Wants to return the washer' : '要求退货');
    await page.getByTestId('intake-ground-unused_with_manufacturing_defect').check();
    await page.getByTestId('intake-purchase-date').fill(companyDay(-8));
    await page.getByTestId('intake-delivered-on').fill(companyDay(-8));
    await page.getByTestId('intake-claim-refused').waitFor();
    const reasons = await page.getByTestId('intake-claim-refusal').allTextContents();
    assert.equal(reasons.length, 1, reasons.join(' | '));
    assert.match(reasons[0], outside);
    await page.screenshot({ path: screenshotPath(`desk-${lang}-return-refused`), fullPage: true });
    await page.getByTestId('intake-delivered-on').fill(companyDay(-2));
    await page.getByTestId('intake-claim-eligible').waitFor();
    assert.match(await page.getByTestId('intake-claim-eligible').textContent(), granted);
    await page.getByTestId('intake-finding-proof_of_purchase').uncheck();
    await page.getByTestId('intake-claim-refused').waitFor();
    await page.getByTestId('intake-finding-proof_of_purchase').check();
    await page.getByTestId('intake-claim-eligible').waitFor();
    await assertFitsDesk(page, 'return intake');
    await page.screenshot({ path: screenshotPath(`desk-${lang}-return-eligible`), fullPage: true });

    // A purchase tomorrow is refused in words, not taken as in warranty.
    await page.getByTestId('intake-kind-repair').check();
    await page.getByTestId('intake-purchase-date').fill(companyDay(1));
    await page.getByTestId('intake-delivered-on').fill('');
    await page.getByTestId('intake-submit').click();
    await page.getByTestId('intake-problem').waitFor();
    assert.match(await page.getByTestId('intake-problem').textContent(), future);
    assert.deepEqual(problems, []);
  });
}
