// The plan workbook as other applications see it: openpyxl reads what our exceljs writer wrote, LibreOffice converts
// it, and the `naome template` command line writes it (or refuses to).
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { main } from '../cli/main';
import { serialToIso } from '../shared/cells';
import { ACTION_COLUMNS, DATE_FORMAT, NUMBER_COLUMN, DEADLINE_RANGE, LISTS_SHEET, MORE_ACTIONS, PLAN_SHEET, a1, columnOf, definedNames, planLayout, type PlanLayout } from '../shared/layout';
import { organisationLabel } from '../shared/organisations';
import { currentTemplate, type Template } from '../shared/template';
import { parseTemplate } from '../shared/templateSchema';
import { loadOrganisations } from '../server/organisations';
import { writePlanWorkbook } from '../server/xlsx/writePlanWorkbook';
import { dateFromToday, fillWorkbook, goodPlanContent } from './helpers/plans';
import { cellsOf, listValues, openpyxlSees, sheetSeen, type SeenWorkbook } from './helpers/openpyxl';

const run = promisify(execFile);

/** Pixels of one colour (±6 per channel) in a binary PPM (P6) image, as pdftoppm writes by default. */
function countColour(ppm: Buffer, [r, g, b]: [number, number, number]): number {
  const header = ppm.subarray(0, 64).toString('latin1').match(/^P6\s+(\d+)\s+(\d+)\s+(\d+)\s/);
  assert.ok(header, 'a P6 image');
  let n = 0;
  for (let i = header[0].length; i + 2 < ppm.length; i += 3) {
    if (Math.abs(ppm[i]! - r) <= 6 && Math.abs(ppm[i + 1]! - g) <= 6 && Math.abs(ppm[i + 2]! - b) <= 6) n++;
  }
  return n;
}
const organisations = loadOrganisations();
const secondAudit = parseTemplate(JSON.parse(readFileSync(new URL('./fixtures/second-audit.json', import.meta.url), 'utf8')));
/** The command line in this process (what bin/naome.js runs), its output captured. */
async function cli(args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  const [log, error] = [console.log, console.error];
  let stdout = '';
  let stderr = '';
  console.log = (...a: unknown[]) => { stdout += `${a.join(' ')}\n`; };
  console.error = (...a: unknown[]) => { stderr += `${a.join(' ')}\n`; };
  try {
    return { status: await main(args), stdout, stderr };
  } finally {
    [console.log, console.error] = [log, error];
  }
}
const naome = (args: string[], cwd: string) =>
  spawnSync(process.execPath, [new URL('../bin/naome.js', import.meta.url).pathname, ...args], { cwd, encoding: 'utf8' });

/** The rows of a recommendation's input block. */
const blockRows = (layout: PlanLayout) => layout.recommendations.flatMap((rec) =>
  Array.from({ length: rec.lastActionRow - rec.firstActionRow + 1 }, (_, i) => rec.firstActionRow + i));

/** The validations whose ranges cover a cell. */
const validationsAt = (wb: SeenWorkbook, cell: string) =>
  sheetSeen(wb, PLAN_SHEET).validations.filter((v) => cellsOf(v.sqref).includes(cell));

/** Values a cell's single list validation offers; fails unless the cell has exactly one stop-style list. */
function dropdownAt(wb: SeenWorkbook, cell: string): string[] {
  const vs = validationsAt(wb, cell);
  assert.equal(vs.length, 1, `${cell}: expected one validation, found ${vs.length}`);
  const v = vs[0]!;
  assert.equal(v.type, 'list', `${cell}: validation type`);
  assert.equal(v.showErrorMessage, true, `${cell}: error alert on`);
  assert.equal(v.errorStyle ?? 'stop', 'stop', `${cell}: error style`);
  return listValues(wb, v.formula1!);
}

