// The dashboard on /admin (issue 13) in real headless Chromium against a real server: its charts are drawn (each
// canvas has ink), each chart's table holds the same figures as the collation workbook's Summary and Organisations
// sheets for the same data (read from the workbook's bytes with exceljs), axe-core finds no WCAG 2.2 AA violation, and
// without SMTP the reminders section says so and offers mailto links and the CSV.
// Set NAOME_SCREENSHOTS=DIR to save a screenshot of the dashboard there (docs/dashboard.png was made that way).
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { addDays, todayIso, ukDate } from '../shared/cells';
import { statusOption } from '../shared/layout';
import { currentTemplate } from '../shared/template';
import { expectNoAxeViolations } from './helpers/axe';
import { submitPlan } from './helpers/deskPlans';
import { call, startTestServer, type TestServer } from './helpers/server';

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run'];

const CSV = [
  'ods_code,name,nation,nhs_england_region,expected,contacts',
  'RGT,Cambridge University Hospitals NHS Foundation Trust,England,East of England,yes,lead@cuh.nhs.net',
  'RAJ,Mid and South Essex NHS Foundation Trust,England,East of England,yes,',
  'RDE,East Suffolk and North Essex NHS Foundation Trust,England,East of England,no,',
  'R0A,Manchester University NHS Foundation Trust,England,North West,yes,one@mft.nhs.uk',
  'RBL,Wirral University Teaching Hospital NHS Foundation Trust,England,North West,yes,audit@wuth.nhs.uk',
  'RJ1,Guy\'s and St Thomas\' NHS Foundation Trust,England,London,yes,',
  '7A1,Betsi Cadwaladr University Local Health Board,Wales,,yes,plans@wales.nhs.uk',
  '7A2,Hywel Dda University Local Health Board,Wales,,yes,',
].join('\n');

type Row = Record<string, unknown>;
async function sheets(bytes: Buffer): Promise<Map<string, Row[]>> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(bytes as unknown as ArrayBuffer);
  const out = new Map<string, Row[]>();
  wb.eachSheet((ws) => {
    const head = (ws.getRow(1).values as unknown[]).slice(1).map(String);
    const rows: Row[] = [];
    ws.eachRow((row, n) => {
      if (n === 1) return;
      const values = (row.values as unknown[]).slice(1);
      rows.push(Object.fromEntries(head.map((h, i) => [h, values[i] ?? null])));
    });
    out.set(ws.name, rows);
  });
  return out;
}

/** A chart's table as the page shows it: heading row texts, then body rows of cell texts. */
async function tableOf(page: Page, id: string): Promise<{ head: string[]; rows: string[][] }> {
  return page.evaluate((tableId) => {
    const t = document.getElementById(tableId)!;
    return {
      head: [...t.querySelectorAll('thead th')].map((c) => c.textContent!.trim()),
      rows: [...t.querySelectorAll('tbody tr')].map((r) => [...r.children].map((c) => c.textContent!.trim())),
    };
  }, `${id}-table`);
}

/** The round's deadline: 20 days from today, so the returns over time run from today to it. */
const deadline = addDays(todayIso(), 20);
const num = (v: unknown) => (v === null || v === undefined ? '–' : String(v));

