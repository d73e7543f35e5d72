// What the national data says about one action row. The rule: a value goes out as the key value or the date it means
// only when the rules accepted it — no error finding on its cell, and the shared keys (shared/keys.ts) and date check
// read it. Anything else goes out as the text typed (a number typed into a date cell as that number, not as 1905), and
// the row's "Errors in row" column names the finding codes. A cell holding an NHS number never goes out at all.
import { isIsoDate, isoToSerial, ukDate } from '../../shared/cells';
import type { Finding } from '../../shared/findings';
import { priorityLabel, statusCode, statusLabel } from '../../shared/keys';
import { ACTION_FIELDS, PLAN_SHEET, type ActionField } from '../../shared/layout';
import { holdsNhsNumber } from '../../shared/nhsNumber';
import type { PlanAction } from '../../shared/plan';
import { isDeadlineDate, isOverdue } from '../../shared/rules';
import type { Template } from '../../shared/template';

/** What goes out instead of a cell that holds an NHS number: the national data must carry no patient identifier. */
export const WITHHELD = '[withheld: holds an NHS number]';

export interface CollatedAction {
  action: string | null;
  responsible: string | null;
  /** A calendar day (ISO) when it is an accepted deadline; otherwise the text typed. */
  deadline: { date: string } | string | null;
  /** The Key 1 code, or null when the status is blank or was refused. */
  statusCode: number | null;
  /** The Key 1 label, or the text typed when refused. */
  status: string | null;
  /** The Key 2 label, or null when the priority is blank or was refused. */
  priorityLabel: string | null;
  /** The Key 2 label, or the text typed when refused. */
  priority: string | null;
  reason: string | null;
  progress: string | null;
  overdue: boolean;
  /** The codes of the error findings on this row, in the order found ("DEADLINE_NOT_DATE, STATUS_INVALID"). */
  errors: string[];
}

/**
 * A plan's error findings on action rows, by sheet and row: what the collation needs to know which values were
 * refused. Keyed by sheet too, as row 4 of "More actions" is not row 4 of the plan sheet (whatever it is now called).
 */
export interface RowErrors {
  /** The plan sheet's name as it is in the workbook: the sheet of every action that names none. */
  planSheet: string;
  bySheetRow: Map<string, Array<{ field: ActionField; code: string }>>;
}
const rowKey = (sheet: string, row: number) => `${sheet}!${row}`;

const FIELDS = new Set<string>(ACTION_FIELDS);
export function rowErrors(findings: readonly Finding[], planSheet: string = PLAN_SHEET): RowErrors {
  const out: RowErrors = { planSheet, bySheetRow: new Map() };
  for (const f of findings) {
    if (f.severity !== 'error' || f.sheet === null || !f.field || !FIELDS.has(f.field) || !f.cell) continue;
    const row = Number(/\d+$/.exec(f.cell)?.[0]);
    if (!row) continue;
    const key = rowKey(f.sheet, row);
    const list = out.bySheetRow.get(key) ?? [];
    list.push({ field: f.field as ActionField, code: f.code });
    out.bySheetRow.set(key, list);
  }
  return out;
}

/** The sheet an action is on: its own when it names one ("More actions"), else the plan sheet. */
export const sheetOf = (a: PlanAction, errors: RowErrors) => a.sheet ?? errors.planSheet;

/** Free text as the national data may hold it. */
export const safeText = (text: string | null | undefined): string | null => (holdsNhsNumber(text) ? WITHHELD : text ?? null);

/**
 * What was typed into a date cell that reads as `iso`, a day no deadline can be: before 1950 it is the number typed
 * (Excel counts days from 1900, so 2027 shows as 19/07/1905); otherwise the date as shown.
 */
export function typedDateText(iso: string): string {
  if (iso >= '1950-01-01') return ukDate(iso);
  // Serials before 1 March 1900 count Excel's phantom 29 February 1900, one day more than the calendar.
  return String(isoToSerial(iso) - (iso < '1900-03-01' ? 1 : 0));
}

const NO_ERRORS: Array<{ field: ActionField; code: string }> = [];

export function collatedAction(template: Template, today: string, a: PlanAction, errors: RowErrors): CollatedAction {
  // Most plans have no error on an action row: no key to make for them.
  const onRow = (errors.bySheetRow.size > 0 && errors.bySheetRow.get(rowKey(sheetOf(a, errors), a.row))) || NO_ERRORS;
  const refused = (field: ActionField) => onRow.some((e) => e.field === field);
  const code = refused('status') ? null : statusCode(template, a.status);
  const label = refused('priority') ? null : priorityLabel(template, a.priority);
  const deadlineGood = !refused('deadline') && isDeadlineDate(a.deadline);
  // Text is looked at for an NHS number only where it goes out as typed (a national collation has 100,000 rows).
  const deadline: CollatedAction['deadline'] = deadlineGood ? { date: a.deadline! } : isIsoDate(a.deadline) ? typedDateText(a.deadline) : safeText(a.deadline);
  return {
    action: safeText(a.action),
    responsible: safeText(a.responsible),
    deadline,
    statusCode: code,
    status: code === null ? safeText(a.status) : statusLabel(template, code),
    priorityLabel: label,
    priority: label ?? safeText(a.priority),
    reason: safeText(a.reason),
    progress: safeText(a.progress),
    overdue: deadlineGood && !refused('status') && isOverdue(template, a, today),
    errors: onRow.length === 0 ? [] : [...new Set(onRow.map((e) => e.code))],
  };
}

/** What the national data says about each action of a counted plan, in the plan's order (the Summary and the Actions rows read the same). */
export function collatedActions(c: { template: Template; today: string }, plan: { actions: readonly PlanAction[]; errors: RowErrors }): CollatedAction[] {
  return plan.actions.map((a) => collatedAction(c.template, c.today, a, plan.errors));
}
