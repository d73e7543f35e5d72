// The plan model: what a returned action plan says, cell by cell, read the same way from an .xlsx file (server, CLI)
// and from the live workbook (add-in). The add-in sends this as JSON; the service checks it with planSchema
// (shared/planSchema.ts, which also defines the model's types).
import { cellDate, cellText, type RawCell } from './cells';
import { parseCell } from './a1';
import { ACTION_FIELDS, a1, officialTexts, readingLayout, type ActionField, type PlanLayout } from './layout';
import { fixedPlacesOf, type PlanPlaces } from './locate';
import type { Plan, PlanAction } from './planSchema';
import type { Template } from './template';

export type { Plan, PlanAction } from './planSchema';

/** Excel's own limit on the characters one cell holds: the JSON schema, the file reader and the collation all use it. */
export const MAX_CELL_CHARS = 32767;
/** The largest worksheet Excel has: 1,048,576 rows, columns A to XFD. */
export const MAX_SHEET_ROWS = 1_048_576;
export const MAX_SHEET_COLS = 16_384;

/** Reads one cell of the workbook: sheet name and A1 address. */
export type CellReader = (sheet: string, cell: string) => RawCell;
/**
 * False when a row of a sheet has no cell with a value at all: every read in it would be null, so it is skipped
 * unread (most of the More actions rows). A reader that cannot tell cheaply gives none, and every row is read.
 */
export type RowHasCells = (sheet: string, row: number) => boolean;

/**
 * Builds the plan model from a workbook's cells, read where `places` says they are (the fixed layout by default).
 * date1904: the workbook uses the 1904 date system. merges: each sheet's merged ranges ("E22:E24"): a value merged
 * down across action rows applies to every row it covers (a row holding nothing of its own is still not an action).
 */
export function extractPlan(template: Template, read: CellReader, date1904 = false, places: PlanPlaces = fixedPlacesOf(template),
  merges: (sheet: string) => readonly string[] = () => [], rowHasCells?: RowHasCells): Plan {
  const actions: PlanAction[] = [];
  const readRow = (sheet: string, row: number, columns: Record<ActionField, string>, recommendation: number, down: MergedDown) => {
    // Under a merge, what shows (and what a person reads) is the merge's top cell, whatever the hidden cell keeps. A row
    // is an action only when it holds a value of its own (not one merged down into it): most rows are empty, so nothing
    // is built until one is found.
    const value = {} as Record<ActionField, RawCell>;
    let own = false;
    for (const field of ACTION_FIELDS) {
      const col = columns[field];
      const top = down.topOf(col, row);
      const v = read(sheet, a1(col, top ?? row));
      if (top === null && !blank(v)) own = true;
      value[field] = v;
    }
    if (!own) return null;
    const action: PlanAction = {
      recommendation,
      row,
      ...(sheet === places.sheet ? {} : { sheet }),
      action: cellText(value.action),
      responsible: cellText(value.responsible),
      deadline: cellDate(value.deadline, date1904),
      status: cellText(value.status),
      priority: cellText(value.priority),
      reason: cellText(value.reason),
      progress: cellText(value.progress),
    };
    return action;
  };
  const planDown = new MergedDown(merges(places.sheet));
  for (const block of places.blocks) {
    for (let row = block.firstRow; row <= block.lastRow; row++) {
      if (rowHasCells && !rowHasCells(places.sheet, row)) continue;
      const action = readRow(places.sheet, row, places.columns, block.recommendation, planDown);
      if (action) actions.push(action);
    }
  }
  if (places.more) {
    const { sheet, firstRow, lastRow, numberCol, columns } = places.more;
    const moreDown = new MergedDown(merges(sheet));
    for (let row = firstRow; row <= lastRow; row++) {
      if (rowHasCells && !rowHasCells(sheet, row)) continue;
      const number = cellText(read(sheet, a1(numberCol, row)));
      // A row without a valid recommendation number is kept as recommendation 0, for the rules to name.
      const recommendation = number !== null && /^\d+$/.test(number) && template.recommendations.some((r) => r.number === Number(number)) ? Number(number) : 0;
      const action = readRow(sheet, row, columns, recommendation, moreDown);
      if (action) actions.push(number === null || recommendation ? action : { ...action, recommendationText: number });
      else if (number !== null && recommendation === 0) actions.push({ ...emptyAction(row, sheet), recommendationText: number });
    }
  }
  const layout = readingLayout(template);
  const officials = officialTexts(template);
  const officialCell = (o: PlanLayout['official'][number]) => {
    const block = places.blocks.find((b) => b.recommendation === o.recommendation)!;
    return o.kind === 'text' ? block.textCell : block.suggestedCell;
  };
  return {
    template: { id: template.id, version: template.version },
    header: Object.fromEntries(layout.header.map((h) => [h.id, cellText(read(places.sheet, places.header[h.id]!))])),
    official: layout.official.map((o, i) => {
      const cell = officialCell(o);
      return { cell, text: officials[i]!.read(read(places.sheet, cell)) };
    }),
    actions,
    ...(isFixed(template, places) ? {} : { places }),
  };
}

