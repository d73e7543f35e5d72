// How the plan workbook looks and behaves, as plain data derived from the layout: styles, dropdowns and date checks,
// the overdue highlight, column widths, print setup, protection. The exceljs writer (server) and the Excel API writer
// (add-in) both apply exactly this, so a workbook made either way is the same. Pure: no exceljs, Node or Office type.
import { ukDate } from './cells';
import {
  ACTION_COLUMNS, DATE_FORMAT, DEADLINE_RANGE, LAST_COL, META, NUMBER_COLUMN, PLAN_SHEET, a1, columnOf,
  type ActionField, type LayoutCell, type LayoutRow, type ListLayout, type PlanLayout,
} from './layout';

export type StyleName = LayoutCell['style'];

/** Colours are hex 'RRGGBB'. Vertical 'center' is exceljs 'middle' and Office.js 'Center'. */
export interface CellStyle {
  font: { bold?: boolean; italic?: boolean; size?: number; color?: string };
  fill: string | null;
  wrap: boolean;
  horizontal: 'left' | 'center';
  vertical: 'top' | 'center';
  border: 'thin' | 'none';
}

/** Default font size of the sheet; styles below give a size only where they differ. */
export const BASE_FONT = { name: 'Arial', size: 11 } as const;
export const BORDER_COLOR = '8C9BA5';

// NHS identity colours (blue 005EB8, dark blue 003087, pale grey E8EDEE); input cells are pale yellow, the usual
// signal for "type here", and stay light enough to print in black and white.
export const STYLES: Record<StyleName, CellStyle> = {
  title: { font: { bold: true, size: 16, color: 'FFFFFF' }, fill: '005EB8', wrap: true, horizontal: 'left', vertical: 'center', border: 'none' },
  text: { font: {}, fill: null, wrap: true, horizontal: 'left', vertical: 'center', border: 'none' },
  label: { font: { bold: true }, fill: 'E8EDEE', wrap: true, horizontal: 'left', vertical: 'center', border: 'thin' },
  official: { font: {}, fill: 'F4F6F7', wrap: true, horizontal: 'left', vertical: 'top', border: 'thin' },
  heading: { font: { bold: true, color: 'FFFFFF' }, fill: '003087', wrap: true, horizontal: 'left', vertical: 'center', border: 'thin' },
  group: { font: { bold: true, size: 13, color: '003087' }, fill: 'D6E6F5', wrap: false, horizontal: 'left', vertical: 'center', border: 'thin' },
  number: { font: { bold: true }, fill: 'E8EDEE', wrap: false, horizontal: 'center', vertical: 'top', border: 'thin' },
  input: { font: {}, fill: 'FFF9DB', wrap: true, horizontal: 'left', vertical: 'top', border: 'thin' },
  note: { font: { italic: true }, fill: null, wrap: true, horizontal: 'left', vertical: 'top', border: 'none' },
  key: { font: {}, fill: null, wrap: true, horizontal: 'left', vertical: 'top', border: 'none' },
};

/** Column widths in characters (Excel's unit), A then the action columns. */
export const COLUMN_WIDTHS: ReadonlyArray<{ col: string; width: number }> = [NUMBER_COLUMN, ...ACTION_COLUMNS].map((c) => ({ col: c.col, width: c.width }));

/** Number format of deadline cells: fixed day/month/year whatever the computer's locale. */
export const DEADLINE_NUMBER_FORMAT = DATE_FORMAT;

export interface ValidationSpec {
  /** A1 range on the plan sheet, e.g. 'E22:E36' (never a whole column: reading those back is very slow). */
  range: string;
  field: ActionField | 'organisation' | 'recommendation';
  kind: 'list' | 'date';
  /** Lists: a formula naming the defined name of the source cells, e.g. '=NAOME_LIST_STATUS'. */
  source?: string;
  /** Dates: inclusive bounds, ISO yyyy-mm-dd. */
  from?: string;
  to?: string;
  allowBlank: true;
  errorStyle: 'stop';
  /** Excel limits: titles 32 characters, prompt 255, error message 225. */
  promptTitle: string;
  prompt: string;
  errorTitle: string;
  error: string;
}

