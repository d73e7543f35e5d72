// What each sheet of the national workbook holds, column by column, as plain tables. The xlsx writer and the CSV
// writer both draw from here, so the Actions sheet and the CSV cannot drift apart. docs/collation.md describes them.
import { ACTION_COLUMNS, statusOption, type ActionField } from '../../shared/layout';
import type { PlanAction } from '../../shared/plan';
import { diffPlans } from '../../shared/planDiff';
import type { Collator, CountedPlan, EntryRecord, VersionPair } from './collator';
import { collatedActions, safeText, sheetOf, type CollatedAction } from './rows';
import type { SummaryTally } from './summary';

/** A cell value: text (made inert when written), a whole number, a share (0..1), a calendar date or a time. */
export type Value = string | number | Date | null;
export type Format = 'text' | 'integer' | 'share' | 'date' | 'datetime';

export interface Column {
  header: string;
  width: number;
  format: Format;
}

export interface Table {
  sheet: string;
  columns: Column[];
  rows: () => Iterable<Value[]>;
}

/** The Actions sheet (and CSV): its rows come plan by plan, as the counted plans are read. */
export interface ActionsTable {
  sheet: string;
  columns: Column[];
  /** `collated`: the plan's actions as collatedActions() reads them, when the caller has them already. */
  rowsOf: (plan: CountedPlan, collated?: CollatedAction[]) => Value[][];
}

const col = (header: string, width: number, format: Format = 'text'): Column => ({ header, width, format });
const header = (field: ActionField) => ACTION_COLUMNS.find((c) => c.field === field)!.header;
const yesNo = (b: boolean) => (b ? 'Yes' : 'No');
/**
 * A Date at UTC midnight from an ISO day (an accepted deadline, 2020–2099), as exceljs writes a calendar date; from its
 * numbers, not by parsing text. One Date per day, kept (at most 29,220 of them): a plan's actions share a few
 * deadlines, and the writers make a column's output again only when its value is not the one before (lastValues.ts).
 */
const days = new Map<string, Date>();
function day(iso: string): Date {
  let d = days.get(iso);
  if (!d) days.set(iso, (d = new Date(Date.UTC(Number(iso.slice(0, 4)), Number(iso.slice(5, 7)) - 1, Number(iso.slice(8, 10))))));
  return d;
}

/**
 * The order of a plan's actions on the Actions sheet: by recommendation, its plan-sheet rows before its "More actions"
 * rows, then by row.
 */
const rowOrder = (a: PlanAction, b: PlanAction) =>
  a.recommendation - b.recommendation || Number(a.sheet !== undefined) - Number(b.sheet !== undefined) || a.row - b.row;

/** The Summary, from the tallies of every counted plan (so it is written after them). */
export function summaryTable(c: Collator, summary: SummaryTally): Table {
  const { statusKey, priorityKey } = c.template;
  const pair = (label: string): Column[] => [col(label, 14, 'integer'), col(`${label} (share)`, 12, 'share')];
  return {
    sheet: 'Summary',
    columns: [
      col('Nation', 12),
      col('Recommendation', 16),
      col('Plans returned', 10, 'integer'),
      col('Actions', 10, 'integer'),
      ...statusKey.entries.flatMap((e) => pair(statusOption(e.code, e.label))),
      ...pair('Status outside Key 1'),
      ...priorityKey.entries.flatMap((e) => pair(`Priority ${e.label}`)),
      ...pair('Priority outside Key 2'),
      col('Overdue actions', 10, 'integer'),
      col('Organisations expected', 12, 'integer'),
      col('Expected and returned', 12, 'integer'),
      col('Expected, not returned', 12, 'integer'),
      col('Plans valid', 10, 'integer'),
    ],
    *rows() {
      for (const { nation, recommendation, tally, counts } of summary.lines()) {
        const share = (n: number) => (tally.actions ? n / tally.actions : null);
        const both = (n: number) => [n, share(n)];
        yield [
          nation,
          recommendation === null ? 'All recommendations' : recommendation,
          tally.plans,
          tally.actions,
          ...[...statusKey.entries.map((e) => e.code), null].flatMap((k) => both(tally.byStatus.get(k)!)),
          ...[...priorityKey.entries.map((e) => e.label), null].flatMap((k) => both(tally.byPriority.get(k)!)),
          tally.overdue,
          // The round's figures, on each area's "All recommendations" line.
          counts?.expected ?? null,
          counts?.expectedReturned ?? null,
          counts ? counts.expected - counts.expectedReturned : null,
          counts?.valid ?? null,
        ];
      }
    },
  };
}

/** The person header fields (audit lead, action plan lead): a column each, headed by the field's label. */
const leadFields = (c: Collator) => c.template.headerFields.filter((f) => f.kind === 'person');
const leadColumns = (c: Collator) => leadFields(c).map((f) => col(f.label, 24));
const leadValues = (c: Collator, p: CountedPlan) => leadFields(c).map((f) => safeText(p.leads[f.id]));

