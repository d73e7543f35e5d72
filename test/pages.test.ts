// The submission page (/) and the admin page (/admin), driven in real headless Chromium against a real server on a
// free port with a real database. Workbooks are real: our writer's bytes, filled through exceljs.
// Set NAOME_SCREENSHOTS=DIR to also save a screenshot of each page there (docs/page-*.png were made that way).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { writePlanWorkbook } from '../server/xlsx/writePlanWorkbook';
import { loadOrganisations } from '../server/organisations';
import { columnOf, planLayout, PLAN_SHEET } from '../shared/layout';
import { organisationLabel } from '../shared/organisations';
import { currentTemplate } from '../shared/template';
import type { ValidationResult } from '../shared/findings';
import { fillWorkbook, goodPlanContent, type PlanContent } from './helpers/plans';
import { axeViolations, expectNoAxeViolations } from './helpers/axe';
import { expectFitsAndTargets, focusIsVisible, layoutProblems, ZOOM_400 } from './helpers/layout';
import { startTestServer } from './helpers/server';

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run'];
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const organisations = loadOrganisations();
const layout = planLayout(currentTemplate, []);
const firstActionRow = (rec: number) => layout.recommendations.find((r) => r.number === rec)!.firstActionRow;

type Server = Awaited<ReturnType<typeof startTestServer>>;

let blank: Promise<Buffer> | undefined;
const goodWorkbooks = new Map<string, Promise<Buffer>>();

/** A filled workbook for an organisation: our writer's blank, filled through exceljs as a person would fill it. */
function workbook(code: string, change?: (c: PlanContent) => void): Promise<Buffer> {
  const make = async () => {
    blank ??= writePlanWorkbook({ organisations });
    const content = goodPlanContent(code);
    change?.(content);
    return fillWorkbook(await blank, content);
  };
  if (change) return make();
  // Building a workbook takes a second or two: a correct one is made once per organisation.
  if (!goodWorkbooks.has(code)) goodWorkbooks.set(code, make());
  return goodWorkbooks.get(code)!;
}

/** Presses Tab until the element with this id has focus; fails if it takes more than `max` presses. */
async function tabTo(page: Page, id: string, max = 12): Promise<number> {
  for (let presses = 1; presses <= max; presses++) {
    await page.keyboard.press('Tab');
    if (await page.evaluate((want) => document.activeElement?.id === want, id)) return presses;
  }
  assert.fail(`#${id} was not reached within ${max} presses of Tab (focus is on ${await focusedId(page)})`);
}

const focusedId = (page: Page) => page.evaluate(() => document.activeElement?.id ?? document.activeElement?.tagName ?? '');
const liveText = (page: Page, pattern: RegExp) =>
  page.waitForFunction((src) => new RegExp(src).test(document.getElementById('status')?.textContent ?? ''), pattern.source);

/** Saves a screenshot of the page from its top when NAOME_SCREENSHOTS names a directory. */
async function screenshot(page: Page, name: string, fullPage = false) {
  const dir = process.env.NAOME_SCREENSHOTS;
  if (!dir) return;
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: path.join(dir, name), fullPage });
}

