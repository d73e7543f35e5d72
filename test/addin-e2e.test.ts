// The built task pane (dist/addin), loaded from the running service in headless Chromium, with `Office` and `Excel`
// supplied by a page init script over office-addin-mock (addin/mock/browser.ts, bundled here with esbuild) and the
// CDN's office.js answered by an empty stub. Create → Check → go to a cell → fill → Check clean → Submit, against the
// real service and its real database.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium, type Browser, type Page } from 'playwright-core';
import { isoDate } from '../shared/cells';
import { PLAN_SHEET } from '../shared/layout';
import { expectNoAxeViolations } from './helpers/axe';
import { call, startTestServer, type TestServer } from './helpers/server';
import { contentCells, fillWorkbook, goodPlanContent } from './helpers/plans';
import { openXlsx } from '../addin/mock/fromXlsx';

const root = fileURLToPath(new URL('..', import.meta.url));
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run'];

/** The modelled Excel for the browser: office-addin-mock and our model, as one script defining __naomeMock. */
async function mockBundle(): Promise<string> {
  const out = await build({
    entryPoints: [`${root}addin/mock/browser.ts`],
    bundle: true,
    write: false,
    format: 'iife',
    globalName: '__naomeMock',
    platform: 'browser',
    alias: { 'office-addin-manifest': `${root}addin/mock/officeAppStub.ts` },
    logLevel: 'error',
  });
  return out.outputFiles[0]!.text;
}

