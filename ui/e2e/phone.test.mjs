// The technician's face at phone size (390×844, touch) in Debian's Chromium, against
// the real backend: a seeded onsite-server and, per phone, a development bridge serving
// the Rust command layer (mockIPC forwards each invoke to it; see backend.mjs). Walks a
// whole visit, in English and in Chinese, checking on every screen that nothing scrolls
// sideways, that every control is big enough for a gloved thumb and that no text is
// below 16 px. Offline is the server stopped.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Backend, PASSWORD } from './backend.mjs';
import { startUi, DESK, PHONE } from './browser.mjs';
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

/**
 * A fresh phone: its own device (a bridge on its own data folder), signed in as `login`
 * unless null. Returns the page and the device's order numbers by customer.
 */
async function phone({ locale = 'en-US', login = 'tech' } = {}) {
  const bridge = await backend.device(`phone-${login ?? 'new'}-${locale}`);
  const numbers = {};
  if (login) {
    await backend.call(bridge, 'sign_in', { server: backend.url, login, password: PASSWORD });
    for (const o of await backend.call(bridge, 'list_orders', { query: {} })) numbers[o.customer_name] = o.number;
  }
  const problems = [];
  const { context, page } = await ui.open(bridge, { ...PHONE, locale }, problems);
  await page.goto(ui.url);
  return { context, page, problems, bridge, numbers };
}

/** No sideways scrolling, every visible control ≥ 44 px, no text under 16 px. */
async function assertFitsPhone(page, label) {
  const report = await page.evaluate(() => {
    const visible = (el) => {
      const box = el.getBoundingClientRect();
      const style = getComputedStyle(el);
      return box.width > 0 && box.height > 0 && style.visibility !== 'hidden' && !el.closest('.visually-hidden, .skip-link');
    };
    // A tick box or radio is used through its label: measure what the thumb hits.
    const target = (el) => (el.matches('input[type=checkbox], input[type=radio], input[type=file]') && el.closest('label')) || el;
    const small = [...document.querySelectorAll('button, a[href], select, input, textarea, summary')]
      .filter(visible)
      .map((el) => ({ el, box: target(el).getBoundingClientRect() }))
      .filter(({ box }) => box.height < 44 || box.width < 44)
      .map(({ el, box }) => `${el.outerHTML.slice(0, 80)} ${Math.round(box.width)}×${Math.round(box.height)}`);
    const tiny = [...document.querySelectorAll('body *')]
      .filter((el) => [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim()))
      .filter(visible)
      .filter((el) => parseFloat(getComputedStyle(el).fontSize) < 16)
      .map((el) => `${el.tagName} “${el.textContent.trim().slice(0, 30)}” ${getComputedStyle(el).fontSize}`);
    const wide = [...document.querySelectorAll('body *')]
      .filter((el) => el.getBoundingClientRect().right > 391 && getComputedStyle(el).position !== 'fixed')
      .map((el) => `${el.tagName}.${el.className} ${Math.round(el.getBoundingClientRect().right)} ${el.scrollWidth}/${el.clientWidth} “${el.textContent.trim().slice(0, 40)}”`)
      .slice(0, 5);
    return {
      scrollWidth: document.scrollingElement.scrollWidth,
      innerWidth,
      small,
      tiny,
      wide,
    };
  });
  assert.ok(report.scrollWidth <= report.innerWidth, `${label}: no horizontal scrolling (${report.scrollWidth} > ${report.innerWidth})`);
  if (report.innerWidth !== 390) await page.screenshot({ path: screenshotPath(`failed-${label.replace(/\W+/g, '-')}`), fullPage: true });
  assert.equal(report.innerWidth, 390, `${label}: the layout keeps the phone's width (too wide: ${report.wide.join('; ')})`);
  assert.deepEqual(report.small, [], `${label}: every control is at least 44 px for a gloved thumb`);
  assert.deepEqual(report.tiny, [], `${label}: no text below 16 px`);
}

/**
 * What the technician sees: the screen as it is, with its sticky bars; on the visit,
 * scrolled to the step being worked (or to `focus`, a test id).
 */
async function shot(page, name, focus) {
  if (focus) {
    await page.getByTestId(focus).evaluate((el) => el.scrollIntoView({ block: 'start', behavior: 'instant' }));
    await page.evaluate(() => window.scrollBy({ top: -70, behavior: 'instant' }));
  }
  await page.screenshot({ path: screenshotPath(name) });
}

