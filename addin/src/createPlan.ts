// Create plan: builds the plan workbook in the user's own Excel through the Excel JavaScript API, from the same layout
// (shared/layout.ts) and the same look-and-behaviour spec (shared/workbookSpec.ts) as the exceljs writer behind
// `naome template`. Everything is queued and sent in three round trips, whatever the size of the plan.
import { LAST_COL, LISTS_SHEET, definedNames, planLayout, type LayoutRow, type PlanLayout } from '../../shared/layout';
import { isoToSerial } from '../../shared/cells';
import { organisationLabel, type Organisation } from '../../shared/organisations';
import type { Plan } from '../../shared/plan';
import { planCellValues } from '../../shared/planCells';
import { currentTemplate, type Template } from '../../shared/template';
import {
  BASE_FONT, BORDER_COLOR, DEADLINE_NUMBER_FORMAT, PROTECTION, STYLES, listsSheetCells, sheetSpecs,
  type CellStyle, type PrintSpec, type SheetSpec, type StyleName,
} from '../../shared/workbookSpec';
import { colIndex, colName, parseCell } from '../../shared/a1';

export interface CreatePlanOptions {
  template?: Template;
  organisations: Organisation[];
  /** ODS code of the user's organisation, pre-filled in the header. */
  organisation?: string | null;
  /** Apply the print setup too: it needs ExcelApi 1.9 (page layout), one step above what the rest needs. */
  printSetup?: boolean;
  /** A plan to fill in ("Load my latest plan"): its values go in with the form, in the same round trips. */
  plan?: Plan;
}

export type CreatePlanOutcome =
  | { ok: true; template: Template; organisation: Organisation | null }
  | { ok: false; message: string };

/** Excel column width in characters (what the spec gives) to the points the Excel API takes: 7 px a character plus 5 px padding, 0.75 pt a pixel. */
export const charsToPoints = (chars: number) => Math.round((chars * 7 + 5) * 0.75 * 100) / 100;

/** A block of cells formatted alike: consecutive layout rows whose cell has the same columns, style and flags. */
interface Block { from: string; to: string; firstRow: number; lastRow: number; style: StyleName; merged: boolean; input: boolean }

/**
 * Groups the layout's cells into rectangles so formats go out as a few dozen range commands rather than one per cell:
 * the 75 action rows become one rectangle per recommendation and column span.
 */
export function formatBlocks(rows: LayoutRow[]): Block[] {
  const blocks: Block[] = [];
  const open = new Map<string, Block>();
  for (const row of rows) {
    for (const c of row.cells) {
      const { col } = parseCell(c.cell);
      const to = c.mergeTo ?? col;
      const key = `${col}:${to}:${c.style}:${!!c.input}`;
      const prev = open.get(key);
      if (prev && prev.lastRow === row.row - 1) prev.lastRow = row.row;
      else {
        const block = { from: col, to, firstRow: row.row, lastRow: row.row, style: c.style, merged: !!c.mergeTo, input: !!c.input };
        blocks.push(block);
        open.set(key, block);
      }
    }
  }
  return blocks;
}

const hex = (rgb: string) => `#${rgb}`;
const capital = <T extends string>(s: T) => (s[0]!.toUpperCase() + s.slice(1)) as Capitalize<T>;

function applyStyle(range: Excel.Range, s: CellStyle, rows: number, cols: number, merged: boolean) {
  const f = range.format;
  f.font.bold = !!s.font.bold;
  f.font.italic = !!s.font.italic;
  if (s.font.size) f.font.size = s.font.size;
  if (s.font.color) f.font.color = hex(s.font.color);
  if (s.fill) f.fill.color = hex(s.fill);
  f.wrapText = s.wrap;
  f.horizontalAlignment = capital(s.horizontal);
  f.verticalAlignment = capital(s.vertical);
  if (s.border === 'thin') {
    const edges: Array<`${Excel.BorderIndex}`> = [Excel_Edge.top, Excel_Edge.bottom, Excel_Edge.left, Excel_Edge.right];
    if (rows > 1) edges.push(Excel_Edge.insideH);
    if (cols > 1 && !merged) edges.push(Excel_Edge.insideV);
    for (const edge of edges) {
      const b = f.borders.getItem(edge);
      b.style = 'Continuous';
      b.weight = 'Thin';
      b.color = hex(BORDER_COLOR);
    }
  }
}
// String values of Excel.BorderIndex, so the code runs without the Excel enums being defined.
const Excel_Edge = {
  top: 'EdgeTop', bottom: 'EdgeBottom', left: 'EdgeLeft', right: 'EdgeRight', insideH: 'InsideHorizontal', insideV: 'InsideVertical',
} as const satisfies Record<string, `${Excel.BorderIndex}`>;

