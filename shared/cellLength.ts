// One limit on the text of a cell, on every path: Excel's own 32,767 characters (MAX_CELL_CHARS). A plan sent as
// JSON over it is refused by the schema; a workbook cell over it (Excel cannot make one; a hand-made file can) is an
// error finding naming the cell, and the plan model holds the text cut to the limit — so it still fits the schema,
// and since the finding is an error, the cut text is never stored or collated as if it were what was sent.
import { ACTION_FIELDS } from './layout';
import { finding, type Finding } from './findings';
import { actionCell, type PlanPlaces } from './locate';
import { MAX_CELL_CHARS, type Plan, type PlanAction } from './plan';

const tooLong = (sheet: string, cell: string, length: number, where: { recommendation?: number; field?: string }) =>
  finding('CELL_TOO_LONG',
    `The cell ${cell} on the "${sheet}" sheet holds ${length.toLocaleString('en-GB')} characters; a cell can hold at most ` +
    `${MAX_CELL_CHARS.toLocaleString('en-GB')} (Excel's own limit). Shorten it — put long evidence in a document and name it here — and send the plan again.`,
    { sheet, cell, ...where });

/** The plan with every text over MAX_CELL_CHARS cut to it, and a CELL_TOO_LONG error for each such cell. */
export function limitCellLength(plan: Plan, places: PlanPlaces): { plan: Plan; findings: Finding[] } {
  const findings: Finding[] = [];
  const cut = (s: string) => s.slice(0, MAX_CELL_CHARS);
  const long = (s: string | null | undefined): s is string => typeof s === 'string' && s.length > MAX_CELL_CHARS;
  let changed = false;

  const header = { ...plan.header };
  for (const [id, value] of Object.entries(plan.header)) {
    if (!long(value)) continue;
    const cell = places.header[id] ?? '';
    findings.push(tooLong(places.sheet, cell, value.length, { field: id }));
    header[id] = cut(value);
    changed = true;
  }
  const official = plan.official.map((o) => {
    if (!long(o.text)) return o;
    findings.push(tooLong(places.sheet, o.cell, o.text.length, {}));
    changed = true;
    return { ...o, text: cut(o.text) };
  });
  const actions = plan.actions.map((a) => {
    let out: PlanAction | null = null;
    const sheet = a.sheet ?? places.sheet;
    for (const field of ACTION_FIELDS) {
      const value = a[field];
      if (!long(value)) continue;
      findings.push(tooLong(sheet, actionCell(places, a, field), value.length, { recommendation: a.recommendation || undefined, field }));
      out = { ...(out ?? a), [field]: cut(value) };
    }
    if (long(a.recommendationText) && places.more) {
      findings.push(tooLong(sheet, `${places.more.numberCol}${a.row}`, a.recommendationText.length, { field: 'recommendation' }));
      out = { ...(out ?? a), recommendationText: cut(a.recommendationText) };
    }
    if (out) changed = true;
    return out ?? a;
  });
  return { plan: changed ? { ...plan, header, official, actions } : plan, findings };
}