/** Presses the step's action at the bottom of the screen and waits for the step to be done. */
async function primary(page, step) {
  const button = page.getByTestId('primary-action');
  await waitFor(`the bottom action to be for ${step}`, async () => (await button.getAttribute('data-step')) === step);
  const box = await button.boundingBox();
  assert.ok(box.height >= 44, `the ${step} action is at least 44 px tall`);
  assert.ok(box.y + box.height <= 844, `the ${step} action is on screen, within thumb reach`);
  await button.tap();
  await waitFor(`step ${step} to be done`, async () => {
    const problem = page.getByTestId('visit-problem');
    if (await problem.count()) throw new Error(`refused: ${await problem.innerText()}`);
    return (await page.locator(`[data-testid=step-${step}][data-status=done]`).count()) === 1;
  }, { timeoutMs: 10_000 });
}

async function openStep(page, step) {
  const card = page.getByTestId(`step-${step}`);
  const toggle = card.locator('.step-toggle');
  if ((await toggle.getAttribute('aria-expanded')) !== 'true') await toggle.tap();
  await card.locator('.step-body').waitFor();
}

/**
 * The whole visit on a dispatched order of the seeded office, by test ids, so it runs the
 * same in any language. The product is in warranty: the repair is free.
 */
async function walkVisit(page, lang, number, phoneNumber, customer) {
  const name = (n, what) => `phone-${lang}-visit-${String(n).padStart(2, '0')}-${what}`;
  await page.locator(`[data-number="${number}"]`).tap();
  await page.getByTestId('order-customer').waitFor();
  await assertFitsPhone(page, `${lang} visit: contact`);
  await shot(page, name(1, 'contact'));
  await shot(page, name(1, 'contact-form').replace('-01-', '-01b-'), 'step-contact');

  // Contact: a tel: link to call, then the outcome.
  const call = page.getByTestId('call-customer');
  assert.equal(await call.getAttribute('href'), `tel:${phoneNumber}`, 'the call button dials the customer');
  await page.getByTestId('contact-reached').check();
  await page.getByTestId('contact-note').fill(lang === 'zh' ? '约今天上午九点到十一点' : 'Agreed 9–11 today');
  await primary(page, 'contact');

  // Arrive and check in.
  await assertFitsPhone(page, `${lang} visit: check in`);
  await shot(page, name(2, 'check-in'), 'step-check_in');
  await primary(page, 'check_in');

  // Show work ID, confirm the fault.
  await assertFitsPhone(page, `${lang} visit: work ID and fault`);
  await shot(page, name(3, 'arrive'), 'step-arrive');
  await page.getByTestId('work-id-shown').check();
  await page.getByTestId('fault-note').fill('排水泵不转，报 E21');
  await primary(page, 'arrive');

  // Diagnosis and plan; in warranty, so no fee is asked for.
  await assertFitsPhone(page, `${lang} visit: diagnosis`);
  await page.getByTestId('diagnosis-cause').fill('排水泵电机烧坏');
  await page.getByTestId('diagnosis-plan').fill('更换排水泵，清理排水管');
  await page.getByTestId('diagnosis-minutes').fill('40');
  assert.equal(await page.getByTestId('diagnosis-fee').count(), 0, 'a free repair asks for no fee estimate');
  await shot(page, name(4, 'diagnosis'), 'step-diagnosis');
  await primary(page, 'diagnosis');

  // Consent: the plan, and the customer's typed name.
  await assertFitsPhone(page, `${lang} visit: consent`);
  await page.getByTestId('consent-plan').check();
  await page.getByTestId('consent-name').fill(customer);
  await shot(page, name(5, 'consent'), 'step-consent');
  await primary(page, 'consent');

  // A repair step.
  await assertFitsPhone(page, `${lang} visit: repair`);
  await page.getByTestId('repair-description').fill('拆下旧排水泵，装新泵，清理排水管');
  await page.getByTestId('repair-minutes').fill('35');
  await shot(page, name(6, 'repair'), 'step-repair');
  await primary(page, 'repair');

  // Parts: the scanner types the drain pump's barcode and Enter; it is serialized, and
  // the rule (in Rust) refuses it without a serial, in plain words.
  await openStep(page, 'parts');
  await assertFitsPhone(page, `${lang} visit: parts`);
  await shot(page, name(7, 'parts'), 'step-parts');
  const scan = page.getByTestId('barcode-input');
  await scan.fill('6901234500217');
  await scan.press('Enter');
  await page.getByTestId('part-use-form').waitFor();
  await page.getByTestId('part-use-submit').tap();
  await waitFor('the refusal in words', async () => (await page.getByTestId('visit-problem').count()) === 1);
  assert.match(
    await page.getByTestId('visit-problem').innerText(),
    lang === 'zh' ? /序列号|编号/ : /needs a serial number for each new unit/,
    'a refused step says the rule in plain words',
  );
  if (lang === 'en') await shot(page, 'phone-en-refused', 'part-use-form');
  await page.getByTestId('serial-new').fill('BR21-2026-0001');
  await page.getByTestId('serial-old').fill('BR21-2021-7781');
  await assertFitsPhone(page, `${lang} visit: part serials`);
  await shot(page, name(8, 'part-serials'), 'part-use-form');
  await page.getByTestId('part-use-submit').tap();
  await waitFor('the pump on the order', async () => (await page.getByTestId('parts-used').innerText()).includes('BR-21'));

  // A photo from the camera, sent as bytes.
  await openStep(page, 'photos');
  const photo = await page.screenshot({ clip: { x: 0, y: 0, width: 120, height: 90 } });
  await page.getByTestId('photo-input').setInputFiles({ name: 'pump.png', mimeType: 'image/png', buffer: photo });
  await page.getByTestId('photo-thumb').waitFor();
  const sent = await page.evaluate(() => window.__onsiteCalls.filter((c) => c.cmd === 'add_photo').at(-1)?.args);
  assert.ok(sent && sent.bytes === photo.length, 'the photo crossed as its bytes, not a JSON array');
  await assertFitsPhone(page, `${lang} visit: photos`);
  await shot(page, name(9, 'photos'), 'step-photos');

  // Test and show the customer.
  await page.getByTestId('test-pass').check();
  await page.getByTestId('test-notes').fill('排水正常，脱水正常');
  await page.getByTestId('test-care').check();
  await assertFitsPhone(page, `${lang} visit: test`);
  await shot(page, name(10, 'test').replace('-10-', '-09b-'), 'step-test');
  await primary(page, 'test');

  // Sign-off: the summary, the signer, a rating and a signature drawn with the pointer.
  const summary = await page.getByTestId('sign-off-summary').innerText();
  assert.match(summary, /BR-21/, 'the summary lists the part used');
  await page.getByTestId('rating-5').check();
  const canvas = page.getByTestId('signature-canvas');
  await canvas.scrollIntoViewIfNeeded();
  const box = await canvas.boundingBox();
  assert.ok(box.width > 300 && box.height >= 150, 'the signature box is big enough to sign in');
  const size = await canvas.evaluate((c) => [c.width, c.height, c.offsetWidth]);
  assert.equal(size[0], Math.round(size[2] * 2), 'the canvas is drawn at the screen pixel ratio');
  await page.mouse.move(box.x + 30, box.y + 120);
  await page.mouse.down();
  for (const [dx, dy] of [[60, 60], [100, 130], [150, 50], [200, 120], [260, 70]]) {
    await page.mouse.move(box.x + dx, box.y + dy, { steps: 6 });
  }
  await page.mouse.up();
  await assertFitsPhone(page, `${lang} visit: sign-off`);
  await shot(page, name(10, 'sign-off'), 'signer-name');
  await primary(page, 'sign_off');
  const signOff = await page.evaluate(() => window.__onsiteCalls.filter((c) => c.cmd === 'sign_off').at(-1)?.args);
  assert.ok(signOff, 'sign_off was called');
  assert.equal(signOff.signer, customer);
  assert.equal(signOff.rating, 5);
  assert.ok(signOff.signature.strokes.length > 0, 'the signature has strokes');
  assert.ok(signOff.signature.strokes[0].points.length > 3, 'the stroke has the points drawn');
  assert.ok(signOff.signature.width > 300 && signOff.signature.height > 100, 'the signature carries the canvas size in CSS px');
  await page.getByTestId('signature-image').waitFor();

  // Complete and close.
  await assertFitsPhone(page, `${lang} visit: close`);
  await primary(page, 'close');
  assert.equal(await page.getByTestId('state-chip').first().getAttribute('data-state'), 'closed');
  await shot(page, name(11, 'closed'), 'step-sign_off');

  // The service report, shared from the phone. Headless Chromium has no share sheet, so
  // the system's part (navigator.canShare/share) is played by the page; the PDF handed
  // to it is the one Rust made on this device.
  await page.evaluate(() => {
    window.__shared = [];
    Object.defineProperty(navigator, 'canShare', { configurable: true, value: (data) => Array.isArray(data?.files) });
    Object.defineProperty(navigator, 'share', {
      configurable: true,
      value: async ({ files, title }) => {
        const head = new TextDecoder().decode(await files[0].slice(0, 5).arrayBuffer());
        window.__shared.push({ name: files[0].name, type: files[0].type, size: files[0].size, head, title });
      },
    });
  });
  await openStep(page, 'close');
  await page.getByTestId('report-lang').selectOption(lang === 'zh' ? 'zh-CN' : 'en');
  await page.getByTestId('report-share').tap();
  await page.getByTestId('report-shared').waitFor();
  const shared = await page.evaluate(() => window.__shared);
  assert.equal(shared.length, 1, 'one share sheet opened');
  assert.equal(shared[0].type, 'application/pdf');
  assert.equal(shared[0].head, '%PDF-', 'the shared file is a PDF');
  assert.ok(shared[0].size > 10_000, `the PDF has its content and font (${shared[0].size} B)`);
  assert.match(shared[0].name, /\.pdf$/);
  assert.equal(await page.getByTestId('report-shared').innerText(), lang === 'zh' ? '已分享。' : 'Shared.');
  await assertFitsPhone(page, `${lang} visit: report shared`);

  // Where the web view offers no share sheet, the PDF opens to be saved.
  await page.evaluate(() => Object.defineProperty(navigator, 'canShare', { configurable: true, value: undefined }));
  const [popup] = await Promise.all([page.waitForEvent('popup'), page.getByTestId('report-share').tap()]);
  assert.match(popup.url(), /^blob:/, 'the report opens as the PDF made on the device');
  await popup.close();
}

