// Writes the plan workbook with exceljs, cell for cell from the shared layout and the shared workbook spec, so it
// matches what the add-in builds and what the readers expect: blank (or with the organisation chosen), or filled from
// a plan model (writeFilledPlan) — the form rebuilt from what was checked, holding values only.
import ExcelJS from 'exceljs';
import { isIsoDate } from '../../shared/cells';
import { ACTION_COLUMNS, LISTS_SHEET, NUMBER_COLUMN, a1, definedNames, planLayout, type PlanLayout } from '../../shared/layout';
import { organisationLabel, type Organisation } from '../../shared/organisations';
import type { Plan, PlanAction } from '../../shared/plan';
import { blockRows } from '../../shared/planCells';
import { builtInTemplates, currentTemplate, findTemplate, type Template } from '../../shared/template';
import { withoutXmlIllegal } from '../../shared/unsafeText';
import {
  BASE_FONT, BORDER_COLOR, DEADLINE_NUMBER_FORMAT, PROTECTION, STYLES, listsSheetCells, sheetSpecs,
  type CellStyle, type SheetSpec, type StyleName, type ValidationSpec,
} from '../../shared/workbookSpec';
import { parseCell } from '../../shared/a1';

export interface WritePlanOptions {
  template?: Template;
  organisations: Organisation[];
  /** ODS code of the organisation to pre-fill; an unknown code throws. */
  organisation?: string;
}

const argb = (hex: string) => ({ argb: `FF${hex}` });

function cellStyle(s: CellStyle): Partial<ExcelJS.Style> {
  const side: Partial<ExcelJS.Border> = { style: 'thin', color: argb(BORDER_COLOR) };
  return {
    font: {
      name: BASE_FONT.name,
      size: s.font.size ?? BASE_FONT.size,
      bold: s.font.bold,
      italic: s.font.italic,
      ...(s.font.color ? { color: argb(s.font.color) } : {}),
    },
    ...(s.fill ? { fill: { type: 'pattern', pattern: 'solid', fgColor: argb(s.fill) } as ExcelJS.Fill } : {}),
    alignment: { wrapText: s.wrap, horizontal: s.horizontal, vertical: s.vertical === 'center' ? 'middle' : 'top' },
    ...(s.border === 'thin' ? { border: { top: side, left: side, bottom: side, right: side } } : {}),
  };
}

function dataValidation(v: ValidationSpec): ExcelJS.DataValidation {
  const common = {
    allowBlank: v.allowBlank,
    showInputMessage: true,
    showErrorMessage: true,
    errorStyle: v.errorStyle,
    promptTitle: v.promptTitle,
    prompt: v.prompt,
    errorTitle: v.errorTitle,
    error: v.error,
  };
  if (v.kind === 'list') return { ...common, type: 'list', formulae: [v.source!.replace(/^=/, '')] };
  const day = (iso: string) => new Date(`${iso}T00:00:00Z`);
  return { ...common, type: 'date', operator: 'between', formulae: [day(v.from!), day(v.to!)] };
}

/** The ODS code's dropdown label; throws naming the code when it is not in the organisations list. */
function organisationValue(code: string, organisations: Organisation[]): string {
  const wanted = code.trim().toUpperCase();
  const org = organisations.find((o) => o.code === wanted);
  if (!org) {
    throw new Error(`Unknown organisation code ${code}: it is not in the organisations list (${organisations.length} organisations). `
      + 'Give the ODS code of an NHS trust or Welsh health board, e.g. RGT.');
  }
  return organisationLabel(org);
}