const clip = (s: string, n: number) => (s.length <= n ? s : `${s.slice(0, n - 1)}…`);
/** "Key 1 (for the action status)" → "Key 1". */
const shortTitle = (title: string) => title.replace(/\s*\(.*\)\s*$/, '').trim() || title;
/** "a", "a or b", "a, b or c". */
export const orList = (xs: string[]) => (xs.length < 2 ? xs.join('') : `${xs.slice(0, -1).join(', ')} or ${xs[xs.length - 1]}`);

function validation(v: Omit<ValidationSpec, 'allowBlank' | 'errorStyle'>): ValidationSpec {
  return {
    ...v,
    allowBlank: true,
    errorStyle: 'stop',
    promptTitle: clip(v.promptTitle, 32),
    prompt: clip(v.prompt, 255),
    errorTitle: clip(v.errorTitle, 32),
    error: clip(v.error, 225),
  };
}

const listSource = (list: ListLayout) => `=${list.name}`;

/** Every data validation of the plan sheet: one per recommendation block per checked column, plus the organisation. */
export function validationsFor(layout: PlanLayout): ValidationSpec[] {
  const out: ValidationSpec[] = [];
  for (const h of layout.header.filter((f) => f.kind === 'organisation')) {
    out.push(validation({
      range: h.cell, field: 'organisation', kind: 'list', source: listSource(layout.lists.organisations),
      promptTitle: h.label,
      prompt: 'Choose your organisation from the list (ODS code – name).',
      errorTitle: 'Not in the list',
      error: `Choose your organisation from the list. If it is missing, contact the audit team named at the foot of the sheet.`,
    }));
  }
  for (const rec of layout.recommendations) out.push(...actionValidations(layout, rec.firstActionRow, rec.lastActionRow));
  return out;
}

/**
 * The data validations of the "More actions" sheet: the recommendation number from the template's numbers in column
 * A, then the deadline, status and priority checks exactly as on the plan sheet.
 */
export function moreActionsValidations(layout: PlanLayout): ValidationSpec[] {
  const { more } = layout;
  const numbers = layout.template.recommendations.map((r) => r.number);
  const col = NUMBER_COLUMN.col;
  return [
    validation({
      range: `${a1(col, more.firstRow)}:${a1(col, more.lastRow)}`, field: 'recommendation', kind: 'list',
      source: listSource(layout.lists.recommendations),
      promptTitle: 'Recommendation number',
      prompt: `Choose the number of the recommendation (${orList(numbers.map(String))}) this action is for.`,
      errorTitle: 'Not a recommendation',
      error: `Choose a recommendation number from the list: ${orList(numbers.map(String))}.`,
    }),
    ...actionValidations(layout, more.firstRow, more.lastRow),
  ];
}

/** The deadline, status and priority checks of action rows first..last (on whichever sheet holds them). */
function actionValidations(layout: PlanLayout, first: number, last: number): ValidationSpec[] {
  const t = layout.template;
  const codes = t.statusKey.entries.map((e) => e.code);
  const statusKey = shortTitle(t.statusKey.title);
  const priorityKey = shortTitle(t.priorityKey.title);
  const priorities = orList(t.priorityKey.entries.map((e) => e.label));
  const codeRange = `${Math.min(...codes)}–${Math.max(...codes)}`;
  const needsReason = orList(t.statusKey.needsReasonCodes.map(String));
  const reasonCol = columnOf('reason');
  const [from, to] = [ukDate(DEADLINE_RANGE.from), ukDate(DEADLINE_RANGE.to)];
  const range = (field: ActionField) => `${a1(columnOf(field), first)}:${a1(columnOf(field), last)}`;
  return [
    validation({
      range: range('deadline'), field: 'deadline', kind: 'date', from: DEADLINE_RANGE.from, to: DEADLINE_RANGE.to,
      promptTitle: 'Agreed deadline',
      prompt: 'Type the date as dd/mm/yyyy (day/month/year).',
      errorTitle: 'Not a date',
      error: `Type a real date as dd/mm/yyyy, between ${from} and ${to}.`,
    }),
    validation({
      range: range('status'), field: 'status', kind: 'list', source: listSource(layout.lists.status),
      promptTitle: `Status (${statusKey})`,
      prompt: `Choose ${codeRange} from ${statusKey}.${needsReason ? ` For ${needsReason}, give the reason or information in column ${reasonCol}.` : ''}`,
      errorTitle: `Not a ${statusKey} status`,
      error: `Choose a status from the list: ${statusKey} codes ${codeRange}.`,
    }),
    validation({
      range: range('priority'), field: 'priority', kind: 'list', source: listSource(layout.lists.priority),
      promptTitle: `Priority (${priorityKey})`,
      prompt: `Choose ${priorities} from ${priorityKey}.`,
      errorTitle: `Not a ${priorityKey} priority`,
      error: `Choose ${priorities} from the list (${priorityKey}).`,
    }),
  ];
}

