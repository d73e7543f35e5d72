// Locate, then read (issue 8): plans whose structure a person changed in LibreOffice Calc (rows inserted and deleted,
// a column inserted, the sheet renamed, copied, the lists sheet deleted, cells merged) or in openpyxl are judged as a
// careful human would judge them, and the plan model holds exactly the actions a human reads. Each case's expected
// findings and actions were written before the code. The add-in's Check (office-addin-mock loaded from the same file)
// must give the same findings and plan.
import assert from 'node:assert/strict';
import ExcelJS from 'exceljs';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { isoToSerial, todayIso, addDays } from '../shared/cells';
import { planLayout } from '../shared/layout';
import { readLocatedPlan, readingPlan, type ReadingPlan } from '../shared/locate';
import { planSchema } from '../shared/planSchema';
import { builtInTemplates, currentTemplate } from '../shared/template';
import { loadOrganisations } from '../server/organisations';
import type { CheckOutcome } from '../server/xlsx/checkWorkbook';
import { guardWorkbook } from '../server/xlsx/guard';
import { DEFAULT_LIMITS } from '../server/xlsx/limits';
import { readWorkbook } from '../server/xlsx/readWorkbook';
import { writePlanWorkbook } from '../server/xlsx/writePlanWorkbook';
import { PYTHON } from './helpers/apps';
import { editWithLibreOffice, type Edit } from './helpers/libreofficeEdits';
import { fillWorkbook, goodPlanContent, type PlanContent } from './helpers/plans';
import { assertSameInAddin, readBoth, type BothReads } from './helpers/readBoth';

const run = promisify(execFile);
const organisations = loadOrganisations();
const P = 'Action plan';
const today = todayIso();

/** What a human reads: each action as recommendation:sheet!row:status, and each finding as code@sheet!cell. */
const actions = (o: CheckOutcome) => o.plan?.actions.map((a) => `${a.recommendation}:${a.sheet ?? o.plan!.places?.sheet ?? P}!${a.row}:${a.status}`) ?? null;
const findings = (o: { result: CheckOutcome['result'] }) => o.result.findings.map((f) => `${f.code}@${f.sheet}!${f.cell}`);

const ACTION = ['Audit every new MBC referral against the recommendation each month and report to the MDT', 'Dr Omar Hussain'];
/** A third action typed into a row of block 1, as a person types it (the deadline a date number). */
const typed = (sheet: string, row: number, col = (c: string) => c): Edit[] => [
  { op: 'text', sheet, cell: `${col('B')}${row}`, value: ACTION[0]! },
  { op: 'text', sheet, cell: `${col('C')}${row}`, value: ACTION[1]! },
  { op: 'number', sheet, cell: `${col('D')}${row}`, value: isoToSerial(addDays(today, 100)) },
  { op: 'text', sheet, cell: `${col('E')}${row}`, value: '1. Awaiting plan of action' },
  { op: 'text', sheet, cell: `${col('F')}${row}`, value: 'Low' },
];
/** The good plan's actions (rec 1 twice, at rows 22 and 23; then rows 39, 56, 74, 91), shifted by `shift` after `from`. */
const goodActions = (sheet = P, shift = 0, from = 24) => [
  `1:${sheet}!22:2. Action in progress`, `1:${sheet}!23:3. Action fully implemented`,
  ...[[2, 39], [3, 56], [4, 74], [5, 91]].map(([rec, row]) => `${rec}:${sheet}!${row! >= from ? row! + shift : row}:2. Action in progress`),
];