/**
 * A value as written through `range.values`: Excel would turn text that looks like a number, a date or a formula into
 * one, so such text goes in with the leading apostrophe that keeps it text (the apostrophe is not part of the value).
 */
export function cellInput(v: string | number | undefined): string | number {
  if (v === undefined) return '';
  if (typeof v === 'number') return v;
  const t = v.trim();
  const looksLikeData = /^[=+\-@]/.test(t) || /^(true|false)$/i.test(t) || (/\d/.test(t) && /^[\d\s.,:/%£$e+-]+$/i.test(t));
  return looksLikeData ? `'${v}` : v;
}

/** A rows × cols grid of '' with the given cells filled in (cells outside the grid are an error in the layout). */
function grid(lastRow: number, lastCol: string, cells: Array<{ cell: string; value: string | number | undefined }>) {
  const width = colIndex(lastCol) + 1;
  const g: Array<Array<string | number>> = Array.from({ length: lastRow }, () => Array<string | number>(width).fill(''));
  for (const { cell, value } of cells) {
    const { col, row } = parseCell(cell);
    g[row - 1]![colIndex(col)] = cellInput(value);
  }
  return g;
}

/** Consecutive columns with the same column format, as one range each ('A:C'). */
function columnGroups(formats: SheetSpec['columnFormats']) {
  const groups: Array<{ from: string; to: string; style: StyleName; input: boolean }> = [];
  for (const f of formats) {
    const prev = groups[groups.length - 1];
    if (prev && prev.style === f.style && prev.input === f.input && colIndex(f.col) === colIndex(prev.to) + 1) prev.to = f.col;
    else groups.push({ from: f.col, to: f.col, style: f.style, input: f.input });
  }
  return groups;
}

