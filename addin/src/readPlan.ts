// Check: reads a plan out of the open workbook through the Excel API — two round trips whatever its size — into the
// shared plan model, and runs the same rules as the service and the command line (shared/rules.ts). The file's bytes
// are never needed, so this works in Excel on the web too.
import type { RawCell } from '../../shared/cells';
import { serialToIso, parseDateText } from '../../shared/cells';
import { finding, type Finding, type ValidationResult } from '../../shared/findings';
import { readLocatedPlan, readingPlan } from '../../shared/locate';
import type { Organisation } from '../../shared/organisations';
import type { CellReader, Plan } from '../../shared/plan';
import { validatePlan } from '../../shared/rules';
import { builtInTemplates, type Template } from '../../shared/template';
import { colIndex, parseCell, topLeft } from '../../shared/a1';

/** What the Excel API gives for a range: values (dates as serial numbers), displayed text and number formats. */
export interface SheetGrid {
  address: string;
  values: unknown[][];
  text: string[][];
  numberFormat: unknown[][];
  formulas?: unknown[][];
}

export type ReadOutcome =
  | { ok: true; template: Template; plan: Plan; readerFindings: Finding[]; date1904: boolean }
  | { ok: false; finding: Finding };

/**
 * exceljs's test for a date number format (quoted text and [..] sections removed, then any of y m d h s b), so a
 * number shown as a date reads as a date here exactly as it does from the .xlsx file.
 */
export function isDateFormat(fmt: unknown): boolean {
  if (typeof fmt !== 'string' || !fmt) return false;
  return /[ymdhMsb]+/.test(fmt.replace(/\[[^\]]*]/g, '').replace(/"[^"]*"/g, ''));
}

/**
 * The Excel API does not say which date system a workbook uses, but a date cell's displayed text does: the first
 * date-formatted number whose text reads as a date tells whether serial numbers count from 1900 or 1904.
 */
export function detectDate1904(grid: SheetGrid): boolean {
  for (let r = 0; r < grid.values.length; r++) {
    for (let c = 0; c < grid.values[r]!.length; c++) {
      const v = grid.values[r]![c];
      if (typeof v !== 'number' || !isDateFormat(grid.numberFormat[r]?.[c])) continue;
      const shown = parseDateText(grid.text[r]?.[c] ?? '');
      if (!shown) continue;
      if (shown === serialToIso(v, true) && shown !== serialToIso(v, false)) return true;
      if (shown === serialToIso(v, false)) return false;
    }
  }
  return false;
}

/** Where a cell is in a grid: its row and column index from the grid's top-left cell. */
function cellIndex(grid: SheetGrid, cell: string): { r: number; c: number } {
  const origin = topLeft(grid.address);
  const { col, row } = parseCell(cell);
  return { r: row - origin.row, c: colIndex(col) - colIndex(origin.col) };
}

