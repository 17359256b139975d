// The company's own rules on the desk at 1280×800 in Debian's Chromium, against the real
// backend (a seeded onsite-server and the development bridge, see backend.mjs): a
// supervisor saves new settings as a version and sees who changed what; imports the
// shipped 2026 calendar and edits a day; a bad calendar file changes nothing; a
// dispatcher is refused by the server; and both screens in Chinese.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Backend, PASSWORD } from './backend.mjs';
import { startUi, DESK, assertFitsDesk } from './browser.mjs';
import { screenshotPath, waitFor } from './support.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const calendar2026 = readFileSync(join(root, 'docs', 'calendar-2026.txt'), 'utf8');

let context;
let page;
let ui;
let backend;
let bridge;
let dispatcher;
const problems = [];

before(async () => {
  backend = await new Backend().start();
  bridge = await backend.device('desk');
  await backend.call(bridge, 'sign_in', { server: backend.url, login: 'supervisor', password: PASSWORD });
  dispatcher = await backend.device('dispatcher-desk');
  await backend.call(dispatcher, 'sign_in', { server: backend.url, login: 'dispatcher', password: PASSWORD });
  ui = await startUi();
  ({ context, page } = await ui.open(bridge, { ...DESK, locale: 'en-GB' }, problems));
  await page.goto(ui.url);
});

after(async () => {
  await ui?.close();
  await backend?.close();
});


test('a supervisor saves shorter contact times as a new version and sees who changed what', async () => {
  await page.getByTestId('nav-company').click();
  await page.getByTestId('settings-history').waitFor();
  assert.match(await page.getByTestId('settings-version').innerText(), /Version 1 in force since the regulation’s figures/);
  assert.equal(await page.getByTestId('span-contact_after_dispatch').inputValue(), '24');
  assert.equal(await page.getByTestId('unit-contact_after_dispatch').inputValue(), 'hours');
  assert.equal(await page.getByTestId('unit-record_entry').inputValue(), 'working_days');

  // Rust refuses a figure no company means, and names it.
  await page.getByTestId('at-risk-percent').fill('0');
  await page.getByTestId('settings-save').click();
  await waitFor('the refusal', async () => /“At risk with less than this much time left \(%\)” must be between 1 and 99/.test(await page.getByTestId('settings-error').innerText()));
  await page.getByTestId('at-risk-percent').fill('25');

  await page.getByTestId('span-contact_after_dispatch').fill('12');
  await page.getByTestId('company-name').fill('安心家电服务有限公司');
  await page.getByTestId('settings-save').click();
  await waitFor('saved as version 2', async () => /Saved as version 2/.test(await page.getByTestId('settings-saved').innerText()));
  assert.match(await page.getByTestId('settings-version').innerText(), /Version 2 in force since/);
  const latest = await page.locator('[data-testid=settings-history] tbody tr').first().innerText();
  assert.match(latest, /^2\s[\s\S]*刘洋[\s\S]*Contact the customer after dispatch/);
  assert.match(latest, /Company name/);
  await page.reload();
  await page.getByTestId('settings-history').waitFor();
  assert.equal(await page.getByTestId('span-contact_after_dispatch').inputValue(), '12', 'the server kept it');
  await assertFitsDesk(page, 'settings');
  await page.screenshot({ path: screenshotPath('desk-en-company-settings'), fullPage: true });
});