describe('locate, then read: plans restructured in LibreOffice and openpyxl', function () {
  this.timeout(400_000);
  let dir: string;
  const outcome: Record<string, BothReads> = {};

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'naome-locate-'));
    const blank = await writePlanWorkbook({ organisations });
    const good = goodPlanContent('RGT');
    const full: PlanContent = { ...good, actions: [...good.actions] };
    for (let i = 2; i < 15; i++) full.actions.push({ ...good.actions[0]!, index: i, action: `${ACTION[0]} (step ${i + 1})` });
    const noPriority: PlanContent = { ...good, actions: good.actions.map((a) => (a.recommendation === 3 ? { ...a, priority: null } : a)) };
    const files = {
      good: await fillWorkbook(blank, good),
      full: await fillWorkbook(blank, full),
      noPriority: await fillWorkbook(blank, noPriority),
    };
    for (const [name, bytes] of Object.entries(files)) writeFileSync(join(dir, `${name}.xlsx`), bytes);
    const f = (name: string) => join(dir, `${name}.xlsx`);
    const unprotect: Edit = { op: 'unprotect', sheet: P };
    const clearInputs: Edit[] = ['C5:E7', 'B22:H36', 'B39:H53', 'B56:H70', 'B74:H88', 'B91:H105'].map((range) => ({ op: 'clear', sheet: P, range }));
    await editWithLibreOffice([
      { input: f('good'), output: f('lo-insert-row'), edits: [unprotect, { op: 'insertRows', sheet: P, before: 24 }, ...typed(P, 24)] },
      { input: f('full'), output: f('lo-sixteenth'), edits: [unprotect, { op: 'insertRows', sheet: P, before: 36 }, ...typed(P, 36)] },
      { input: f('good'), output: f('lo-delete-row'), edits: [unprotect, { op: 'deleteRows', sheet: P, row: 30 }] },
      { input: f('noPriority'), output: f('lo-insert-column'), edits: [unprotect, { op: 'insertColumns', sheet: P, before: 'E' }] },
      { input: f('good'), output: f('lo-rename'), edits: [{ op: 'rename', sheet: P, to: 'Plan 2026' }] },
      { input: f('good'), output: f('lo-no-lists'), edits: [{ op: 'removeSheet', sheet: 'Lists' }] },
      { input: f('good'), output: f('lo-merge'), edits: [unprotect, { op: 'merge', sheet: P, range: 'E22:E24' }] },
      { input: f('good'), output: f('lo-copy'), edits: [{ op: 'copySheet', sheet: P, to: 'Action plan (2)' }, unprotect, ...clearInputs] },
      { input: f('good'), output: f('lo-today'), edits: [unprotect, { op: 'formula', sheet: P, cell: 'D23', value: '=TODAY()+30' },
        { op: 'formula', sheet: P, cell: 'C39', value: '=HYPERLINK("https://example.org";"Dr Jane Smith")' }] },
    ]);
    // openpyxl: a row inserted in block 1 (openpyxl moves cells but neither names nor merges), and formulas typed in
    // cells (openpyxl saves no calculated result).
    await run(PYTHON, ['-c', String.raw`
import sys, openpyxl
d = sys.argv[1]
wb = openpyxl.load_workbook(d + '/good.xlsx')
ws = wb['Action plan']
ws.insert_rows(24)
for col, v in zip('BCEF', ['${ACTION[0]}', '${ACTION[1]}', '1. Awaiting plan of action', 'Low']): ws[col + '24'] = v
ws['D24'] = ws['D22'].value
ws['D24'].number_format = 'dd/mm/yyyy'
wb.save(d + '/py-insert-row.xlsx')
wb = openpyxl.load_workbook(d + '/good.xlsx')
ws = wb['Action plan']
ws['B39'] = '=HYPERLINK("https://example.org/plan","Review the dashboard at the monthly MDT meeting")'
ws['D56'] = '=DATE(2027,3,1)'
wb.save(d + '/py-formulas.xlsx')
`, dir], { timeout: 60_000 });
    for (const name of ['lo-insert-row', 'lo-sixteenth', 'lo-delete-row', 'lo-insert-column', 'lo-rename', 'lo-no-lists', 'lo-merge', 'lo-copy', 'lo-today', 'py-insert-row', 'py-formulas']) {
      const bytes = readFileSync(f(name));
      outcome[name] = await readBoth(bytes, { organisations, today });
    }
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const sameInAddin = (name: string) => assertSameInAddin(name, outcome[name]!);

  it('a row inserted in a block (LibreOffice) holds an action like any other; later blocks are found where they moved', () => {
    const { file } = outcome['lo-insert-row']!;
    assert.deepEqual(findings(file), []);
    assert.deepEqual(actions(file), [...goodActions(P, 1).slice(0, 2), `1:${P}!24:1. Awaiting plan of action`, ...goodActions(P, 1).slice(2)]);
    assert.equal(file.result.valid, true);
    sameInAddin('lo-insert-row');
  });

  it('a 16th action, in a row inserted at the end of a full block (LibreOffice), is an action', () => {
    const { file } = outcome['lo-sixteenth']!;
    assert.deepEqual(findings(file), []);
    const rec1 = actions(file)!.filter((a) => a.startsWith('1:'));
    assert.equal(rec1.length, 16);
    assert.ok(rec1.includes(`1:${P}!36:1. Awaiting plan of action`));
    assert.deepEqual(actions(file)!.filter((a) => !a.startsWith('1:')), goodActions(P, 1).slice(2));
    sameInAddin('lo-sixteenth');
  });

  it('an empty row deleted (LibreOffice) shifts nothing: every action and every official text is read where it now is', () => {
    const { file } = outcome['lo-delete-row']!;
    assert.deepEqual(findings(file), []);
    assert.deepEqual(actions(file), goodActions(P, -1));
    sameInAddin('lo-delete-row');
  });

  it('a column inserted before Status (LibreOffice) shifts no field, and findings name the cells where they now are', () => {
    const { file } = outcome['lo-insert-column']!;
    // Recommendation 3's priority is empty: it is now in column G (F before the insert).
    assert.deepEqual(findings(file), [`ACTION_FIELD_MISSING@${P}!G56`]);
    assert.deepEqual(actions(file), goodActions(P));
    assert.equal(file.plan!.actions[0]!.priority, 'High');
    sameInAddin('lo-insert-column');
  });

  it('a renamed plan sheet (LibreOffice) is found by its names: a complete plan, valid, collated', () => {
    const { file } = outcome['lo-rename']!;
    assert.deepEqual(findings(file), []);
    assert.equal(file.result.valid, true);
    assert.equal(file.result.organisation?.code, 'RGT');
    assert.deepEqual(actions(file), goodActions('Plan 2026'));
    sameInAddin('lo-rename');
  });

  it('the lists sheet deleted (LibreOffice): the plan is recognised by its title and official text, valid, with one warning', () => {
    const { file } = outcome['lo-no-lists']!;
    assert.deepEqual(findings(file), ['TEMPLATE_MARK_MISSING@Lists!B1']);
    assert.equal(file.result.valid, true);
    assert.deepEqual(actions(file), goodActions());
    sameInAddin('lo-no-lists');
  });

  it('a status merged down across action rows (LibreOffice) applies to each row it covers; an empty row under it is no action', () => {
    const { file } = outcome['lo-merge']!;
    assert.deepEqual(actions(file), [`1:${P}!22:2. Action in progress`, `1:${P}!23:2. Action in progress`, ...goodActions().slice(2)]);
    assert.deepEqual(findings(file), []);
    sameInAddin('lo-merge');
  });

  it('a filled copy of the plan sheet beside an emptied original (LibreOffice): one finding saying where the entries are, no plan', () => {
    const { file } = outcome['lo-copy']!;
    assert.deepEqual(findings(file), ['PLAN_ON_OTHER_SHEET@Action plan (2)!null']);
    assert.match(file.result.findings[0]!.message, /appear to be on the sheet "Action plan \(2\)"/);
    assert.equal(file.plan, null);
    sameInAddin('lo-copy');
  });

  it('a deadline computed from TODAY() (LibreOffice, calculated) is a warning; a HYPERLINK in an input cell is an error', () => {
    const { file } = outcome['lo-today']!;
    assert.deepEqual(findings(file), [`DEADLINE_MOVES_DAILY@${P}!D23`, `FORMULA_IN_INPUT@${P}!C39`]);
    assert.equal(file.result.valid, false);
    sameInAddin('lo-today');
  });

  it('a row inserted by openpyxl (which moves neither names nor merges) is found by the official text anchors', () => {
    const { file } = outcome['py-insert-row']!;
    assert.deepEqual(findings(file), []);
    assert.deepEqual(actions(file), [...goodActions(P, 1).slice(0, 2), `1:${P}!24:1. Awaiting plan of action`, ...goodActions(P, 1).slice(2)]);
    sameInAddin('py-insert-row');
  });

  it('formulas saved by openpyxl without a result: "not calculated", never "not a date" or a missing value', () => {
    const { file } = outcome['py-formulas']!;
    assert.deepEqual(findings(file), [`FORMULA_NOT_CALCULATED@${P}!B39`, `FORMULA_NOT_CALCULATED@${P}!D56`]);
    assert.match(file.result.findings[0]!.message, /=HYPERLINK/);
    assert.equal(file.result.valid, false);
    sameInAddin('py-formulas');
  });

  it('every plan read here, by the file reader and the add-in, passes the strict plan schema a JSON plan must pass', () => {
    let plans = 0;
    for (const [name, { file, addin }] of Object.entries(outcome)) {
      for (const plan of [file.plan, addin.plan]) {
        if (!plan) continue;
        plans++;
        const parsed = planSchema.safeParse(JSON.parse(JSON.stringify(plan)));
        assert.ok(parsed.success, `${name}: ${JSON.stringify(parsed.error?.issues.slice(0, 3))}`);
      }
    }
    assert.ok(plans >= 18, `${plans} plans`);
    assert.ok(Object.values(outcome).some((o) => o.file.plan?.places), 'some of them carry places');
  });
});

