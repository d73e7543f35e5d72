// Where a plan's values go in the plan sheet: header fields in their cells, each action in its row of its
// recommendation's block. One place for the server's writer (writeFilledPlan, exceljs) and the add-in's
// "Load my latest plan" (the Excel API), so a plan comes back to the same cells whichever way it is written.
import { isIsoDate } from './cells';
import { ACTION_COLUMNS, a1, type PlanLayout } from './layout';
import type { Plan, PlanAction } from './plan';

/** One value to type in: text as text, or a calendar day (a deadline that is a date). */
export type PlanCellValue = { cell: string; text: string } | { cell: string; day: string };

/** The rows a recommendation's plan-sheet actions take in its block: their own when free, else the next free one. */
export function blockRows(plan: Plan, rec: PlanLayout['recommendations'][number]) {
  const actions = plan.actions.filter((a) => a.recommendation === rec.number && a.sheet === undefined).sort((a, b) => a.row - b.row);
  const taken = new Set<number>();
  const inBlock = (row: number) => row >= rec.firstActionRow && row <= rec.lastActionRow;
  const placed: Array<[number, PlanAction]> = [];
  const homeless: PlanAction[] = [];
  for (const a of actions) {
    if (inBlock(a.row) && !taken.has(a.row)) { taken.add(a.row); placed.push([a.row, a]); } else homeless.push(a);
  }
  for (let row = rec.firstActionRow; homeless.length > 0 && row <= rec.lastActionRow; row++) {
    if (!taken.has(row)) { taken.add(row); placed.push([row, homeless.shift()!]); }
  }
  return { placed, homeless };
}

/** Every value of the plan sheet's actions and header with its cell. Throws when a recommendation has more actions than its block. */
export function planCellValues(plan: Plan, layout: PlanLayout): PlanCellValue[] {
  if (plan.actions.some((a) => a.sheet !== undefined)) {
    throw new Error('This plan has actions on its "More actions" sheet, which Load my latest plan cannot build yet: download your latest plan from the submission page instead.');
  }
  const out: PlanCellValue[] = [];
  for (const h of layout.header) {
    const v = plan.header[h.id];
    if (v != null) out.push({ cell: h.cell, text: v });
  }
  for (const rec of layout.recommendations) {
    const { placed, homeless } = blockRows(plan, rec);
    // The add-in builds the plan sheet only: actions past a block (and on the More actions sheet) are not placed.
    if (homeless.length > 0) throw new Error(`Recommendation ${rec.number} has more actions than its ${rec.lastActionRow - rec.firstActionRow + 1} rows hold.`);
    for (const [row, action] of placed) {
      for (const c of ACTION_COLUMNS) {
        const v = action[c.field];
        if (v === null) continue;
        out.push(c.field === 'deadline' && isIsoDate(v) ? { cell: a1(c.col, row), day: v } : { cell: a1(c.col, row), text: v });
      }
    }
  }
  return out;
}
