// The KPI page and the service report on the desk at 1280×800 in Debian's Chromium, in
// English and in Chinese, against the real backend (a seeded onsite-server and a
// development bridge per device, see backend.mjs). The supervisor opens the KPIs: the
// tiles show the figures the server computed from the demo office (asked again through
// the bridge and compared), the ECharts charts are drawn, the technician table names the
// demo technicians, a week trend has more periods than a quarter one, and a table's CSV
// downloads with its stable header. A technician gets no KPI page and the server refuses
// them. The dispatcher makes the service report PDF of a signed-off order on the desk.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
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
  { locale: 'en-GB', tag: 'en', words: { completion: 'Completion rate', tech: '李伟', saved: /service-report\.pdf \(\d+ pages\) saved in/ } },
  { locale: 'zh-CN', tag: 'zh', words: { completion: '任务完成率', tech: '李伟', saved: /服务报告\.pdf（共 \d+ 页）已保存到/ } },
];

const pct = (r) => (r.rate === null ? '—' : `${(r.rate * 100).toFixed(1)}%`);

for (const lang of LANGUAGES) {
  describe(`KPIs and the service report on the desk (${lang.locale})`, () => {
    let boss;
    let dispatcher;

    before(async () => {
      boss = await desk('supervisor', lang.locale);
      dispatcher = await desk('dispatcher', lang.locale);
    });
    after(async () => {
      assert.deepEqual(boss?.problems, [], 'no errors on the supervisor’s page');
      assert.deepEqual(dispatcher?.problems, [], 'no errors on the dispatcher’s page');
      await boss?.context.close();
      await dispatcher?.context.close();
    });

    test('the KPI page shows the office’s figures as tiles, charts and tables', async () => {
      const { page, bridge } = boss;
      await page.getByTestId('nav-kpi').click();
      await page.getByTestId('kpi-overall').waitFor();
      // The figures the server computes, asked directly: the page must show the same.
      const report = await backend.call(bridge, 'kpi', { query: { granularity: 'month' } });
      assert.ok(report.overall.orders > 0, 'the demo office has orders to measure');
      const tile = async (id) => page.getByTestId(id).innerText();
      assert.match(await tile('kpi-completion'), new RegExp(lang.words.completion));
      assert.ok((await tile('kpi-completion')).includes(pct(report.overall.completion)), 'completion as the server computed it');
      assert.ok((await tile('kpi-ftf')).includes(pct(report.overall.first_time_fix)), 'first-time fix as computed');
      assert.ok((await tile('kpi-sla')).includes(pct(report.overall.sla_overall)), 'SLA compliance as computed');
      assert.ok((await tile('kpi-complaints')).includes(String(report.overall.complaints)));
      assert.ok((await tile('kpi-parts')).includes(String(report.overall.parts_used)));
      // Every chart drawn by ECharts, on a canvas with ink on it.
      for (const id of ['kpi-chart-trend', 'kpi-chart-technician', 'kpi-chart-times']) {
        await waitFor(`${id} drawn`, async () => (await page.getByTestId(id).getAttribute('data-drawn')) === 'yes');
        const inked = await page.getByTestId(id).evaluate((el) => {
          const canvas = el.querySelector('canvas');
          if (!canvas || canvas.width === 0) return 0;
          const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
          let n = 0;
          for (let i = 3; i < data.length; i += 4) if (data[i] > 0) n++;
          return n;
        });
        assert.ok(inked > 500, `${id} has something drawn (${inked} pixels)`);
      }
      // The technician table names the demo technician and shows their orders.
      const techRow = page.getByTestId('kpi-table-technician').getByTestId('kpi-row').filter({ hasText: lang.words.tech });
      await techRow.first().waitFor();
      const key = await techRow.first().getAttribute('data-key');
      const theirs = report.by_technician.find((g) => g.key === key);
      assert.ok(theirs && theirs.figures.orders > 0, 'the demo technician has orders');
      assert.ok((await techRow.first().innerText()).includes(String(theirs.figures.orders)), 'their order count');
      // One SLA row per clock the server judged.
      assert.equal(await page.getByTestId('kpi-clock').count(), report.overall.sla.length);
      await assertFitsDesk(page, 'KPI page');
      await page.screenshot({ path: screenshotPath(`desk-${lang.tag}-kpi`), fullPage: true });

      // Weeks cut the same orders finer than quarters.
      await page.getByTestId('kpi-granularity').selectOption('week');
      await page.getByTestId('kpi-apply').click();
      const weeks = await backend.call(bridge, 'kpi', { query: { granularity: 'week' } });
      const quarters = await backend.call(bridge, 'kpi', { query: { granularity: 'quarter' } });
      assert.ok(weeks.by_period.length >= quarters.by_period.length, 'weeks are at least as many as quarters');
      await waitFor('the week rows', async () => (await page.getByTestId('kpi-table-period').getByTestId('kpi-row').count()) === weeks.by_period.length);
      assert.match(await page.getByTestId('kpi-table-period').getByTestId('kpi-row').first().getAttribute('data-key'), /^\d{4}-W\d{2}$/);

      // CSV of the technician table: stable English header, a row per group and a total.
      await page.getByTestId('kpi-export-technician').click();
      const link = page.getByTestId('kpi-csv-technician');
      await link.waitFor();
      const text = await link.evaluate(async (a) => (await fetch(a.href)).text());
      const lines = text.replace(/^\uFEFF/, '').trim().split('\r\n');
      assert.equal(lines[0].split(',')[0], 'group');
      assert.equal(lines[0].split(',')[3], 'completion_rate');
      assert.equal(lines.length, weeks.by_technician.length + 2, 'header, one line per technician, total');
      assert.ok(lines.some((l) => l.startsWith(lang.words.tech)), 'technicians by name');
      assert.ok(lines.at(-1).startsWith('total,'));
      await page.screenshot({ path: screenshotPath(`desk-${lang.tag}-kpi-weeks`), fullPage: true });
    });

    test('a technician has no KPI page and the server refuses them', async () => {
      const tech = await backend.device(`tech-kpi-${lang.tag}`);
      await backend.call(tech, 'sign_in', { server: backend.url, login: 'tech', password: PASSWORD });
      await assert.rejects(backend.call(tech, 'kpi', { query: {} }), /errors\.kpi\.not_permitted/);
      const keeper = await backend.device(`keeper-kpi-${lang.tag}`);
      await backend.call(keeper, 'sign_in', { server: backend.url, login: 'storekeeper', password: PASSWORD });
      await assert.rejects(backend.call(keeper, 'kpi', { query: {} }), /errors\.kpi\.not_permitted/);
      const { page } = await ui.open(keeper, { ...DESK, locale: lang.locale }, []);
      await page.goto(ui.url);
      await page.getByTestId('nav-orders').waitFor();
      assert.equal(await page.getByTestId('nav-kpi').count(), 0, 'no KPI entry in the storekeeper’s rail');
      await page.context().close();
    });

    test('the dispatcher makes the service report of a signed-off order', async () => {
      const { page, bridge } = dispatcher;
      const list = await backend.call(bridge, 'list_orders', { query: { states: ['signed_off', 'closed'], unassigned: false } });
      let signed = null;
      for (const item of list) {
        const detail = await backend.call(bridge, 'get_order', { id: item.id });
        if (detail.order.sign_off) {
          signed = detail;
          break;
        }
      }
      assert.ok(signed, 'the demo office has a signed-off order');
      await page.goto(`${ui.url}#/order/${signed.order.id}`);
      await page.getByTestId('service-report').waitFor();
      await page.getByTestId('report-lang').selectOption(lang.tag === 'zh' ? 'zh-CN' : 'en');
      await page.getByTestId('report-make').click();
      const done = page.getByTestId('report-done');
      await done.waitFor();
      assert.match(await done.innerText(), lang.words.saved);
      const link = page.getByTestId('report-download');
      const head = await link.evaluate(async (a) => {
        const bytes = new Uint8Array(await (await fetch(a.href)).arrayBuffer());
        return String.fromCharCode(...bytes.slice(0, 5));
      });
      assert.equal(head, '%PDF-', 'the link holds the PDF');
      await page.getByTestId('service-report').scrollIntoViewIfNeeded();
      await assertFitsDesk(page, 'order page with the report');
      await page.screenshot({ path: screenshotPath(`desk-${lang.tag}-service-report`), fullPage: true });
    });
  });
}