/** One sheet of the plan workbook, from its spec (shared/workbookSpec.ts); `extra` are values beyond the layout's. */
function writeSheet(ws: Excel.Worksheet, spec: SheetSpec, extra: Array<{ cell: string; value: string | number }> = []) {
  // Whole-column formats first: Excel gives them to the cells already there too, which the rows' own formats below
  // then override. Formatting the blank rows cell by cell would make Excel save every one of those cells.
  for (const group of columnGroups(spec.columnFormats)) {
    const range = ws.getRange(`${group.from}:${group.to}`);
    range.format.font.name = BASE_FONT.name;
    range.format.font.size = BASE_FONT.size;
    // Two or more rows: every cell of the columns gets its inside borders.
    applyStyle(range, STYLES[group.style], 2, colIndex(group.to) - colIndex(group.from) + 1, false);
    range.format.protection.locked = !group.input;
  }
  // The rows holding cells; the rest of the sheet's rows (blank input rows) take the column formats.
  const cells = [...spec.rows.flatMap((r) => r.cells.filter((c) => c.value !== undefined).map((c) => ({ cell: c.cell, value: c.value }))), ...extra];
  const last = Math.max(1, ...spec.rows.filter((r) => r.cells.length > 0).map((r) => r.row), ...extra.map((c) => parseCell(c.cell).row));

  const all = ws.getRange(`A1:${LAST_COL}${last}`);
  all.format.font.name = BASE_FONT.name;
  all.format.font.size = BASE_FONT.size;
  all.values = grid(last, LAST_COL, cells);

  for (const c of spec.widths) ws.getRange(`${c.col}:${c.col}`).format.columnWidth = charsToPoints(c.width);
  // Row heights, consecutive rows of one height in one command.
  const heights = spec.rows.filter((r) => r.height);
  for (let i = 0; i < heights.length;) {
    let j = i;
    while (j + 1 < heights.length && heights[j + 1]!.row === heights[j]!.row + 1 && heights[j + 1]!.height === heights[i]!.height) j++;
    ws.getRange(`${heights[i]!.row}:${heights[j]!.row}`).format.rowHeight = heights[i]!.height!;
    i = j + 1;
  }

  for (const b of formatBlocks(spec.rows)) {
    const range = ws.getRange(`${b.from}${b.firstRow}:${b.to}${b.lastRow}`);
    if (b.merged) range.merge(true);
    applyStyle(range, STYLES[b.style], b.lastRow - b.firstRow + 1, colIndex(b.to) - colIndex(b.from) + 1, b.merged);
    // Said both ways: a column format under the cell may have unlocked it.
    range.format.protection.locked = !b.input;
  }

  // Cell by cell even under a column format: the Excel API sets number formats as a grid the size of the range.
  for (const range of spec.dateRanges) {
    const [from, to] = range.split(':').map((c) => parseCell(c).row) as [number, number];
    ws.getRange(range).numberFormat = Array.from({ length: to - from + 1 }, () => [DEADLINE_NUMBER_FORMAT]);
  }

  // The rule goes before the prompt and alert: Excel on the web throws when a rule is set after a prompt on a range.
  for (const v of spec.validations) {
    const dv = ws.getRange(v.range).dataValidation;
    dv.rule = v.kind === 'list'
      ? { list: { inCellDropDown: true, source: v.source! } }
      : { date: { operator: 'Between', formula1: v.from!, formula2: v.to! } };
    dv.ignoreBlanks = v.allowBlank;
    dv.prompt = { showPrompt: true, title: v.promptTitle, message: v.prompt };
    dv.errorAlert = { showAlert: true, style: capital(v.errorStyle), title: v.errorTitle, message: v.error };
  }

  for (const rule of spec.conditional) {
    const cf = ws.getRange(rule.range).conditionalFormats.add('Custom');
    cf.custom.rule.formula = `=${rule.formula}`;
    cf.custom.format.fill.color = hex(rule.fill);
    cf.custom.format.font.bold = rule.font.bold;
    cf.custom.format.font.color = hex(rule.font.color);
  }

  if (spec.freeze) ws.freezePanes.freezeRows(spec.freeze.rows);
}

/** exceljs header/footer text ('&L…&C…&R…') split into Excel's left, centre and right sections. */
export function footerSections(text: string): { left: string; center: string; right: string } {
  const out = { left: '', center: '', right: '' };
  let section: keyof typeof out = 'center';
  for (const part of text.split(/(&[LCR])/)) {
    if (part === '&L') section = 'left';
    else if (part === '&C') section = 'center';
    else if (part === '&R') section = 'right';
    else out[section] += part;
  }
  return out;
}

/** A4 landscape, one page wide, headings repeated: the spec's print setup (ExcelApi 1.9). */
function writePrintSetup(ws: Excel.Worksheet, p: PrintSpec) {
  const pl = ws.pageLayout;
  const points = (inches: number) => inches * 72;
  pl.orientation = capital(p.orientation);
  pl.paperSize = p.paperSize;
  // verticalFitToPages 0: as many pages tall as the plan needs.
  pl.zoom = { horizontalFitToPages: p.fitToWidth, verticalFitToPages: p.fitToHeight };
  pl.leftMargin = points(p.margins.left);
  pl.rightMargin = points(p.margins.right);
  pl.topMargin = points(p.margins.top);
  pl.bottomMargin = points(p.margins.bottom);
  pl.headerMargin = points(p.margins.header);
  pl.footerMargin = points(p.margins.footer);
  pl.centerHorizontally = true;
  pl.setPrintArea(p.printArea);
  pl.setPrintTitleRows(p.titleRows);
  const footer = footerSections(p.footer);
  const page = pl.headersFooters.defaultForAllPages;
  page.leftFooter = footer.left;
  page.centerFooter = footer.center;
  page.rightFooter = footer.right;
}