/** The checks every plan workbook must pass, whatever its template. */
function checkDropdownsAndDates(wb: SeenWorkbook, template: Template, layout: PlanLayout) {
  const statusValues = template.statusKey.entries.map((e) => `${e.code}. ${e.label}`);
  const priorityValues = template.priorityKey.entries.map((e) => e.label);
  const rows = blockRows(layout);
  assert.equal(rows.length, template.recommendations.length * 15);
  for (const r of rows) {
    assert.deepEqual(dropdownAt(wb, a1(columnOf('status'), r)), statusValues, `status dropdown in row ${r}`);
    assert.deepEqual(dropdownAt(wb, a1(columnOf('priority'), r)), priorityValues, `priority dropdown in row ${r}`);
    const dates = validationsAt(wb, a1(columnOf('deadline'), r));
    assert.equal(dates.length, 1, `deadline validation in row ${r}`);
    const d = dates[0]!;
    assert.equal(d.type, 'date');
    assert.equal(d.operator ?? 'between', 'between');
    assert.equal(serialToIso(Number(d.formula1)), DEADLINE_RANGE.from);
    assert.equal(serialToIso(Number(d.formula2)), DEADLINE_RANGE.to);
    assert.equal(d.showErrorMessage, true);
    assert.equal(d.errorStyle ?? 'stop', 'stop');
  }
}

