// The "More actions" sheet (issue 8): written by both writers from one spec, filled by openpyxl and LibreOffice, read
// and collated by the command line and the service like the plan sheet's rows, and read by the add-in's Check
// (office-addin-mock loaded from the same file) exactly as by the file reader. Also: a stored plan with more actions
// than a block holds rebuilt for download; rows inserted below the last block; a workbook whose structure cannot be
// resolved; "Errors in row" for rows off the plan sheet; the add-in's Submit carrying reading's formula findings.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { addDays, isoToSerial, todayIso } from '../shared/cells';
import { MORE_ACTIONS, PLAN_SHEET, a1, definedNames, planLayout } from '../shared/layout';
import { organisationLabel } from '../shared/organisations';
import type { Plan } from '../shared/plan';
import { currentTemplate } from '../shared/template';
import { fixedPlacesOf } from '../shared/locate';
import { parseCell } from '../shared/a1';
import { STYLES, listsSheetCells, moreActionsValidations, sheetSpecs } from '../shared/workbookSpec';
import { createPlan } from '../addin/src/createPlan';
import { setServiceOrigin, submitPlan } from '../addin/src/service';
import { submitOpenWorkbook } from '../addin/src/submit';
import { ExcelWorkbookModel, cellsOf as mockCells, formatOf } from '../addin/mock/excelMock';
import { openXlsx } from '../addin/mock/fromXlsx';
import { Collator } from '../server/collate/collator';
import { actionsTable } from '../server/collate/tables';
import { loadOrganisations } from '../server/organisations';
import { checkWorkbook, type CheckOutcome } from '../server/xlsx/checkWorkbook';
import { writePlanWorkbook } from '../server/xlsx/writePlanWorkbook';
import { PYTHON, fillWithOpenpyxl } from './helpers/apps';
import { editWithLibreOffice, type Edit } from './helpers/libreofficeEdits';
import { cellsOf as sqrefCells, listValues, openpyxlSees, sheetSeen } from './helpers/openpyxl';
import { dateFromToday, fillWorkbook, goodPlanContent, type CellInput, type PlanContent } from './helpers/plans';
import { call, startTestServer, type TestServer } from './helpers/server';
import { parseCsv } from './helpers/csv';
import { assertSameInAddin, readBoth, type BothReads } from './helpers/readBoth';

const run = promisify(execFile);
const organisations = loadOrganisations();
const layout = planLayout(currentTemplate, organisations.map(organisationLabel));
const today = todayIso();
const P = PLAN_SHEET;
const M = MORE_ACTIONS.sheet;
const rec2 = layout.recommendations[1]!;
const rec5 = layout.recommendations[4]!;
/** The first row below the last block: where Excel or LibreOffice puts a row inserted under it. */
const BELOW = rec5.lastActionRow + 1;

/** A good action's fields as typed into columns B–H (the deadline a date). */
const actionFields = (n: number): Record<string, CellInput> => ({
  B: `Extra step ${n}: audit the MDT outcome letters for every new metastatic referral and report monthly`,
  C: 'Dr Leah Morgan', D: dateFromToday(150 + n), E: '2. Action in progress', F: 'Medium',
  H: 'First audit cycle booked for next month',
});
/** The plan with 15 actions for recommendation 2 on the plan sheet (one of them the good plan's). */
function fifteenForRec2(org: string): PlanContent {
  const good = goodPlanContent(org);
  const extra = Array.from({ length: 14 }, (_, i) => ({
    recommendation: 2, index: i + 1, action: `Step ${i + 2} of the recommendation 2 work: review each case at the weekly MDT meeting`,
    responsible: 'Dr Tom Evans', deadline: dateFromToday(100 + i), status: '1. Awaiting plan of action', priority: 'Low',
  }));
  return { ...good, actions: [...good.actions, ...extra] };
}
/** "More actions" rows as cells: number in A (null: left empty), the fields in B–H. */
const moreCells = (rows: Array<{ row: number; number: CellInput }>) => rows.flatMap(({ row, number }) => [
  ...(number === null ? [] : [{ sheet: M, cell: a1('A', row), value: number }]),
  ...Object.entries(actionFields(row)).map(([col, value]) => ({ sheet: M, cell: a1(col, row), value })),
]);
/** The same rows typed in LibreOffice (numbers as numbers, the deadline as a date serial). */
const moreEdits = (sheet: string, rows: Array<{ row: number; number: number | null }>, status = '2. Action in progress'): Edit[] => rows.flatMap(({ row, number }) => {
  const f = actionFields(row);
  return [
    ...(number === null ? [] : [{ op: 'number' as const, sheet, cell: a1('A', row), value: number }]),
    { op: 'text', sheet, cell: a1('B', row), value: String(f.B) },
    { op: 'text', sheet, cell: a1('C', row), value: String(f.C) },
    { op: 'number', sheet, cell: a1('D', row), value: isoToSerial(addDays(today, 150 + row)) },
    { op: 'text', sheet, cell: a1('E', row), value: status },
    { op: 'text', sheet, cell: a1('F', row), value: String(f.F) },
    { op: 'text', sheet, cell: a1('H', row), value: String(f.H) },
  ];
});