function writeListsSheet(ws: Excel.Worksheet, layout: PlanLayout) {
  const cells = listsSheetCells(layout);
  const lastRow = Math.max(...cells.map((c) => parseCell(c.cell).row));
  const lastCol = colName(Math.max(...cells.map((c) => colIndex(parseCell(c.cell).col))));
  const all = ws.getRange(`A1:${lastCol}${lastRow}`);
  all.format.font.name = BASE_FONT.name;
  all.format.font.size = BASE_FONT.size;
  all.values = grid(lastRow, lastCol, cells);
  // Headings: the labels in column A and each list's title in row 1.
  ws.getRange('A1:A2').format.font.bold = true;
  for (const list of Object.values(layout.lists)) ws.getRange(`${list.col}1`).format.font.bold = true;
  ws.visibility = 'Hidden';
}

/**
 * Builds a new plan in the open workbook: the 'Action plan' sheet first, the unprotected 'More actions' sheet, the
 * hidden protected 'Lists' sheet, defined names, dropdowns, date checks, the overdue highlight and the plan sheet's
 * protection with the input cells unlocked.
 * Refuses, saying why, when the workbook already holds a plan or the organisation code is unknown.
 */
export async function createPlan(context: Excel.RequestContext, opts: CreatePlanOptions): Promise<CreatePlanOutcome> {
  const template = opts.template ?? currentTemplate;
  let org: Organisation | null = null;
  if (opts.organisation) {
    const code = opts.organisation.trim().toUpperCase();
    org = opts.organisations.find((o) => o.code === code) ?? null;
    if (!org) return { ok: false, message: `The organisation code ${code} is not in the list of ${opts.organisations.length} organisations. Choose your organisation from the list.` };
  }
  const layout = planLayout(template, opts.organisations.map(organisationLabel));

  // Round trip 1: which sheets exist.
  const sheets = context.workbook.worksheets;
  sheets.load('items/name');
  await context.sync();
  const specs = sheetSpecs(layout);
  const ours = [...specs.map((spec) => spec.sheet), LISTS_SHEET];
  const taken = sheets.items.map((s) => s.name).filter((n) => ours.includes(n));
  if (taken.length > 0) {
    return {
      ok: false,
      message: `This workbook already has a sheet named '${taken[0]}'. Use Check to check the plan it holds, or open a new blank workbook to create a fresh plan.`,
    };
  }

  // Round trip 2: the whole workbook, queued: the plan sheet, "More actions", then the hidden lists sheet.
  const orgField = layout.header.find((h) => h.kind === 'organisation');
  const written = specs.map((spec, i) => {
    const ws = sheets.add(spec.sheet);
    ws.position = i;
    const extra: Array<{ cell: string; value: string | number }> = i === 0 && orgField && org ? [{ cell: orgField.cell, value: organisationLabel(org) }] : [];
    // "Load my latest plan": the plan's values on the plan sheet; a deadline that is a date as its serial number.
    if (i === 0 && opts.plan) for (const v of planCellValues(opts.plan, layout)) extra.push({ cell: v.cell, value: 'day' in v ? isoToSerial(v.day) : v.text });
    writeSheet(ws, spec, extra);
    if (opts.printSetup) writePrintSetup(ws, spec.print);
    return { spec, ws };
  });
  const lists = sheets.add(LISTS_SHEET);
  lists.position = specs.length;
  writeListsSheet(lists, layout);
  for (const { name, ref } of definedNames(layout)) context.workbook.names.add(name, `=${ref}`);
  const plan = written[0]!.ws;
  plan.activate();
  plan.getRange(specs[0]!.activeCell).select();
  for (const { ws } of written) ws.protection.load('protected');
  lists.protection.load('protected');
  await context.sync();

  // Round trip 3: protection. protect() throws on a sheet that is already protected, so it is checked first.
  const options: Excel.WorksheetProtectionOptions = { allowFormatColumns: PROTECTION.formatColumns, allowFormatRows: PROTECTION.formatRows, selectionMode: 'Normal' };
  for (const { spec, ws } of written) if (spec.protect && !ws.protection.protected) ws.protection.protect(options);
  if (!lists.protection.protected) lists.protection.protect({ selectionMode: 'Normal' });
  await context.sync();
  return { ok: true, template, organisation: org };
}