export interface ConditionalFormatSpec {
  /** A1 range on the plan sheet. */
  range: string;
  /** Excel formula WITHOUT the leading '=', relative to the range's first cell (exceljs wants it bare; add '=' for Office.js). */
  formula: string;
  fill: string;
  font: { bold: boolean; color: string };
}

/**
 * A deadline that has passed while the status is not "implemented" stands out. The status is matched by its leading
 * code (the dropdown values are "3. Action fully implemented"), so a typed "3" counts too; text that is not a date is
 * left to the validation report rather than highlighted.
 */
export function overdueRule(layout: PlanLayout): ConditionalFormatSpec[] {
  return overdueRules(layout, layout.recommendations.map((rec) => [rec.firstActionRow, rec.lastActionRow]));
}
function overdueRules(layout: PlanLayout, blocks: Array<[number, number]>): ConditionalFormatSpec[] {
  const code = String(layout.template.statusKey.implementedCode);
  const [d, s] = [columnOf('deadline'), columnOf('status')];
  return blocks.map(([first, last]) => {
    const [dc, sc] = [a1(d, first), a1(s, first)];
    return {
      range: `${dc}:${a1(d, last)}`,
      formula: `AND(ISNUMBER(${dc}),${dc}<TODAY(),LEFT(TRIM(${sc}),${code.length})<>"${code}")`,
      fill: 'F8D7DA',
      font: { bold: true, color: '9C0006' },
    };
  });
}

/** A4 landscape, one page wide and as many tall as needed, the column headings repeated on every page. */
export function printSetup(layout: PlanLayout): PrintSpec {
  return printSpec(layout.lastRow, layout.columnsRow);
}
export type PrintSpec = ReturnType<typeof printSpec>;
function printSpec(lastRow: number, headingsRow: number) {
  return {
    paperSize: 'A4' as const,
    /** exceljs paperSize code for A4. */
    paperSizeCode: 9,
    orientation: 'landscape' as const,
    fitToWidth: 1,
    /** 0: as many pages tall as the plan needs. */
    fitToHeight: 0,
    /** Inches. */
    margins: { left: 0.4, right: 0.4, top: 0.5, bottom: 0.6, header: 0.25, footer: 0.25 },
    printArea: `A1:${LAST_COL}${lastRow}`,
    /** Rows repeated at the top of every printed page. */
    titleRows: `$${headingsRow}:$${headingsRow}`,
    footer: '&L&8&A&R&8Page &P of &N',
  };
}

/**
 * Printed page breaks: each recommendation after the first starts a new page (with its group heading when the group
 * changes), so a recommendation's text and its action rows are never split across pages. Rows are those a page break
 * follows.
 */
export function pageBreaksAfter(layout: PlanLayout): number[] {
  return layout.recommendations.slice(1).map((rec) => {
    const textRow = Number(rec.textCell.replace(/^[A-Z]+/, ''));
    const above = layout.rows.find((r) => r.row === textRow - 1);
    return above?.kind === 'group' ? textRow - 2 : textRow - 1;
  });
}

/**
 * Frozen panes. Freezing everything above and including the column headings would pin ~330 points (≈440 px) of title,
 * header fields and keys: more than the grid of a 1366×768 laptop shows in Excel, which leaves the action rows
 * unreachable by scrolling. So panes are frozen only when the rows to freeze are short enough; with the NAoMe layout
 * they are not, and the printed copy repeats the headings instead.
 */
export const MAX_FROZEN_HEIGHT = 150;
export function freezePanes(layout: PlanLayout): { rows: number; cols: number } | null {
  return heightOfRows(layout, 1, layout.columnsRow) <= MAX_FROZEN_HEIGHT ? { rows: layout.columnsRow, cols: 0 } : null;
}
/** Total height in points of rows first..last (blank spacer rows have the default height). */
export function heightOfRows(layout: PlanLayout, first: number, last: number): number {
  let h = 0;
  for (let r = first; r <= last; r++) h += layout.rows.find((x) => x.row === r)?.height ?? DEFAULT_ROW_HEIGHT;
  return h;
}
/** Points; rows the layout gives no height keep this. */
export const DEFAULT_ROW_HEIGHT = 15;

