// The plan model: what a returned action plan says, cell by cell, read the same way from an .xlsx file (server, CLI)
// and from the live workbook (add-in). The add-in sends this as JSON; the service checks it with planSchema.
import { z } from 'zod';
import { cellDate, cellText, type RawCell } from './cells';
import { ACTION_COLUMNS, META, PLAN_SHEET, a1, readingLayout, type PlanLayout } from './layout';
import { builtInTemplates, findTemplate, type Template } from './template';

const text = z.string().max(32767).nullable();

export const planActionSchema = z.object({
  recommendation: z.number().int().positive(),
  /** Worksheet row of this action, so findings can name its cells. */
  row: z.number().int().positive(),
  action: text,
  responsible: text,
  /** ISO yyyy-mm-dd when the cell holds a date in any shape; otherwise the text as typed. */
  deadline: text,
  status: text,
  priority: text,
  reason: text,
  progress: text,
});

export const planSchema = z.object({
  template: z.object({ id: z.string().max(100), version: z.number().int() }),
  header: z.record(z.string().max(100), text),
  /** What the workbook holds in each official text cell. */
  official: z.array(z.object({ cell: z.string().regex(/^[A-Z]{1,3}\d{1,7}$/), text })).max(1000),
  /** Only rows with something in them; blank pre-formatted rows are left out. */
  actions: z.array(planActionSchema).max(5000),
});

export type Plan = z.infer<typeof planSchema>;
export type PlanAction = z.infer<typeof planActionSchema>;

/** Reads one cell of the workbook: sheet name and A1 address. */
export type CellReader = (sheet: string, cell: string) => RawCell;

export type Identified =
  | { ok: true; template: Template }
  | { ok: false; id: string | null; version: number | null };

/** Finds which template a workbook was made from, by the id and version on its lists sheet. */
export function identifyTemplate(read: CellReader, known: Template[] = builtInTemplates): Identified {
  const id = cellText(read(META.sheet, META.idCell));
  const versionText = cellText(read(META.sheet, META.versionCell));
  const version = versionText !== null && /^\d+$/.test(versionText) ? Number(versionText) : null;
  const template = id !== null && version !== null ? findTemplate(id, version, known) : undefined;
  return template ? { ok: true, template } : { ok: false, id, version };
}

/** The cells a plan is read from, in one list, so the add-in can fetch them in a single round trip. */
export function planCells(layout: PlanLayout): string[] {
  return [
    ...layout.header.map((h) => h.cell),
    ...layout.official.map((o) => o.cell),
    ...layout.recommendations.flatMap((rec) => {
      const cells: string[] = [];
      for (let row = rec.firstActionRow; row <= rec.lastActionRow; row++) for (const c of ACTION_COLUMNS) cells.push(a1(c.col, row));
      return cells;
    }),
  ];
}

/** Builds the plan model from a workbook's cells. date1904: the workbook uses the 1904 date system. */
export function extractPlan(template: Template, read: CellReader, date1904 = false): Plan {
  const layout = readingLayout(template);
  const get = (cell: string) => read(PLAN_SHEET, cell);
  const actions: PlanAction[] = [];
  for (const rec of layout.recommendations) {
    for (let row = rec.firstActionRow; row <= rec.lastActionRow; row++) {
      const value = (field: string) => get(a1(ACTION_COLUMNS.find((c) => c.field === field)!.col, row));
      const action: PlanAction = {
        recommendation: rec.number,
        row,
        action: cellText(value('action')),
        responsible: cellText(value('responsible')),
        deadline: cellDate(value('deadline'), date1904),
        status: cellText(value('status')),
        priority: cellText(value('priority')),
        reason: cellText(value('reason')),
        progress: cellText(value('progress')),
      };
      if (ACTION_COLUMNS.some((c) => action[c.field] !== null)) actions.push(action);
    }
  }
  return {
    template: { id: template.id, version: template.version },
    header: Object.fromEntries(layout.header.map((h) => [h.id, cellText(get(h.cell))])),
    official: layout.official.map((o) => ({ cell: o.cell, text: cellText(get(o.cell)) })),
    actions,
  };
}
