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

test('the working week: a supervisor changes the weekend, the hours and the time zone, on the log', async () => {
  const form = page.getByTestId('week-form');
  await form.waitFor();
  assert.equal(await page.getByTestId('weekend-6').isChecked(), true, 'Saturday off to begin with');
  assert.equal(await page.getByTestId('weekend-7').isChecked(), true);
  assert.equal(await page.getByTestId('work-start').inputValue(), '09:00');
  assert.equal(await page.getByTestId('utc-offset').inputValue(), '480');
  assert.match(await form.innerText(), /Days off every week[\s\S]*Saturday[\s\S]*Sunday/);
  assert.equal(await page.getByTestId('utc-offset').evaluate((el) => el.selectedOptions[0].textContent), 'UTC+08:00');

  // Rust refuses hours that end before they start, in words, and nothing changes.
  await page.getByTestId('work-end').fill('08:00');
  await page.getByTestId('week-save').click();
  await waitFor('the refusal', async () => /working hours must end after they start/.test(await page.getByTestId('calendar-error').innerText()));

  // A six-day week: only Sunday off, from 08:30 to 17:30.
  await page.getByTestId('weekend-6').uncheck();
  await page.getByTestId('work-start').fill('08:30');
  await page.getByTestId('work-end').fill('17:30');
  await page.getByTestId('week-save').click();
  await waitFor('the week saved', async () => /Working week saved/.test(await page.getByTestId('calendar-done').innerText()));
  const week = (await backend.call(dispatcher, 'company_calendar')).calendar.week;
  assert.deepEqual(week, { weekend: [7], work_start: '08:30:00', work_end: '17:30:00', utc_offset_minutes: 480 }, 'the office holds it, for every device');
  assert.match(await page.getByTestId('calendar-log').locator('tbody tr').first().innerText(), /刘洋\s+—\s+working week changed/);
  await page.reload();
  await page.getByTestId('week-form').waitFor();
  await waitFor('the saved week shown again', async () => (await page.getByTestId('work-start').inputValue()) === '08:30');
  assert.equal(await page.getByTestId('weekend-6').isChecked(), false);
  await assertFitsDesk(page, 'calendar with the working week');
  await page.getByTestId('week-form').scrollIntoViewIfNeeded();
  await page.screenshot({ path: screenshotPath('desk-en-company-week'), fullPage: true });
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
  const week = await fetch(`${dispatcher}/invoke`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ command: 'save_working_week', args: { week: { weekend: [6, 7], work_start: '09:00:00', work_end: '18:00:00', utc_offset_minutes: 480 } } }),
  });
  assert.equal((await week.json()).code, 'errors.company.supervisor_only', 'nor may it change the working week');
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
  // A bad line is said wholly in Chinese: the reason comes as a code and its values.
  await page.getByTestId('calendar-import').setInputFiles({ name: 'bad.txt', mimeType: 'text/plain', buffer: Buffer.from('year 2026\nholiday 2027-01-01 元旦\n') });
  let said = '';
  await waitFor('the bad line in Chinese', async () => /文件第 2 行无法读取/.test((said = await page.getByTestId('calendar-error').innerText())));
  assert.match(said, /2027-01-01 不在文件所写的 2026 年内/);
  assert.doesNotMatch(said, /[A-Za-z]/, `no English in the message: ${said}`);
  // The working week in the staff's words, and a refusal in Chinese.
  const week = await page.getByTestId('week-form').innerText();
  assert.match(week, /工作周[\s\S]*每周休息日[\s\S]*星期日[\s\S]*上班时间[\s\S]*时区/);
  await page.getByTestId('weekend-1').check();
  await page.getByTestId('work-end').fill('08:00');
  await page.getByTestId('week-save').click();
  await waitFor('the refusal in Chinese', async () => /下班时间必须晚于上班时间/.test(await page.getByTestId('calendar-error').innerText()));
  assert.match(await page.getByTestId('calendar-log').innerText(), /修改了工作周/);
  await assertFitsDesk(page, 'calendar in Chinese');
  await page.screenshot({ path: screenshotPath('desk-zh-company-calendar'), fullPage: true });
  assert.deepEqual(problems, [], 'no script errors');
});
