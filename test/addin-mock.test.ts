// The add-in's Excel API code (addin/src/createPlan.ts, readPlan.ts) run against office-addin-mock: OfficeMockObject
// objects modelling the Excel API parts the add-in uses (addin/mock/excelMock.ts), with context.sync() counted.
import assert from 'node:assert/strict';
import ExcelJS from 'exceljs';
import { todayIso } from '../shared/cells';
import { LISTS_SHEET, MORE_ACTIONS, PLAN_SHEET, columnOf, definedNames, planLayout, type PlanLayout } from '../shared/layout';
import { organisationLabel } from '../shared/organisations';
import { currentTemplate } from '../shared/template';
import { BASE_FONT, DEADLINE_NUMBER_FORMAT, STYLES, printSetup, listsSheetCells, overdueRule, sheetSpecs, validationsFor } from '../shared/workbookSpec';
import { cellInput, charsToPoints, createPlan } from '../addin/src/createPlan';
import { checkOpenWorkbook, selectCell } from '../addin/src/readPlan';
import { ExcelWorkbookModel, cellsOf, formatOf } from '../addin/mock/excelMock';
import { openXlsx } from '../addin/mock/fromXlsx';
import { loadOrganisations } from '../server/organisations';
import { writePlanWorkbook } from '../server/xlsx/writePlanWorkbook';
import { checkWorkbook } from '../server/xlsx/checkWorkbook';
import { contentCells, dateFromToday, fillWorkbook, goodPlanContent, type PlanContent } from './helpers/plans';

const organisations = loadOrganisations();
const layout: PlanLayout = planLayout(currentTemplate, organisations.map(organisationLabel));

/** A context whose sync() calls are counted: the number of round trips to Excel. */
function countedContext(model: ExcelWorkbookModel) {
  const context = model.context();
  const counter = { syncs: 0 };
  const sync = context.sync.bind(context);
  context.sync = (<T>(v?: T) => { counter.syncs++; return sync(v); }) as typeof context.sync;
  return { context, counter };
}

/** Content a person might type: the correct plan plus several actions per recommendation and bad values. */
function messyContent(): PlanContent {
  const good = goodPlanContent('RGT');
  return {
    header: { ...good.header, actionPlanLead: null },
    actions: [
      ...good.actions,
      { recommendation: 2, action: 'Set up a monthly audit meeting to review data completeness for metastatic cases', responsible: 'Dr A Jones', deadline: '31/13/2026', status: '9', priority: 'Urgent', progress: 'Not started yet' },
      { recommendation: 2, action: 'Write to the cancer alliance about the dashboard', responsible: 'TBC', deadline: dateFromToday(-30), status: '1. Action not started', priority: 'Low' },
      { recommendation: 3, action: 'Agree a pathway with the CNS team for recurrence reporting', responsible: 'Ms B Green, lead CNS', deadline: dateFromToday(-10), status: '4', priority: 'h', progress: 42 },
      { recommendation: 4, action: 'Review', responsible: 'Mr C White', deadline: '15/03/2027', status: 'in progress', priority: 'Medium', progress: 'Started with the notes of 943 476 5919' },
      { recommendation: 4, responsible: 'Someone', status: '2' },
      { recommendation: 5, action: 'Present results at the regional network meeting and agree actions', responsible: 'Dr D Black', deadline: dateFromToday(4000), status: '5. Action not required', priority: 'Low', reason: 'Covered by the network' },
    ],
  };
}