describe('plan workbook: what openpyxl sees', function () {
  let dir: string;
  let path: string;
  let seen: SeenWorkbook;
  const layout = planLayout(currentTemplate, organisations.map(organisationLabel));

  before(async function () {
    dir = mkdtempSync(join(tmpdir(), 'naome-wb-'));
    path = join(dir, 'blank.xlsx');
    writeFileSync(path, await writePlanWorkbook({ organisations }));
    seen = openpyxlSees(path);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('puts the plan sheet first, visible and active, "More actions" second, and the lists sheet hidden and protected', function () {
    assert.deepEqual(seen.sheets.map((s) => [s.name, s.state]), [[PLAN_SHEET, 'visible'], [MORE_ACTIONS.sheet, 'visible'], [LISTS_SHEET, 'hidden']]);
    assert.equal(seen.active, 0);
    assert.equal(sheetSeen(seen, LISTS_SHEET).protected, true);
  });

  it('offers exactly the Key 1 values on every status cell, the Key 2 values on every priority cell, and a date check on every deadline cell', function () {
    checkDropdownsAndDates(seen, currentTemplate, layout);
    // Named as the form names them, the 5 statuses and 3 priorities.
    assert.deepEqual(dropdownAt(seen, a1('E', layout.recommendations[0]!.firstActionRow)), [
      '1. Awaiting plan of action', '2. Action in progress', '3. Action fully implemented',
      '4. No plan to action recommendation (state reason)', '5. Other (provide information)',
    ]);
    assert.deepEqual(dropdownAt(seen, a1('F', layout.recommendations[4]!.lastActionRow)), ['High', 'Medium', 'Low']);
  });

  it('gives every validation a plain-English prompt and error message, and puts none outside the input blocks', function () {
    const plan = sheetSeen(seen, PLAN_SHEET);
    for (const v of plan.validations) {
      assert.ok(v.prompt && v.promptTitle && v.error && v.errorTitle, `messages of ${v.sqref}`);
      assert.ok(v.promptTitle!.length <= 32 && v.prompt!.length <= 255 && v.error!.length <= 225, `Excel length limits of ${v.sqref}`);
      assert.equal(v.showInputMessage, true);
    }
    const deadline = validationsAt(seen, a1('D', layout.recommendations[0]!.firstActionRow))[0]!;
    assert.match(deadline.prompt!, /dd\/mm\/yyyy/);
    const status = validationsAt(seen, a1('E', layout.recommendations[0]!.firstActionRow))[0]!;
    assert.match(status.prompt!, /Choose 1–5 from Key 1/);
    const allowed = new Set([layout.header.find((h) => h.kind === 'organisation')!.cell,
      ...blockRows(layout).flatMap((r) => ['D', 'E', 'F'].map((c) => a1(c, r)))]);
    const covered = plan.validations.flatMap((v) => cellsOf(v.sqref));
    assert.ok(covered.every((c) => allowed.has(c)), `validated cells outside the inputs: ${covered.filter((c) => !allowed.has(c)).join(' ')}`);
  });

  it('offers every organisation as "CODE – Name" in the organisation cell', function () {
    const orgCell = layout.header.find((h) => h.kind === 'organisation')!.cell;
    const values = dropdownAt(seen, orgCell);
    assert.equal(values.length, organisations.length);
    assert.ok(values.includes('RGT – Cambridge University Hospitals NHS Foundation Trust'));
  });

  it('protects the plan sheet with exactly the input cells unlocked', function () {
    const plan = sheetSeen(seen, PLAN_SHEET);
    assert.equal(plan.protected, true);
    assert.equal(plan.formatColumns, true, 'people may widen columns');
    assert.equal(plan.formatRows, true, 'people may make rows taller');
    const expected = [
      ...layout.header.map((h) => h.cell),
      ...blockRows(layout).flatMap((r) => ACTION_COLUMNS.map((c) => a1(c.col, r))),
    ].sort();
    assert.deepEqual([...plan.unlocked].sort(), expected);
    // Header input cells are merged C:E; the cells merged over carry the same unlocked format.
    for (const c of plan.mergedOver) assert.ok(layout.header.some((h) => h.cell.slice(1) === c.slice(1)), `${c} unlocked`);
    // The number, official text and headings are locked.
    for (const o of layout.official) assert.ok(!plan.unlocked.includes(o.cell), `${o.cell} locked`);
  });

  it('carries the defined names for the header fields, the action blocks, the lists and the template', function () {
    const unquote = (ref: string) => ref.replace(/'/g, '');
    const expected = Object.fromEntries(definedNames(layout).map((n) => [n.name, unquote(n.ref)]));
    assert.deepEqual(Object.fromEntries(Object.entries(seen.names).map(([k, v]) => [k, unquote(v)])), expected);
    // Each header name points at the input cell beside its label, as a person reading the sheet would find it.
    const plan = sheetSeen(seen, PLAN_SHEET);
    for (const f of currentTemplate.headerFields) {
      const name = `NAOME_${f.id.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase()}`;
      const cell = seen.names[name]!.replace(/.*!/, '').replace(/\$/g, '');
      assert.equal(plan.cells[`B${cell.slice(1)}`], f.label, name);
    }
    assert.equal(seen.names.NAOME_ACTIONS_R1, `'${PLAN_SHEET}'!$A$${layout.recommendations[0]!.firstActionRow}:$H$${layout.recommendations[0]!.firstActionRow + 14}`);
  });

  it('stores the template id and version as plain cells on the lists sheet, named', function () {
    const lists = sheetSeen(seen, LISTS_SHEET);
    assert.equal(lists.cells.B1, 'naome-2025');
    assert.equal(lists.cells.B2, 1);
    assert.deepEqual(listValues(seen, 'NAOME_TEMPLATE_ID'), ['naome-2025']);
    assert.deepEqual(listValues(seen, 'NAOME_TEMPLATE_VERSION'), ['1']);
  });

  it('holds the official text exactly as the template defines it', function () {
    const plan = sheetSeen(seen, PLAN_SHEET);
    const t = currentTemplate;
    const texts = Object.values(plan.cells).map(String);
    assert.equal(plan.cells.A1, t.title);
    for (const rec of t.recommendations) {
      const r = layout.recommendations.find((x) => x.number === rec.number)!;
      assert.equal(plan.cells[r.textCell], rec.text, `recommendation ${rec.number}`);
      const suggested = String(plan.cells[r.suggestedCell]);
      assert.equal(suggested, ['Suggested actions:', ...rec.suggestedActions.map((a) => `• ${a}`)].join('\n'));
      assert.equal(plan.cells[`A${Number(r.textCell.slice(1))}`], rec.number);
      for (let row = r.firstActionRow; row <= r.lastActionRow; row++) assert.equal(plan.cells[`A${row}`], rec.number);
    }
    for (const line of [t.smart, ...t.notes, t.feedback, t.contact, t.instruction]) assert.ok(texts.includes(line), line);
    for (const g of t.groups) assert.ok(texts.includes(g.title), g.title);
    for (const e of t.statusKey.entries) assert.ok(texts.includes(`${e.code}. ${e.label}`));
    for (const e of t.priorityKey.entries) assert.ok(texts.includes(`${e.label}: ${e.meaning}`));
  });

  it('formats deadlines as dd/mm/yyyy and highlights a passed deadline whose status is not 3', function () {
    const plan = sheetSeen(seen, PLAN_SHEET);
    const deadlines = blockRows(layout).map((r) => a1('D', r));
    for (const c of deadlines) assert.equal(plan.numberFormats[c], DATE_FORMAT, c);
    const covered = plan.conditional.flatMap((cf) => cellsOf(cf.sqref));
    assert.deepEqual(covered.sort(), [...deadlines].sort());
    for (const cf of plan.conditional) {
      const first = cellsOf(cf.sqref)[0]!;
      const status = `E${first.slice(1)}`;
      assert.ok(cf.formulas[0]!.includes(`${first}<TODAY()`), cf.formulas[0]);
      assert.ok(cf.formulas[0]!.includes(`LEFT(TRIM(${status}),1)<>"3"`), cf.formulas[0]);
      assert.ok(cf.fill, 'a fill');
    }
  });

  it('is set to print on A4 landscape, one page wide, with the column headings repeated', function () {
    const p = sheetSeen(seen, PLAN_SHEET).print;
    assert.equal(p.orientation, 'landscape');
    assert.equal(p.paperSize, '9');
    assert.equal(p.fitToPage, true);
    assert.equal(p.fitToWidth, 1);
    assert.equal(p.fitToHeight, 0);
    assert.equal(p.titleRows, `$${layout.columnsRow}:$${layout.columnsRow}`);
  });
});

describe('plan workbook: a second audit\'s template builds with no code change', function () {
  let dir: string;
  let seen: SeenWorkbook;
  const layout = planLayout(secondAudit, organisations.map(organisationLabel));

  before(async function () {
    dir = mkdtempSync(join(tmpdir(), 'naome-wb2-'));
    // Through the command line, as an audit team would: only a JSON file changes.
    const fixture = new URL('./fixtures/second-audit.json', import.meta.url).pathname;
    const res = naome(['template', '--template', fixture, '--org', 'RGT'], dir);
    assert.equal(res.status, 0, res.stderr);
    assert.ok(existsSync(join(dir, 'nabcop-action-plan-2026-RGT.xlsx')), readdirSync(dir).join(', '));
    seen = openpyxlSees(join(dir, 'nabcop-action-plan-2026-RGT.xlsx'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('has 3 recommendation blocks with the 4-code status key and the 2 priorities on every row', function () {
    assert.equal(layout.recommendations.length, 3);
    checkDropdownsAndDates(seen, secondAudit, layout);
    assert.deepEqual(dropdownAt(seen, a1('E', layout.recommendations[2]!.lastActionRow)),
      ['1. Not started', '2. Started', '3. Blocked (explain why)', '4. Completed']);
    assert.deepEqual(dropdownAt(seen, a1('F', layout.recommendations[0]!.firstActionRow)), ['Urgent', 'Routine']);
    // Nothing below the last block takes input.
    const plan = sheetSeen(seen, PLAN_SHEET);
    const lastInputRow = Math.max(...plan.unlocked.map((c) => Number(c.replace(/^[A-Z]+/, ''))));
    assert.equal(lastInputRow, layout.recommendations[2]!.lastActionRow);
  });

  it('holds its official text, group headings, header fields and identity', function () {
    const plan = sheetSeen(seen, PLAN_SHEET);
    const texts = Object.values(plan.cells).map(String);
    for (const rec of secondAudit.recommendations) {
      const r = layout.recommendations.find((x) => x.number === rec.number)!;
      assert.equal(plan.cells[r.textCell], rec.text);
      for (const a of rec.suggestedActions) assert.ok(String(plan.cells[r.suggestedCell]).includes(a));
    }
    assert.ok(texts.includes('Recommendations on care') && texts.includes('Recommendations on data'));
    for (const f of secondAudit.headerFields) assert.ok(texts.includes(f.label), f.label);
    assert.ok(seen.names.NAOME_QUALITY_MANAGER && seen.names.NAOME_CLINICAL_LEAD);
    assert.equal(seen.names.NAOME_ACTIONS_R4, undefined);
    const org = layout.header.find((h) => h.kind === 'organisation')!;
    assert.equal(plan.cells[org.cell], 'RGT – Cambridge University Hospitals NHS Foundation Trust');
    const lists = sheetSeen(seen, LISTS_SHEET);
    assert.deepEqual([lists.cells.B1, lists.cells.B2], ['nabcop-2026', 3]);
  });

  it('highlights overdue deadlines unless the status is its own implemented code (4)', function () {
    const plan = sheetSeen(seen, PLAN_SHEET);
    assert.equal(plan.conditional.length, 3);
    for (const cf of plan.conditional) assert.match(cf.formulas[0]!, /<>"4"\)$/);
  });
});

describe('naome template (command line)', function () {
  let dir: string;
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'naome-cli-')); });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes the blank workbook under its default name and says where (a real `naome` process)', function () {
    const res = naome(['template'], dir);
    assert.equal(res.status, 0, res.stderr);
    const file = join(dir, 'naome-action-plan-2025.xlsx');
    assert.ok(res.stdout.includes(file), res.stdout);
    const seen = openpyxlSees(file);
    const org = planLayout(currentTemplate, []).header.find((h) => h.kind === 'organisation')!;
    assert.equal(sheetSeen(seen, PLAN_SHEET).cells[org.cell], undefined);
  });

  it('pre-fills the organisation with --org, as the dropdown shows it', async function () {
    const res = await cli(['template', '-o', join(dir, 'plan.xlsx'), '--org', 'rgt']);
    assert.equal(res.status, 0, res.stderr);
    const seen = openpyxlSees(join(dir, 'plan.xlsx'));
    const rgt = organisations.find((o) => o.code === 'RGT')!;
    assert.equal(sheetSeen(seen, PLAN_SHEET).cells.C5, `RGT – ${rgt.name}`);
    assert.deepEqual(listValues(seen, 'NAOME_ORGANISATION'), [`RGT – ${rgt.name}`]);
    assert.ok(dropdownAt(seen, 'C5').includes(`RGT – ${rgt.name}`));
  });

  it('refuses an unknown organisation code: exit 2, a message naming it, no file', async function () {
    const res = await cli(['template', '-o', join(dir, 'plan.xlsx'), '--org', 'XYZ99']);
    assert.equal(res.status, 2);
    assert.match(res.stderr, /Unknown organisation code XYZ99/);
    assert.deepEqual(readdirSync(dir), []);
    const empty = await cli(['template', '-o', join(dir, 'plan.xlsx'), '--org', ' ']);
    assert.equal(empty.status, 2);
    assert.match(empty.stderr, /--org needs an ODS code/);
    assert.deepEqual(readdirSync(dir), []);
  });

  it('refuses a broken template file and a misused command line with exit 2', async function () {
    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ ...secondAudit, recommendations: [] }));
    const bad = await cli(['template', '--template', join(dir, 'bad.json'), '-o', join(dir, 'x.xlsx')]);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /bad\.json: Invalid template:\n\s+recommendations:/);
    const wrong = await cli(['template', '--colour', 'red']);
    assert.equal(wrong.status, 2);
    assert.match(wrong.stderr, /Usage: naome template/);
    assert.ok(!existsSync(join(dir, 'x.xlsx')));
  });

  it('explains itself with --help', async function () {
    const res = await cli(['template', '--help']);
    assert.equal(res.status, 0);
    assert.match(res.stdout, /--org ODS_CODE/);
    assert.match(res.stdout, /-o, --output FILE/);
  });
});