/**
 * Sheet protection: no password (it guards against accidental edits of the official text, not against people), a low
 * hashing spinCount because the default 100000 blocks the event loop for ~170 ms per workbook, and formatting of rows
 * and columns allowed so people can widen a column or make a row taller for long text.
 */
export const PROTECTION = {
  spinCount: 1000,
  selectLockedCells: true,
  selectUnlockedCells: true,
  formatColumns: true,
  formatRows: true,
} as const;

/**
 * The lists sheet, cell by cell: the template id and version (B1, B2, labelled in column A) where every application
 * keeps them, and each dropdown's values in its column from row 2 under a heading in row 1.
 */
export function listsSheetCells(layout: PlanLayout): Array<{ cell: string; value: string | number }> {
  const t = layout.template;
  const cells: Array<{ cell: string; value: string | number }> = [
    { cell: 'A1', value: 'Template id' },
    { cell: META.idCell, value: t.id },
    { cell: 'A2', value: 'Template version' },
    { cell: META.versionCell, value: t.version },
  ];
  for (const list of Object.values(layout.lists)) {
    cells.push({ cell: a1(list.col, 1), value: list.header });
    list.values.forEach((v, i) => cells.push({ cell: a1(list.col, i + 2), value: v }));
  }
  return cells;
}

/**
 * Everything one sheet of the plan workbook needs, for both writers: the plan sheet (protected, its official text
 * locked) and the "More actions" sheet (unprotected, so rows can be typed and added freely, yet with the same
 * dropdowns, date checks, overdue highlight and deadline format on its action rows).
 */
export interface SheetSpec {
  sheet: string;
  rows: LayoutRow[];
  lastRow: number;
  widths: ReadonlyArray<{ col: string; width: number }>;
  validations: ValidationSpec[];
  conditional: ConditionalFormatSpec[];
  print: PrintSpec;
  freeze: { rows: number; cols: number } | null;
  pageBreaksAfter: number[];
  /** Deadline cells (dd/mm/yyyy), as column ranges "D22:D36". */
  dateRanges: string[];
  /**
   * Formats of whole columns (Excel's column styles), which every cell without a format of its own takes, however
   * far down: how "More actions" gives its blank input rows their look, unlocked cells and date format without
   * writing 1,600 styled empty cells (49 KB of sheet XML that every uploaded plan made the check read).
   */
  columnFormats: Array<{ col: string; style: StyleName; input: boolean; date: boolean }>;
  protect: boolean;
  /** Where the sheet opens. */
  activeCell: string;
}

/** The visible sheets in order: the plan sheet, then "More actions". The hidden lists sheet follows them. */
export function sheetSpecs(layout: PlanLayout): SheetSpec[] {
  const d = columnOf('deadline');
  const { more } = layout;
  const planFreeze = freezePanes(layout);
  return [
    {
      sheet: PLAN_SHEET, rows: layout.rows, lastRow: layout.lastRow, widths: COLUMN_WIDTHS,
      validations: validationsFor(layout), conditional: overdueRule(layout), print: printSetup(layout), freeze: planFreeze,
      pageBreaksAfter: pageBreaksAfter(layout),
      dateRanges: layout.recommendations.map((rec) => `${a1(d, rec.firstActionRow)}:${a1(d, rec.lastActionRow)}`),
      columnFormats: [],
      protect: true,
      // Opens on the first header field, where filling in starts.
      activeCell: layout.header[0]?.cell ?? 'A1',
    },
    {
      sheet: more.sheet, rows: more.rows, lastRow: more.lastRow, widths: more.widths,
      validations: moreActionsValidations(layout), conditional: overdueRules(layout, [[more.firstRow, more.lastRow]]),
      print: printSpec(more.lastRow, more.headingsRow),
      // The title and headings together are short enough to keep in view while scrolling 200 rows.
      freeze: { rows: more.headingsRow, cols: 0 },
      pageBreaksAfter: [],
      dateRanges: [`${a1(d, more.firstRow)}:${a1(d, more.lastRow)}`],
      columnFormats: [NUMBER_COLUMN, ...ACTION_COLUMNS].map((c) => ({ col: c.col, style: 'input' as const, input: true, date: c.col === d })),
      protect: false,
      activeCell: a1(NUMBER_COLUMN.col, more.firstRow),
    },
  ];
}
