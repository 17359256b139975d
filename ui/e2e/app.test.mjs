// The real desktop app, built by cargo, against a real onsite-server: two app instances,
// each with its own device data, driven through tauri-driver and WebKitWebDriver.
//  1. The office takes a request, makes it an order and dispatches it; the technician's
//     app, already open, receives it live.
//  2. The server stops. The technician does the whole visit offline, photo and drawn
//     signature included. The server starts again, the phone syncs, and the office's
//     order page shows the signed order with the signature image.
//  3. The dispatcher takes a complaint at intake and handles it to closing on the desk.
//  4. The technician asks for parts on the phone's Stock tab; the storekeeper approves and
//     issues them on the desk; the phone shows the request issued.
//  4. A mail-in order through the workshop to shipped back: received on the desk with a
//     photo, the fault confirmed by phone, diagnosed and repaired on the phone, consent,
//     payment and shipping on the desk, with the tracking number on the order.
// Run under xvfb-run; ONSITE_APP and ONSITE_SERVER name the built binaries.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Session, startTauriDriver, stopTauriDriver } from './webdriver.mjs';
import { screenshotPath, waitFor } from './support.mjs';

const app = process.env.ONSITE_APP;
const serverBin = process.env.ONSITE_SERVER;
const PASSWORD = 'onsite-demo';
const CUSTOMER = '孙悦 Sun Yue';

let work;
let port;
let server;
const drivers = [];
let desk;
let phone;

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port: p } = probe.address();
      probe.close(() => resolve(p));
    });
  });
}