describe('locate, then read: rows that hold nothing go unread', () => {
  it('reads the same plan and findings whether or not the reader can tell which rows hold nothing', async () => {
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(await fillWorkbook(await writePlanWorkbook({ organisations }), goodPlanContent('RGT')) as unknown as ArrayBuffer);
    const ws = wb.getWorksheet(P)!;
    const last = planLayout(currentTemplate, []).lastRow;
    ws.getCell(`D${last + 20}`).value = 'typed far below the notes';
    ws.spliceRows(30, 0, []); // a row inserted in block 2's place, as openpyxl does (names not moved)
    ws.mergeCells('E22:E23'); // row 23's own status is hidden under row 22's
    const bytes = Buffer.from(await wb.xlsx.writeBuffer());
    let reading: ReadingPlan | undefined;
    const guarded = guardWorkbook(bytes, DEFAULT_LIMITS, (sheetNames, names) => {
      reading = readingPlan(sheetNames, names, builtInTemplates);
      return { [P]: reading.lastRow, Lists: 2, 'More actions': reading.moreLastRow };
    });
    assert.ok(guarded.ok);
    const read = readWorkbook(guarded.workbook);
    assert.ok(read.ok);
    const withRows = readLocatedPlan(read.workbook, reading!);
    const { rowHasCells: _, ...everyRow } = read.workbook;
    assert.deepEqual(readLocatedPlan(everyRow, reading!), withRows);
    assert.ok(withRows.ok);
    assert.deepEqual(withRows.readerFindings.map((f) => `${f.code}@${f.cell}`), [`ACTION_OUTSIDE_PLAN_ROWS@D${last + 21}`]);
    assert.ok(withRows.plan.places, 'rows moved: the plan carries its places');
    assert.deepEqual(withRows.plan.actions.filter((a) => a.row <= 23).map((a) => a.status), ['2. Action in progress', '2. Action in progress']);
  });
});