test('the shipped 2026 calendar imports; a bad file changes nothing; a day is edited', async () => {
  await page.getByTestId('nav-calendar').click();
  await page.getByTestId('calendar-year').waitFor();
  await page.getByTestId('calendar-import').setInputFiles({ name: 'calendar-2026.txt', mimeType: 'text/plain', buffer: Buffer.from(calendar2026) });
  await waitFor('the import', async () => /2026 imported: 39 days listed/.test(await page.getByTestId('calendar-done').innerText()));
  const days = page.getByTestId('calendar-days');
  assert.equal(await page.getByTestId('calendar-year').inputValue(), '2026');
  const text = await days.innerText();
  assert.match(text, /Feb 15, 2026\s+Sun\s+Holiday\s+春节/);
  assert.match(text, /Feb 14, 2026\s+Sat\s+Make-up working day\s+春节调休/);
  assert.match(text, /Oct 10, 2026\s+Sat\s+Make-up working day\s+国庆节调休/);

  await page.getByTestId('calendar-import').setInputFiles({
    name: 'bad.txt',
    mimeType: 'text/plain',
    buffer: Buffer.from('year 2026\nholiday 2026-05-01..2026-05-05 劳动节\nworkday 2026-13-09\n'),
  });
  await waitFor('the bad line named', async () => /Line 3 of the file can’t be read[\s\S]*2026-13-09[\s\S]*Nothing was imported/.test(await page.getByTestId('calendar-error').innerText()));
  assert.equal(await days.locator('tbody tr').count(), 39, 'the calendar is as it was');

  // A company day off on a Wednesday, saved for the year.
  await page.getByTestId('calendar-new-date').fill('2026-12-30');
  await page.getByTestId('calendar-new-name').fill('公司年会');
  await page.getByTestId('calendar-add').click();
  await page.getByTestId('calendar-save').click();
  await waitFor('the year saved', async () => /2026 saved with 40 days listed/.test(await page.getByTestId('calendar-done').innerText()));
  assert.match(await page.getByTestId('calendar-log').innerText(), /刘洋\s+2026\s+edited, 40 days[\s\S]*刘洋\s+2026\s+imported from a file, 39 days/);
  await assertFitsDesk(page, 'calendar');
  await page.screenshot({ path: screenshotPath('desk-en-company-calendar'), fullPage: true });
});

test('another role reads the rules and the server refuses its changes', async () => {
  const screen = await backend.call(dispatcher, 'company_settings');
  assert.equal(screen.can_edit, false);
  assert.equal(screen.history.versions.at(-1).version, 2, 'the dispatcher reads the version the supervisor saved');
  const res = await fetch(`${dispatcher}/invoke`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ command: 'import_calendar', args: { text: 'year 2026\nholiday 2026-12-31\n' } }),
  });
  assert.equal(res.status, 422);
  assert.equal((await res.json()).code, 'errors.company.supervisor_only', 'the server checks the role');
});

test('an order says which rules it runs under', async () => {
  const list = await backend.call(bridge, 'list_orders', { query: {} });
  await page.goto(`${ui.url}#/order/${list[0].id}`);
  await page.getByTestId('order-rules').waitFor();
  assert.match(await page.getByTestId('order-rules').innerText(), /Rules: the regulation’s figures \(version 1\)/, 'the demo orders were made before version 2');
});

test('both screens in Chinese', async () => {
  await page.getByTestId('nav-settings').click();
  await page.getByTestId('language-select').selectOption('zh-CN');
  await page.getByTestId('nav-company').click();
  await page.getByRole('heading', { name: '公司设置', level: 1 }).waitFor();
  await page.getByTestId('settings-history').waitFor();
  assert.match(await page.getByTestId('settings-version').innerText(), /当前执行第 2 版/);
  assert.match(await page.getByTestId('settings-history').innerText(), /派单后联系客户/);
  await assertFitsDesk(page, 'settings in Chinese');
  await page.screenshot({ path: screenshotPath('desk-zh-company-settings'), fullPage: true });
  await page.getByTestId('nav-calendar').click();
  await page.getByRole('heading', { name: '工作日历', level: 1 }).waitFor();
  await page.getByTestId('calendar-year').selectOption('2026');
  await waitFor('the 2026 days', async () => /调休上班/.test(await page.getByTestId('calendar-days').innerText()));
  await assertFitsDesk(page, 'calendar in Chinese');
  await page.screenshot({ path: screenshotPath('desk-zh-company-calendar'), fullPage: true });
  assert.deepEqual(problems, [], 'no script errors');
});
