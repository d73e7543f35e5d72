// Test content for action plans: a fully correct plan, and a way to put any content into a real workbook
// written by our own writer (exceljs). Cells are placed by the shared layout, as a person filling the sheet would.
import ExcelJS from 'exceljs';
import { addDays, todayIso } from '../../shared/cells';
import { ACTION_COLUMNS, PLAN_SHEET, a1, planLayout, type ActionField } from '../../shared/layout';
import { currentTemplate, type Template } from '../../shared/template';

export type CellInput = string | number | Date | null | undefined;
export interface ActionContent extends Partial<Record<ActionField, CellInput>> {
  recommendation: number;
  /** Place the action at this index within its recommendation's block (default: next free row). */
  index?: number;
}
export interface PlanContent {
  header: Record<string, CellInput>;
  actions: ActionContent[];
}

/** A UTC-midnight Date `days` from today: how exceljs and Excel hold a date cell. */
export const dateFromToday = (days: number) => new Date(`${addDays(todayIso(), days)}T00:00:00Z`);

/** A complete, correct plan: no finding at all. Two actions on recommendation 1, one on each of the others. */
export function goodPlanContent(orgCode = 'RGT', template: Template = currentTemplate): PlanContent {
  const actions: ActionContent[] = template.recommendations.map((rec) => ({
    recommendation: rec.number,
    action: `Review recommendation ${rec.number} performance on the NAoMe dashboard and present the findings at the breast MDT business meeting`,
    responsible: 'Dr Jane Smith, consultant oncologist',
    deadline: dateFromToday(120 + rec.number),
    status: '2. Action in progress',
    priority: 'High',
    progress: 'Dashboard review booked for the next MDT business meeting',
  }));
  actions.splice(1, 0, {
    recommendation: 1,
    action: 'Add a COSD recording step to the MDT proforma so each discussion is captured during the meeting',
    responsible: 'Mr Ahmed Khan, MDT coordinator',
    deadline: dateFromToday(60),
    status: '3. Action fully implemented',
    priority: 'Medium',
    progress: 'Proforma updated and in use since the last MDT; audit of 20 cases showed 19 recorded',
  });
  return {
    header: { organisation: orgCode, auditLead: 'Dr Priya Patel', actionPlanLead: 'Sarah Jones' },
    actions,
  };
}

/** The cell each piece of content goes in, by the shared layout. */
export function contentCells(content: PlanContent, template: Template = currentTemplate): Array<{ cell: string; value: CellInput }> {
  const layout = planLayout(template, []);
  const out: Array<{ cell: string; value: CellInput }> = [];
  for (const h of layout.header) if (h.id in content.header) out.push({ cell: h.cell, value: content.header[h.id] });
  const used = new Map<number, number>();
  for (const a of content.actions) {
    const block = layout.recommendations.find((r) => r.number === a.recommendation)!;
    const index = a.index ?? used.get(a.recommendation) ?? 0;
    used.set(a.recommendation, Math.max(used.get(a.recommendation) ?? 0, index + 1));
    const row = block.firstActionRow + index;
    for (const c of ACTION_COLUMNS) if (c.field in a) out.push({ cell: a1(c.col, row), value: a[c.field] });
  }
  return out;
}

/** Fills a blank workbook (our writer's bytes) with content, through exceljs. */
export async function fillWorkbook(blank: Buffer, content: PlanContent, template: Template = currentTemplate): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(blank as unknown as ArrayBuffer);
  const ws = wb.getWorksheet(PLAN_SHEET)!;
  for (const { cell, value } of contentCells(content, template)) ws.getCell(cell).value = value ?? null;
  return Buffer.from(await wb.xlsx.writeBuffer());
}

/**
 * The same plan with its first action's progress note marked as update n: a different plan each n, since submitting
 * the organisation's latest plan again stores no new version.
 */
export function revisedContent(content: PlanContent, n: number): PlanContent {
  const [first, ...rest] = content.actions;
  return { ...content, actions: [{ ...first!, progress: `${String(first!.progress ?? 'Progress noted')} (update ${n})` }, ...rest] };
}