describe('signing in', () => {
  test('a wrong password is said in plain words; the technician lands on Today', async () => {
    const { page, context, problems } = await phone({ login: null });
    await page.getByTestId('signin-server').waitFor();
    assert.equal(await page.getByTestId('signin-server').inputValue(), 'http://127.0.0.1:8787');
    await assertFitsPhone(page, 'sign-in');
    await page.getByTestId('signin-server').fill(backend.url);
    await page.getByTestId('signin-login').fill('tech');
    await page.getByTestId('signin-password').fill('wrong');
    await page.getByTestId('signin-submit').tap();
    await waitFor('the refusal', async () => (await page.getByTestId('signin-error').count()) === 1);
    assert.match(await page.getByTestId('signin-error').innerText(), /Wrong login or password/);
    await shot(page, 'phone-en-signin-error');
    await page.getByTestId('signin-password').fill(PASSWORD);
    await page.getByTestId('signin-submit').tap();
    await page.getByRole('heading', { name: "Today's orders" }).waitFor();
    assert.deepEqual(problems, [], 'no script errors');
    await context.close();
  });
});

describe('in English', () => {
  let page;
  let context;
  let problems;
  let numbers;
  before(async () => ({ page, context, problems, numbers } = await phone()));
  after(() => context.close());

  test("Today lists the technician's own orders, grouped, with state and deadline in words", async () => {
    await page.getByRole('heading', { name: "Today's orders" }).waitFor();
    await page.getByTestId('order-card').first().waitFor();
    const cards = await page.getByTestId('order-card').evaluateAll((els) => els.map((e) => e.dataset.number));
    const mine = await backend.call(
      (await page.evaluate(() => window.__ONSITE_BRIDGE__)),
      'list_orders',
      { query: { states: ['new', 'dispatched', 'contacted', 'on_site', 'received', 'plan_agreed', 'in_repair', 'tested', 'signed_off', 'on_hold'] } },
    );
    assert.deepEqual([...cards].sort(), mine.map((o) => o.number).sort(), "Today shows this technician's open orders, as Rust lists them");
    const groups = await page.locator('[data-testid^=group-]').evaluateAll((els) => els.map((e) => e.dataset.testid));
    assert.ok(groups.length >= 1 && groups.every((g) => /^group-(today|day|earlier|unscheduled)$/.test(g)), `known groups: ${groups}`);
    const first = await page.locator(`[data-number="${numbers['陈晨']}"]`).innerText();
    assert.match(first, /Dispatched/);
    // The demo is seeded around now: its one breached order and a few at risk, whatever the day.
    const late = mine.find((o) => o.sla === 'breached');
    assert.ok(late, `the demo technician has the demo's breached order: ${JSON.stringify(mine.map((o) => o.sla))}`);
    assert.match(await page.locator(`[data-number="${late.number}"]`).innerText(), /Overdue/, 'the breached deadline is said in words');
    const close = mine.find((o) => o.sla === 'at_risk');
    assert.ok(close, 'and an order at risk');
    assert.match(await page.locator(`[data-number="${close.number}"]`).innerText(), /At risk/, 'the deadline at risk is said in words');
    await waitFor('the synced line', async () => /All changes synced/.test(await page.getByTestId('status-line').innerText()));
    await assertFitsPhone(page, 'today');
    await shot(page, 'phone-en-today');
  });

  test('search finds an order by serial number', async () => {
    const all = await page.getByTestId('order-card').count();
    await page.getByTestId('order-search').fill('SN0000000004');
    await waitFor('one search result', async () => (await page.getByTestId('order-card').count()) === 1);
    assert.equal(await page.getByTestId('order-card').getAttribute('data-number'), numbers['陈晨']);
    await page.getByTestId('order-search').fill('');
    await waitFor('the full list again', async () => (await page.getByTestId('order-card').count()) === all);
  });

  test('a step the rules do not allow yet says why, in the lifecycle’s words', async () => {
    await page.locator(`[data-number="${numbers['Emily Carter']}"]`).tap();
    await page.getByTestId('order-customer').waitFor();
    const checkIn = page.getByTestId('step-check_in');
    assert.equal(await checkIn.getAttribute('data-status'), 'locked');
    assert.match(await checkIn.innerText(), /customer/i, 'check-in waits for the customer to be reached');
    await assertFitsPhone(page, 'locked steps');
    await shot(page, 'phone-en-locked');
    await page.getByTestId('nav-today').tap();
  });

  test('the whole visit, step by step, while the office watches the order', async () => {
    // The supervisor's desk has the order open before the visit starts; nothing reloads it.
    const office = await backend.device('desk-watching');
    await backend.call(office, 'sign_in', { server: backend.url, login: 'supervisor', password: PASSWORD });
    const order = (await backend.call(office, 'list_orders', { query: {} })).find((o) => o.number === numbers['陈晨']);
    const watching = await ui.open(office, { ...DESK, locale: 'en-GB' }, problems);
    await watching.page.goto(`${ui.url}#/order/${order.id}`);
    await watching.page.getByTestId('order-number').waitFor();

    await walkVisit(page, 'en', numbers['陈晨'], '13612345678', '陈晨');

    // The phone's sync loop sends the visit; the desk's long poll brings it down, photo
    // and signature included, and the open page shows them once they are there.
    const desk = watching.page;
    const shown = async (testid) =>
      desk.getByTestId(testid).first().evaluate((img) => img.complete && img.naturalWidth > 0).catch(() => false);
    await waitFor('the closed state on the desk', async () =>
      (await desk.getByTestId('state-chip').first().getAttribute('data-state')) === 'closed', { timeoutMs: 20_000 });
    await waitFor('the signature on the desk', () => shown('signature-image'), { timeoutMs: 20_000 });
    await waitFor('the photo on the desk', () => shown('photo-thumb'), { timeoutMs: 20_000 });
    assert.match(await desk.getByTestId('signature-image').getAttribute('alt'), /陈晨/, 'the signature names its signer');
    await desk.getByTestId('signature-image').scrollIntoViewIfNeeded();
    await desk.screenshot({ path: screenshotPath('desk-en-closed-visit') });
    await watching.context.close();
  });

  test('van stock shows what is left after the visit, with a search', async () => {
    await page.getByTestId('nav-stock').tap();
    await page.getByTestId('stock-list').waitFor();
    const pump = page.getByTestId('stock-list').locator('li').filter({ hasText: 'BR-21' });
    assert.match(await pump.innerText(), /\b1\b/, 'one pump left of two after fitting one');
    await page.getByTestId('stock-search').fill('6901234500231');
    await waitFor('only the door gasket', async () => (await page.getByTestId('stock-list').locator('li').count()) === 1);
    await assertFitsPhone(page, 'stock');
    await shot(page, 'phone-en-stock');
  });

  test('the same face is comfortable on a tablet', async () => {
    await page.setViewportSize({ width: 820, height: 1180 });
    await page.getByTestId('nav-today').tap();
    await page.getByTestId('order-card').first().waitFor();
    const { scrollWidth, innerWidth, cardWidth } = await page.evaluate(() => ({
      scrollWidth: document.scrollingElement.scrollWidth,
      innerWidth,
      cardWidth: document.querySelector('[data-testid=order-card]').getBoundingClientRect().width,
    }));
    assert.ok(scrollWidth <= innerWidth, 'no horizontal scrolling on a tablet');
    assert.ok(cardWidth <= 760, 'cards keep a readable width instead of stretching across the tablet');
    await shot(page, 'tablet-en-today');
    await page.setViewportSize({ width: 390, height: 844 });
  });

  test('offline (the server stopped), the sync line counts the changes waiting; sign-out asks before losing them', async () => {
    await backend.stopServer();
    try {
      await offlineThenBack();
    } finally {
      if (backend.server.exitCode !== null || backend.server.signalCode !== null) await backend.startServer();
    }
  });

  async function offlineThenBack() {
    // One edit while offline: a contact attempt on another order.
    await page.locator(`[data-number="${numbers['Emily Carter']}"]`).tap();
    await page.locator('input[name=reached][value=no]').check();
    await page.getByTestId('contact-note').fill('No answer, will try again');
    await page.getByTestId('primary-action').tap();
    let line = '';
    await waitFor('the offline line', async () => /1 change waiting · offline/.test((line = await page.getByTestId('status-line').innerText()))).catch(async (err) => {
      await shot(page, 'failed-offline');
      throw new Error(`${err.message}; the line said “${line}”`);
    });
    await page.getByTestId('sync-now').tap();
    await waitFor('still offline after Sync now', async () => /offline/.test(await page.getByTestId('status-line').innerText()));
    await page.getByTestId('nav-settings').tap();
    await page.getByTestId('sign-out').tap();
    const confirm = await page.getByTestId('sign-out-confirm').innerText();
    assert.match(confirm, /1 change on this device has not reached the office/);
    await assertFitsPhone(page, 'sign-out confirm');
    await shot(page, 'phone-en-sign-out-confirm');

    await backend.startServer();
    await page.getByTestId('sign-out-sync-first').tap();
    await waitFor('all synced', async () => /All changes synced/.test(await page.getByTestId('status-line').innerText()));
    await page.getByTestId('sign-out').tap();
    await page.getByTestId('signin-login').waitFor();
    assert.deepEqual(problems, [], 'no script errors during the whole visit');
  }
});

