// The plan model's JSON schema: what the service accepts as a plan sent as JSON (the add-in's Submit, the API), as
// strict as the workbook. Apart from shared/plan.ts so the commands that only read workbooks never load zod.
import { z } from 'zod';
import { colIndex, parseCell } from './a1';
import { readingLayout } from './layout';
import { fixedPlacesOf, type PlanPlaces } from './locate';
import { MAX_CELL_CHARS, MAX_SHEET_COLS, MAX_SHEET_ROWS } from './plan';
import { builtInTemplates, type Template } from './template';

const cellString = z.string().max(MAX_CELL_CHARS, `longer than ${MAX_CELL_CHARS.toLocaleString('en-GB')} characters, the most one cell holds (Excel's limit)`);
const text = cellString.nullable();
const sheetName = z.string().min(1).max(100);
const row = z.number().int().positive().max(MAX_SHEET_ROWS);
const col = z.string().regex(/^[A-Z]{1,3}$/).refine((c) => colIndex(c) < MAX_SHEET_COLS, 'a column past XFD, the last one a sheet has');
const cell = z.string().regex(/^[A-Z]{1,3}[1-9]\d{0,6}$/, 'a cell address like C5')
  .refine((c) => { const p = parseCell(c); return p.row <= MAX_SHEET_ROWS && colIndex(p.col) < MAX_SHEET_COLS; }, 'a cell past the last row or column a sheet has');

// Every object is strict: a key the plan model does not have is refused, not carried along unread.
export const planActionSchema = z.object({
  /** 0: a row of the "More actions" sheet that does not name a recommendation of the plan. */
  recommendation: z.number().int().nonnegative(),
  /** Worksheet row of this action, so findings can name its cells. */
  row,
  /** The sheet, when it is not the plan sheet (the "More actions" sheet). */
  sheet: sheetName.optional(),
  /** What a "More actions" row has in its recommendation column, when that is not a recommendation's number. */
  recommendationText: cellString.optional(),
  action: text,
  responsible: text,
  /** ISO yyyy-mm-dd when the cell holds a date in any shape; otherwise the text as typed. */
  deadline: text,
  status: text,
  priority: text,
  reason: text,
  progress: text,
}).strict();

const columnsSchema = z.object({ action: col, responsible: col, deadline: col, status: col, priority: col, reason: col, progress: col }).strict();
/** A JSON object with at most `max` keys, checked before any key is parsed: 300,000 unknown keys cost one count. */
const fewKeys = (max: number) => z.custom<Record<string, unknown>>(
  (v) => typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length <= max,
  { message: `an object with at most ${max} keys` },
);
const placesSchema = z.object({
  sheet: sheetName,
  header: fewKeys(100).pipe(z.record(z.string().max(100), cell)),
  blocks: z.array(z.object({
    recommendation: z.number().int().positive(), textCell: cell, suggestedCell: cell,
    firstRow: row, lastRow: z.number().int().nonnegative().max(MAX_SHEET_ROWS),
  }).strict()).max(100),
  columns: columnsSchema,
  more: z.object({ sheet: sheetName, firstRow: row, lastRow: row, numberCol: col, columns: columnsSchema }).strict().nullable(),
}).strict() satisfies z.ZodType<PlanPlaces>;

const planShape = z.object({
  template: z.object({ id: z.string().max(100), version: z.number().int() }).strict(),
  header: fewKeys(100).pipe(z.record(z.string().max(100), text)),
  /** What the workbook holds in each official text cell. */
  official: z.array(z.object({ cell, text }).strict()).max(1000),
  /** Only rows with something in them; blank pre-formatted rows are left out. */
  actions: z.array(planActionSchema).max(5000),
  /** Where the plan's parts are, when the workbook's layout differs from the fixed one (see shared/locate.ts). */
  places: placesSchema.optional(),
}).strict();

/**
 * The plan schema, as strict as the workbook: the shape above, then (for a template in `templates`) only that
 * template's recommendation numbers, header fields and official cells, action rows inside the plan's blocks or the
 * "More actions" rows, no row twice, and places that could be a sheet's. A plan naming a template not in `templates`
 * is left to the UNKNOWN_TEMPLATE finding. The file reader and the add-in always produce plans it accepts.
 */
export function planSchemaFor(templates: readonly Template[]) {
  return planShape.superRefine((plan, ctx) => {
    const template = templates.find((t) => t.id === plan.template.id && t.version === plan.template.version);
    if (template) for (const issue of planFitIssues(plan, template)) ctx.addIssue({ code: 'custom', ...issue });
  });
}

