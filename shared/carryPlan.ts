// Carrying a plan made on an older template version into the current one, field by field: header fields by their id,
// actions by their recommendation's number, each into its recommendation's block of the new layout in the order they
// had. Whatever has nowhere to go (a header field the new template dropped, a recommendation it no longer has, more
// actions than a block holds) is left out with a NOT_CARRIED finding naming it, so nothing is lost silently.
import { finding, type Finding } from './findings';
import { planLayout } from './layout';
import type { Plan, PlanAction } from './plan';
import type { Template } from './template';

export interface CarriedPlan {
  plan: Plan;
  /** One NOT_CARRIED warning per value left out. */
  findings: Finding[];
}

const label = (a: PlanAction) => (a.action ? `"${a.action.length > 60 ? `${a.action.slice(0, 57)}…` : a.action}"` : `in row ${a.row}`);

export function carryPlan(plan: Plan, from: Template, to: Template): CarriedPlan {
  const findings: Finding[] = [];
  const fromVersion = `${from.id} version ${from.version}`;
  const header: Plan['header'] = {};
  for (const f of to.headerFields) header[f.id] = plan.header[f.id] ?? null;
  for (const f of from.headerFields) {
    const v = plan.header[f.id];
    if (v != null && !to.headerFields.some((t) => t.id === f.id)) {
      findings.push(finding('NOT_CARRIED', `"${f.label}" (${v}) from the ${fromVersion} plan has no place in ${to.id} version ${to.version}, so it was not carried over: keep it elsewhere if it is still needed.`, { field: f.id }));
    }
  }
  const layout = planLayout(to, []);
  const actions: PlanAction[] = [];
  for (const rec of to.recommendations) {
    const block = layout.recommendations.find((r) => r.number === rec.number)!;
    const mine = plan.actions.filter((a) => a.recommendation === rec.number)
      .sort((a, b) => Number(!!a.sheet) - Number(!!b.sheet) || a.row - b.row);
    const capacity = block.lastActionRow - block.firstActionRow + 1;
    mine.forEach((a, i) => {
      if (i < capacity) {
        const { sheet: _sheet, recommendationText: _text, ...rest } = a;
        actions.push({ ...rest, row: block.firstActionRow + i });
      } else {
        findings.push(finding('NOT_CARRIED', `Recommendation ${rec.number} has ${mine.length} actions and its rows hold ${capacity}: the action ${label(a)} was not carried over. Add it again on the new plan.`, { recommendation: rec.number }));
      }
    });
  }
  for (const a of plan.actions) {
    if (!to.recommendations.some((r) => r.number === a.recommendation)) {
      findings.push(finding('NOT_CARRIED', `The action ${label(a)} is for recommendation ${a.recommendation || a.recommendationText || '(none)'}, which ${to.id} version ${to.version} does not have, so it was not carried over.`, { recommendation: a.recommendation || null }));
    }
  }
  return { plan: { template: { id: to.id, version: to.version }, header, official: [], actions }, findings };
}