/**
 * Whether places are the fixed layout's (then the plan model leaves them out, as it always did). A workbook with no
 * "More actions" sheet has no rows there, so it reads as the fixed layout does.
 */
function isFixed(template: Template, places: PlanPlaces): boolean {
  const fixed = fixedPlacesOf(template);
  return places === fixed || sameJson(places.more === null ? { ...places, more: fixed.more } : places, fixed);
}

/**
 * Whether two values of plain data (objects, arrays, strings, finite numbers, null; no undefined) write the same JSON:
 * the same keys in the same order, and the same values. Compared in place, without writing either.
 */
function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null || Array.isArray(a) !== Array.isArray(b)) return false;
  const keys = Object.keys(a);
  const other = Object.keys(b);
  if (keys.length !== other.length) return false;
  for (let i = 0; i < keys.length; i++) {
    if (keys[i] !== other[i] || !sameJson((a as Record<string, unknown>)[keys[i]!], (b as Record<string, unknown>)[keys[i]!])) return false;
  }
  return true;
}

const RANGE = /^([A-Z]{1,3})(\d+):([A-Z]{1,3})(\d+)$/;

const blank = (v: RawCell) => v === null || v === undefined || v === '';

const emptyAction = (row: number, sheet: string): PlanAction => ({
  recommendation: 0, row, sheet, action: null, responsible: null, deadline: null, status: null, priority: null, reason: null, progress: null,
});

/**
 * Merged ranges that run down more than one row, by column, for finding the top of the merge a cell is under in
 * O(log n): merges never overlap, so each column's runs are disjoint and sorted by their first row.
 */
export class MergedDown {
  private readonly byCol = new Map<string, Array<[number, number]>>();
  constructor(ranges: readonly string[]) {
    for (const ref of ranges) {
      // Most merges run across one row (titles, official texts): the usual "B20:H20" is told in one match.
      const m = RANGE.exec(ref);
      if (m && m[2] === m[4]) continue;
      const [from, to = from] = ref.split(':') as [string, string?];
      const p = parseCell(from);
      const q = parseCell(to!);
      if (q.row <= p.row) continue;
      let runs = this.byCol.get(p.col);
      if (!runs) this.byCol.set(p.col, (runs = []));
      runs.push([p.row, q.row]);
    }
    for (const runs of this.byCol.values()) runs.sort((a, b) => a[0] - b[0]);
  }
  /** The first row of the merge covering this cell from above, or null when the cell is not merged into one. */
  topOf(col: string, row: number): number | null {
    const runs = this.byCol.get(col);
    if (!runs) return null;
    let lo = 0, hi = runs.length - 1, found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (runs[mid]![0] <= row) { found = mid; lo = mid + 1; } else hi = mid - 1;
    }
    return found !== -1 && runs[found]![0] < row && runs[found]![1] >= row ? runs[found]![0] : null;
  }
}