describe('Excel add-in with office-addin-mock (OfficeMockObject model of the Excel API)', () => {
  it('Create plan writes the sheets, values, merges, formats, dropdowns, date checks, names and protection in 3 round trips', async () => {
    const model = new ExcelWorkbookModel(['Sheet1']);
    const { context, counter } = countedContext(model);
    const outcome = await createPlan(context, { organisations, organisation: 'rgt' });
    assert.equal(outcome.ok, true);
    assert.equal(counter.syncs, 3, 'a fixed number of round trips, never one per row or cell');

    const plan = model.sheet(PLAN_SHEET)!;
    const lists = model.sheet(LISTS_SHEET)!;
    assert.deepEqual(model.sheets.slice().sort((a, b) => a.position - b.position).map((s) => s.name), [PLAN_SHEET, MORE_ACTIONS.sheet, LISTS_SHEET, 'Sheet1']);
    assert.equal(lists.visibility, 'Hidden');
    assert.equal(plan.visibility, 'Visible');

    // Every value of the layout, in its cell.
    for (const row of layout.rows) for (const c of row.cells) if (c.value !== undefined) assert.equal(plan.values.get(c.cell), c.value, c.cell);
    const org = organisations.find((o) => o.code === 'RGT')!;
    assert.equal(plan.values.get(layout.header.find((h) => h.kind === 'organisation')!.cell), organisationLabel(org));
    for (const h of layout.header.filter((x) => x.kind === 'person')) assert.equal(plan.values.has(h.cell), false);
    for (const { cell, value } of listsSheetCells(layout)) assert.equal(lists.values.get(cell), value, `Lists!${cell}`);

    // Merges: each merged layout cell, as one merge on its row.
    const merged = layout.rows.flatMap((r) => r.cells.filter((c) => c.mergeTo).map((c) => `${c.cell}:${c.mergeTo}${r.row}`));
    assert.deepEqual([...plan.merges].sort(), merged.sort());

    // Input cells unlocked, everything else locked; the sheets protected with formatting of rows/columns allowed.
    for (const row of layout.rows) {
      for (const c of row.cells) {
        const cells = c.mergeTo ? cellsOf(`${c.cell}:${c.mergeTo}${row.row}`) : [c.cell];
        for (const cell of cells) assert.equal(plan.formats.get(cell)?.locked, !c.input, `${cell} locked`);
      }
    }
    assert.deepEqual(plan.protection, { protected: true, options: { allowFormatColumns: true, allowFormatRows: true, selectionMode: 'Normal' } });
    assert.equal(lists.protection.protected, true);

    // Styles: a few telling cells.
    const title = plan.formats.get('A1')!;
    assert.equal(title.fill, `#${STYLES.title.fill}`);
    assert.equal(title.font.bold, true);
    assert.equal(title.font.size, STYLES.title.font.size);
    assert.equal(title.font.name, BASE_FONT.name);
    assert.equal(plan.formats.get(`B${layout.recommendations[0]!.firstActionRow}`)!.fill, `#${STYLES.input.fill}`);
    assert.equal(plan.formats.get(`B${layout.recommendations[0]!.firstActionRow}`)!.borders.top?.style, 'Continuous');

    // Deadline cells carry the date format.
    const d = columnOf('deadline');
    for (const rec of layout.recommendations) {
      for (let r = rec.firstActionRow; r <= rec.lastActionRow; r++) assert.equal(plan.numberFormats.get(`${d}${r}`), DEADLINE_NUMBER_FORMAT);
    }

    // Validations: exactly the spec's, lists through the defined names, dates between the bounds, prompts and stop alerts.
    const specs = validationsFor(layout);
    assert.equal(plan.validations.length, specs.length);
    for (const v of specs) {
      const got = plan.validations.find((x) => x.range === v.range && x.cells.size === cellsOf(v.range).length)!;
      assert.ok(got, `validation on ${v.range}`);
      assert.deepEqual(got.rule, v.kind === 'list'
        ? { list: { inCellDropDown: true, source: v.source } }
        : { date: { operator: 'Between', formula1: v.from, formula2: v.to } });
      assert.deepEqual(got.prompt, { showPrompt: true, title: v.promptTitle, message: v.prompt });
      assert.deepEqual(got.errorAlert, { showAlert: true, style: 'Stop', title: v.errorTitle, message: v.error });
      assert.equal(got.ignoreBlanks, true);
    }

    // Defined names and the overdue highlight.
    assert.deepEqual(Object.fromEntries(model.names), Object.fromEntries(definedNames(layout).map((n) => [n.name, `=${n.ref}`])));
    assert.deepEqual(plan.conditionalFormats.map((c) => [c.range, c.formula, c.fill]), overdueRule(layout).map((r) => [r.range, `=${r.formula}`, `#${r.fill}`]));

    // Widths and heights.
    assert.equal(plan.columnWidths.size, 8);
    for (const row of layout.rows) if (row.height) assert.equal(plan.rowHeights.get(row.row), row.height, `row ${row.row} height`);
    assert.deepEqual(model.selected, { sheet: PLAN_SHEET, address: layout.header[0]!.cell });
    assert.deepEqual(plan.pageLayout, {}, 'no print setup unless ExcelApi 1.9 is there');
  });

  it('Create plan builds the same workbook as the exceljs writer behind naome template, cell for cell', async () => {
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(await writePlanWorkbook({ organisations, organisation: 'RGT' }) as unknown as ArrayBuffer);
    const model = new ExcelWorkbookModel([]);
    assert.equal((await createPlan(model.context(), { organisations, organisation: 'RGT' })).ok, true);

    assert.deepEqual(model.sheets.map((s) => [s.name, s.visibility.toLowerCase()]), wb.worksheets.map((w) => [w.name, w.state]));
    const unquote = (ref: string) => ref.replace(/^=/, '').replace(/'([A-Za-z0-9_]+)'!/, '$1!');
    assert.deepEqual(
      Object.fromEntries([...model.names].map(([n, r]) => [n, unquote(r)])),
      Object.fromEntries(wb.definedNames.model.map((d: { name: string; ranges: string[] }) => [d.name, unquote(d.ranges[0]!)])),
    );

    for (const ws of wb.worksheets) {
      const sheet = model.sheet(ws.name)!;
      const values = new Map<string, unknown>();
      ws.eachRow((row) => row.eachCell((cell) => { if (cell.type !== ExcelJS.ValueType.Merge && cell.value !== null) values.set(cell.address, cell.value); }));
      assert.deepEqual(new Map([...sheet.values].sort()), new Map([...values].sort()), `${ws.name} values`);
      assert.deepEqual([...sheet.merges].sort(), [...(ws as unknown as { model: { merges: string[] } }).model.merges].sort(), `${ws.name} merges`);
      assert.equal(sheet.protection.protected, !!(ws as unknown as { sheetProtection?: { sheet?: boolean } }).sheetProtection?.sheet, `${ws.name} protected`);
    }

    // Both visible sheets, the plan sheet and "More actions", format for format.
    const argb = (c: { argb?: string } | undefined) => (c?.argb ? `#${c.argb.slice(2)}` : undefined);
    for (const spec of sheetSpecs(layout)) {
      const ws = wb.getWorksheet(spec.sheet)!;
      const plan = model.sheet(spec.sheet)!;
      const dvs = (ws as unknown as { dataValidations: { model: Record<string, ExcelJS.DataValidation> } }).dataValidations.model;
      for (let r = 1; r <= spec.lastRow; r++) {
        for (const col of ['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H']) {
          const addr = `${col}${r}`;
          const cell = ws.getCell(addr);
          const f = formatOf(plan, addr);
          const at = `${spec.sheet}!${addr}`;
          // Merged cells take their look from the first cell; compare the cells the layout styles.
          if (cell.type === ExcelJS.ValueType.Merge || !f?.fill && !cell.fill) {
            if (cell.type !== ExcelJS.ValueType.Merge) assert.equal(f?.locked ?? true, cell.protection?.locked !== false, `${at} locked`);
            continue;
          }
          assert.equal(f?.fill, argb((cell.fill as ExcelJS.FillPattern | undefined)?.fgColor), `${at} fill`);
          assert.equal(!!f?.font.bold, !!cell.font?.bold, `${at} bold`);
          assert.equal(f?.font.size ?? BASE_FONT.size, cell.font?.size ?? BASE_FONT.size, `${at} size`);
          assert.equal(f?.font.color, argb(cell.font?.color), `${at} colour`);
          assert.equal(f?.wrapText, !!cell.alignment?.wrapText, `${at} wrap`);
          assert.equal(f?.locked, cell.protection?.locked !== false, `${at} locked`);
          assert.equal(plan.numberFormats.get(addr) ?? 'General', cell.numFmt ?? 'General', `${at} number format`);
          const mine = plan.validations.find((v) => v.cells.has(addr));
          const theirs = dvs[addr];
          assert.equal(!!mine, !!theirs, `${at} validation`);
          if (mine && theirs) {
            assert.equal(mine.rule?.list ? 'list' : 'date', theirs.type, `${at} validation type`);
            if (theirs.type === 'list') assert.equal(mine.rule!.list!.source, `=${theirs.formulae[0]}`);
            else assert.deepEqual([mine.rule!.date!.formula1, mine.rule!.date!.formula2], theirs.formulae.map((d) => (d as Date).toISOString().slice(0, 10)));
            assert.deepEqual([mine.prompt?.title, mine.prompt?.message, mine.errorAlert?.title, mine.errorAlert?.message, mine.errorAlert?.style.toLowerCase()],
              [theirs.promptTitle, theirs.prompt, theirs.errorTitle, theirs.error, theirs.errorStyle], `${at} prompt and alert`);
          }
        }
      }
      for (const c of ['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H']) assert.equal(plan.columnWidths.get(c), charsToPoints(ws.getColumn(c).width!), `${spec.sheet} column ${c} width`);
      for (let r = 1; r <= spec.lastRow; r++) assert.equal(plan.rowHeights.get(r), ws.getRow(r).height, `${spec.sheet} row ${r} height`);
      assert.equal(plan.frozenRows, (ws.views[0] as { ySplit?: number } | undefined)?.ySplit ?? 0, `${spec.sheet} frozen rows`);
      assert.deepEqual(plan.conditionalFormats.map((c) => [c.range, c.formula, c.fill, c.font.bold, c.font.color]),
        (ws as unknown as { conditionalFormattings: ExcelJS.ConditionalFormattingOptions[] }).conditionalFormattings.map((c) => {
          const rule = c.rules[0] as ExcelJS.ExpressionRuleType;
          return [c.ref, `=${rule.formulae![0]}`, argb((rule.style!.fill as ExcelJS.FillPattern).bgColor), rule.style!.font!.bold, argb(rule.style!.font!.color)];
        }), `${spec.sheet} conditional formats`);
    }
  });

  it('Create plan applies the spec\'s print setup where ExcelApi 1.9 is supported, still in 3 round trips', async () => {
    const model = new ExcelWorkbookModel();
    await createPlan(model.context(), { organisations, printSetup: true });
    assert.equal(model.syncs, 3);
    const p = printSetup(layout);
    const pl = model.sheet(PLAN_SHEET)!.pageLayout;
    assert.equal(pl.printArea, p.printArea);
    assert.equal(pl.printTitleRows, p.titleRows);
    assert.equal(pl.orientation, 'Landscape');
    assert.equal(pl.paperSize, 'A4');
    assert.deepEqual(pl.zoom, { horizontalFitToPages: 1, verticalFitToPages: 0 });
    assert.equal(pl.leftMargin, p.margins.left * 72);
    assert.equal(`&L${pl['headersFooters.defaultForAllPages.leftFooter']}&R${pl['headersFooters.defaultForAllPages.rightFooter']}`, p.footer);
  });

  it('Create plan refuses to build over an existing plan, and an unknown organisation, saying why', async () => {
    const model = new ExcelWorkbookModel();
    assert.equal((await createPlan(model.context(), { organisations })).ok, true);
    const again = await createPlan(model.context(), { organisations });
    assert.equal(again.ok, false);
    assert.match((again as { message: string }).message, /already has a sheet named 'Action plan'.*Check/);
    const unknown = await createPlan(new ExcelWorkbookModel().context(), { organisations, organisation: 'ZZZ99' });
    assert.match((unknown as { message: string }).message, /ZZZ99 is not in the list/);
  });

  it('text that Excel would turn into a number, boolean or formula is written with the apostrophe that keeps it text', async () => {
    assert.equal(cellInput('2025'), "'2025");
    assert.equal(cellInput('31/12/2026'), "'31/12/2026");
    assert.equal(cellInput('TRUE'), "'TRUE");
    assert.equal(cellInput('=SUM(A1)'), "'=SUM(A1)");
    assert.equal(cellInput('- bullet'), "'- bullet");
    for (const plain of ['1. Action not started', 'High', 'RGT – Cambridge University Hospitals NHS Foundation Trust', 'Key 1']) assert.equal(cellInput(plain), plain);
    assert.equal(cellInput(3), 3);
    const model = new ExcelWorkbookModel();
    const ctx = model.context();
    ctx.workbook.worksheets.getItem('Sheet1').getRange('A1:B1').values = [[cellInput('2025'), cellInput('2025')]];
    await ctx.sync();
    assert.equal(model.getCell('Sheet1', 'A1'), '2025');
  });

  it('office-addin-mock: a property read before load and sync is its error string, not a value', async () => {
    const model = new ExcelWorkbookModel();
    const ctx = model.context();
    const range = ctx.workbook.worksheets.getItem('Sheet1').getRange('A1:B2');
    assert.equal(range.values as unknown, 'Error, property was not loaded');
    range.load('values');
    assert.equal(range.values as unknown, 'Error, context.sync() was not called');
    await ctx.sync();
    assert.deepEqual(range.values, [['', ''], ['', '']]);
  });

  it('Check gives the same plan and the same findings as the exceljs reader on the equivalent .xlsx file, in 2 round trips', async () => {
    const today = todayIso();
    for (const [name, content] of [['correct', goodPlanContent('RGT')], ['messy', messyContent()]] as const) {
      // The .xlsx route: our writer's blank workbook, filled by exceljs, read and checked by checkWorkbook.
      const blank = await writePlanWorkbook({ organisations });
      const file = await checkWorkbook(await fillWorkbook(blank, content), { organisations, today, file: null });

      // The add-in route: the plan built through the modelled Excel API, the same content typed in, checked.
      const model = new ExcelWorkbookModel();
      assert.equal((await createPlan(model.context(), { organisations })).ok, true);
      for (const { cell, value } of contentCells(content)) model.setCell(PLAN_SHEET, cell, value);
      const { context, counter } = countedContext(model);
      const addin = await checkOpenWorkbook(context, { organisations, today });
      assert.equal(counter.syncs, 2, 'a fixed number of round trips');

      assert.ok(file.plan, JSON.stringify(file.result.findings));
      assert.deepEqual(addin.plan, file.plan);
      assert.deepEqual(addin.result, file.result);
      if (name === 'correct') assert.deepEqual(addin.result.findings, [], 'the correct plan has no findings');
    }
  });

  it('Check on a plan workbook opened from its .xlsx file (a downloaded, filled plan) gives checkWorkbook\'s plan and findings', async () => {
    const bytes = await fillWorkbook(await writePlanWorkbook({ organisations }), messyContent());
    const today = todayIso();
    const file = await checkWorkbook(bytes, { organisations, today, file: null });
    const model = ExcelWorkbookModel.opened(await openXlsx(bytes));
    const addin = await checkOpenWorkbook(model.context(), { organisations, today });
    assert.ok(addin.result.findings.length > 5);
    assert.deepEqual(addin.plan, file.plan);
    assert.deepEqual(addin.result, file.result);
  });

  it('Check finds errors and warnings across recommendations on the messy content, an NHS number among them (so the equality above is not vacuous)', async () => {
    const model = new ExcelWorkbookModel();
    await createPlan(model.context(), { organisations });
    for (const { cell, value } of contentCells(messyContent())) model.setCell(PLAN_SHEET, cell, value);
    const { result, plan } = await checkOpenWorkbook(model.context(), { organisations, today: todayIso() });
    assert.equal(plan!.actions.length, messyContent().actions.length);
    const codes = new Set(result.findings.map((f) => f.code));
    for (const code of ['LEAD_MISSING', 'DEADLINE_NOT_DATE', 'STATUS_INVALID', 'PRIORITY_INVALID', 'REASON_MISSING', 'DEADLINE_PASSED', 'NHS_NUMBER']) assert.ok(codes.has(code), `${code} in ${[...codes]}`);
    // The patient identifier is named by its cell, never repeated.
    const nhs = result.findings.find((f) => f.code === 'NHS_NUMBER')!;
    assert.equal(nhs.field, 'progress');
    for (const f of result.findings) assert.doesNotMatch(f.message, /5919/);
    assert.ok(new Set(result.findings.map((f) => f.recommendation)).size >= 4);
    assert.equal(result.valid, false);
  });

  it('Check reads dates right in a workbook using the 1904 date system (told by the cells\' displayed text)', async () => {
    const content = goodPlanContent('RGT');
    const read = async (date1904: boolean) => {
      const model = new ExcelWorkbookModel();
      model.date1904 = date1904;
      await createPlan(model.context(), { organisations });
      for (const { cell, value } of contentCells(content)) model.setCell(PLAN_SHEET, cell, value);
      return checkOpenWorkbook(model.context(), { organisations, today: todayIso() });
    };
    const [a, b] = [await read(false), await read(true)];
    assert.deepEqual(b.plan, a.plan);
    assert.equal(a.plan!.actions[0]!.deadline, content.actions[0]!.deadline instanceof Date ? content.actions[0]!.deadline.toISOString().slice(0, 10) : null);
  });

  it('Check on a workbook without a plan says so; choosing a finding selects its cell', async () => {
    const model = new ExcelWorkbookModel();
    const none = await checkOpenWorkbook(model.context(), { organisations, today: todayIso() });
    assert.equal(none.result.readable, false);
    assert.equal(none.result.findings[0]!.code, 'NOT_ACTION_PLAN');
    assert.match(none.result.findings[0]!.message, /Create plan/);

    await createPlan(model.context(), { organisations });
    const { result } = await checkOpenWorkbook(model.context(), { organisations, today: todayIso() });
    const f = result.findings.find((x) => x.cell)!;
    const { context, counter } = countedContext(model);
    await selectCell(context, f.sheet!, f.cell!);
    assert.deepEqual(model.selected, { sheet: f.sheet, address: f.cell });
    assert.equal(model.activeSheet, f.sheet);
    assert.equal(counter.syncs, 1);
  });
});