// What poppler makes of a PDF, for checking the printed copy.
interface Word { text: string; xMin: number; yMin: number; xMax: number; yMax: number }

/** Words of page 1 with their boxes in PDF points (pdftotext -bbox). */
async function wordsOf(pdf: string): Promise<Word[]> {
  const { stdout } = await run('pdftotext', ['-bbox', '-f', '1', '-l', '1', pdf, '-'], { maxBuffer: 64 << 20 });
  return [...stdout.matchAll(/<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)<\/word>/g)]
    .map((m) => ({ xMin: +m[1]!, yMin: +m[2]!, xMax: +m[3]!, yMax: +m[4]!, text: m[5]!.replaceAll('&amp;', '&') }));
}

/** Page 1 rendered at 72 dpi (one pixel per PDF point) as RGB pixels (pdftoppm's binary PPM). */
async function pixelsOf(pdf: string, dir: string): Promise<{ width: number; height: number; at(x: number, y: number): [number, number, number] }> {
  await run('pdftoppm', ['-r', '72', '-f', '1', '-l', '1', '-singlefile', pdf, join(dir, 'page')]);
  const ppm = readFileSync(join(dir, 'page.ppm'));
  const header = /^P6\s+(\d+)\s+(\d+)\s+255\s/.exec(ppm.subarray(0, 40).toString('latin1'));
  assert.ok(header, 'a binary PPM');
  const [width, height, offset] = [+header[1]!, +header[2]!, header[0].length];
  return {
    width, height,
    at: (x, y) => {
      const i = offset + (Math.round(y) * width + Math.round(x)) * 3;
      return [ppm[i]!, ppm[i + 1]!, ppm[i + 2]!];
    },
  };
}