async function startServer() {
  server = spawn(serverBin, ['serve', '--data', join(work, 'server'), '--listen', `127.0.0.1:${port}`], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  await waitFor('the sync server to answer /health', async () => {
    const res = await fetch(`http://127.0.0.1:${port}/health`).catch(() => null);
    return res?.ok;
  });
}

async function stopServer() {
  const exited = new Promise((resolve) => server.once('exit', resolve));
  server.kill('SIGKILL');
  await exited;
  const res = await fetch(`http://127.0.0.1:${port}/health`).catch(() => null);
  assert.equal(res, null, 'the server is down');
}

async function openApp(driverPort, name, env) {
  const data = join(work, name);
  drivers.push(await startTauriDriver(driverPort, { ONSITE_DATA_DIR: data, LANG: 'en_US.UTF-8', LANGUAGE: 'en_US', ...env }));
  return Session.create(driverPort, app);
}

async function shot(session, name) {
  writeFileSync(screenshotPath(name), await session.screenshot());
}

async function signIn(session, login) {
  await session.type('[data-testid=signin-server]', `http://127.0.0.1:${port}`);
  await session.type('[data-testid=signin-login]', login);
  await session.type('[data-testid=signin-password]', PASSWORD);
  await session.click('[data-testid=signin-submit]');
  // Signed in once either face's navigation is there; a refusal fails the wait loudly.
  await session.waitFind('[data-testid=nav-settings]');
}

/** Presses the visit's bottom action once it is for `step`, then waits for the step to be done. */
async function primary(session, step) {
  await waitFor(`the bottom action to be for ${step}`, async () => (await session.attr('[data-testid=primary-action]', 'data-step')) === step);
  await session.click('[data-testid=primary-action]');
  await waitFor(`step ${step} to be done`, async () => {
    const problem = await session.exec('const p = document.querySelector("[data-testid=visit-problem]"); return p ? p.innerText : null;');
    if (problem) throw new Error(`refused: ${problem}`);
    return (await session.attr(`[data-testid=step-${step}]`, 'data-status')) === 'done';
  });
}

async function openStep(session, step) {
  const expanded = await session.attr(`[data-testid=step-${step}] .step-toggle`, 'aria-expanded');
  if (expanded !== 'true') await session.click(`[data-testid=step-${step}] .step-toggle`);
  await session.waitFind(`[data-testid=step-${step}] .step-body`);
}

/** On the desk's dispatch board: the order `which` to 李伟, 9–11 today. */
async function dispatchToLiWei(which) {
  await desk.click('[data-testid=nav-dispatch]');
  const orderRadio = `[data-testid=dispatch-waiting] input[aria-label^="${which}"]`;
  await desk.click(orderRadio);
  const liWei = await desk.exec(
    `return [...document.querySelectorAll('[data-testid=dispatch-techs] li')].findIndex((li) => li.innerText.includes('李伟'));`,
  );
  assert.ok(liWei >= 0, 'the board lists 李伟 with his load');
  await desk.click(`[data-testid=dispatch-techs] li:nth-child(${liWei + 1}) input[type=radio]`);
  await desk.pick('[data-testid=dispatch-start]', '09:00');
  await desk.pick('[data-testid=dispatch-end]', '11:00');
  await desk.click('[data-testid=dispatch-submit]');
  await desk.textOf('[data-testid=dispatch-done]');
}

before(async () => {
  assert.ok(app, 'ONSITE_APP must name the built app binary');
  assert.ok(serverBin, 'ONSITE_SERVER must name the built server binary');
  work = mkdtempSync(join(tmpdir(), 'onsite-e2e-'));
  const seeded = spawnSync(serverBin, ['seed-demo', '--data', join(work, 'server')], { encoding: 'utf8' });
  assert.equal(seeded.status, 0, `seed-demo failed: ${seeded.stderr}`);
  port = await freePort();
  await startServer();
  desk = await openApp(4444, 'desk', {});
  phone = await openApp(4446, 'phone', { ONSITE_WINDOW_SIZE: '420x860' });
});

after(async () => {
  await desk?.close().catch(() => {});
  await phone?.close().catch(() => {});
  for (const d of drivers) stopTauriDriver(d);
  server?.kill('SIGKILL');
  if (work) rmSync(work, { recursive: true, force: true });
});

let number;

test('both devices sign in: the technician lands on Today, the dispatcher on the desk', async () => {
  await phone.waitFind('[data-testid=signin-server]');
  await shot(phone, 'app-phone-signin');
  await signIn(phone, 'tech');
  await phone.textOf('h1', { matching: /Today's orders/ });
  await phone.waitFind('[data-testid=order-card]');
  await signIn(desk, 'dispatcher');
  await desk.waitFind('[data-testid=nav-intake]');
  // The desk's first sync may still be running: wait until it says it is in step.
  await desk.textOf('[data-testid=status-line]', { matching: /synced/i });
});

test('the office takes a request, makes it an order and dispatches it; the phone receives it', async () => {
  await desk.click('[data-testid=nav-intake]');
  await desk.type('[data-testid=intake-name]', CUSTOMER);
  await desk.type('[data-testid=intake-phone]', '13655556666');
  await desk.type('[data-testid=intake-address]', '北京市海淀区中关村大街 27 号 1101');
  await desk.type('[data-testid=intake-model]', 'WM-8000');
  await desk.type('[data-testid=intake-serial]', 'WM8K-2024-55120');
  await desk.pick('[data-testid=intake-purchase-date]', '2020-05-01');
  await desk.textOf('[data-testid=warranty-note]', { matching: /expired|out of warranty|chargeable/i });
  await desk.type('[data-testid=intake-fault-code]', 'E21');
  await desk.type('[data-testid=intake-description]', 'Does not drain; error E21 after the rinse cycle');
  await shot(desk, 'app-desk-intake');
  await desk.click('[data-testid=intake-submit]');
  number = await desk.textOf('[data-testid=order-number]', { matching: /^WO-/ });

  await dispatchToLiWei(number);
  await shot(desk, 'app-desk-dispatched');

  // The phone was already open: the long poll brings the order without anyone pressing Sync.
  await phone.waitFind(`[data-testid=order-card][data-number="${number}"]`, 30_000);
  await shot(phone, 'app-phone-today');
});

test('offline, the technician does the whole visit, with a photo and a drawn signature', async () => {
  await stopServer();
  await phone.click(`[data-testid=order-card][data-number="${number}"]`);
  await phone.textOf('[data-testid=order-customer]', { matching: /孙悦/ });

  await phone.click('[data-testid=contact-reached]');
  await phone.type('[data-testid=contact-note]', '约今天上午九点到十一点');
  await primary(phone, 'contact');
  await primary(phone, 'check_in');
  await phone.click('[data-testid=work-id-shown]');
  await phone.type('[data-testid=fault-note]', '排水泵不转，报 E21');
  await primary(phone, 'arrive');
  await phone.type('[data-testid=diagnosis-cause]', '冷凝风扇电机损坏');
  await phone.type('[data-testid=diagnosis-plan]', '更换电机，清理排水管');
  await phone.type('[data-testid=diagnosis-minutes]', '40');
  await phone.type('[data-testid=diagnosis-fee]', '180');
  await primary(phone, 'diagnosis');
  await phone.click('[data-testid=consent-plan]');
  await phone.click('[data-testid=consent-fee]');
  await phone.type('[data-testid=consent-name]', '孙悦');
  await primary(phone, 'consent');
  await phone.type('[data-testid=repair-description]', '更换电机，清理排水管');
  await phone.type('[data-testid=repair-minutes]', '35');
  await primary(phone, 'repair');

  // A serialized part from the van, by its barcode as a keyboard-wedge scanner types it.
  await openStep(phone, 'parts');
  // U+E007 is WebDriver's Enter key, which the scanner sends after the code.
  await phone.type('[data-testid=barcode-input]', '6901234506201\uE007');
  await phone.waitFind('[data-testid=part-use-form]');
  await phone.type('[data-testid=serial-new]', 'SN-FAN-62-1001');
  await phone.type('[data-testid=serial-old]', 'OLD-FAN-2020-77');
  await phone.click('[data-testid=part-use-submit]');
  await phone.textOf('[data-testid=parts-used]', { matching: /FAN-62/ });

  await openStep(phone, 'photos');
  const photo = join(work, 'fan-motor.png');
  writeFileSync(photo, await phone.screenshot());
  await phone.upload('[data-testid=photo-input]', photo);
  await phone.waitFind('[data-testid=photo-thumb]', 30_000);

  await phone.click('[data-testid=test-pass]');
  await phone.type('[data-testid=test-notes]', '排水正常');
  await phone.click('[data-testid=test-care]');
  await primary(phone, 'test');

  await phone.click('[data-testid=rating-5]');
  await phone.draw('[data-testid=signature-canvas]', [[-120, 10], [-80, -30], [-30, 25], [20, -35], [70, 20], [120, -10]]);
  await shot(phone, 'app-phone-signature');
  await primary(phone, 'sign_off');
  await phone.waitFind('[data-testid=signature-image]');
  // The phone says its work has not reached the office.
  await phone.textOf('[data-testid=status-line]', { matching: /waiting|offline/i });
  await shot(phone, 'app-phone-signed-offline');
});

test('back online, the office sees the signed order with its signature', async () => {
  await startServer();
  await phone.click('[data-testid=sync-now]');
  await waitFor('the phone to have sent everything', async () => /synced/i.test(await phone.textOf('[data-testid=status-line]')), {
    timeoutMs: 60_000,
  });
  await shot(phone, 'app-phone-synced');

  await desk.click('[data-testid=sync-now]');
  await desk.click('[data-testid=nav-orders]');
  await desk.type('[data-testid=filter-text]', number);
  await waitFor('the table filtered down to the order', async () =>
    desk.exec(`const rows = [...document.querySelectorAll('[data-testid=order-row]')];
               return rows.length === 1 && rows[0].innerText.includes(arguments[0]);`, number));
  await desk.click('[data-testid=order-row]');
  await desk.textOf('[data-testid=order-number]', { matching: new RegExp(number) });
  await waitFor('the signature image on the office order page', async () => {
    const src = await desk.attr('[data-testid=signature-image]', 'src');
    return src?.startsWith('data:image/png;base64,');
  }, { timeoutMs: 60_000 });
  assert.match(await desk.textOf('[data-testid=state-chip]'), /Signed off/);
  assert.match(await desk.textOf('[data-testid=parts-used]'), /FAN-62/);
  await shot(desk, 'app-desk-signed-order');
});

test('the desk opens the company settings, read-only for a dispatcher', async () => {
  await desk.click('[data-testid=nav-company]');
  await desk.textOf('[data-testid=settings-version]', { matching: /Version 1 in force/ });
  await desk.textOf('[data-testid=settings-read-only]', { matching: /Only a supervisor changes these/ });
  assert.match(await desk.textOf('[data-testid=settings-history]'), /the regulation’s figures/);
  await shot(desk, 'app-desk-company-settings');
});

test('the dispatcher takes a complaint at intake and handles it to closing', async () => {
  await desk.click('[data-testid=nav-intake]');
  await desk.click('[data-testid=intake-kind-complaint]');
  await desk.type('[data-testid=intake-name]', CUSTOMER);
  await desk.type('[data-testid=intake-phone]', '13655556666');
  await desk.type('[data-testid=intake-description]', 'The technician did not call before coming');
  await desk.type('[data-testid=intake-demand]', 'An apology');
  await desk.click('[data-testid=intake-submit]');
  await desk.textOf('[data-testid=complaint-detail-status]', { matching: /Not yet contacted/ });
  await desk.type('[data-testid=complaint-contact-note]', 'Called back and apologised');
  await desk.click('[data-testid=complaint-contact]');
  await desk.textOf('[data-testid=complaint-detail-status]', { matching: /Investigating/ });
  await desk.type('[data-testid=complaint-cause-text]', 'The call before the visit was skipped');
  await desk.click('[data-testid=complaint-record-cause]');
  await desk.textOf('[data-testid=complaint-cause]', { matching: /skipped/ });
  await desk.type('[data-testid=complaint-measure]', 'Remind the team to call first');
  const owner = await desk.exec(`return document.querySelector('[data-testid=complaint-measure-owner] option:nth-child(2)').value;`);
  await desk.pick('[data-testid=complaint-measure-owner]', owner);
  await desk.pick('[data-testid=complaint-measure-deadline]', new Date(Date.now() + 86_400_000).toISOString().slice(0, 10));
  await desk.click('[data-testid=complaint-agree]');
  await desk.click('[data-testid=complaint-measure-done]');
  await desk.click('[data-testid=complaint-resolve]');
  await desk.textOf('[data-testid=complaint-detail-status]', { matching: /Waiting for the customer/ });
  await desk.click('[data-testid=complaint-satisfied]');
  await desk.textOf('[data-testid=complaint-detail-status]', { matching: /Closed/ });
  await desk.textOf('[data-testid=status-line]', { matching: /synced/i });
  await shot(desk, 'app-desk-complaint-closed');
});

test('the storekeeper opens the parts catalog on the desk', async () => {
  // The dispatcher's work is all synced by now, so signing out loses nothing.
  await desk.click('[data-testid=nav-settings]');
  await desk.click('[data-testid=sign-out]');
  await signIn(desk, 'storekeeper');
  await desk.click('[data-testid=nav-catalog]');
  await desk.textOf('[data-testid=catalog-table]', { matching: /FAN-62/ });
  await desk.waitFind('[data-testid=import-file]');
  // The first sync of the new session finishing does not take the screen away.
  await desk.textOf('[data-testid=status-line]', { matching: /synced/i });
  await desk.textOf('[data-testid=catalog-table]', { matching: /FAN-62/ });
  await shot(desk, 'app-desk-catalog');
});

test('the technician asks for parts, the storekeeper approves and issues them, the phone sees them issued', async () => {
  await phone.click('[data-testid=nav-stock]');
  await phone.waitFind('[data-testid=ask-form]');
  await waitFor('the door gasket to be offered', async () =>
    phone.exec(
      `const s = document.querySelector('[data-testid=ask-part]');
       const o = s && [...s.options].find((o) => o.text.startsWith('BR-23'));
       if (!o) return false;
       s.value = o.value;
       s.dispatchEvent(new Event('change', { bubbles: true }));
       return true;`,
    ),
  );
  await phone.type('[data-testid=ask-quantity]', '2');
  await phone.click('[data-testid=ask-submit]');
  await phone.textOf('[data-testid=parts-done]', { matching: /Asked for 2/ });
  const asked = await phone.attr('[data-testid=request]', 'data-number');
  assert.ok(asked, 'the new request is listed first');
  const mine = `[data-testid=request][data-number="${asked}"]`;

  // The storekeeper (signed in on the desk) approves it and issues the two gaskets.
  await desk.click('[data-testid=nav-approvals]');
  await desk.click(`[data-testid=approval][data-number="${asked}"] [data-testid=approve]`);
  await desk.textOf('[data-testid=approvals-done]', { matching: /approved/ });
  await desk.click('[data-testid=nav-issuing]');
  await desk.click(`[data-testid=issue-entry][data-number="${asked}"] [data-testid=issue]`);
  await desk.textOf('[data-testid=counter-done]', { matching: /issued to/ });
  await shot(desk, 'app-desk-parts-counter');

  // The phone hears of it through its long poll.
  await phone.textOf(`${mine} [data-testid=request-status]`, { matching: /Issued/ });
  await shot(phone, 'app-phone-parts-issued');
});

test('the supervisor opens the working calendar and the people on the desk', async () => {
  // The storekeeper's work is synced by the time the phone saw it issued.
  await desk.click('[data-testid=nav-settings]');
  await desk.click('[data-testid=sign-out]');
  await signIn(desk, 'supervisor');
  await desk.click('[data-testid=nav-calendar]');
  await desk.waitFind('[data-testid=week-form]');
  await desk.waitFind('[data-testid=calendar-year]');
  await shot(desk, 'app-desk-calendar');
  await desk.click('[data-testid=nav-people]');
  await desk.textOf('[data-testid=users-table]', { matching: /storekeeper/ });
  await desk.waitFind('[data-testid=devices-table]');
  await shot(desk, 'app-desk-people');
});

test('a mail-in order goes through the workshop to shipped back', async () => {
  await desk.click('[data-testid=nav-intake]');
  await desk.type('[data-testid=intake-name]', '周琳 Zhou Lin');
  await desk.type('[data-testid=intake-phone]', '13700007777');
  await desk.type('[data-testid=intake-address]', '上海市徐汇区漕溪北路 18 号');
  await desk.type('[data-testid=intake-model]', 'WM-8000');
  await desk.type('[data-testid=intake-serial]', 'WM8K-2023-10001');
  await desk.pick('[data-testid=intake-purchase-date]', '2019-03-01');
  await desk.pick('[data-testid=intake-mode]', 'mail_in');
  await desk.type('[data-testid=intake-fault-code]', 'E21');
  await desk.type('[data-testid=intake-description]', 'Drum does not spin');
  await desk.click('[data-testid=intake-submit]');
  const mailIn = await desk.textOf('[data-testid=order-number]', { matching: /^WO-/ });
  await dispatchToLiWei(mailIn);

  // The technician calls the customer: the packing instructions went out.
  await phone.click('[data-testid=nav-today]');
  await phone.click(`[data-testid=order-card][data-number="${mailIn}"]`);
  await phone.click('[data-testid=contact-reached]');
  await phone.type('[data-testid=contact-note]', 'Packing instructions sent by WeChat');
  await primary(phone, 'contact');

  // At the workshop desk: received with a photo, the fault confirmed by phone.
  await desk.click('[data-testid=sync-now]');
  await desk.click('[data-testid=nav-orders]');
  await desk.type('[data-testid=filter-text]', mailIn);
  await waitFor('the mail-in order listed', async () =>
    desk.exec(`const rows = [...document.querySelectorAll('[data-testid=order-row]')];
               return rows.length === 1 && rows[0].innerText.includes(arguments[0]);`, mailIn));
  await desk.click('[data-testid=order-row]');
  await desk.textOf('[data-testid=packing-instructions]', { matching: new RegExp(mailIn) });
  await desk.type('[data-testid=receive-condition]', 'Box dented, product intact');
  const arrival = join(work, 'arrival.png');
  writeFileSync(arrival, await desk.screenshot());
  await desk.upload('[data-testid=receive-photo]', arrival);
  await desk.click('[data-testid=receive-submit]');
  await desk.waitFind('[data-testid=receipt]', 30_000);
  await desk.type('[data-testid=call-note]', 'Customer confirms E21');
  await desk.click('[data-testid=confirm-submit]');
  await waitFor('the fault confirmed on the desk', async () => desk.exec(`return !document.querySelector('[data-testid=confirm-form]');`));

  // On the bench (the phone): diagnosis.
  await phone.click('[data-testid=sync-now]');
  await waitFor('the phone to have the receipt', async () => (await phone.attr('[data-testid=step-diagnosis]', 'data-status')) === 'next', { timeoutMs: 30_000 });
  await phone.type('[data-testid=diagnosis-cause]', 'Belt cracked');
  await phone.type('[data-testid=diagnosis-plan]', 'Replace the belt');
  await phone.type('[data-testid=diagnosis-minutes]', '40');
  await phone.type('[data-testid=diagnosis-fee]', '180');
  await primary(phone, 'diagnosis');
  await phone.click('[data-testid=sync-now]');

  // The customer agrees by phone; the desk records it.
  await desk.click('[data-testid=sync-now]');
  await desk.click('[data-testid=consent-submit]');
  await desk.waitFind('[data-testid=consent-by-phone]', 30_000);

  // Repair and test on the bench.
  await phone.click('[data-testid=sync-now]');
  await waitFor('the phone to have the consent', async () => (await phone.attr('[data-testid=step-repair]', 'data-status')) === 'next', { timeoutMs: 30_000 });
  await phone.type('[data-testid=repair-description]', 'Replaced the belt');
  await phone.type('[data-testid=repair-minutes]', '25');
  await primary(phone, 'repair');
  await phone.click('[data-testid=test-pass]');
  await phone.type('[data-testid=test-notes]', 'Full spin');
  await phone.click('[data-testid=test-care]');
  await primary(phone, 'test');
  await phone.click('[data-testid=sync-now]');

  // Paid, then shipped back with the tracking number.
  await desk.click('[data-testid=sync-now]');
  await desk.type('[data-testid=payment-method]', 'WeChat Pay');
  await desk.click('[data-testid=payment-submit]');
  await desk.waitFind('[data-testid=payment]', 30_000);
  await desk.type('[data-testid=ship-carrier]', 'SF Express');
  await desk.type('[data-testid=ship-tracking]', 'SF1400555666');
  await desk.click('[data-testid=ship-submit]');
  assert.equal(await desk.textOf('[data-testid=shipment-tracking]'), 'SF1400555666');
  assert.match(await desk.textOf('[data-testid=state-chip]'), /Shipped back/);
  await shot(desk, 'app-desk-mailin-shipped');
});