/** What a human reads: each action as recommendation:sheet!row, and each finding as code@sheet!cell. */
const actionsOf = (o: CheckOutcome) => o.plan?.actions.map((a) => `${a.recommendation}:${a.sheet ?? o.plan!.places?.sheet ?? P}!${a.row}`) ?? null;
const findingsOf = (o: { result: CheckOutcome['result'] }) => o.result.findings.map((f) => `${f.code}@${f.sheet}!${f.cell}`);
/** The "More actions" rows filled with recommendation 2's extra actions. */
const MORE_ROWS = [3, 4, 150];
const rec2Expected = [
  ...Array.from({ length: 15 }, (_, i) => `2:${P}!${rec2.firstActionRow + i}`),
  ...MORE_ROWS.map((r) => `2:${M}!${r}`),
];

/** The plan as read from a workbook where `n` rows were inserted at the end of recommendation 1's block. */
function grownBlock1(plan: Plan, n: number): Plan {
  const fixed = fixedPlacesOf(currentTemplate);
  const end = fixed.blocks[0]!.lastRow;
  const down = (row: number) => (row > end ? row + n : row);
  const cell = (c: string) => { const p = parseCell(c); return `${p.col}${down(p.row)}`; };
  return {
    ...plan,
    official: plan.official.map((o) => ({ ...o, cell: cell(o.cell) })),
    actions: plan.actions.map((a) => (a.sheet || a.recommendation === 1 ? a : { ...a, row: down(a.row) })),
    places: {
      ...fixed,
      blocks: fixed.blocks.map((b, i) => (i === 0 ? { ...b, lastRow: end + n }
        : { ...b, firstRow: down(b.firstRow), lastRow: down(b.lastRow), textCell: cell(b.textCell), suggestedCell: cell(b.suggestedCell) })),
    },
  };
}