/** A CellReader over Excel API grids: dates come back as Date (UTC midnight), as exceljs gives them. */
export function gridReader(grids: Record<string, SheetGrid>, date1904: boolean): CellReader {
  return (sheet, cell) => {
    const grid = grids[sheet];
    if (!grid) return null;
    const { r, c } = cellIndex(grid, cell);
    const v = grid.values[r]?.[c];
    const formula = grid.formulas?.[r]?.[c];
    // A formula Excel has not calculated (manual calculation): as the file reader gives a formula with no saved result.
    if ((v === undefined || v === null || v === '') && typeof formula === 'string' && formula.startsWith('=')) return { formula: formula.slice(1) };
    if (v === undefined || v === null || v === '') return null;
    if (typeof v === 'number' && isDateFormat(grid.numberFormat[r]?.[c])) {
      const iso = serialToIso(v, date1904);
      return iso ? new Date(`${iso}T00:00:00Z`) : v;
    }
    // Excel reports an error value as its text, e.g. '#N/A'.
    if (typeof v === 'string' && /^#(N\/A|REF!|VALUE!|DIV\/0!|NAME\?|NUM!|NULL!|SPILL!|CALC!|GETTING_DATA)$/.test(v)) return { error: v };
    return v as RawCell;
  };
}

/**
 * Reads the plan in the open workbook, located through the workbook's own names (shared/locate.ts) exactly as the file
 * reader does. Round trip 1: the sheet names and the defined names; round trip 2: the template mark, the plan area
 * (values, formulas and merged areas) and any "More actions" sheet or copy of the plan sheet — two whatever the plan.
 */
export async function readPlan(context: Excel.RequestContext, templates: Template[] = builtInTemplates): Promise<ReadOutcome> {
  const sheets = context.workbook.worksheets;
  sheets.load('items/name');
  const names = context.workbook.names;
  names.load('items/name,items/formula');
  await context.sync();
  const sheetNames = sheets.items.map((s) => s.name);
  const defined = names.items.map((n) => ({ name: n.name, formula: String(n.formula ?? '') }));
  const reading = readingPlan(sheetNames, defined, templates);

  const load = (sheet: string, address: string) => {
    const range = sheets.getItem(sheet).getRange(address);
    range.load('address,values,text,numberFormat,formulas');
    const merged = range.getMergedAreasOrNullObject();
    merged.load('address');
    return { range, merged };
  };
  const wanted: Record<string, ReturnType<typeof load>> = {};
  if (reading.meta) wanted[reading.meta.sheet] = load(reading.meta.sheet, `${reading.meta.idCell}:${reading.meta.versionCell}`);
  for (const sheet of [reading.planSheet, ...reading.copies]) if (sheet) wanted[sheet] = load(sheet, `A1:${reading.lastCol}${reading.lastRow}`);
  if (reading.moreSheet) wanted[reading.moreSheet] = load(reading.moreSheet, `A1:${reading.lastCol}${reading.moreLastRow}`);
  if (Object.keys(wanted).length) await context.sync();

  const grids: Record<string, SheetGrid> = {};
  const merges: Record<string, string[]> = {};
  for (const [sheet, { range, merged }] of Object.entries(wanted)) {
    grids[sheet] = { address: range.address, values: range.values, text: range.text, numberFormat: range.numberFormat, formulas: range.formulas };
    merges[sheet] = merged.isNullObject === true || !merged.address ? [] : String(merged.address).split(',').map((a) => a.slice(a.lastIndexOf('!') + 1).replace(/\$/g, ''));
  }
  const date1904 = reading.planSheet && grids[reading.planSheet] ? detectDate1904(grids[reading.planSheet]!) : false;
  const read = gridReader(grids, date1904);
  const located = readLocatedPlan({
    sheetNames, names: defined, read, date1904,
    merges: (sheet) => merges[sheet] ?? [],
    formulaAt: (sheet, cell) => gridFormula(grids[sheet], cell),
  }, reading, templates);
  if (!located.ok) return { ok: false, finding: located.finding };
  return { ok: true, template: located.template, plan: located.plan, readerFindings: located.readerFindings, date1904 };
}

/** The formula in a cell of a grid (without "="), or null when the cell holds a value. */
function gridFormula(grid: SheetGrid | undefined, cell: string): string | null {
  const at = grid && cellIndex(grid, cell);
  const f = at ? grid!.formulas?.[at.r]?.[at.c] : undefined;
  return typeof f === 'string' && f.startsWith('=') ? f.slice(1) : null;
}

const CREATE_PLAN = 'In the add-in, use Create plan to make one, or open the plan workbook you downloaded.';

export interface CheckOptions {
  organisations: Organisation[];
  /** ISO yyyy-mm-dd. */
  today: string;
  templates?: Template[];
}

/** Reads and checks the open workbook: the same ValidationResult the service gives for the same plan. */
export async function checkOpenWorkbook(context: Excel.RequestContext, opts: CheckOptions): Promise<{ result: ValidationResult; plan: Plan | null }> {
  const read = await readPlan(context, opts.templates);
  if (!read.ok) {
    // No plan at all: in the add-in the way on is Create plan. Otherwise the file reader's finding, word for word.
    const none = read.finding.code === 'NOT_ACTION_PLAN';
    const findings = [none ? finding('NOT_ACTION_PLAN', `${read.finding.message} ${CREATE_PLAN}`, read.finding) : read.finding];
    return { plan: null, result: { file: null, valid: false, readable: !none, template: null, organisation: null, findings } };
  }
  return { plan: read.plan, result: validatePlan(read.plan, { template: read.template, organisations: opts.organisations, today: opts.today }, null, read.readerFindings) };
}

/** Takes the user to a finding's cell: activates its sheet and selects the cell (one round trip). */
export async function selectCell(context: Excel.RequestContext, sheet: string, cell: string): Promise<void> {
  const ws = context.workbook.worksheets.getItem(sheet);
  ws.activate();
  ws.getRange(cell).select();
  await context.sync();
}