export function actionsTable(c: Collator): ActionsTable {
  const t = c.template;
  return {
    sheet: 'Actions',
    columns: [
      col('Organisation code', 12),
      col('Organisation name', 40),
      col('Nation', 10),
      col('Region', 20),
      ...leadColumns(c),
      col('Recommendation', 10, 'integer'),
      col(header('action'), 50),
      col(header('responsible'), 28),
      col('Deadline', 12, 'date'),
      col('Status code', 8, 'integer'),
      col('Status (Key 1)', 30),
      col('Priority (Key 2)', 10),
      col(header('reason'), 30),
      col(header('progress'), 36),
      col('Overdue', 9),
      col('Errors in row', 24),
      col('Plan valid', 9),
      col('Sheet in plan', 14),
      col('Row in plan', 8, 'integer'),
      col('Source', 36),
      col('Submitted (UTC)', 17, 'datetime'),
    ],
    rowsOf(plan, collated = collatedActions(c, plan)) {
      const { organisation: o, entry, actions } = plan;
      const leads = leadValues(c, plan);
      // Sorted only when out of order: most plans are in that order already.
      const order = actions.map((_, i) => i);
      if (actions.some((a, i) => i > 0 && rowOrder(actions[i - 1]!, a) > 0)) order.sort((i, j) => rowOrder(actions[i]!, actions[j]!));
      return order.map((i) => {
        const a = actions[i]!;
        // Key values and dates only where the rules accepted them; otherwise the text typed (rows.ts).
        const v = collated[i]!;
        return [
          o.code, o.name, o.nation, o.region, ...leads, a.recommendation,
          v.action, v.responsible,
          v.deadline !== null && typeof v.deadline === 'object' ? day(v.deadline.date) : v.deadline,
          v.statusCode,
          v.status,
          v.priority,
          v.reason, v.progress,
          yesNo(v.overdue),
          v.errors.join(', ') || null,
          yesNo(entry.valid),
          sheetOf(a, plan.errors),
          a.row,
          entry.source, entry.submittedAt,
        ];
      });
    },
  };
}

const listSources = (entries: EntryRecord[]) => entries.map((e) => `${e.source} (${e.submittedAt.toISOString().slice(0, 16).replace('T', ' ')})`).join('; ');

export function organisationsTable(c: Collator, summary: SummaryTally): Table {
  return {
    sheet: 'Organisations',
    columns: [
      col('Organisation code', 12),
      col('Organisation name', 40),
      col('Nation', 10),
      col('Region', 20),
      ...leadColumns(c),
      col('Source', 36),
      col('Submitted (UTC)', 17, 'datetime'),
      col('Valid', 7),
      col('Errors', 8, 'integer'),
      col('Warnings', 9, 'integer'),
      col('Actions', 8, 'integer'),
      col('Overdue actions', 9, 'integer'),
      col('Superseded (older returns, newest first)', 50),
      ...(c.reviews ? [col('Review', 18), col('Review comment', 50), col('Reviewed by', 20), col('Reviewed (UTC)', 17, 'datetime')] : []),
    ],
    *rows() {
      for (const plan of c.counted()) {
        const { organisation: o, entry, actionCount } = plan;
        const review = c.reviews?.(o.code);
        yield [o.code, o.name, o.nation, o.region, ...leadValues(c, plan), entry.source, entry.submittedAt, yesNo(entry.valid), entry.errors,
          entry.warnings, actionCount, summary.overdueByOrganisation.get(o.code) ?? 0, listSources(c.superseded(o.code)) || null,
          ...(c.reviews ? [review?.state ?? 'awaiting-review', review?.comment || null, review?.reviewer ?? null, review?.reviewedAt ?? null] : [])];
      }
    },
  };
}

/** The Changes sheet: each organisation's latest version against the one before it, a line per change. */
export function changesTable(c: Collator) {
  return {
    sheet: 'Changes',
    columns: [
      col('Organisation code', 12),
      col('Organisation name', 40),
      col('From version', 8, 'integer'),
      col('To version', 8, 'integer'),
      col('Change', 10),
      col('Recommendation', 10, 'integer'),
      col('Row in plan', 8, 'integer'),
      col('Action', 50),
      col('Field', 24),
      col('Was', 30),
      col('Now', 30),
      col('Deadline moved later', 10),
    ],
    rowsOf({ organisation: o, previous, latest }: VersionPair): Value[][] {
      return diffPlans(c.template, previous.plan, latest.plan).map((ch) => [o.code, o.name, previous.version, latest.version, ch.kind,
        ch.recommendation, ch.row, ch.action, ch.fieldLabel, ch.from, ch.to, ch.field === 'deadline' ? yesNo(ch.deadlineLater) : null]);
    },
  };
}

/** Organisations expected to return that have not (the organisations list says who is expected). */
export function notReturnedTable(c: Collator): Table {
  return {
    sheet: 'Not returned',
    columns: [col('Organisation code', 12), col('Organisation name', 50), col('Nation', 10), col('Region', 24)],
    *rows() {
      for (const o of c.notReturned()) yield [o.code, o.name, o.nation, o.region];
    },
  };
}

export function problemsTable(c: Collator): Table {
  return {
    sheet: 'Problems',
    columns: [
      col('Source', 36),
      col('Submitted (UTC)', 17, 'datetime'),
      col('File state', 14),
      col('Organisation code', 12),
      col('Severity', 9),
      col('Code', 26),
      col('Sheet', 12),
      col('Cell', 7),
      col('Recommendation', 10, 'integer'),
      col('Field', 12),
      col('Message', 80),
    ],
    *rows() {
      for (const e of c.entries) {
        const state = c.stateOf(e);
        for (const f of e.findings) {
          yield [e.source, e.submittedAt, state, e.code, f.severity, f.code, f.sheet, f.cell, f.recommendation, f.field, f.message];
        }
      }
    },
  };
}
