// What changed between two versions of a plan: actions added and removed, and for the actions in both, each field
// that changed (a deadline moved later is marked); the person header fields (the leads) too. One module, used by the
// service's diff endpoint, the pages (which show what the endpoint returns) and the collation's "Changes" sheet.
import { foldWords, isIsoDate, sameText } from './cells';
import { statusCode, priorityLabel } from './keys';
import { ACTION_COLUMNS, ACTION_FIELDS, type ActionField } from './layout';
import type { Plan, PlanAction } from './plan';
import type { Template } from './template';

export type ChangeKind = 'added' | 'removed' | 'changed' | 'lead';

/** One line of a difference; the collation's Changes sheet is these lines, the page's table too. */
export interface PlanChange {
  kind: ChangeKind;
  recommendation: number | null;
  /** The action's row in the newer plan (in the older one for a removed action); null for a lead. */
  row: number | null;
  /** The action's text, as the newer plan has it (the older one's for a removed action). */
  action: string | null;
  /** The action field or the header field's id that changed; null for an action added or removed. */
  field: ActionField | string | null;
  /** The field's heading in the workbook ("Status (Key 1)", "Audit lead"). */
  fieldLabel: string | null;
  from: string | null;
  to: string | null;
  /** A deadline moved to a later day. */
  deadlineLater: boolean;
}

const FIELD_LABEL = Object.fromEntries(ACTION_COLUMNS.map((c) => [c.field, c.header])) as Record<ActionField, string>;

/** Whether two values of a field say the same: statuses by their Key 1 code, priorities by their Key 2 label. */
function sameValue(template: Template, field: ActionField, a: string | null, b: string | null): boolean {
  if (field === 'status') {
    const ca = statusCode(template, a);
    const cb = statusCode(template, b);
    if (ca !== null && cb !== null) return ca === cb;
  }
  if (field === 'priority') {
    const pa = priorityLabel(template, a);
    const pb = priorityLabel(template, b);
    if (pa !== null && pb !== null) return pa === pb;
  }
  return sameText(a, b);
}

const groupKey = (a: PlanAction) => `${a.recommendation}\u0000${a.recommendationText ?? ''}`;

/**
 * Pairs the actions of two plans: first by recommendation and action text (an action moved to another row is the
 * same action), then what is left by recommendation and row (an action whose text was reworded). Linear in the
 * number of actions.
 */
function pairActions(before: PlanAction[], after: PlanAction[]) {
  // The same actions in the same order (statuses, dates or progress updated, the texts as they were): each pairs with
  // the one at its place, as the pairing below would pair them, without folding a text (a national collation diffs
  // 1,334 pairs of plans).
  if (before.length === after.length && before.every((b, i) => b.action === after[i]!.action && groupKey(b) === groupKey(after[i]!))) {
    return { pairs: before.map((b, i): [PlanAction, PlanAction] => [b, after[i]!]), added: [], removed: [] };
  }
  // Most actions are the same text in both versions: each text is folded once.
  const folded = new Map<string | null, string>();
  const textKey = (v: string | null) => {
    let k = folded.get(v);
    if (k === undefined) folded.set(v, (k = foldWords(v ?? '')));
    return k;
  };
  const byText = new Map<string, number[]>();
  before.forEach((a, i) => {
    const k = `${groupKey(a)}\u0000${textKey(a.action)}`;
    let list = byText.get(k);
    if (!list) byText.set(k, (list = []));
    list.push(i);
  });
  const used = new Set<number>();
  const pairs: Array<[PlanAction, PlanAction]> = [];
  const unmatched: PlanAction[] = [];
  for (const a of after) {
    const list = byText.get(`${groupKey(a)}\u0000${textKey(a.action)}`);
    const i = list?.shift();
    if (i === undefined) { unmatched.push(a); continue; }
    used.add(i);
    pairs.push([before[i]!, a]);
  }
  const byRow = new Map<string, number>();
  before.forEach((b, i) => { if (!used.has(i)) byRow.set(`${groupKey(b)}\u0000${b.sheet ?? ''}\u0000${b.row}`, i); });
  const added: PlanAction[] = [];
  for (const a of unmatched) {
    const k = `${groupKey(a)}\u0000${a.sheet ?? ''}\u0000${a.row}`;
    const i = byRow.get(k);
    if (i === undefined) { added.push(a); continue; }
    byRow.delete(k);
    used.add(i);
    pairs.push([before[i]!, a]);
  }
  const removed = before.filter((_, i) => !used.has(i));
  return { pairs, added, removed };
}

/** The changes from `before` to `after`, in recommendation and row order; the leads first. `template`: the newer plan's. */
export function diffPlans(template: Template, before: Plan, after: Plan): PlanChange[] {
  const changes: PlanChange[] = [];
  for (const f of template.headerFields) {
    if (f.kind !== 'person') continue;
    const from = before.header[f.id] ?? null;
    const to = after.header[f.id] ?? null;
    if (!sameText(from, to)) {
      changes.push({ kind: 'lead', recommendation: null, row: null, action: null, field: f.id, fieldLabel: f.label, from, to, deadlineLater: false });
    }
  }
  const { pairs, added, removed } = pairActions(before.actions, after.actions);
  const actionLines: PlanChange[] = [];
  const line = (kind: ChangeKind, a: PlanAction, rest: Partial<PlanChange> = {}): PlanChange => ({
    kind, recommendation: a.recommendation, row: a.row, action: a.action, field: null, fieldLabel: null, from: null, to: null, deadlineLater: false, ...rest,
  });
  for (const [b, a] of pairs) {
    for (const field of ACTION_FIELDS) {
      if (sameValue(template, field, b[field], a[field])) continue;
      const later = field === 'deadline' && isIsoDate(b.deadline) && isIsoDate(a.deadline) && a.deadline > b.deadline;
      actionLines.push(line('changed', a, { field, fieldLabel: FIELD_LABEL[field], from: b[field], to: a[field], deadlineLater: later }));
    }
  }
  for (const a of added) actionLines.push(line('added', a));
  for (const b of removed) actionLines.push(line('removed', b));
  const order: Record<ChangeKind, number> = { lead: 0, removed: 1, changed: 2, added: 3 };
  actionLines.sort((x, y) => x.recommendation! - y.recommendation! || x.row! - y.row! || order[x.kind] - order[y.kind]
    || ACTION_FIELDS.indexOf(x.field as ActionField) - ACTION_FIELDS.indexOf(y.field as ActionField));
  return [...changes, ...actionLines];
}

/** Counts of a difference, for a one-line summary. */
export function diffSummary(changes: PlanChange[]) {
  return {
    added: changes.filter((c) => c.kind === 'added').length,
    removed: changes.filter((c) => c.kind === 'removed').length,
    changed: changes.filter((c) => c.kind === 'changed').length,
    leads: changes.filter((c) => c.kind === 'lead').length,
    deadlinesLater: changes.filter((c) => c.deadlineLater).length,
  };
}
