// Check: reads a plan out of the open workbook through the Excel API — two round trips whatever its size — into the
// shared plan model, and runs the same rules as the service and the command line (shared/rules.ts). The file's bytes
// are never needed, so this works in Excel on the web too.
import type { RawCell } from '../../shared/cells';
import { serialToIso, parseDateText } from '../../shared/cells';
import { finding, type ValidationResult } from '../../shared/findings';
import { LAST_COL, LISTS_SHEET, META, PLAN_SHEET, readingLayout } from '../../shared/layout';
import type { Organisation } from '../../shared/organisations';
import { extractPlan, identifyTemplate, type CellReader, type Plan } from '../../shared/plan';
import { validatePlan } from '../../shared/rules';
import { builtInTemplates, type Template } from '../../shared/template';
import { colIndex, parseCell, topLeft } from '../../shared/a1';

/** What the Excel API gives for a range: values (dates as serial numbers), displayed text and number formats. */
export interface SheetGrid {
  address: string;
  values: unknown[][];
  text: string[][];
  numberFormat: unknown[][];
}

export type ReadOutcome =
  | { ok: true; template: Template; plan: Plan; date1904: boolean }
  | { ok: false; code: 'NOT_ACTION_PLAN' | 'UNKNOWN_TEMPLATE'; message: string };

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

/** A CellReader over Excel API grids: dates come back as Date (UTC midnight), as exceljs gives them. */
export function gridReader(grids: Record<string, SheetGrid>, date1904: boolean): CellReader {
  return (sheet, cell) => {
    const grid = grids[sheet];
    if (!grid) return null;
    const origin = topLeft(grid.address);
    const { col, row } = parseCell(cell);
    const r = row - origin.row;
    const c = colIndex(col) - colIndex(origin.col);
    const v = grid.values[r]?.[c];
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

const NO_PLAN = `This workbook holds no NAoMe action plan: it needs an '${PLAN_SHEET}' sheet and its '${LISTS_SHEET}' sheet. `
  + 'Use Create plan to make one, or open the plan workbook you downloaded.';

/** Reads the plan in the open workbook. Round trip 1: the sheet names; round trip 2: the template mark and the plan area's values. */
export async function readPlan(context: Excel.RequestContext, templates: Template[] = builtInTemplates): Promise<ReadOutcome> {
  const sheets = context.workbook.worksheets;
  sheets.load('items/name');
  await context.sync();
  const names = sheets.items.map((s) => s.name);
  if (!names.includes(PLAN_SHEET) || !names.includes(LISTS_SHEET)) return { ok: false, code: 'NOT_ACTION_PLAN', message: NO_PLAN };

  const meta = sheets.getItem(META.sheet).getRange(`${META.idCell}:${META.versionCell}`).load('address,values,text,numberFormat');
  // Every known template's plan area, so the size of what comes back is bounded whatever else is on the sheet.
  const lastRow = Math.max(...templates.map((t) => readingLayout(t).lastRow));
  const used = sheets.getItem(PLAN_SHEET).getRange(`A1:${LAST_COL}${lastRow}`).load('address,values,text,numberFormat');
  await context.sync();

  const grid = (r: Excel.Range): SheetGrid => ({ address: r.address, values: r.values, text: r.text, numberFormat: r.numberFormat });
  const planGrid = grid(used);
  const date1904 = detectDate1904(planGrid);
  const read = gridReader({ [META.sheet]: grid(meta), [PLAN_SHEET]: planGrid }, date1904);
  const id = identifyTemplate(read, templates);
  if (!id.ok) {
    return {
      ok: false,
      code: 'UNKNOWN_TEMPLATE',
      message: id.id === null
        ? `${NO_PLAN} (The '${LISTS_SHEET}' sheet has no template id in ${META.idCell}.)`
        : `This plan was made from template "${id.id}" version ${id.version ?? '?'}, which this add-in does not know. Download the current workbook and copy your actions into it.`,
    };
  }
  return { ok: true, template: id.template, plan: extractPlan(id.template, read, date1904), date1904 };
}

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
    return {
      plan: null,
      result: { file: null, valid: false, readable: false, template: null, organisation: null, findings: [finding(read.code, read.message)] },
    };
  }
  return { plan: read.plan, result: validatePlan(read.plan, { template: read.template, organisations: opts.organisations, today: opts.today }, null) };
}

/** Takes the user to a finding's cell: activates its sheet and selects the cell (one round trip). */
export async function selectCell(context: Excel.RequestContext, sheet: string, cell: string): Promise<void> {
  const ws = context.workbook.worksheets.getItem(sheet);
  ws.activate();
  ws.getRange(cell).select();
  await context.sync();
}