describe('in Chinese', () => {
  let page;
  let context;
  let problems;
  let numbers;
  before(async () => ({ page, context, problems, numbers } = await phone({ locale: 'zh-CN', login: 'tech2' })));
  after(() => context.close());

  test('Today follows the system language and uses the staff wording', async () => {
    await page.getByRole('heading', { name: '今日工单' }).waitFor();
    await page.getByTestId('order-card').first().waitFor();
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'zh-CN');
    const first = await page.locator(`[data-number="${numbers['李娜']}"]`).innerText();
    assert.match(first, /已派单/);
    // Dispatched 19 hours before the demo was seeded and not called yet.
    assert.match(first, /即将超时/);
    await waitFor('the synced line', async () => /已同步/.test(await page.getByTestId('status-line').innerText()));
    await assertFitsPhone(page, 'today in Chinese');
    await shot(page, 'phone-zh-today');
  });

  test('the whole visit in Chinese', async () => {
    await walkVisit(page, 'zh', numbers['李娜'], '13700007777', '李娜');
    assert.match(await page.getByTestId('step-close').innerText(), /完工/);
    assert.match(await page.getByTestId('step-sign_off').innerText(), /客户签字确认/);
    const text = await page.locator('body').innerText();
    assert.doesNotMatch(text, /errors\.|visit\.|undefined/, 'no raw keys on screen');
  });

  test('the language choice is kept across a restart', async () => {
    await page.getByTestId('nav-settings').tap();
    await page.getByTestId('language-select').selectOption('en');
    await page.getByRole('heading', { name: 'Settings' }).waitFor();
    await page.reload();
    await page.getByRole('heading', { name: 'Settings' }).waitFor();
    await page.getByTestId('language-select').selectOption('zh-CN');
    await page.getByRole('heading', { name: '设置' }).waitFor();
    await page.reload();
    await page.getByRole('heading', { name: '设置' }).waitFor();
    await assertFitsPhone(page, 'settings in Chinese');
    await shot(page, 'phone-zh-settings');
    assert.deepEqual(problems, [], 'no script errors');
  });
});