/** One sheet of the plan workbook, from its spec (shared/workbookSpec.ts): the plan sheet or "More actions". */
function writeSheet(wb: ExcelJS.Workbook, spec: SheetSpec): ExcelJS.Worksheet {
  const { freeze, print, activeCell } = spec;
  const ws = wb.addWorksheet(spec.sheet, {
    properties: { defaultRowHeight: 15 },
    views: [freeze ? { state: 'frozen', xSplit: freeze.cols, ySplit: freeze.rows, activeCell } : { state: 'normal', activeCell }],
    pageSetup: {
      paperSize: print.paperSizeCode as ExcelJS.PaperSize,
      orientation: print.orientation,
      fitToPage: true,
      fitToWidth: print.fitToWidth,
      fitToHeight: print.fitToHeight,
      printArea: print.printArea,
      printTitlesRow: print.titleRows.replace(/\$/g, ''),
      margins: print.margins,
      horizontalCentered: true,
    },
    headerFooter: { oddFooter: print.footer },
  });
  // One style object per kind of cell, never mutated once assigned: exceljs shares a style object between the cells
  // given it, so setting e.g. numFmt on one cell afterwards would change them all.
  const styles = new Map<string, Partial<ExcelJS.Style>>();
  const styleFor = (name: StyleName, input: boolean, date: boolean) => {
    const key = `${name}|${input}|${date}`;
    if (!styles.has(key)) {
      styles.set(key, {
        ...cellStyle(STYLES[name]),
        ...(input ? { protection: { locked: false } } : {}),
        ...(date ? { numFmt: DEADLINE_NUMBER_FORMAT } : {}),
      });
    }
    return styles.get(key)!;
  };
  // Column formats go first: exceljs gives them to every cell made in the column afterwards (a filled plan's values
  // on "More actions" among them), as Excel does to what is typed there.
  const byCol = new Map(spec.columnFormats.map((f) => [f.col, f]));
  ws.columns = spec.widths.map((c) => {
    const f = byCol.get(c.col);
    return { key: c.col, width: c.width, ...(f ? { style: styleFor(f.style, f.input, f.date) } : {}) };
  });
  const dates = new Set(spec.dateRanges.flatMap(cellsOfRange));
  for (const row of spec.rows) {
    if (row.height) ws.getRow(row.row).height = row.height;
    for (const c of row.cells) {
      if (c.mergeTo) ws.mergeCells(`${c.cell}:${c.mergeTo}${row.row}`);
      const cell = ws.getCell(c.cell);
      if (c.value !== undefined) cell.value = c.value;
      cell.style = styleFor(c.style, !!c.input, dates.has(c.cell));
    }
  }
  for (const row of spec.pageBreaksAfter) ws.getRow(row).addPageBreak();

  // exceljs's typings lack DataValidations.add; one call per block range keeps the sqref exactly that range.
  const validations = (ws as unknown as { dataValidations: unknown }).dataValidations as { add(range: string, rule: ExcelJS.DataValidation): void };
  for (const v of spec.validations) validations.add(v.range, dataValidation(v));

  for (const rule of spec.conditional) {
    ws.addConditionalFormatting({
      ref: rule.range,
      rules: [{
        type: 'expression',
        priority: 1,
        formulae: [rule.formula],
        style: {
          fill: { type: 'pattern', pattern: 'solid', bgColor: argb(rule.fill) },
          font: { bold: rule.font.bold, color: argb(rule.font.color) },
        },
      }],
    });
  }
  return ws;
}

/** The cells of a one-column range "D22:D36". */
function cellsOfRange(range: string): string[] {
  const [from, to] = range.split(':') as [string, string];
  const { col, row: first } = parseCell(from);
  const last = parseCell(to).row;
  return Array.from({ length: last - first + 1 }, (_, i) => `${col}${first + i}`);
}

function writeListsSheet(wb: ExcelJS.Workbook, layout: PlanLayout): ExcelJS.Worksheet {
  const ws = wb.addWorksheet(LISTS_SHEET, { state: 'hidden' });
  ws.getColumn('A').width = 18;
  ws.getColumn('B').width = 14;
  for (const list of Object.values(layout.lists)) ws.getColumn(list.col).width = Math.min(80, Math.max(20, ...list.values.map((v) => String(v).length)));
  for (const { cell, value } of listsSheetCells(layout)) ws.getCell(cell).value = value;
  for (const cell of ['A1', 'A2', ...Object.values(layout.lists).map((l) => `${l.col}1`)]) ws.getCell(cell).font = { bold: true };
  return ws;
}

/** The plan workbook as .xlsx bytes: the plan sheet first and active, "More actions" second, the hidden lists sheet last. */
export async function writePlanWorkbook(opts: WritePlanOptions): Promise<Buffer> {
  const template = opts.template ?? currentTemplate;
  const organisation = opts.organisation !== undefined ? organisationValue(opts.organisation, opts.organisations) : null;
  return writeWorkbook(template, opts.organisations, (sheet, layout) => {
    const orgField = layout.header.find((h) => h.kind === 'organisation');
    if (orgField && organisation) sheet.getCell(orgField.cell).value = organisation;
  });
}

export interface WriteFilledOptions {
  /** The organisations of the dropdown. */
  organisations: Organisation[];
  /** Where the plan's template is looked up (default: the built-in templates). */
  templates?: Template[];
}

/**
 * The plan workbook filled from a plan model: the template's own form and official text, with the plan's header and
 * action values typed into their cells — text as text (never a formula, whatever it starts with), deadlines as dates.
 * A recommendation's actions beyond its block, and the rows the plan had on "More actions", go on the "More actions"
 * sheet with their recommendation number. Nothing of the file the plan was read from survives: no formula, link,
 * picture or extra part. Throws only when the plan's template is unknown.
 */