describe('plan workbook: LibreOffice converts it to .xlsx and PDF', function () {
  this.timeout(180000);
  let dir: string;
  const layout = planLayout(currentTemplate, organisations.map(organisationLabel));
  /** Converts files with one LibreOffice start (its own profile, so parallel runs do not clash); returns the outputs. */
  const soffice = async (to: string, outDir: string, files: string[]) => {
    const profile = mkdtempSync(join(tmpdir(), 'lo-profile-'));
    try {
      await run('soffice', ['--headless', `-env:UserInstallation=file://${profile}`, '--convert-to', to, '--outdir', outDir, ...files], { timeout: 150000 });
    } finally {
      rmSync(profile, { recursive: true, force: true });
    }
    return files.map((f) => {
      const out = join(outDir, basename(f).replace(/\.xlsx$/, `.${to}`));
      assert.ok(existsSync(out), `LibreOffice wrote no ${out}`);
      return out;
    });
  };
  /** A plan with one action 10 days overdue, in progress or implemented. */
  const overdue = async (status: string) => {
    const content = goodPlanContent('RGT');
    content.actions.push({ recommendation: 1, action: 'Overdue action for the highlight check', deadline: dateFromToday(-10), status, priority: 'Low' });
    return fillWorkbook(await writePlanWorkbook({ organisations }), content);
  };
  const files = { blank: '', late: '', done: '' };
  const pdfs = { blank: '', late: '', done: '' };

  before(async function () {
    dir = mkdtempSync(join(tmpdir(), 'naome-lo-'));
    files.blank = join(dir, 'plan.xlsx');
    files.late = join(dir, 'late.xlsx');
    files.done = join(dir, 'done.xlsx');
    writeFileSync(files.blank, await writePlanWorkbook({ organisations, organisation: 'RGT' }));
    writeFileSync(files.late, await overdue('2. Action in progress'));
    writeFileSync(files.done, await overdue('3. Action fully implemented'));
    [pdfs.blank, pdfs.late, pdfs.done] = await soffice('pdf', join(dir, 'pdf'), [files.blank, files.late, files.done]);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps the dropdowns, date checks, names, protection and template identity through a LibreOffice .xlsx', async function () {
    const [out] = await soffice('xlsx', join(dir, 'converted'), [files.blank]);
    const seen = openpyxlSees(out!);
    checkDropdownsAndDates(seen, currentTemplate, layout);
    const lists = sheetSeen(seen, LISTS_SHEET);
    assert.deepEqual([lists.cells.B1, lists.cells.B2], ['naome-2025', 1]);
    assert.equal(seen.sheets[0]!.name, PLAN_SHEET);
    assert.equal(seen.sheets[0]!.state, 'visible');
    assert.equal(lists.state, 'hidden');
    assert.equal(sheetSeen(seen, PLAN_SHEET).protected, true);
    for (const n of definedNames(layout)) assert.ok(seen.names[n.name], `name ${n.name} kept`);
    assert.equal(sheetSeen(seen, PLAN_SHEET).cells.C5, 'RGT – Cambridge University Hospitals NHS Foundation Trust');
  });

  it('shows a passed deadline in red on paper unless the status is 3 (the conditional format, as LibreOffice applies it)', async function () {
    const pinkPixels = async (pdf: string) => {
      const prefix = pdf.replace(/\.pdf$/, '-page');
      await run('pdftoppm', ['-r', '40', '-f', '1', '-l', '1', '-singlefile', pdf, prefix]);
      return countColour(readFileSync(`${prefix}.ppm`), [0xf8, 0xd7, 0xda]);
    };
    const late = await pinkPixels(pdfs.late);
    assert.ok(late > 100, `an overdue action in progress is highlighted (${late} pink pixels)`);
    assert.equal(await pinkPixels(pdfs.done), 0, 'an implemented action is not');
  });

  it('prints to PDF on A4 landscape, one recommendation per page after the first, "More actions" after them, and renders its first page', async function () {
    const info = await run('pdfinfo', [pdfs.blank]);
    const pages = Number(info.stdout.match(/Pages:\s+(\d+)/)![1]);
    // The plan sheet's pages, then the "More actions" sheet's (LibreOffice prints every visible sheet).
    const all = (await run('pdftotext', ['-layout', pdfs.blank, '-'])).stdout.split('\f').filter((p) => p.trim());
    const firstMore = all.findIndex((p) => /More actions: use these rows only/.test(p));
    assert.equal(firstMore, currentTemplate.recommendations.length, 'the plan sheet prints on one page per recommendation');
    assert.equal(all.length, pages);
    for (const page of all.slice(firstMore)) assert.match(page, /Recommendation[\s\S]*Responsible individual/, '"More actions" headings repeated on each of its pages');
    assert.match(info.stdout, /Page size:\s+841\.\d+ x 59[45]\.\d+ pts \(A4\)/, 'A4 landscape');
    await run('pdftoppm', ['-png', '-r', '60', '-f', '1', '-l', '1', '-singlefile', pdfs.blank, join(dir, 'page1')]);
    assert.ok(statSync(join(dir, 'page1.png')).size > 5000);
    // The first page carries the title and the first recommendation; each later one starts with its recommendation.
    const text = (await run('pdftotext', ['-layout', pdfs.blank, '-'])).stdout.split('\f');
    assert.match(text[0]!, /Local Action Plan for adoption of NAoMe/);
    assert.match(text[0]!, /Ensure the care for all people newly diagnosed/);
    assert.match(text[1]!, /Examine rates of treatment with CDK4\/6/);
    assert.match(text[4]!, /Confirm breast MDTs have a data lead/);
    for (const page of text.filter((p) => p.trim())) assert.match(page, /Action required \(local action\)/, 'headings repeated');
    // The "More actions" sheet survives LibreOffice's .xlsx too (test/more-actions.test.ts checks its dropdowns).
  });

  // Printed with the DejaVu fonts of this machine (wider than Excel's Calibri), rendered with poppler: each word of
  // every column heading sits inside the heading row's dark blue fill, none cut off by the row's height.
  it('prints every column heading whole: each word inside the heading row, none clipped by its height', async () => {
    const words = await wordsOf(pdfs.blank);
    const page = await pixelsOf(pdfs.blank, dir);
    // The heading fill is NHS dark blue (003087); a word clipped by the row shows outside it (white page or a cell).
    const inFill = (x: number, y: number) => { const [r, g, b] = page.at(x, y); return b > 90 && r < 70 && g < 90; };

    // The heading row is where "No." (column A's heading, one line) is printed; every heading starts near its height.
    const row = words.find((w) => w.text === NUMBER_COLUMN.header);
    assert.ok(row, 'the headings are printed');
    let checked = 0;
    for (const { header } of [NUMBER_COLUMN, ...ACTION_COLUMNS]) {
      // The heading's words, each found on the page near the first (pdftotext gives each word its own box; a wrapped
      // heading's lines are interleaved with its neighbours' in reading order).
      const parts = header.split(/\s+/);
      const found = words.filter((w) => w.text === parts[0] && Math.abs(w.yMin - row.yMin) < 30).map((start) => {
        const near = (w: Word) => Math.abs(w.xMin - start.xMin) < 120 && w.yMin >= start.yMin - 1 && w.yMin < start.yMin + 60;
        const rest = parts.slice(1).map((p) => words.find((w) => w.text === p && near(w)));
        return rest.every(Boolean) ? [start, ...(rest as Word[])] : null;
      }).find(Boolean);
      assert.ok(found, `the heading "${header}" is printed whole (words: ${parts.join(' | ')})`);
      for (const w of found) {
        // Beside the word (the cell's padding or the space after it; one side may be the cell's border), at its top
        // and at its bottom: the row's fill, so the whole height of the word is inside the row.
        for (const y of [w.yMin + 0.5, w.yMax - 0.5]) {
          const beside = [w.xMin - 1, w.xMin - 2, w.xMax + 1, w.xMax + 2];
          assert.ok(beside.some((x) => inFill(x, y)), `"${w.text}" of the heading "${header}" is inside the heading row at y=${y.toFixed(1)} (pixels ${beside.map((x) => page.at(x, y).join(',')).join(' ')})`);
        }
        checked++;
      }
    }
    assert.ok(checked >= 20, `${checked} heading words checked`);
  });
});