describe('web pages in headless Chromium', function () {
  this.timeout(120_000);
  let server: Server;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const pageErrors: string[] = [];

  before(async () => {
    server = await startTestServer();
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });
  beforeEach(async () => {
    context = await browser.newContext({ acceptDownloads: true, reducedMotion: 'reduce', viewport: { width: 1100, height: 900 } });
    page = await context.newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
    // The pages must run under the service's strict CSP (no inline script or style): a violation is a failure.
    page.on('console', (m) => { if (/Content Security Policy/i.test(m.text())) pageErrors.push(m.text()); });
  });
  afterEach(async () => {
    await context.close();
    assert.deepEqual(pageErrors.splice(0), [], 'the page threw no script errors');
  });

  const api = (p: string, init: RequestInit = {}) => fetch(new URL(p, server.url), init);

  /** What a screen reader needs of every control: a name, described-by targets that exist, unique ids. */
  async function accessibilityProblems(p: Page): Promise<string[]> {
    return p.evaluate(() => {
      const problems: string[] = [];
      const ids = [...document.querySelectorAll('[id]')].map((e) => e.id);
      for (const id of new Set(ids)) if (ids.filter((x) => x === id).length > 1) problems.push(`duplicate id ${id}`);
      for (const input of document.querySelectorAll<HTMLInputElement>('input, select, textarea')) {
        if (input.type === 'hidden') continue;
        if (!input.labels?.length && !input.getAttribute('aria-label')) problems.push(`#${input.id} has no label`);
        for (const ref of (input.getAttribute('aria-describedby') ?? '').split(/\s+/).filter(Boolean)) {
          if (!document.getElementById(ref)) problems.push(`#${input.id} is described by missing #${ref}`);
        }
      }
      for (const b of document.querySelectorAll('button, a')) if (!b.textContent?.trim()) problems.push(`a ${b.tagName} has no text`);
      if (!document.querySelector('[role="status"][aria-live="polite"]')) problems.push('no live region');
      if (document.querySelectorAll('h1').length !== 1) problems.push('not exactly one h1');
      return problems;
    });
  }

  it('the checks are real: axe-core and the measurements find an unlabelled field, low contrast, tiny targets and sideways scrolling on a page made to have them', async () => {
    await page.setViewportSize(ZOOM_400);
    await page.setContent(`<!doctype html><html lang="en"><head><title>bad</title></head><body><main><h1>Bad</h1>
      <input id="x"><p style="color:#aaa;background:#fff">faint</p><div style="width:600px">too wide</div>
      <div style="display:flex"><button style="width:10px;height:10px;padding:0;border:0" aria-label="tiny"></button><button style="width:10px;height:10px;padding:0;border:0" aria-label="tiny2"></button></div></main></body></html>`);
    const ids = (await axeViolations(page)).map((v) => v.id);
    for (const rule of ['label', 'color-contrast', 'target-size']) assert.ok(ids.includes(rule), `${rule} in ${ids.join()}`);
    const problems = await layoutProblems(page);
    assert.match(problems.join('\n'), /the page scrolls sideways/);
    assert.equal(problems.filter((p) => /button "tiny2?" is 10×10 px/.test(p)).length, 2, problems.join('\n'));
  });

  it('both pages: labelled controls, a live region, reduced motion respected', async () => {
    await page.goto(new URL('/', server.url).href);
    assert.deepEqual(await accessibilityProblems(page), []);
    await expectNoAxeViolations(page, '/ empty');
    // Focus is visible: reaching the first field by keyboard draws the focus ring.
    await tabTo(page, 'org');
    assert.equal(await page.$eval('#org', (e) => getComputedStyle(e).outlineStyle), 'solid');
    const transition = await page.$eval('#drop', (e) => getComputedStyle(e).transitionDuration);
    assert.equal(transition, '0s', 'no transition when the reader asks for reduced motion');
    await page.goto(new URL('/admin', server.url).href);
    await page.getByLabel('Admin key').fill(server.adminKey);
    await page.keyboard.press('Enter');
    await page.waitForSelector('#orgs tbody tr');
    assert.deepEqual(await accessibilityProblems(page), []);
    await expectNoAxeViolations(page, '/admin list');
    // Reflow: on a phone-sized screen nothing makes the page scroll sideways (the table scrolls inside its box).
    await page.setViewportSize({ width: 390, height: 800 });
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 390), 'admin page fits 390px');
    await page.goto(new URL('/', server.url).href);
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 390), 'submission page fits 390px');
  });

  it('are in the NHS.UK design, served by the service itself, with an accessibility statement linked from every page', async () => {
    for (const p of ['/', '/admin', '/accessibility']) {
      await page.goto(new URL(p, server.url).href);
      await expectNoAxeViolations(page, p === '/admin' ? '/admin sign-in' : `${p} on arrival`);
      assert.equal(await page.locator('header.nhsuk-header').count(), 1, p);
      assert.equal(await page.locator('footer a[href="/accessibility"]').textContent(), 'Accessibility statement', p);
      // The NHS.UK stylesheet comes from this service (no CDN) and applies: the header is NHS blue.
      const sheets = await page.evaluate(() => [...document.styleSheets].map((s) => s.href ?? ''));
      assert.ok(sheets.every((h) => h.startsWith(server.url)), sheets.join());
      assert.equal(await page.$eval('header.nhsuk-header', (e) => getComputedStyle(e).backgroundColor), 'rgb(0, 94, 184)');
    }
    assert.match(await page.textContent('h1') ?? '', /Accessibility statement/);
    // The statement in the GOV.UK model's parts, naming the axe-core these tests run and a date.
    const sections = await page.locator('main h2').allTextContents();
    for (const part of ['Compliance status', 'Non-accessible content and what we have not tested', 'How we tested this service', 'Feedback and contact information', 'Preparation of this accessibility statement']) {
      assert.ok(sections.includes(part), `the statement has "${part}" (${sections.join(' | ')})`);
    }
    const statement = await page.textContent('main') ?? '';
    const axeVersion = JSON.parse(await readFile(new URL('../node_modules/@axe-core/playwright/node_modules/axe-core/package.json', import.meta.url), 'utf8').catch(() =>
      readFile(new URL('../node_modules/axe-core/package.json', import.meta.url), 'utf8'))).version as string;
    assert.match(statement, new RegExp(`axe-core \\(version ${axeVersion.split('.').slice(0, 2).join('\\.')}\\)`), 'the axe-core version the tests run');
    assert.match(statement, /320 by 256 pixels/);
    assert.match(statement, /prepared on \d{1,2} [A-Z][a-z]+ \d{4}/);
    // The header and footer are written once (server/pages/parts/) and put into each page as it is served.
    for (const file of ['index.html', 'admin.html', 'accessibility.html']) {
      const source = await readFile(new URL(`../server/pages/${file}`, import.meta.url), 'utf8');
      assert.doesNotMatch(source, /class="nhsuk-(header|footer)"|nhsuk-skip-link/, `${file} holds no copy of the header or footer`);
      assert.match(source, /<!--#include header[^>]*-->[\s\S]*<!--#include footer -->/, file);
    }
    for (const [p, home, service] of [['/', '/', 'NAoMe local action plan'], ['/admin', '/admin', 'NAoMe local action plan: national team']]) {
      const html = await (await api(p)).text();
      assert.doesNotMatch(html, /#include|\{\{/, `${p}: every include is filled in`);
      assert.match(html, new RegExp(`<a class="nhsuk-header__service-logo" href="${home}" aria-label="NHS – ${service}: home">`), p);
      assert.match(html, new RegExp(`<span class="nhsuk-header__service-name">${service}</span>`), p);
      assert.equal(html.match(/<footer class="nhsuk-footer/g)?.length, 1, p);
    }
    const css = await api('/nhsuk/nhsuk-frontend.css');
    assert.equal(css.status, 200);
    assert.doesNotMatch(await css.text(), /@font-face|url\("?https?:/, 'no font or image fetched from elsewhere');
    const icon = await api('/favicon.ico');
    assert.equal(icon.status, 200);
    assert.ok((await icon.arrayBuffer()).byteLength > 100);
  });

  it('at 400% zoom (320 × 256 CSS px) no page scrolls sideways and every target is at least 24 × 24 px, in each main state', async () => {
    const key = await server.issueKey('RDE');
    const bad = await workbook('RDE', (c) => { c.header.auditLead = null; });
    await page.setViewportSize(ZOOM_400);
    await page.goto(new URL('/', server.url).href);
    await page.waitForSelector('#org-list option', { state: 'attached' });
    await expectFitsAndTargets(page, '/ empty');
    await page.getByLabel('NHS organisation').fill('RDE');
    await page.setInputFiles('#file', { name: 'rde.xlsx', mimeType: XLSX, buffer: bad });
    await page.waitForSelector('#findings li.finding');
    await page.getByLabel('Organisation key').fill(key);
    await page.getByRole('button', { name: 'Submit action plan' }).click();
    await page.waitForSelector('#error-summary:not([hidden])');
    await expectFitsAndTargets(page, '/ findings and the error summary');
    await page.setInputFiles('#file', { name: 'rde.xlsx', mimeType: XLSX, buffer: await workbook('RDE') });
    await liveText(page, /^Ready to submit/);
    await page.getByRole('button', { name: 'Submit action plan' }).click();
    await liveText(page, /Submitted: version 1/);
    await expectFitsAndTargets(page, '/ receipt');
    await expectNoAxeViolations(page, '/ receipt at 400% zoom');

    await page.goto(new URL('/admin', server.url).href);
    await expectFitsAndTargets(page, '/admin sign-in');
    await page.getByLabel('Admin key').fill(server.adminKey);
    await page.keyboard.press('Enter');
    await page.waitForSelector('tr[data-code="RDE"]');
    await expectFitsAndTargets(page, '/admin list');
    await expectNoAxeViolations(page, '/admin list at 400% zoom');
    // The table may be wider than the screen: it scrolls inside its own box, which a keyboard can reach and scroll.
    const wrap = page.locator('.table-wrap').first();
    assert.ok(await wrap.evaluate((e) => e.scrollWidth > e.clientWidth), 'the table scrolls inside its box');
    assert.equal(await wrap.getAttribute('tabindex'), '0', 'the scrolling box is focusable');
    page.once('dialog', (d) => d.accept());
    await page.locator('tr[data-code="RDE"]').getByRole('button', { name: /key for RDE/ }).click();
    await liveText(page, /Key issued for RDE/);
    await expectFitsAndTargets(page, '/admin key shown');

    await page.goto(new URL('/accessibility', server.url).href);
    await expectFitsAndTargets(page, '/accessibility');
  });

  describe('the submission page /', () => {
    it('downloads the workbook pre-filled with the chosen organisation', async () => {
      const org = organisations.find((o) => o.code === 'RGT')!;
      await page.goto(new URL('/', server.url).href);
      await page.getByLabel('NHS organisation').fill(organisationLabel(org));
      const link = page.locator('#template-link');
      assert.match(await link.textContent() ?? '', /RGT/);
      const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
      assert.match(download.suggestedFilename(), /RGT\.xlsx$/);
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.load(await readFile((await download.path())!) as unknown as ArrayBuffer);
      const orgCell = layout.header.find((h) => h.id === 'organisation')!.cell;
      assert.equal(wb.getWorksheet(PLAN_SHEET)!.getCell(orgCell).value, organisationLabel(org));
    });

    it('says plainly when the typed organisation is not known', async () => {
      await page.goto(new URL('/', server.url).href);
      await page.waitForSelector('#org-list option', { state: 'attached' });
      await page.getByLabel('NHS organisation').fill('NOPE9');
      await page.keyboard.press('Tab');
      const error = page.locator('#org-error');
      assert.match(await error.textContent() ?? '', /No organisation matches “NOPE9”/);
      assert.equal(await page.getAttribute('#org', 'aria-invalid'), 'true');
      assert.match(await page.getAttribute('#org', 'aria-describedby') ?? '', /\borg-error\b/);
      assert.equal(await page.getAttribute('#template-link', 'href'), '/template.xlsx');
      await expectNoAxeViolations(page, '/ unknown organisation');
    });

    it('shows the findings of a dropped workbook with their cells, counts them and announces them', async () => {
      const statusRow = firstActionRow(2);
      const bad = await workbook('RGT', (c) => {
        c.header.auditLead = null;
        c.actions.find((a) => a.recommendation === 2)!.status = '7';
      });
      // What the service says about these bytes, over HTTP: the page must show exactly that.
      const expected = await (await api('/api/validate', { method: 'POST', body: new Uint8Array(bad), headers: { 'Content-Type': XLSX } })).json() as ValidationResult;
      assert.equal(expected.valid, false);
      const statusCell = `${columnOf('status')}${statusRow}`;
      assert.ok(expected.findings.some((f) => f.cell === statusCell), `the service reports ${statusCell}`);

      await page.goto(new URL('/', server.url).href);
      await page.getByLabel('NHS organisation').fill('RGT');
      // Drag and drop: a real drop event carrying the file, as a browser makes when a file is dropped on the box.
      await page.evaluate(({ b64, type }) => {
        const bytes = Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0));
        const dt = new DataTransfer();
        dt.items.add(new File([bytes], 'rgt-plan.xlsx', { type }));
        document.getElementById('drop')!.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
      }, { b64: bad.toString('base64'), type: XLSX });

      const errors = expected.findings.filter((f) => f.severity === 'error').length;
      const warnings = expected.findings.length - errors;
      const counts = `${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'} found`;
      await liveText(page, new RegExp(counts));
      assert.equal(await page.textContent('#result-heading'), counts);
      assert.equal(await focusedId(page), 'result-heading', 'focus moves to the result heading');

      const items = page.locator('#findings li.finding');
      assert.equal(await items.count(), expected.findings.length);
      for (const f of expected.findings) {
        const item = items.filter({ hasText: f.message }).first();
        const text = (await item.textContent())!;
        if (f.cell) assert.ok(text.includes(`cell ${f.cell}`), `"${text}" names cell ${f.cell} as text`);
        assert.ok(text.startsWith(f.severity === 'error' ? 'Error' : 'Warning'), text);
      }
      // Grouped: the status finding sits under its recommendation's heading.
      const group = page.locator('#findings h3', { hasText: 'Recommendation 2' });
      assert.equal(await group.count(), 1);
      assert.ok((await page.locator('#findings ul', { has: page.locator(`text=${statusCell}`) }).count()) >= 1);
      await expectNoAxeViolations(page, '/ file checked with findings');
      await screenshot(page, 'page-submit.png', true);
    });

    it("says why a file that is not a workbook cannot be checked, in the reader's words", async () => {
      const junk = Buffer.from('ods_code,name\nRGT,Cambridge\n');
      const expected = await (await api('/api/validate', { method: 'POST', body: new Uint8Array(junk), headers: { 'Content-Type': XLSX } })).json() as ValidationResult;
      assert.equal(expected.readable, false);
      await page.goto(new URL('/', server.url).href);
      await page.setInputFiles('#file', { name: 'plan.csv.xlsx', mimeType: XLSX, buffer: junk });
      await liveText(page, /^This file cannot be checked/);
      assert.equal(await page.textContent('#result-heading'), 'This file cannot be checked');
      assert.equal(await page.textContent('#findings li.finding .msg'), `: ${expected.findings[0]!.message}`);
      // Submitting it anyway is stopped on the page, with the reason next to the file field.
      await page.getByLabel('Organisation key').fill('any-key');
      await page.getByRole('button', { name: 'Submit action plan' }).click();
      assert.match(await page.textContent('#file-error') ?? '', /has errors/);
      assert.equal(await focusedId(page), 'error-summary');
      await expectNoAxeViolations(page, '/ unreadable file, submit refused');
    });

    it('checks a good workbook, refuses a wrong key keeping what was typed, submits version 1, and answers the same plan again with the receipt of version 1', async () => {
      const good = await workbook('RGT');
      const key = await server.issueKey('RGT');
      await page.goto(new URL('/', server.url).href);
      await page.getByLabel('NHS organisation').fill('RGT');
      await page.setInputFiles('#file', { name: 'rgt-plan.xlsx', mimeType: XLSX, buffer: good });
      await liveText(page, /^Ready to submit/);
      assert.equal(await page.textContent('#result-heading'), 'Ready to submit');
      await expectNoAxeViolations(page, '/ valid file, ready to submit');

      await page.getByLabel('Organisation key').fill(`${key}x`);
      await page.getByRole('button', { name: 'Submit action plan' }).click();
      await page.waitForSelector('#key-error:not([hidden])');
      // Plain English for a trust user, no API jargon; listed in the error summary, linked to the key field.
      const said = await page.textContent('#key-error') ?? '';
      assert.match(said, /key was not accepted/);
      assert.doesNotMatch(said, /Bearer|Authorization|HTTP|401/);
      assert.equal(await page.textContent('#error-summary-title'), 'There is a problem');
      assert.equal(await page.getAttribute('#error-summary-list a', 'href'), '#key');
      assert.equal(await page.textContent('#error-summary-list a'), said);
      assert.equal(await page.getAttribute('#key', 'aria-invalid'), 'true');
      assert.equal(await page.inputValue('#key'), `${key}x`, 'the typed key is kept');
      assert.equal(await page.inputValue('#org'), 'RGT', 'the organisation is kept');
      assert.equal(await page.isHidden('#receipt'), true);
      await liveText(page, /^Not submitted/);
      assert.equal(await focusedId(page), 'error-summary');
      await expectNoAxeViolations(page, '/ wrong key: error summary linked to the field');

      await page.getByLabel('Organisation key').fill(key);
      await page.getByRole('button', { name: 'Submit action plan' }).click();
      await liveText(page, /Submitted: version 1/);
      assert.equal(await page.textContent('#receipt-heading'), 'Submitted: version 1');
      assert.equal(await focusedId(page), 'receipt-heading');
      assert.equal(await page.isHidden('#key-error'), true, 'the old error is cleared');
      const sha = createHash('sha256').update(good).digest('hex');
      assert.match(await page.textContent('#receipt-details') ?? '', new RegExp(sha));
      await expectNoAxeViolations(page, '/ submission receipt');

      // Pressing Submit again sends the same plan: the service answers with version 1's receipt and stores nothing.
      await page.getByRole('button', { name: 'Submit action plan' }).click();
      await liveText(page, /Already received: version 1/);
      assert.equal(await page.textContent('#receipt-heading'), 'Already received: version 1');
      assert.match(await page.textContent('#receipt-lead') ?? '', /no new version was stored/);

      // The receipt can be saved …
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Save receipt' }).click()]);
      const saved = JSON.parse(await readFile((await download.path())!, 'utf8'));
      assert.equal(saved.version, 1);
      assert.equal(saved.sha256, sha);
      assert.equal(saved.organisation.code, 'RGT');
      // … and printed: the Print button opens the browser's print (headless Chromium returns at once) and the print
      // stylesheet shows the receipt and nothing of the form.
      await page.getByRole('button', { name: 'Print receipt' }).click();
      assert.equal(await page.evaluate(() => document.title), 'Submit your local action plan – NAoMe');
      await screenshot(page, 'page-submit-receipt.png', true);
      await page.emulateMedia({ media: 'print' });
      assert.equal(await page.isVisible('#receipt-details'), true);
      assert.equal(await page.isVisible('#org'), false);
      assert.equal(await page.isVisible('#submit-button'), false);
      assert.equal(await page.isVisible('#print-receipt'), false);
      await page.emulateMedia({ media: 'screen' });

      // The service agrees: one version for RGT.
      const list = await (await api('/api/submissions', { headers: { Authorization: `Bearer ${key}` } })).json() as Array<{ version: number }>;
      assert.deepEqual(list.map((r) => r.version), [1]);
    });

    it('shows a network failure plainly and keeps the key', async () => {
      const key = await server.issueKey('R1H');
      await page.goto(new URL('/', server.url).href);
      await page.setInputFiles('#file', { name: 'r1h.xlsx', mimeType: XLSX, buffer: await workbook('R1H') });
      await liveText(page, /^Ready to submit/);
      // The connection drops: Chromium's own network layer fails the request.
      await page.route('**/api/submissions', (route) => route.abort('internetdisconnected'));
      await page.getByLabel('Organisation key').fill(key);
      await page.getByRole('button', { name: 'Submit action plan' }).click();
      await page.waitForSelector('#key-error:not([hidden])');
      assert.match(await page.textContent('#key-error') ?? '', /could not be reached/);
      assert.equal(await page.inputValue('#key'), key);
      await expectNoAxeViolations(page, '/ network failure');
      assert.equal(await page.isEnabled('#submit-button'), true);
    });

    it("refuses another organisation's key (403) plainly", async () => {
      const key = await server.issueKey('R1H');
      await page.goto(new URL('/', server.url).href);
      await page.getByLabel('NHS organisation').fill('R1H');
      await page.setInputFiles('#file', { name: 'rgt.xlsx', mimeType: XLSX, buffer: await workbook('RGT') });
      await liveText(page, /^Ready to submit/);
      assert.match(await page.textContent('#result-summary') ?? '', /This workbook is for RGT – .*, not R1H/);
      await page.getByLabel('Organisation key').fill(key);
      await page.getByRole('button', { name: 'Submit action plan' }).click();
      await page.waitForSelector('#key-error:not([hidden])');
      const res = await api('/api/submissions', { method: 'POST', body: new Uint8Array(await workbook('RGT')), headers: { 'Content-Type': XLSX, Authorization: `Bearer ${key}` } });
      assert.equal(res.status, 403);
      const { error } = await res.json() as { error: { message: string } };
      assert.equal(await page.textContent('#key-error'), error.message, "the service's own words, next to the key");
      assert.equal(await page.isHidden('#receipt'), true);
    });

    it('shows a too-large file (413) and too many submissions (429) plainly, keeping what was typed', async () => {
      const strict = await startTestServer({ limits: { maxUploadBytes: 40_000, perKey: 1 } });
      try {
        const key = await strict.issueKey('RGT');
        await page.goto(new URL('/', strict.url).href);
        await page.getByLabel('NHS organisation').fill('RGT');
        await page.setInputFiles('#file', { name: 'big.xlsx', mimeType: XLSX, buffer: Buffer.alloc(60_000, 1) });
        await page.waitForSelector('#file-error:not([hidden])');
        assert.match(await page.textContent('#file-error') ?? '', /larger than/);
        await liveText(page, /could not be checked/);
        await expectNoAxeViolations(page, '/ file too large');

        await page.setInputFiles('#file', { name: 'rgt.xlsx', mimeType: XLSX, buffer: await workbook('RGT') });
        await liveText(page, /^Ready to submit/);
        assert.equal(await page.isHidden('#file-error'), true);
        await page.getByLabel('Organisation key').fill(key);
        await page.getByRole('button', { name: 'Submit action plan' }).click();
        await liveText(page, /Submitted: version 1/);
        await page.getByRole('button', { name: 'Submit action plan' }).click();
        await page.waitForSelector('#key-error:not([hidden])');
        assert.match(await page.textContent('#key-error') ?? '', /Too many requests/);
        assert.equal(await page.inputValue('#key'), key);
        assert.equal(await page.inputValue('#org'), 'RGT');
      } finally {
        await strict.close();
      }
    });

    it('works by keyboard alone: choose the organisation, download the template, check a file, fix it and check again, a wrong key, the error summary, submit, the receipt', async () => {
      const key = await server.issueKey('RXX');
      const good = await workbook('RXX');
      const bad = await workbook('RXX', (c) => { c.header.auditLead = null; });
      // Listen before any key is pressed: Playwright turns on file-chooser interception asynchronously, and turns it
      // off again when the last listener goes: one kept for the whole journey (the page is this test's) keeps it on
      // between the two choosers.
      page.on('filechooser', () => undefined);
      let chooserOpened = page.waitForEvent('filechooser', { timeout: 60_000 });
      await page.goto(new URL('/', server.url).href);
      await page.waitForSelector('#org-list option', { state: 'attached' });
      await tabTo(page, 'org');
      assert.ok(await focusIsVisible(page), 'focus is visible on the organisation field');
      await page.keyboard.type('RXX');
      await tabTo(page, 'template-link', 1);
      assert.ok(await focusIsVisible(page), 'focus is visible on the template link');
      assert.match(await page.getAttribute('#template-link', 'href') ?? '', /org=RXX/);
      const [template] = await Promise.all([page.waitForEvent('download'), page.keyboard.press('Enter')]);
      assert.match(template.suggestedFilename(), /RXX\.xlsx$/);
      await tabTo(page, 'file', 1);
      assert.ok(await focusIsVisible(page), 'focus is visible on the file field');
      await page.keyboard.press('Space');
      await (await chooserOpened).setFiles({ name: 'rxx.xlsx', mimeType: XLSX, buffer: bad });
      await liveText(page, /error/);
      assert.equal(await focusedId(page), 'result-heading');
      assert.ok(await page.locator('#findings li.finding').count() > 0, 'the findings are listed');

      // Fixed and saved: back to the file field (it comes just before the results) and choose it again.
      await page.keyboard.press('Shift+Tab');
      assert.equal(await focusedId(page), 'file');
      chooserOpened = page.waitForEvent('filechooser', { timeout: 60_000 });
      await page.keyboard.press('Space');
      await (await chooserOpened).setFiles({ name: 'rxx.xlsx', mimeType: XLSX, buffer: good });
      await liveText(page, /^Ready to submit/);
      assert.equal(await focusedId(page), 'result-heading');

      // A mistyped key: the error summary takes focus; its link takes focus to the field.
      await tabTo(page, 'key', 3);
      await page.keyboard.type(`${key}x`);
      await tabTo(page, 'submit-button', 1);
      assert.ok(await focusIsVisible(page), 'focus is visible on the button');
      await page.keyboard.press('Enter');
      await page.waitForSelector('#key-error:not([hidden])');
      await page.waitForFunction(() => document.activeElement?.id === 'error-summary');
      assert.ok(await focusIsVisible(page), 'focus is visible on the error summary');
      await page.keyboard.press('Tab');
      assert.equal(await page.evaluate(() => document.activeElement?.closest('#error-summary-list') !== null), true, 'the next Tab reaches the summary\'s link');
      assert.ok(await focusIsVisible(page), 'focus is visible on the summary link');
      await page.keyboard.press('Enter');
      assert.equal(await focusedId(page), 'key', 'the summary link moves focus to the key field');
      await page.keyboard.press('End');
      await page.keyboard.press('Backspace');
      await tabTo(page, 'submit-button', 1);
      await page.keyboard.press('Enter');
      await liveText(page, /Submitted: version 1/);
      assert.equal(await focusedId(page), 'receipt-heading');
      assert.match(await page.textContent('#receipt-details') ?? '', /RXX/);
      await tabTo(page, 'print-receipt', 1);
      await tabTo(page, 'save-receipt', 1);
      const [download] = await Promise.all([page.waitForEvent('download'), page.keyboard.press('Space')]);
      assert.equal(download.suggestedFilename(), 'naome-receipt-RXX-v1.json');
    });
  });

  describe('the admin page /admin', () => {
    const signIn = async (key: string) => {
      await page.goto(new URL('/admin', server.url).href);
      await page.getByLabel('Admin key').fill(key);
      await page.keyboard.press('Enter');
    };

    it('works by keyboard alone: a wrong key and the error summary, sign in, the list, a download', async () => {
      await page.goto(new URL('/admin', server.url).href);
      assert.equal(await focusedId(page), 'admin-key', 'the key field has focus on arrival');
      await page.keyboard.type(`${server.adminKey}x`);
      await page.keyboard.press('Enter');
      await page.waitForFunction(() => document.activeElement?.id === 'error-summary');
      assert.ok(await focusIsVisible(page), 'focus is visible on the error summary');
      await page.keyboard.press('Tab');
      assert.ok(await focusIsVisible(page), 'focus is visible on the summary link');
      await page.keyboard.press('Enter');
      assert.equal(await focusedId(page), 'admin-key', 'the summary link moves focus to the key field');
      await page.keyboard.press('End');
      await page.keyboard.press('Backspace');
      await page.keyboard.press('Enter');
      await page.waitForSelector('#orgs tbody tr');
      assert.equal(await focusedId(page), 'orgs-heading', 'focus moves to the list');
      // The collation downloads come before the list: back to them with Shift+Tab.
      for (let i = 0; i < 6 && await focusedId(page) !== 'download-csv'; i++) await page.keyboard.press('Shift+Tab');
      assert.equal(await focusedId(page), 'download-csv');
      assert.ok(await focusIsVisible(page), 'focus is visible on the download button');
      const [csv] = await Promise.all([page.waitForEvent('download'), page.keyboard.press('Enter')]);
      assert.match(csv.suggestedFilename(), /\.csv$/);
      // Into the list: the filter, then the table's own scrolling box, then its buttons.
      await tabTo(page, 'filter', 8);
      await page.keyboard.type('RGT');
      await page.waitForFunction(() => document.querySelectorAll('#orgs tbody tr').length === 1);
      // Past the review-state filter and the "not yet submitted" box.
      await page.keyboard.press('Tab');
      assert.equal(await focusedId(page), 'review-filter');
      await page.keyboard.press('Tab');
      await page.keyboard.press('Tab');
      assert.equal(await page.evaluate(() => document.activeElement?.classList.contains('table-wrap')), true, 'the table box is reached');
      assert.ok(await focusIsVisible(page), 'focus is visible on the table box');
      await page.keyboard.press('Tab');
      assert.equal(await page.evaluate(() => document.activeElement?.closest('tr[data-code="RGT"]') !== null), true, 'then the row\'s buttons');
      assert.ok(await focusIsVisible(page), 'focus is visible on a row button');
    });

    it('refuses a wrong admin key plainly and keeps nothing', async () => {
      await signIn(`${server.adminKey}x`);
      await page.waitForSelector('#admin-key-error:not([hidden])');
      assert.match(await page.textContent('#admin-key-error') ?? '', /not accepted/);
      assert.equal(await page.isHidden('#admin'), true);
      assert.equal(await page.evaluate(() => sessionStorage.length), 0);
      await liveText(page, /^Not signed in/);
      await expectNoAxeViolations(page, '/admin wrong admin key');
    });

    it('lists the organisations with the submitted one and its version; the key lasts for the tab only', async () => {
      const key = await server.issueKey('RGR');
      // Version 1, then a revised plan as version 2 (the same plan again would store no new version).
      const sent = await workbook('RGR', (c) => { c.header.auditLead = 'Dr Mary Brown'; });
      for (const body of [await workbook('RGR'), sent]) {
        const res = await api('/api/submissions', { method: 'POST', body: new Uint8Array(body), headers: { 'Content-Type': XLSX, Authorization: `Bearer ${key}` } });
        assert.equal(res.status, 201);
      }
      const all = await (await api('/api/admin/organisations', { headers: { Authorization: `Bearer ${server.adminKey}` } })).json() as Array<{ code: string; name: string; region: string; nation: string; latest: unknown }>;
      const missing = all.filter((o) => !o.latest).length;

      await signIn(server.adminKey);
      await liveText(page, /^Signed in/);
      const row = page.locator('tr[data-code="RGR"]');
      assert.match(await row.textContent() ?? '', /Version 2/);
      // The plan comes back rebuilt by the service, under our name; the original as uploaded, byte for byte.
      const [plan] = await Promise.all([page.waitForEvent('download'), row.getByRole('button', { name: 'Download plan of RGR version 2' }).click()]);
      assert.match(plan.suggestedFilename(), /^RGR-v2-\d{8}\.xlsx$/);
      assert.ok(!(await readFile((await plan.path())!)).equals(sent), 'the plan download is rebuilt, not the bytes sent');
      const [file] = await Promise.all([page.waitForEvent('download'), row.getByRole('button', { name: 'Original as uploaded of RGR version 2' }).click()]);
      assert.match(file.suggestedFilename(), /^RGR-v2-\d{8}-original\.xlsx$/);
      assert.ok((await readFile((await file.path())!)).equals(sent), 'the stored file is the one sent');
      assert.match(await page.textContent('#outstanding') ?? '', new RegExp(`^${missing} of ${all.length} organisations have not yet submitted`));
      assert.equal(await page.locator('#orgs tbody tr').count(), all.length);

      await page.getByLabel('Filter').fill('RGR');
      assert.equal(await page.locator('#orgs tbody tr').count(), 1);
      await liveText(page, new RegExp(`^Showing 1 of ${all.length} organisations`));
      await page.getByLabel('Filter').fill('');
      await page.getByLabel('Only those not yet submitted').check();
      assert.equal(await page.locator('#orgs tbody tr').count(), missing);
      await expectNoAxeViolations(page, '/admin list filtered');
      assert.equal(await page.locator('tr[data-code="RGR"]').count(), 0);
      await page.getByLabel('Only those not yet submitted').uncheck();
      await page.getByLabel('Filter').fill('Cambridge');
      const cambridge = all.filter((o) => [o.code, o.name, o.region, o.nation].some((t) => /cambridge/i.test(t))).length;
      assert.equal(await page.locator('#orgs tbody tr').count(), cambridge);
      await screenshot(page, 'page-admin.png', true);

      // Reloading the tab signs in again from sessionStorage; a new tab (new context) starts signed out.
      await page.reload();
      await page.waitForSelector('tr[data-code="RGR"]');
      const other = await (await browser.newContext()).newPage();
      await other.goto(new URL('/admin', server.url).href);
      assert.equal(await other.isVisible('#signin'), true);
      await other.context().close();
    });

    it('issues a key shown once that works over HTTP, and revokes it so it fails with 401', async () => {
      await signIn(server.adminKey);
      await page.waitForSelector('tr[data-code="RTH"]');
      await page.locator('tr[data-code="RTH"]').getByRole('button', { name: /key for RTH/ }).click();
      await liveText(page, /Key issued for RTH/);
      assert.equal(await focusedId(page), 'new-key-heading');
      assert.match(await page.textContent('#new-key') ?? '', /shown only once/);
      const key = await page.inputValue('#new-key-value');
      assert.ok(key.length >= 20, 'a long key');
      assert.equal(await page.getByRole('textbox', { name: 'Key for RTH' }).inputValue(), key);
      await expectNoAxeViolations(page, '/admin key issued and shown');
      await screenshot(page, 'page-admin-key.png');

      const submit = () => workbook('RTH').then((body) =>
        api('/api/submissions', { method: 'POST', body: new Uint8Array(body), headers: { 'Content-Type': XLSX, Authorization: `Bearer ${key}` } }));
      const accepted = await submit();
      assert.equal(accepted.status, 201);
      assert.equal((await accepted.json()).version, 1);

      await page.getByRole('button', { name: 'Done – hide the key' }).click();
      assert.equal(await page.isHidden('#new-key'), true);
      assert.ok(!(await page.content()).includes(key), 'the key is gone from the page');

      page.once('dialog', (d) => d.accept());
      await page.locator('tr[data-code="RTH"]').getByRole('button', { name: /Revoke key of RTH/ }).click();
      await liveText(page, /Key revoked for RTH/);
      assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Issue key for RTH', 'focus stays in the row');
      assert.match(await page.locator('tr[data-code="RTH"]').textContent() ?? '', /None/);
      assert.equal((await submit()).status, 401);
    });

    it('downloads the collation workbook and CSV with the submitted actions', async () => {
      const key = await server.issueKey('RJ1');
      const marker = 'Audit the RJ1 MDT proforma each month and report completeness to the clinical governance group';
      const res = await api('/api/submissions', {
        method: 'POST',
        body: new Uint8Array(await workbook('RJ1', (c) => { c.actions[0]!.action = marker; })),
        headers: { 'Content-Type': XLSX, Authorization: `Bearer ${key}` },
      });
      assert.equal(res.status, 201);

      await signIn(server.adminKey);
      await page.waitForSelector('tr[data-code="RJ1"]');
      const [xlsx] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: /workbook \(\.xlsx\)/ }).click()]);
      assert.match(xlsx.suggestedFilename(), /\.xlsx$/);
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.load(await readFile((await xlsx.path())!) as unknown as ArrayBuffer);
      const actions = wb.getWorksheet('Actions');
      assert.ok(actions, 'the collation has an Actions sheet');
      const rows: unknown[][] = [];
      actions.eachRow((r) => rows.push((r.values as unknown[]).slice(1)));
      assert.ok(rows.some((r) => r[0] === 'RJ1' && r.includes(marker)), 'an Actions row of the RJ1 submission');

      const [csv] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: /actions \(\.csv\)/ }).click()]);
      assert.match(csv.suggestedFilename(), /\.csv$/);
      const text = await readFile((await csv.path())!, 'utf8');
      assert.ok(text.split(/\r?\n/).some((line) => line.startsWith('RJ1,') && line.includes(marker)), 'a CSV line of the RJ1 submission');
    });

    it('replaces the organisations list from a CSV file', async () => {
      const csv = `${await readFile(new URL('../seeds/organisations.csv', import.meta.url), 'utf8')}ZZ901,Test Hospital NHS Trust,England,London\n`;
      await signIn(server.adminKey);
      await page.waitForSelector('#orgs tbody tr');
      assert.equal(await page.locator('tr[data-code="ZZ901"]').count(), 0);
      await page.getByLabel('Organisations CSV').setInputFiles({ name: 'orgs.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
      page.once('dialog', (d) => d.accept());
      await page.getByRole('button', { name: 'Replace the list' }).click();
      await liveText(page, /Organisations list replaced: 201 organisations/);
      assert.equal(await page.locator('tr[data-code="ZZ901"]').count(), 1);

      // A bad CSV is refused with the service's reason next to the field.
      await page.getByLabel('Organisations CSV').setInputFiles({ name: 'bad.csv', mimeType: 'text/csv', buffer: Buffer.from('code,title\nX,Y\n') });
      page.once('dialog', (d) => d.accept());
      await page.getByRole('button', { name: 'Replace the list' }).click();
      await page.waitForSelector('#orgs-csv-error:not([hidden])');
      assert.match(await page.textContent('#orgs-csv-error') ?? '', /\S/);
      await expectNoAxeViolations(page, '/admin organisations CSV refused');
      assert.equal(await page.locator('tr[data-code="ZZ901"]').count(), 1, 'the list is unchanged');
    });
  });
});