export async function writeFilledPlan(plan: Plan, opts: WriteFilledOptions): Promise<Buffer> {
  const { id, version } = plan.template;
  const template = findTemplate(id, version, opts.templates ?? builtInTemplates);
  if (!template) throw new Error(`The plan was made from template "${id}" version ${version}, which is not known here.`);
  return writeWorkbook(template, opts.organisations, (sheet, layout, moreSheet) => {
    const text = (v: string | null) => (v === null ? null : withoutXmlIllegal(v));
    const put = (ws: ExcelJS.Worksheet, row: number, action: PlanAction) => {
      for (const c of ACTION_COLUMNS) {
        const v = action[c.field];
        if (v === null) continue;
        // A day as exceljs writes a calendar date: UTC midnight.
        ws.getCell(a1(c.col, row)).value = c.field === 'deadline' && isIsoDate(v) ? new Date(`${v}T00:00:00Z`) : text(v);
      }
    };
    for (const h of layout.header) if (plan.header[h.id] != null) sheet.getCell(h.cell).value = text(plan.header[h.id]!);
    const overflow: PlanAction[] = [];
    for (const rec of layout.recommendations) {
      const { placed, homeless } = blockRows(plan, rec);
      for (const [row, action] of placed) put(sheet, row, action);
      overflow.push(...homeless);
    }
    const more = moreRows(plan, layout, overflow);
    for (const [row, action] of more) {
      // The recommendation number as a number, as the dropdown gives it; a row that named none keeps what it said.
      const number = action.recommendation !== 0 ? action.recommendation : text(action.recommendationText ?? null);
      if (number !== null) moreSheet.getCell(a1(NUMBER_COLUMN.col, row)).value = number;
      put(moreSheet, row, action);
    }
    return { moreLastRow: Math.max(0, ...more.map(([row]) => row)) };
  });
}


/**
 * The "More actions" rows: the plan's own rows there (and any row not on the plan sheet) keep their row when it is in
 * the sheet's rows and free; they and the blocks' overflow, in recommendation order, take the next free rows, past
 * the sheet's 200 when a plan needs more (the sheet's name is then widened to cover them).
 */
function moreRows(plan: Plan, layout: PlanLayout, overflow: PlanAction[]): Array<[number, PlanAction]> {
  const { firstRow, lastRow } = layout.more;
  const own = plan.actions.filter((a) => a.sheet !== undefined || a.recommendation === 0).sort((a, b) => a.row - b.row);
  const taken = new Set<number>();
  const placed: Array<[number, PlanAction]> = [];
  const homeless: PlanAction[] = [];
  for (const a of own) {
    if (a.row >= firstRow && a.row <= lastRow && !taken.has(a.row)) { taken.add(a.row); placed.push([a.row, a]); } else homeless.push(a);
  }
  homeless.push(...overflow);
  for (let row = firstRow; homeless.length > 0; row++) {
    if (!taken.has(row)) { taken.add(row); placed.push([row, homeless.shift()!]); }
  }
  return placed;
}

/**
 * Builds the workbook (the plan sheet, "More actions", the hidden lists sheet), lets `fill` put values into the plan
 * and "More actions" sheets, then protects the plan and lists sheets and writes the bytes.
 */
async function writeWorkbook(template: Template, organisations: Organisation[],
  fill: (sheet: ExcelJS.Worksheet, layout: PlanLayout, more: ExcelJS.Worksheet) => { moreLastRow: number } | void): Promise<Buffer> {
  const layout = planLayout(template, organisations.map(organisationLabel));

  const wb = new ExcelJS.Workbook();
  wb.creator = 'naome';
  wb.title = template.title;
  wb.subject = `${template.id} version ${template.version}`;
  wb.created = wb.modified = new Date();
  // Naming the active tab keeps the plan sheet in front after LibreOffice and Excel round trips.
  wb.views = [{ x: 0, y: 0, width: 28000, height: 16000, firstSheet: 0, activeTab: 0, visibility: 'visible' }];

  const sheets = sheetSpecs(layout).map((spec) => ({ spec, ws: writeSheet(wb, spec) }));
  const filled = fill(sheets[0]!.ws, layout, sheets[1]!.ws);
  const lists = writeListsSheet(wb, layout);
  // The "More actions" name covers every row written there, so a reader reads them all.
  const moreLastRow = Math.max(layout.more.lastRow, filled?.moreLastRow ?? 0);
  for (const { name, ref } of definedNames({ ...layout, more: { ...layout.more, lastRow: moreLastRow } })) wb.definedNames.add(ref, name);

  for (const { spec, ws } of sheets) if (spec.protect) await ws.protect('', { ...PROTECTION });
  await lists.protect('', { ...PROTECTION, formatColumns: false, formatRows: false });
  return Buffer.from(await wb.xlsx.writeBuffer());
}