describe('the dashboard on /admin in headless Chromium', function () {
  this.timeout(180_000);
  let s: TestServer;
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];

  before(async () => {
    s = await startTestServer();
    assert.equal((await call(s.url, 'PUT', '/api/admin/organisations', { key: s.adminKey, body: CSV, type: 'text/csv' })).status, 200);
    await call(s.url, 'PUT', '/api/admin/round', { key: s.adminKey, body: JSON.stringify({ deadline, remindDaysBefore: 7, remindWeeklyAfter: true }) });
    const keys = new Map<string, string>();
    // Overdue actions: RGT 3, R0A 1, RDE (not expected, returned anyway) 2, 7A1 none.
    for (const [code, overdue] of [['RGT', 3], ['R0A', 1], ['RDE', 2], ['7A1', 0]] as const) await submitPlan(s, code, overdue, keys);
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
    page = await (await browser.newContext({ viewport: { width: 1100, height: 900 }, locale: 'en-GB' })).newPage();
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    await page.goto(`${s.url}/admin`);
    await page.getByLabel('Admin key').fill(s.adminKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForSelector('#most-overdue-table', { state: 'attached' });
  });
  after(async () => {
    await browser?.close();
    await s?.close();
  });

  it('draws every chart (each canvas has ink), with no error on the page', async () => {
    const inked = await page.evaluate(() => [...document.querySelectorAll<HTMLCanvasElement>('#charts canvas')].map((c) => {
      const { data } = c.getContext('2d')!.getImageData(0, 0, c.width, c.height);
      let n = 0;
      for (let i = 3; i < data.length; i += 4) if (data[i]! > 0) n++;
      return { id: c.id, width: c.width, inked: n, label: c.getAttribute('aria-label') ?? '' };
    }));
    assert.deepEqual(inked.map((c) => c.id), ['returns-over-time-canvas', 'returns-by-area-canvas', 'status-by-recommendation-canvas',
      'priority-by-recommendation-canvas', 'overdue-by-area-canvas', 'most-overdue-canvas']);
    for (const c of inked) {
      assert.ok(c.width > 200, `${c.id} has a size`);
      assert.ok(c.inked > 2000, `${c.id} is drawn (${c.inked} inked pixels)`);
      assert.match(c.label, /The figures are in a table after the chart \(Show the figures as a table\)\.$/);
    }
    assert.match(await page.textContent('#dashboard-totals') ?? '', new RegExp(`^3 of 7 expected organisations have returned a plan; 4 have not \\(deadline ${ukDate(deadline)}\\)\\. 1 organisation not expected to return has returned one too\\.`));
    assert.deepEqual(errors, []);
    const dir = process.env.NAOME_SCREENSHOTS;
    if (dir) {
      // The dashboard's top: its totals, the returns over time and by area (with their tables).
      await page.evaluate(() => window.scrollTo(0, 0));
      const box = (await page.locator('#dashboard').boundingBox())!;
      await page.screenshot({ path: path.join(dir, 'dashboard.png'), fullPage: true, clip: { x: box.x, y: box.y, width: box.width, height: Math.min(box.height, 1450) } });
    }
  });

  it("holds in its tables the collation workbook's figures for the same data", async () => {
    const wb = await sheets((await call(s.url, 'GET', '/api/collation.xlsx', { key: s.adminKey })).bytes);
    const summary = wb.get('Summary')!;
    const line = (area: string, rec: number | 'All recommendations') => summary.find((r) => r.Nation === area && r.Recommendation === rec)!;

    const areas = await tableOf(page, 'returns-by-area');
    assert.deepEqual(areas.head, ['Area', 'Expected', 'Expected and returned', 'Not returned', 'Returned (all)', 'Valid']);
    assert.deepEqual(areas.rows.map((r) => r[0]), ['England', 'Wales', 'England: East of England', 'England: London', 'England: North West', 'Total']);
    for (const [area, ...figures] of areas.rows) {
      const l = line(area!, 'All recommendations');
      assert.ok(l, `a Summary line for ${area}`);
      assert.deepEqual(figures, [l['Organisations expected'], l['Expected and returned'], l['Expected, not returned'], l['Plans returned'], l['Plans valid']].map(num), area);
    }
    // And against the data itself: 7 expected, RGT, R0A and 7A1 returned (RDE returned but is not expected).
    assert.deepEqual(areas.rows.at(-1), ['Total', '7', '3', '4', '4', '4']);

    const status = await tableOf(page, 'status-by-recommendation');
    const statusHeads = [...currentTemplate.statusKey.entries.map((e) => statusOption(e.code, e.label)), 'Status outside Key 1'];
    assert.deepEqual(status.head, ['Recommendation', ...statusHeads, 'Actions']);
    const priority = await tableOf(page, 'priority-by-recommendation');
    const priorityHeads = [...currentTemplate.priorityKey.entries.map((e) => `Priority ${e.label}`), 'Priority outside Key 2'];
    const overdue = await tableOf(page, 'overdue-by-area');
    for (const rec of currentTemplate.recommendations.map((r) => r.number)) {
      const l = line('Total', rec);
      assert.deepEqual(status.rows.find((r) => r[0] === String(rec))!.slice(1), [...statusHeads.map((h) => l[h]), l.Actions].map(num), `status of ${rec}`);
      assert.deepEqual(priority.rows.find((r) => r[0] === String(rec))!.slice(1), [...priorityHeads.map((h) => l[h]), l.Actions].map(num), `priority of ${rec}`);
      for (const row of overdue.rows) assert.equal(row[rec], num(line(row[0]!, rec)['Overdue actions']), `overdue of ${row[0]}, recommendation ${rec}`);
    }
    for (const row of overdue.rows) assert.equal(row.at(-1), num(line(row[0]!, 'All recommendations')['Overdue actions']));
    assert.equal(overdue.rows.find((r) => r[0] === 'Total')!.at(-1), '6', 'RGT 3, RDE 2, R0A 1');

    const most = await tableOf(page, 'most-overdue');
    const fromSheet = wb.get('Organisations')!.filter((r) => Number(r['Overdue actions']) > 0)
      .sort((a, b) => Number(b['Overdue actions']) - Number(a['Overdue actions']))
      .map((r) => [`${r['Organisation code']} ${r['Organisation name']}`, String(r['Overdue actions'])]);
    assert.deepEqual(most.rows.map((r) => [r[0], r[2]]), fromSheet);
    assert.deepEqual(most.rows.map((r) => r[0]!.slice(0, 3)), ['RGT', 'RDE', 'R0A']);

    const time = await tableOf(page, 'returns-over-time');
    const today = time.rows.filter((r) => r[1] !== '–').at(-1)!;
    assert.equal(today[1], '3', 'the expected organisations returned by today');
    assert.equal(today[2], '7');
    assert.ok(time.rows.some((r) => r[0] === `${ukDate(deadline)} (deadline)` && r[1] === '–'), 'the deadline is in the table; its day has no figure yet');
  });

  it('offers each chart as PNG and its figures as CSV', async () => {
    const figure = page.locator('#most-overdue');
    const [png] = await Promise.all([page.waitForEvent('download'), figure.getByRole('button', { name: /Download chart \(PNG\)/ }).click()]);
    assert.equal(png.suggestedFilename(), 'naome-most-overdue.png');
    const bytes = await readFile((await png.path())!);
    assert.deepEqual([...bytes.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const [csv] = await Promise.all([page.waitForEvent('download'), figure.getByRole('button', { name: /Download figures \(CSV\)/ }).click()]);
    const text = (await readFile((await csv.path())!)).toString('utf8');
    assert.equal(text.replace(/^\uFEFF/, '').split('\r\n')[1], 'RGT Cambridge University Hospitals NHS Foundation Trust,England: East of England,3');
  });

  it('without SMTP, says reminders are off and offers mailto links and the CSV', async () => {
    assert.equal(await page.isVisible('#reminders-off'), true);
    await page.getByRole('button', { name: 'Preview' }).click();
    await page.waitForSelector('#reminders-table');
    assert.match(await page.textContent('#reminders-count') ?? '', /^4 reminders due; 1 with a contact address\./);
    assert.equal(await page.getByRole('link', { name: 'Write this e-mail to RAJ' }).count(), 0, 'no contact, no link');
    assert.equal(await page.getByRole('link', { name: 'Write this e-mail to RBL' }).count(), 1);
    const mail = await page.locator('#reminders-table a[href^="mailto:"]').getAttribute('href');
    assert.ok(mail);
    assert.match(mail!, /^mailto:audit%40wuth\.nhs\.uk\?subject=NAoMe%20local%20action%20plan/);
    assert.equal(await page.locator('#reminders-send').count(), 0, 'no Send button while reminders are off');
    const [csv] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download the list (CSV)' }).click()]);
    assert.match(csv.suggestedFilename(), /^naome-reminders-not-returned-\d{4}-\d\d-\d\d\.csv$/);
  });

  it('has no WCAG 2.2 AA violation that axe-core can find: drawn, a table open, reminders previewed', async () => {
    await expectNoAxeViolations(page, '/admin dashboard with reminders previewed');
    await page.locator('#status-by-recommendation summary').click();
    assert.equal(await page.isVisible('#status-by-recommendation-table'), true);
    await expectNoAxeViolations(page, '/admin dashboard with a chart\'s table open');
  });
});