/** Where a plan does not fit its template: each issue's JSON path and what is wrong there. */
export function planFitIssues(plan: z.infer<typeof planShape>, template: Template): Array<{ path: Array<string | number>; message: string }> {
  const issues: Array<{ path: Array<string | number>; message: string }> = [];
  const add = (path: Array<string | number>, message: string) => { if (issues.length < 50) issues.push({ path, message }); };
  const numbers = template.recommendations.map((r) => r.number);
  const headerIds = template.headerFields.map((h) => h.id);
  const known = (list: readonly unknown[]) => list.map((x) => JSON.stringify(x)).join(', ');

  for (const key of Object.keys(plan.header)) {
    if (!headerIds.includes(key)) add(['header', key], `not a header field of template "${template.id}" (its fields: ${known(headerIds)})`);
  }

  const places = plan.places ?? fixedPlacesOf(template);
  if (plan.places) {
    const p = plan.places;
    const cellRow = (c: string) => parseCell(c).row;
    for (const key of Object.keys(p.header)) if (!headerIds.includes(key)) add(['places', 'header', key], `not a header field of template "${template.id}"`);
    for (const id of headerIds) if (!(id in p.header)) add(['places', 'header'], `the cell of header field "${id}" is missing`);
    if (p.blocks.length !== numbers.length || p.blocks.some((b, i) => b.recommendation !== numbers[i])) {
      add(['places', 'blocks'], `must be one block for each recommendation, in order: ${known(numbers)}`);
    }
    p.blocks.forEach((b, i) => {
      const before = i > 0 ? p.blocks[i - 1]!.lastRow : 0;
      if (b.lastRow < b.firstRow - 1) add(['places', 'blocks', i, 'lastRow'], `ends (row ${b.lastRow}) before it starts (row ${b.firstRow})`);
      if (cellRow(b.textCell) <= before || cellRow(b.suggestedCell) <= before || cellRow(b.textCell) >= b.firstRow || cellRow(b.suggestedCell) >= b.firstRow) {
        add(['places', 'blocks', i], 'the official text cells must come after the block before and above the block\'s own rows');
      }
      if (b.firstRow <= before) add(['places', 'blocks', i, 'firstRow'], `overlaps or comes before the block before it (which ends at row ${before})`);
    });
    const distinct = (cols: Record<string, string>, extra: string[] = []) => new Set([...Object.values(cols), ...extra]).size === Object.keys(cols).length + extra.length;
    if (!distinct(p.columns)) add(['places', 'columns'], 'two action fields share one column');
    if (p.more) {
      if (p.more.sheet === p.sheet) add(['places', 'more', 'sheet'], 'the "More actions" rows must be on a sheet of their own');
      if (p.more.lastRow < p.more.firstRow) add(['places', 'more', 'lastRow'], `ends (row ${p.more.lastRow}) before it starts (row ${p.more.firstRow})`);
      if (!distinct(p.more.columns, [p.more.numberCol])) add(['places', 'more', 'columns'], 'two fields share one column');
    }
  }

  // Official text cells: each one of the template's, at most once.
  const officialCells = new Set<string>();
  for (const o of readingLayout(template).official) {
    const block = places.blocks.find((b) => b.recommendation === o.recommendation);
    if (block) officialCells.add(o.kind === 'text' ? block.textCell : block.suggestedCell);
  }
  const seenOfficial = new Set<string>();
  plan.official.forEach((o, i) => {
    if (!officialCells.has(o.cell)) add(['official', i, 'cell'], `${o.cell} is not an official text cell of this plan`);
    else if (seenOfficial.has(o.cell)) add(['official', i, 'cell'], `${o.cell} is given twice`);
    seenOfficial.add(o.cell);
  });

  // Actions: a recommendation of the template, in its own block's rows or the "More actions" rows; each row once.
  const blocks = new Map(places.blocks.map((b) => [b.recommendation, b]));
  // Without places, the fixed layout, whose "More actions" rows are what a reader reads there (its named rows and the
  // rows typed just below them).
  const more = places.more;
  const seen = new Set<string>();
  plan.actions.forEach((a, i) => {
    const at = (...k: Array<string | number>) => ['actions', i, ...k];
    if (a.recommendation !== 0 && !numbers.includes(a.recommendation)) {
      add(at('recommendation'), `${a.recommendation} is not a recommendation of template "${template.id}" (1 to ${Math.max(...numbers)})`);
    }
    if (a.sheet === undefined) {
      if (a.recommendation === 0) add(at('recommendation'), '0 is only for a row of the "More actions" sheet, which names its sheet');
      if (a.recommendationText !== undefined) add(at('recommendationText'), 'only a row of the "More actions" sheet has this');
      const block = blocks.get(a.recommendation);
      if (block && (a.row < block.firstRow || a.row > block.lastRow)) {
        add(at('row'), `row ${a.row} is not one of recommendation ${a.recommendation}'s rows (${block.firstRow} to ${block.lastRow})`);
      }
    } else if (!more || a.sheet !== more.sheet) {
      add(at('sheet'), `"${a.sheet}" is not ${more ? `the "More actions" sheet ("${more.sheet}")` : 'a sheet of this plan: only the "More actions" sheet\'s rows name their sheet'}`);
    } else {
      if (a.row < more.firstRow || a.row > more.lastRow) add(at('row'), `row ${a.row} is not one of the "More actions" rows (${more.firstRow} to ${more.lastRow})`);
      if (a.recommendationText !== undefined && a.recommendation !== 0) add(at('recommendationText'), 'only a row that names no recommendation of the plan (recommendation 0) has this');
    }
    const key = `${a.sheet ?? ''}\u0000${a.row}`;
    if (seen.has(key)) add(at('row'), `row ${a.row}${a.sheet ? ` of "${a.sheet}"` : ''} is given twice`);
    seen.add(key);
  });
  return issues;
}

/** The plan schema for the templates this code ships with (the OpenAPI document's Plan). */
export const planSchema = planSchemaFor(builtInTemplates);

export type Plan = z.infer<typeof planSchema>;
export type PlanAction = z.infer<typeof planActionSchema>;
