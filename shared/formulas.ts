// Formulas in a plan's input cells. The national data holds what people agreed, as values: a formula's result can
// change (TODAY() moves every day), may never have been calculated (a file written by a program, not by Excel), or can
// reach outside the workbook (HYPERLINK, WEBSERVICE, DDE links such as =cmd|' /c …'!A1). So every formula in an input
// cell is a finding: an error, except a deadline counted from TODAY()/NOW(), which is a warning because its value is a
// real date today but never an agreed one. Pure: the file reader and the add-in give it the formulas they read.
import { cellText, type RawCell } from './cells';
import { finding, type Finding } from './findings';
import type { ActionField } from './layout';
import { actionCell, type PlanPlaces } from './locate';
import type { CellReader, Plan } from './plan';

const FIELDS: Record<ActionField, string> = {
  action: 'action', responsible: 'responsible individual(s)', deadline: 'deadline', status: 'status', priority: 'priority',
  reason: 'reason or information', progress: 'progress / evidence',
};
const MOVES_DAILY = /\b(TODAY|NOW)\s*\(/i;
const shown = (formula: string) => {
  const f = `=${formula.replace(/\s+/g, ' ')}`;
  return f.length > 60 ? `${f.slice(0, 59)}…` : f;
};
const uncalculated = (v: RawCell) => v === null || v === undefined || v === '' || (typeof v === 'object' && 'formula' in v);

/** One finding per input cell holding a formula (header fields and every action read), in no particular order. */
export function formulaFindings(plan: Plan, places: PlanPlaces, read: CellReader, formulaAt: (sheet: string, cell: string) => string | null): Finding[] {
  const out: Finding[] = [];
  const check = (sheet: string, cell: string, what: string, field: string, recommendation: number | null) => {
    const formula = formulaAt(sheet, cell);
    if (formula === null) return;
    const where = { sheet, cell, field, recommendation };
    if (uncalculated(read(sheet, cell))) {
      out.push(finding('FORMULA_NOT_CALCULATED',
        `The ${what} in ${cell} is a formula (${shown(formula)}) that has not been calculated, so its value is not known: ` +
        `type the value itself in ${cell} (or open the workbook in Excel, let it calculate, save it and send it again).`, where));
    } else if (field === 'deadline' && MOVES_DAILY.test(formula)) {
      out.push(finding('DEADLINE_MOVES_DAILY',
        `The deadline in ${cell} is worked out by the formula ${shown(formula)}, so it moves every day and is not an agreed ` +
        `deadline (today it reads ${cellText(read(sheet, cell)) ?? 'nothing'}): type the agreed date as dd/mm/yyyy.`, where));
    } else {
      out.push(finding('FORMULA_IN_INPUT',
        `The ${what} in ${cell} is a formula (${shown(formula)}), not a value: type the value itself. Entries go into the ` +
        `national data as values, and formulas (links such as HYPERLINK or WEBSERVICE, or links to other programs) are not accepted.`, where));
    }
  };
  for (const [id, cell] of Object.entries(places.header)) check(places.sheet, cell, 'header field', id, null);
  for (const a of plan.actions) {
    for (const field of Object.keys(FIELDS) as ActionField[]) {
      check(a.sheet ?? places.sheet, actionCell(places, a, field), FIELDS[field], field, a.recommendation || null);
    }
  }
  return out;
}
