// Plans that live on the pages, in headless Chromium against the real service: the trust sees its versions, what
// changed and the national team's review on /; the national team filters by review state, sees what changed and
// records a review on /admin (NHS.UK radios, textarea, summary list, tags, tables), checked with axe-core.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { chromium, type Browser, type Page } from 'playwright-core';
import { loadOrganisations } from '../server/organisations';
import { checkWorkbook } from '../server/xlsx/checkWorkbook';
import { expectNoAxeViolations } from './helpers/axe';
import { setCellsWithOpenpyxl, sheetRows } from './helpers/openpyxl';
import { fillWorkbook, goodPlanContent } from './helpers/plans';
import { call, startTestServer, type TestServer } from './helpers/server';

const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'];

const liveText = (page: Page, pattern: RegExp) =>
  page.waitForFunction((src) => new RegExp(src).test(document.getElementById('status')?.textContent ?? ''), pattern.source);

describe('plans that live on the pages (Chromium): versions, what changed, reviews', function () {
  this.timeout(180_000);
  let s: TestServer;
  let browser: Browser;
  let key: string;
  let rows: number[];

  before(async () => {
    s = await startTestServer();
    key = await s.issueKey('RGT');
    const organisations = loadOrganisations();
    const blank = (await call(s.url, 'GET', '/template.xlsx?org=RGT')).bytes;
    const v1 = await fillWorkbook(blank, goodPlanContent('RGT'));
    const { plan } = await checkWorkbook(v1, { organisations, limits: { timeoutMs: 30_000 } });
    assert.equal((await call(s.url, 'POST', '/api/submissions', { key, body: v1 })).status, 201);
    // Version 2: the latest plan downloaded, two statuses changed by openpyxl.
    const latest = (await call(s.url, 'GET', '/api/organisations/RGT/plan.xlsx', { key })).bytes;
    rows = [plan!.actions.find((a) => a.recommendation === 2)!.row, plan!.actions.find((a) => a.recommendation === 3)!.row];
    const v2 = setCellsWithOpenpyxl(latest, Object.fromEntries(rows.map((r) => [`E${r}`, '3. Action fully implemented'])));
    assert.equal((await call(s.url, 'POST', '/api/submissions', { key, body: v2 })).status, 201);
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  });
  after(async () => {
    await browser?.close();
    await s?.close();
  });

  async function newPage() {
    const context = await browser.newContext({ acceptDownloads: true, reducedMotion: 'reduce', viewport: { width: 1100, height: 900 } });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => { if (/Content Security Policy/i.test(m.text())) errors.push(m.text()); });
    return { page, errors, close: () => context.close() };
  }

  /** The diff table's rows as [change, field, was, now]. */
  const diffRows = (page: Page, table: string) => page.$$eval(`${table} tbody tr`, (trs) => trs.map((tr) => {
    const cells = [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '');
    return [tr.getAttribute('data-kind'), tr.getAttribute('data-field'), cells[1], cells[4], cells[5]];
  }));

  it('the trust sees its two versions, exactly the two status changes, and downloads its latest plan', async () => {
    const { page, errors, close } = await newPage();
    try {
      await page.goto(new URL('/', s.url).href);
      await page.getByLabel('Organisation key').fill(key);
      await page.getByRole('button', { name: 'Show my versions' }).click();
      await liveText(page, /^2 versions/);
      assert.equal(await page.textContent('#history-title'), 'Your versions: 2 versions');
      assert.equal(await page.locator('#review-state [data-review]').getAttribute('data-review'), 'awaiting-review');
      assert.deepEqual(await page.$$eval('.history-table tbody tr', (trs) => trs.map((tr) => tr.getAttribute('data-version'))), ['2', '1']);
      await page.getByRole('button', { name: 'What changed in version 2' }).click();
      await liveText(page, /What changed from version 1 to version 2: 2 changes/);
      assert.equal(await page.evaluate(() => document.activeElement?.id), 'diff-heading');
      assert.deepEqual(await diffRows(page, '#history-diff'),
        rows.map((r) => ['changed', 'status', String(r), '2. Action in progress', '3. Action fully implemented']));
      await expectNoAxeViolations(page, '/ with versions and what changed');
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download my latest plan' }).click()]);
      assert.match(download.suggestedFilename(), /^RGT-v2-\d{8}-latest\.xlsx$/);
      const { plan } = await checkWorkbook(await readFile((await download.path())!), { organisations: loadOrganisations() });
      assert.deepEqual(rows.map((r) => plan!.actions.find((a) => a.row === r)!.status), ['3. Action fully implemented', '3. Action fully implemented']);
      assert.deepEqual(errors, []);
    } finally {
      await close();
    }
  });

  it('the trust downloads its checked workbook with the findings marked in it', async () => {
    const { page, errors, close } = await newPage();
    try {
      const blank = (await call(s.url, 'GET', '/template.xlsx?org=RGT')).bytes;
      const content = goodPlanContent('RGT');
      content.actions[2]!.status = '9';
      const bad = await fillWorkbook(blank, content);
      await page.goto(new URL('/', s.url).href);
      await page.setInputFiles('#file', { name: 'our plan.xlsx', mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', buffer: bad });
      await liveText(page, /found/);
      const [download] = await Promise.all([page.waitForEvent('download'),
        page.getByRole('button', { name: 'Download my workbook with the findings marked' }).click()]);
      assert.equal(download.suggestedFilename(), 'our-plan-checked.xlsx');
      const rows = sheetRows(await readFile((await download.path())!), 'Findings');
      assert.ok(rows && rows.some((r) => r[1] === 'STATUS_INVALID'), JSON.stringify(rows));
      await expectNoAxeViolations(page, '/ with findings to download marked');
      assert.deepEqual(errors, []);
    } finally {
      await close();
    }
  });

  it('the trust is told plainly to enter its key first', async () => {
    const { page, errors, close } = await newPage();
    try {
      await page.goto(new URL('/', s.url).href);
      await page.getByRole('button', { name: 'Show my versions' }).click();
      await liveText(page, /Enter your organisation key first/);
      // The NHS.UK pattern: focus on the error summary, whose link leads to the key field.
      assert.equal(await page.evaluate(() => document.activeElement?.id), 'error-summary');
      assert.match(await page.textContent('#key-error') ?? '', /Enter your organisation key/);
      assert.deepEqual(errors, []);
    } finally {
      await close();
    }
  });

  it('the national team filters by review state, sees what changed, requests changes with a comment, then accepts; the trust sees it', async () => {
    const { page, errors, close } = await newPage();
    try {
      await page.goto(new URL('/admin', s.url).href);
      await page.getByLabel('Admin key').fill(s.adminKey);
      await page.keyboard.press('Enter');
      await page.waitForSelector('tr[data-code="RGT"]');
      await page.getByLabel('Review state').selectOption('awaiting-review');
      assert.deepEqual(await page.$$eval('#orgs tbody tr', (trs) => trs.map((tr) => tr.getAttribute('data-code'))), ['RGT']);
      await liveText(page, /^Showing 1 of/); // the filter's count is said once typing pauses: let it be said first
      await page.getByRole('button', { name: 'Review RGT' }).click();
      await liveText(page, /Reviewing RGT, version 2/);
      assert.equal(await page.evaluate(() => document.activeElement?.id), 'review-heading');
      assert.deepEqual(await diffRows(page, '#review-diff'),
        rows.map((r) => ['changed', 'status', String(r), '2. Action in progress', '3. Action fully implemented']));
      await expectNoAxeViolations(page, '/admin reviewing a version');

      // Nothing chosen, then changes requested without a comment: each said at its field.
      await page.getByRole('button', { name: 'Record review' }).click();
      assert.match(await page.textContent('#review-state-error') ?? '', /Choose Accepted or Changes requested/);
      await page.getByRole('radio', { name: 'Changes requested', exact: true }).check();
      await page.getByLabel('Your name').fill('Ann Lee');
      await page.getByRole('button', { name: 'Record review' }).click();
      assert.match(await page.textContent('#review-comment-error') ?? '', /which changes are needed/);
      assert.equal(await page.evaluate(() => document.activeElement?.id), 'error-summary');
      assert.equal((await call(s.url, 'GET', '/api/organisations/RGT/history', { key })).json.versions[0].reviews.length, 0, 'nothing recorded yet');
      await page.getByLabel('Comment to the organisation').fill('Recommendation 4 needs a named lead.');
      await page.getByRole('button', { name: 'Record review' }).click();
      await liveText(page, /Review recorded: RGT version 2, changes requested/);
      assert.match(await page.textContent('#review-summary') ?? '', /Changes requested.*Ann Lee.*Recommendation 4 needs a named lead\./s);
      // Still filtered to "Awaiting review": RGT has left that list; it is under "Changes requested".
      assert.equal(await page.locator('tr[data-code="RGT"]').count(), 0);
      await page.getByLabel('Review state').selectOption('changes-requested');
      assert.equal(await page.locator('tr[data-code="RGT"] [data-review]').getAttribute('data-review'), 'changes-requested');

      // The trust sees the state and the comment.
      const trust = await newPage();
      try {
        await trust.page.goto(new URL('/', s.url).href);
        await trust.page.getByLabel('Organisation key').fill(key);
        await trust.page.getByRole('button', { name: 'Show my versions' }).click();
        await liveText(trust.page, /changes requested/);
        assert.match(await trust.page.textContent('#review-state') ?? '', /Changes requested.*Ann Lee.*Recommendation 4 needs a named lead\./s);
        assert.deepEqual(trust.errors, []);
      } finally {
        await trust.close();
      }

      await page.getByRole('radio', { name: 'Accepted', exact: true }).check();
      await page.getByLabel('Your name').fill('Bob Chan');
      await page.getByRole('button', { name: 'Record review' }).click();
      await liveText(page, /Review recorded: RGT version 2, accepted/);
      const reviews = (await call(s.url, 'GET', '/api/organisations/RGT/history', { key })).json.versions[0].reviews;
      assert.deepEqual(reviews.map((r: { state: string; reviewer: string }) => [r.state, r.reviewer]), [['changes-requested', 'Ann Lee'], ['accepted', 'Bob Chan']]);
      await page.getByLabel('Review state').selectOption('accepted');
      assert.deepEqual(await page.$$eval('#orgs tbody tr', (trs) => trs.map((tr) => tr.getAttribute('data-code'))), ['RGT']);
      assert.deepEqual(errors, []);
    } finally {
      await close();
    }
  });
});