describe('"More actions": written, filled by openpyxl and LibreOffice, read, collated, and Check/Submit in the add-in (office-addin-mock)', function () {
  this.timeout(400_000);
  let dir: string;
  const f = (name: string) => join(dir, `${name}.xlsx`);
  const outcome: Record<string, BothReads> = {};
  let notesRow: number;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'naome-more-'));
    const blank = await writePlanWorkbook({ organisations });
    writeFileSync(f('blank'), blank);
    notesRow = layout.rows.find((r) => r.kind === 'note')!.row;
    // The third far down the sheet, where no cell was written: it takes the columns' formats.
    const three = MORE_ROWS.map((row) => ({ row, number: 2 }));

    // openpyxl: 15 actions for recommendation 2 on the plan sheet, 3 more on "More actions"; and rows there without
    // a recommendation number, or with 9.
    await fillWithOpenpyxl(f('blank'), fifteenForRec2('RGT'), f('py18'), { extra: moreCells(three) });
    await fillWithOpenpyxl(f('blank'), goodPlanContent('RGT'), f('py-bad-number'), { extra: moreCells([{ row: 3, number: null }, { row: 4, number: 9 }]) });
    writeFileSync(f('base18'), await fillWorkbook(blank, fifteenForRec2('7A1')));
    writeFileSync(f('good'), await fillWorkbook(blank, goodPlanContent('RGT')));
    writeFileSync(f('good-7A3'), await fillWorkbook(blank, goodPlanContent('7A3')));

    // LibreOffice: the 3 "More actions" rows typed there; a row inserted just below the last block holding an action;
    // text typed below the notes; the plan sheet renamed with a refused priority and a refused "More actions" status;
    // a deadline from TODAY() and, separately, a HYPERLINK in an input cell.
    const unprotect: Edit = { op: 'unprotect', sheet: P };
    const typed = (sheet: string, row: number): Edit[] => [
      { op: 'text', sheet, cell: a1('B', row), value: 'Audit every new MBC referral against the recommendation each month and report to the MDT' },
      { op: 'text', sheet, cell: a1('C', row), value: 'Dr Omar Hussain' },
      { op: 'number', sheet, cell: a1('D', row), value: isoToSerial(addDays(today, 100)) },
      { op: 'text', sheet, cell: a1('E', row), value: '1. Awaiting plan of action' },
      { op: 'text', sheet, cell: a1('F', row), value: 'Low' },
    ];
    await editWithLibreOffice([
      { input: f('base18'), output: f('lo18'), edits: moreEdits(M, three) },
      { input: f('good'), output: f('lo-below'), edits: [unprotect, { op: 'insertRows', sheet: P, before: BELOW }, ...typed(P, BELOW)] },
      { input: f('good'), output: f('lo-outside'), edits: [unprotect, { op: 'text', sheet: P, cell: a1('C', layout.lastRow + 3), value: 'Dr Omar Hussain to audit referrals' }] },
      { input: f('good'), output: f('lo-rename-errors'), edits: [
        { op: 'rename', sheet: P, to: 'Plan 2026' }, { op: 'unprotect', sheet: 'Plan 2026' },
        { op: 'text', sheet: 'Plan 2026', cell: a1('F', rec2.firstActionRow), value: 'Urgent' },
        ...moreEdits(M, [{ row: rec2.firstActionRow, number: 2 }], 'Maybe'),
      ] },
      { input: f('good-7A3'), output: f('lo-moves'), edits: [unprotect, { op: 'formula', sheet: P, cell: 'D23', value: '=TODAY()+30' }] },
      { input: f('good-7A3'), output: f('lo-link'), edits: [unprotect, { op: 'formula', sheet: P, cell: 'C39', value: '=HYPERLINK("https://example.org";"Dr Jane Smith")' }] },
    ]);

    // openpyxl: a row inserted below the last block (it moves cells, not names or merges); and a plan whose action
    // rows' names are deleted and whose recommendation texts are all garbled, so no anchor holds.
    await run(PYTHON, ['-c', String.raw`
import sys, openpyxl, datetime
d, below, texts = sys.argv[1], int(sys.argv[2]), sys.argv[3].split(',')
wb = openpyxl.load_workbook(d + '/good.xlsx')
ws = wb['Action plan']
ws.insert_rows(below)
for col, v in zip('BCEF', ['Audit every new MBC referral against the recommendation each month and report to the MDT', 'Dr Omar Hussain', '1. Awaiting plan of action', 'Low']): ws[col + str(below)] = v
ws['D' + str(below)] = datetime.datetime.now() + datetime.timedelta(days=100)
ws['D' + str(below)].number_format = 'dd/mm/yyyy'
wb.save(d + '/py-below.xlsx')
wb = openpyxl.load_workbook(d + '/good.xlsx')
dn = wb.defined_names
if hasattr(dn, 'keys'):
    for name in [n for n in list(dn.keys()) if n.startswith('NAOME_ACTIONS_')]: del dn[name]
else:
    dn.definedName = [x for x in dn.definedName if not x.name.startswith('NAOME_ACTIONS_')]
ws = wb['Action plan']
for i, cell in enumerate(texts): ws[cell] = 'Recommendation text replaced by the trust (%d)' % i
wb.save(d + '/py-structure.xlsx')
`, dir, String(BELOW), layout.recommendations.map((r) => r.textCell).join(',')], { timeout: 60_000 });

    for (const name of ['py18', 'lo18', 'py-bad-number', 'lo-below', 'py-below', 'lo-outside', 'py-structure', 'lo-rename-errors', 'lo-moves', 'lo-link']) {
      outcome[name] = await readBoth(readFileSync(f(name)), { organisations, today });
    }
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const sameInAddin = (name: string) => assertSameInAddin(name, outcome[name]!);

  it('the blank template has an unprotected "More actions" sheet with the number dropdown, Key 1/Key 2 dropdowns, date check, name and print setup (openpyxl)', () => {
    const seen = openpyxlSees(f('blank'));
    assert.deepEqual(seen.sheets.map((s) => s.name), [P, M, 'Lists']);
    const more = sheetSeen(seen, M);
    assert.equal(more.state, 'visible');
    assert.equal(more.protected, false, 'rows can be typed and added freely');
    assert.equal(more.cells.A1, MORE_ACTIONS.title);
    assert.equal(more.cells.A2, MORE_ACTIONS.numberHeader);
    assert.equal(more.cells.B2, 'Action required (local action)');
    assert.equal(more.cells.H2, 'Progress / evidence');
    const first = MORE_ACTIONS.firstRow;
    const last = first + MORE_ACTIONS.rows - 1;
    assert.equal(seen.names[MORE_ACTIONS.name], `'${M}'!$A$${first}:$H$${last}`);
    const at = (cell: string) => more.validations.filter((v) => v.sqref.split(/\s+/).some((r) => r === cell || (r.includes(':') && mockCells(r).includes(cell))));
    for (const row of [first, 100, 150, last]) {
      // The blank rows hold no cells: their look, unlocked cells and date format are the columns' formats.
      for (const col of ['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H']) {
        assert.equal(more.cells[`${col}${row}`], undefined);
        assert.equal(more.columns[col]?.locked, false, `column ${col} unlocked`);
        assert.equal(more.columns[col]?.fill, `FF${STYLES.input.fill}`, `column ${col} has the input fill`);
      }
      const [number] = at(`A${row}`);
      assert.equal(number?.type, 'list', `A${row}`);
      assert.deepEqual(listValues(seen, number!.formula1!), currentTemplate.recommendations.map((r) => String(r.number)));
      assert.deepEqual(listValues(seen, at(`E${row}`)[0]!.formula1!), currentTemplate.statusKey.entries.map((e) => `${e.code}. ${e.label}`));
      assert.deepEqual(listValues(seen, at(`F${row}`)[0]!.formula1!), ['High', 'Medium', 'Low']);
      assert.equal(at(`D${row}`)[0]?.type, 'date');
      assert.equal(more.columns.D!.numberFormat, 'dd/mm/yyyy');
      for (const v of [...at(`A${row}`), ...at(`D${row}`), ...at(`E${row}`), ...at(`F${row}`)]) assert.equal(v.showErrorMessage, true);
    }
    assert.equal(at(`A${last + 1}`).length, 0, 'no validation beyond the sheet\'s rows');
    // The plan sheet's own validation messages, word for word.
    const planDeadline = sheetSeen(seen, P).validations.find((v) => v.type === 'date')!;
    assert.deepEqual([at(`D${first}`)[0]!.prompt, at(`D${first}`)[0]!.error], [planDeadline.prompt, planDeadline.error]);
    assert.equal(more.print.titleRows, '$2:$2');
    assert.equal(more.print.orientation, 'landscape');
    assert.equal(more.print.fitToWidth, 1);
  });

  it('LibreOffice opens and saves it with the "More actions" dropdowns, date check and name intact', () => {
    const seen = openpyxlSees(f('lo18'));
    const more = sheetSeen(seen, M);
    assert.equal(more.protected, false);
    const number = more.validations.find((v) => v.type === 'list' && v.sqref.includes('A3'))!;
    assert.deepEqual(listValues(seen, number.formula1!), ['1', '2', '3', '4', '5']);
    assert.ok(more.validations.some((v) => v.type === 'date' && v.sqref.includes('D3')));
    assert.match(seen.names[MORE_ACTIONS.name]!, /More actions'?[!.]\$A\$3:\$H\$202/);
    // Row 150, typed where the template wrote no cell, took the columns' formats: unlocked, a dd/mm/yyyy deadline,
    // and the dropdowns and date check cover it.
    for (const col of ['A', 'B', 'C', 'D', 'E', 'F', 'H']) assert.ok(more.unlocked.includes(`${col}150`), `${col}150 unlocked`);
    assert.match(more.numberFormats.D150 ?? 'General', /^dd\/mm\/yyyy$/i);
    for (const [col, type] of [['A', 'list'], ['D', 'date'], ['E', 'list'], ['F', 'list']] as const) {
      assert.ok(more.validations.some((v) => v.type === type && sqrefCells(v.sqref).includes(`${col}150`)), `${col}150 ${type} check`);
    }
  });

  for (const [name, how] of [['py18', 'openpyxl'], ['lo18', 'LibreOffice']] as const) {
    it(`18 actions for recommendation 2 (15 on the plan sheet, 3 on "More actions", filled by ${how}): valid, all 18 read, as the add-in reads them`, () => {
      const { file } = outcome[name]!;
      assert.deepEqual(findingsOf(file), []);
      assert.equal(file.result.valid, true);
      assert.deepEqual(actionsOf(file)!.filter((a) => a.startsWith('2:')), rec2Expected);
      const moreRow = file.plan!.actions.find((a) => a.sheet === M && a.row === 4)!;
      assert.equal(moreRow.action, String(actionFields(4).B));
      assert.equal(moreRow.deadline, addDays(today, 154));
      sameInAddin(name);
    });
  }

  it('a "More actions" row without a recommendation number, or with 9, gets one finding naming its cell; the add-in says the same', () => {
    const { file } = outcome['py-bad-number']!;
    assert.deepEqual(findingsOf(file), [`MORE_ACTION_NO_RECOMMENDATION@${M}!A3`, `MORE_ACTION_NO_RECOMMENDATION@${M}!A4`]);
    assert.match(file.result.findings[0]!.message, /row 3 of the "More actions" sheet .* A3 is empty\. Choose the recommendation number \(1–5\) in A3/);
    assert.match(file.result.findings[1]!.message, /A4 reads "9"/);
    assert.equal(file.result.valid, false);
    sameInAddin('py-bad-number');
  });

  it('a row inserted just below the last block (LibreOffice, openpyxl) holds that block\'s action; the add-in agrees', () => {
    for (const name of ['lo-below', 'py-below']) {
      const { file } = outcome[name]!;
      assert.deepEqual(findingsOf(file), [], name);
      assert.equal(file.result.valid, true, name);
      assert.deepEqual(actionsOf(file)!.filter((a) => a.startsWith('5:')), [`5:${P}!${rec5.firstActionRow}`, `5:${P}!${BELOW}`], name);
      assert.equal(file.plan!.actions.find((a) => a.row === BELOW)!.responsible, 'Dr Omar Hussain');
      sameInAddin(name);
    }
  });

  it('text typed below the notes, outside every block, gets one finding naming the cell (never silently dropped)', () => {
    const { file } = outcome['lo-outside']!;
    const cell = a1('C', layout.lastRow + 3);
    assert.deepEqual(findingsOf(file), [`ACTION_OUTSIDE_PLAN_ROWS@${P}!${cell}`]);
    assert.match(file.result.findings[0]!.message, new RegExp(`${cell} holds "Dr Omar Hussain to audit referrals", typed outside the plan's rows`));
    assert.equal(file.result.valid, false);
    sameInAddin('lo-outside');
  });

  it('names deleted and every recommendation text garbled: exactly one PLAN_STRUCTURE_CHANGED error and no plan', () => {
    const { file } = outcome['py-structure']!;
    assert.deepEqual(findingsOf(file), [`PLAN_STRUCTURE_CHANGED@${P}!null`]);
    assert.equal(file.result.findings[0]!.severity, 'error');
    assert.match(file.result.findings[0]!.message, /Nothing from this plan has been taken into the national data/);
    assert.equal(file.plan, null);
    assert.equal(file.result.valid, false);
    sameInAddin('py-structure');
  });

  it('"Errors in row" is keyed by sheet and row: a refused priority on a renamed plan sheet and a refused status on "More actions"', () => {
    const { file } = outcome['lo-rename-errors']!;
    const row = rec2.firstActionRow;
    assert.deepEqual(findingsOf(file), [`PRIORITY_INVALID@Plan 2026!F${row}`, `STATUS_INVALID@${M}!E${row}`]);
    const c = new Collator({ organisations, today });
    const counted = c.add({ source: 'renamed.xlsx', submittedAt: new Date(), result: file.result, plan: file.plan })!;
    const table = actionsTable(c);
    const col = (h: string) => table.columns.findIndex((x) => x.header === h);
    const rows = table.rowsOf(counted).filter((r) => r[col('Row in plan')] === row);
    assert.deepEqual(rows.map((r) => [r[col('Sheet in plan')], r[col('Errors in row')], r[col('Status code')], r[col('Priority (Key 2)')]]), [
      ['Plan 2026', 'PRIORITY_INVALID', 2, 'Urgent'],
      [M, 'STATUS_INVALID', null, 'Medium'],
    ]);
  });

  it('naome collate carries exactly the 18 actions for recommendation 2 with sheet, row and source; the unreadable plan is a problem, not actions', async () => {
    const inbox = join(dir, 'inbox');
    mkdirSync(inbox);
    for (const name of ['py18', 'lo18', 'py-structure']) writeFileSync(join(inbox, `${name}.xlsx`), readFileSync(f(name)));
    const out = join(dir, 'national.csv');
    await run(process.execPath, [join(process.cwd(), 'bin', 'naome.js'), 'collate', '-o', join(dir, 'national.xlsx'), '--csv', out, '--today', today, inbox], { timeout: 120_000 });
    const [head, ...rows] = parseCsv(readFileSync(out, 'utf8'));
    const at = (r: string[], h: string) => r[head!.indexOf(h)]!;
    for (const [org, name] of [['RGT', 'py18'], ['7A1', 'lo18']]) {
      const mine = rows.filter((r) => at(r, 'Organisation code') === org && at(r, 'Recommendation') === '2');
      assert.deepEqual(mine.map((r) => `2:${at(r, 'Sheet in plan')}!${at(r, 'Row in plan')}`), rec2Expected, org);
      assert.ok(mine.every((r) => at(r, 'Source') === join(inbox, `${name}.xlsx`) && at(r, 'Errors in row') === '' && at(r, 'Status code') !== ''), org);
    }
    assert.ok(!rows.some((r) => at(r, 'Source').endsWith('py-structure.xlsx')), 'nothing of the unreadable plan is collated');
    const problems = (await run(PYTHON, ['-c', `
import sys, json, openpyxl
ws = openpyxl.load_workbook(sys.argv[1])['Problems']
rows = [[c.value for c in r] for r in ws.iter_rows()]
h = rows[0]
print(json.dumps([[r[h.index('Source')], r[h.index('Code')], r[h.index('File state')]] for r in rows[1:]]))`, join(dir, 'national.xlsx')])).stdout;
    assert.deepEqual((JSON.parse(problems) as string[][]).filter((r) => r[0]!.endsWith('py-structure.xlsx')),
      [[join(inbox, 'py-structure.xlsx'), 'PLAN_STRUCTURE_CHANGED', 'no plan']]);
  });

  describe('through the service', () => {
    let s: TestServer;
    before(async () => { s = await startTestServer(); });
    after(async () => { await s?.close(); });

    it('collates the 18 actions of each plan as the command line does; refuses the unreadable plan with its one finding', async () => {
      for (const [org, name] of [['RGT', 'py18'], ['7A1', 'lo18']]) {
        const sent = await call(s.url, 'POST', '/api/submissions', { key: await s.issueKey(org), body: readFileSync(f(name)) });
        assert.equal(sent.status, 201, JSON.stringify(sent.json));
      }
      const refused = await call(s.url, 'POST', '/api/submissions', { key: await s.issueKey('RGT'), body: readFileSync(f('py-structure')) });
      assert.equal(refused.status, 422);
      const result = refused.json.result ?? refused.json;
      assert.deepEqual(result.findings.map((x: { code: string }) => x.code), ['PLAN_STRUCTURE_CHANGED']);
      const csv = await call(s.url, 'GET', '/api/collation.csv', { key: s.adminKey });
      const [head, ...rows] = parseCsv(csv.bytes.toString('utf8'));
      const at = (r: string[], h: string) => r[head!.indexOf(h)]!;
      for (const org of ['RGT', '7A1']) {
        const mine = rows.filter((r) => at(r, 'Organisation code') === org && at(r, 'Recommendation') === '2');
        assert.deepEqual(mine.map((r) => `2:${at(r, 'Sheet in plan')}!${at(r, 'Row in plan')}`), rec2Expected, org);
      }
    });

    /**
     * A JSON plan with 20 actions for recommendation 1 — 15 in its block and 5 on "More actions" (sent: 'more'), or all
     * 20 in a block grown by 5 inserted rows (sent: 'grown', as read from a workbook a person inserted rows into) — is
     * stored, and downloads with 15 on the plan sheet and 5 on "More actions" rows 3–7, numbered 1.
     */
    for (const shape of ['more', 'grown'] as const) {
      it(`a JSON plan with 20 actions for recommendation 1 (${shape === 'more' ? '5 of them on "More actions"' : 'its block grown to 20 rows'}) is stored and downloads with 15 on the plan sheet and 5 on "More actions" (openpyxl)`, async () => {
        const org = shape === 'more' ? '7A2' : '7A4';
        const good = (await checkWorkbook(await fillWorkbook(await writePlanWorkbook({ organisations }), goodPlanContent(org)), { organisations, today })).plan!;
        const model = good.actions.find((a) => a.recommendation === 1)!;
        const first = layout.recommendations[0]!.firstActionRow;
        const twenty = Array.from({ length: 20 }, (_, i) => ({
          ...model, row: first + i, action: `Action ${i + 1} for recommendation 1: audit the MDT list of new MBC patients`,
          ...(shape === 'more' && i >= 15 ? { sheet: M, row: 3 + i - 15 } : {}),
        }));
        const plan: Plan = shape === 'more'
          ? { ...good, actions: [...twenty, ...good.actions.filter((a) => a.recommendation !== 1)] }
          : grownBlock1({ ...good, actions: [...twenty, ...good.actions.filter((a) => a.recommendation !== 1)] }, 5);
        const sent = await call(s.url, 'POST', '/api/submissions', { key: await s.issueKey(org), body: JSON.stringify(plan) });
        assert.equal(sent.status, 201, JSON.stringify(sent.json));
        const file = await call(s.url, 'GET', `/api/submissions/${sent.json.id}/file`, { key: s.adminKey });
        assert.equal(file.status, 200);
        writeFileSync(f(`download-${shape}`), file.bytes);
        const seen = openpyxlSees(f(`download-${shape}`));
        const onPlan = Array.from({ length: 15 }, (_, i) => sheetSeen(seen, P).cells[a1('B', first + i)]);
        const more = sheetSeen(seen, M);
        const onMore = [3, 4, 5, 6, 7].map((r) => [more.cells[a1('A', r)], more.cells[a1('B', r)]]);
        assert.deepEqual([...onPlan, ...onMore.map((x) => x[1])], twenty.map((a) => a.action));
        assert.deepEqual(onMore.map((x) => x[0]), [1, 1, 1, 1, 1]);
        assert.equal(more.cells.A8, undefined);
        const reread = await checkWorkbook(file.bytes, { organisations, today });
        assert.equal(reread.result.valid, true, JSON.stringify(reread.result.findings));
        assert.equal(reread.plan!.actions.filter((a) => a.recommendation === 1).length, 20);
      });
    }

    it('Submit from the add-in (office-addin-mock) carries the formula findings Check gives: a TODAY() deadline as a warning, a HYPERLINK not sent', async () => {
      setServiceOrigin(s.url);
      const key = await s.issueKey('7A3');
      let sends = 0;
      const send = (plan: Plan, k: string) => { sends++; return submitPlan(plan, k); };
      const open = async (name: string) => ExcelWorkbookModel.opened(await openXlsx(readFileSync(f(name)))).context();
      try {
        const moves = await submitOpenWorkbook(await open('lo-moves'), key, { organisations, today }, send);
        assert.equal(moves.kind, 'received');
        assert.deepEqual(moves.kind === 'received' && moves.warnings.map((x) => `${x.code}@${x.sheet}!${x.cell}`), [`DEADLINE_MOVES_DAILY@${P}!D23`]);
        assert.deepEqual(moves.kind === 'received' && moves.warnings, outcome['lo-moves']!.addin.result.findings, 'the same findings as Check');
        assert.equal(sends, 1);

        const link = await submitOpenWorkbook(await open('lo-link'), key, { organisations, today }, send);
        assert.equal(link.kind, 'not sent');
        assert.deepEqual(link.kind === 'not sent' && link.result.findings, outcome['lo-link']!.addin.result.findings, 'the same findings as Check');
        assert.deepEqual(outcome['lo-link']!.addin.result.findings.map((x) => x.code), ['FORMULA_IN_INPUT']);
        assert.equal(sends, 1, 'nothing was sent');
        const list = await call(s.url, 'GET', '/api/submissions', { key });
        assert.equal((list.json.submissions ?? list.json).length, 1, 'only the first plan reached the service');
      } finally {
        setServiceOrigin('');
      }
    });
  });

  it('Create plan (office-addin-mock) builds "More actions" unprotected, with the number, Key 1, Key 2 and date checks, the name and its numbers list', async () => {
    const model = new ExcelWorkbookModel(['Sheet1']);
    assert.equal((await createPlan(model.context(), { organisations })).ok, true);
    assert.equal(model.syncs, 3, 'still 3 round trips');
    const more = model.sheet(M)!;
    assert.equal(more.protection.protected, false);
    assert.equal(more.visibility, 'Visible');
    assert.equal(more.position, 1);
    assert.equal(more.values.get('A1'), MORE_ACTIONS.title);
    assert.equal(more.values.get('A2'), MORE_ACTIONS.numberHeader);
    assert.equal(more.frozenRows, MORE_ACTIONS.headingsRow);
    // The blank rows are whole-column formats, not cell by cell: a cell far down shows the input look, unlocked,
    // and only the rows with text (and the deadline cells' number formats) were formatted one by one.
    for (const cell of ['A150', 'D150', 'H202']) {
      assert.equal(formatOf(more, cell)?.fill, `#${STYLES.input.fill}`, cell);
      assert.equal(formatOf(more, cell)?.locked, false, cell);
      assert.equal(formatOf(more, cell)?.borders.bottom?.style, 'Continuous', cell);
    }
    assert.equal(more.numberFormats.get('D150'), 'dd/mm/yyyy');
    assert.deepEqual([...more.formats.keys()].filter((c) => parseCell(c).row > MORE_ACTIONS.headingsRow), []);
    const specs = moreActionsValidations(layout);
    assert.deepEqual(specs.map((v) => [v.range, v.field]), [['A3:A202', 'recommendation'], ['D3:D202', 'deadline'], ['E3:E202', 'status'], ['F3:F202', 'priority']]);
    assert.equal(more.validations.length, specs.length);
    for (const v of specs) {
      const got = more.validations.find((x) => x.range === v.range)!;
      assert.deepEqual(got.rule, v.kind === 'list' ? { list: { inCellDropDown: true, source: v.source } } : { date: { operator: 'Between', formula1: v.from, formula2: v.to } }, v.range);
      assert.deepEqual(got.errorAlert, { showAlert: true, style: 'Stop', title: v.errorTitle, message: v.error });
    }
    assert.equal(model.names.get(MORE_ACTIONS.name), `='${M}'!$A$3:$H$202`);
    assert.equal(model.names.get('NAOME_LIST_RECOMMENDATIONS'), '=\'Lists\'!$G$2:$G$6');
    for (const { cell, value } of listsSheetCells(layout)) assert.equal(model.sheet('Lists')!.values.get(cell), value);
    assert.deepEqual([2, 3, 4, 5, 6].map((r) => model.sheet('Lists')!.values.get(`G${r}`)), [1, 2, 3, 4, 5]);
    assert.ok(definedNames(layout).some((n) => n.name === MORE_ACTIONS.name));
    assert.equal(sheetSpecs(layout)[1]!.protect, false);
  });
});