describe('Excel add-in task pane in headless Chromium (Office/Excel from office-addin-mock)', function () {
  this.timeout(60_000);
  let server: TestServer;
  let browser: Browser;
  let mock: string;

  before(async () => {
    // `npm test` builds the add-in first; a lone run of this file builds it when it is missing.
    if (!existsSync(`${root}dist/addin/taskpane.js`)) execFileSync(process.execPath, [`${root}addin/build.js`], { stdio: 'ignore' });
    mock = await mockBundle();
    server = await startTestServer();
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  async function openPane(options: object = {}): Promise<{ page: Page; errors: string[] }> {
    // A context of its own (axe-core opens a second page in it to collate its results); closing the page closes it.
    const context = await browser.newContext();
    const page = await context.newPage();
    page.once('close', () => { void context.close(); });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.route('https://appsforoffice.microsoft.com/**', (route) =>
      route.fulfill({ status: 200, contentType: 'application/javascript', body: '/* office.js stub: the init script supplies Office and Excel */' }));
    await page.addInitScript({ content: `${mock}\n__naomeMock.install(${JSON.stringify(options)});` });
    await page.goto(`${server.url}/addin/taskpane.html`);
    return { page, errors };
  }
  const status = (page: Page) => page.locator('#status');
  const model = <T>(page: Page, fn: string) => page.evaluate(`(() => { const m = globalThis.__excelModel; return ${fn}; })()`) as Promise<T>;

  it('creates a plan, checks it, goes to a finding\'s cell, checks clean after filling and submits it', async () => {
    const { page, errors } = await openPane();
    await page.waitForFunction(() => document.getElementById('ready')?.textContent === 'ready');
    assert.match(await page.locator('#workbook-state').innerText(), /no action plan yet/);
    assert.equal(await page.locator('a[href="/accessibility"]').textContent(), 'Accessibility statement');

    // Keyboard and screen reader basics: every control labelled, a polite live region.
    assert.equal(await page.locator('#status').getAttribute('role'), 'status');
    assert.equal(await page.locator('#status').getAttribute('aria-live'), 'polite');
    assert.equal(await page.evaluate(() => [...document.querySelectorAll('input, select')].every((el) => (el as HTMLInputElement).labels?.length)), true);
    await expectNoAxeViolations(page, 'add-in task pane, empty workbook');

    // Create plan, for the chosen organisation.
    await page.selectOption('#org', 'RGT');
    await page.click('#create');
    await status(page).filter({ hasText: 'Plan created' }).waitFor();
    assert.match(await status(page).innerText(), /Plan created for Cambridge University Hospitals/);
    assert.match(await page.locator('#workbook-state').innerText(), /holds a NAoMe action plan/);
    assert.equal(await model<number>(page, `m.sheet('${PLAN_SHEET}').values.size > 100`), true);
    assert.equal(await model<boolean>(page, `m.sheet('${PLAN_SHEET}').protection.protected`), true);
    assert.equal(await model<string>(page, `String(m.sheet('Lists').values.get('B1'))`), 'naome-2025');

    // Check: the empty plan has findings, grouped by recommendation with counts.
    await page.click('#check');
    await status(page).filter({ hasText: 'Check complete' }).waitFor();
    const groups = await page.locator('#findings section.group h4').allInnerTexts();
    assert.ok(groups.some((g) => /^Recommendation 1 \(\d+ errors?, \d+ warnings?\)$/.test(g)), groups.join(' | '));
    const buttons = page.locator('#findings button.finding');
    assert.ok((await buttons.count()) > 0);
    await expectNoAxeViolations(page, 'add-in task pane, findings listed');

    // Choosing a finding selects its cell in the workbook.
    const target = page.locator('#findings section.group', { has: page.locator('h4', { hasText: /^Recommendation 3 / }) }).locator('button.finding').first();
    const cell = await target.locator('.cell').innerText();
    await target.focus();
    await page.keyboard.press('Enter');
    await page.waitForFunction((c) => (globalThis as unknown as { __excelModel: { selected: { address: string } | null } }).__excelModel.selected?.address === c, cell);
    assert.deepEqual(await model(page, 'm.selected'), { sheet: PLAN_SHEET, address: cell });

    // Fill the plan as a person would, then check again: clean.
    const cells = contentCells(goodPlanContent('RGT')).map(({ cell: c, value }) => ({ cell: c, value: value instanceof Date ? { date: isoDate(value) } : value ?? null }));
    await page.evaluate(({ cells: list, sheet }) => {
      const m = (globalThis as unknown as { __excelModel: { setCell(s: string, c: string, v: unknown): void } }).__excelModel;
      for (const { cell: c, value } of list) m.setCell(sheet, c, value && typeof value === 'object' ? new Date(`${(value as { date: string }).date}T00:00:00Z`) : value);
    }, { cells, sheet: PLAN_SHEET });
    await page.click('#check');
    await status(page).filter({ hasText: 'no problems found' }).waitFor();
    assert.equal(await page.locator('#findings .finding').count(), 0);

    // Submit without a key, then with a wrong key: said plainly, nothing sent.
    await page.click('#submit');
    await status(page).filter({ hasText: 'Enter your organisation key first' }).waitFor();
    await page.fill('#key', 'not-a-real-key');
    await page.click('#save-key');
    await page.click('#submit');
    await status(page).filter({ hasText: 'key was not accepted' }).waitFor();
    await expectNoAxeViolations(page, 'add-in task pane, wrong key refused');
    assert.doesNotMatch(await status(page).innerText(), /Bearer|Authorization|HTTP/, 'plain English, no API jargon');
    const key = await server.issueKey('RGT');
    assert.equal((await call(server.url, 'GET', '/api/submissions', { key })).json.length, 0);

    // The right key, kept in the add-in's storage (never in the workbook): the receipt.
    await page.fill('#key', key);
    await page.click('#save-key');
    assert.equal(await page.evaluate(() => localStorage.getItem('naome.organisationKey')), key);
    await page.click('#submit');
    await status(page).filter({ hasText: 'Plan submitted: version 1' }).waitFor();
    assert.match(await page.locator('#receipt').innerText(), /version 1 for RGT/);
    await expectNoAxeViolations(page, 'add-in task pane, submitted');

    // The service holds it: JSON, for RGT, and the stored plan is the one in the workbook.
    const list = await call(server.url, 'GET', '/api/submissions', { key });
    assert.equal(list.json.length, 1);
    assert.equal(list.json[0].format, 'json');
    assert.equal(list.json[0].organisation.code, 'RGT');
    const stored = JSON.parse((await call(server.url, 'GET', `/api/submissions/${list.json[0].id}/original`, { key })).bytes.toString('utf8'));
    assert.equal(stored.actions.length, goodPlanContent('RGT').actions.length);
    assert.equal(stored.header.auditLead, 'Dr Priya Patel');
    const workbookText = await model<string>(page, 'JSON.stringify(m.sheets.map((s) => [...s.values.values()]))');
    assert.equal(workbookText.includes(key), false, 'the key is never written into the workbook');
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('recognises a downloaded plan opened in Excel and finds exactly what the service finds in the same file', async () => {
    const download = await call(server.url, 'GET', '/template.xlsx?org=RGT');
    assert.equal(download.status, 200);
    const content = goodPlanContent('RGT');
    content.header.auditLead = null;
    content.actions.push({ recommendation: 2, action: 'Review', responsible: 'TBC', deadline: '31/02/2027', status: '7', priority: 'Urgent' });
    const bytes = await fillWorkbook(download.bytes, content);
    const service = await call(server.url, 'POST', '/api/validate', { body: bytes });
    assert.equal(service.status, 200);

    const { page, errors } = await openPane({ workbook: await openXlsx(bytes) });
    await page.waitForFunction(() => document.getElementById('ready')?.textContent === 'ready');
    assert.match(await page.locator('#workbook-state').innerText(), /holds a NAoMe action plan \(naome-2025, version 1\)/);
    await page.click('#check');
    await status(page).filter({ hasText: 'Check complete' }).waitFor();
    const shown = await page.locator('#findings .finding').evaluateAll((els) => els.map((el) => `${el.querySelector('.cell')!.textContent}|${el.querySelector('.message')!.textContent}`));
    const expected = (service.json.findings as Array<{ cell: string | null; message: string }>).map((f) => `${f.cell ?? ''}|${f.message}`);
    assert.ok(expected.length >= 4, JSON.stringify(expected));
    assert.deepEqual(shown.sort(), expected.sort());
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('a network failure says so plainly and loses nothing', async () => {
    const offline = await openPane();
    await offline.page.route('**/api/organisations', (route) => route.abort('internetdisconnected'));
    await offline.page.reload();
    await status(offline.page).filter({ hasText: 'Could not reach the NAoMe service' }).waitFor();
    assert.equal(await offline.page.locator('#create').isDisabled(), true, 'Create plan waits for the organisations list');
    await expectNoAxeViolations(offline.page, 'add-in task pane, service unreachable');
    await offline.page.close();

    const { page } = await openPane();
    await page.waitForFunction(() => document.getElementById('ready')?.textContent === 'ready');
    await page.selectOption('#org', 'RGT');
    await page.click('#create');
    await status(page).filter({ hasText: 'Plan created' }).waitFor();
    await page.fill('#key', 'some-key');
    await page.click('#save-key');
    await page.route('**/api/submissions', (route) => route.abort('internetdisconnected'));
    await page.click('#submit');
    await status(page).filter({ hasText: 'Could not reach the NAoMe service' }).waitFor();
    assert.equal(await page.evaluate(() => localStorage.getItem('naome.organisationKey')), 'some-key');
    await page.close();
  });

  it('where Excel is too old or the host is not Excel: a clear message and links to the workbook and the upload page', async () => {
    for (const [options, reason] of [[{ excelApi: '1.7' }, /too old.*ExcelApi 1\.8/], [{ host: 'Word' }, /works only in Excel/]] as const) {
      const { page } = await openPane(options);
      await page.locator('#unsupported').waitFor();
      assert.match(await page.locator('#unsupported-reason').innerText(), reason);
      assert.equal(await page.locator('#app').isVisible(), false);
      await expectNoAxeViolations(page, `add-in task pane, unsupported host (${JSON.stringify(options)})`);
      const links = await page.locator('#unsupported a').evaluateAll((as) => as.map((a) => (a as HTMLAnchorElement).href));
      assert.deepEqual(links, [`${server.url}/template.xlsx`, `${server.url}/`]);
      for (const href of links) assert.equal((await fetch(href)).status, 200, href);
      await page.close();
    }
  });
});
