// The one definition of where everything lives in a plan workbook. The exceljs writer, the add-in's Excel API writer
// and both readers all work from it, so they cannot disagree. Pure: no Node or Office API.
import { KnownText } from './cells';
import type { Template, Recommendation } from './template';

export const PLAN_SHEET = 'Action plan';
export const LISTS_SHEET = 'Lists';
/** Fixed for every template, so a reader can find the template before it knows which layout applies. */
export const META = { sheet: LISTS_SHEET, idCell: 'B1', versionCell: 'B2' } as const;
export const META_NAMES = { id: 'NAOME_TEMPLATE_ID', version: 'NAOME_TEMPLATE_VERSION' } as const;

/**
 * Input rows under each recommendation. A protected sheet cannot grow a table, so every recommendation gets a fixed
 * block of pre-formatted rows with their own dropdowns and date checks; 15 leaves room well past the 10 required.
 */
export const ACTION_ROWS_PER_RECOMMENDATION = 15;

/**
 * Room for more actions than a block holds, usable in plain Excel with the plan sheet protected: an unprotected sheet
 * with the plan's action columns (B–H) and the recommendation number in column A (a dropdown), its rows named
 * NAOME_MORE_ACTIONS. Its rows are read and collated like the plan sheet's.
 */
export const MORE_ACTIONS = {
  sheet: 'More actions',
  name: 'NAOME_MORE_ACTIONS',
  numberHeader: 'Recommendation no.',
  title: 'More actions: use these rows only when a recommendation needs more actions than its rows on the "Action plan" sheet hold. Choose the recommendation number in column A.',
  headingsRow: 2,
  firstRow: 3,
  rows: 200,
} as const;

export const ACTION_FIELDS = ['action', 'responsible', 'deadline', 'status', 'priority', 'reason', 'progress'] as const;
export type ActionField = (typeof ACTION_FIELDS)[number];

/** The documented column layout of action rows (column A holds the recommendation number). */
export const ACTION_COLUMNS: ReadonlyArray<{ field: ActionField; col: string; header: string; width: number }> = [
  { field: 'action', col: 'B', header: 'Action required (local action)', width: 46 },
  { field: 'responsible', col: 'C', header: 'Responsible individual(s)', width: 24 },
  { field: 'deadline', col: 'D', header: 'Agreed deadline (dd/mm/yyyy)', width: 14 },
  { field: 'status', col: 'E', header: 'Status (Key 1)', width: 30 },
  { field: 'priority', col: 'F', header: 'Priority (Key 2)', width: 11 },
  { field: 'reason', col: 'G', header: 'Reason or information (needed for status 4 or 5)', width: 28 },
  { field: 'progress', col: 'H', header: 'Progress / evidence', width: 32 },
];
export const NUMBER_COLUMN = { col: 'A', header: 'No.', width: 6 };
export const FIRST_COL = 'A';
export const LAST_COL = 'H';
export const DATE_FORMAT = 'dd/mm/yyyy';
/** Deadlines accepted by the workbook's own date check. */
export const DEADLINE_RANGE = { from: '2020-01-01', to: '2099-12-31' } as const;

export function columnOf(field: ActionField): string {
  return ACTION_COLUMNS.find((c) => c.field === field)!.col;
}

export type RowKind = 'title' | 'instruction' | 'audit' | 'header' | 'smart' | 'keyTitle' | 'key' | 'columns' | 'group'
  | 'recommendation' | 'suggested' | 'action' | 'note';

/** One styled row of the plan sheet: what text goes where, merged how, locked or not. */
export interface LayoutCell {
  cell: string;
  /** Merge through this column on the same row. */
  mergeTo?: string;
  value?: string | number;
  /** An input cell: unlocked on the protected sheet. */
  input?: boolean;
  style: 'title' | 'label' | 'text' | 'official' | 'heading' | 'group' | 'number' | 'input' | 'note' | 'key';
}
export interface LayoutRow {
  row: number;
  kind: RowKind;
  height?: number;
  cells: LayoutCell[];
}

export interface HeaderFieldLayout {
  id: string;
  label: string;
  kind: 'organisation' | 'person';
  cell: string;
  /** Defined name, e.g. NAOME_AUDIT_LEAD. */
  name: string;
}
export interface RecommendationLayout {
  number: number;
  group: string;
  textCell: string;
  suggestedCell: string;
  firstActionRow: number;
  lastActionRow: number;
  /** Defined name of the block's action rows, e.g. NAOME_ACTIONS_R1. */
  name: string;
}
export interface ListLayout {
  name: string;
  col: string;
  header: string;
  values: Array<string | number>;
}
/** The "More actions" sheet: a title row, a headings row and MORE_ACTIONS.rows input rows, named NAOME_MORE_ACTIONS. */
export interface MoreActionsLayout {
  sheet: string;
  name: string;
  rows: LayoutRow[];
  headingsRow: number;
  firstRow: number;
  lastRow: number;
  /** Column A is wider than on the plan sheet: it holds the recommendation number under a longer heading. */
  widths: ReadonlyArray<{ col: string; width: number }>;
}
export interface PlanLayout {
  template: Template;
  rows: LayoutRow[];
  header: HeaderFieldLayout[];
  recommendations: RecommendationLayout[];
  /** The row of column headings, repeated on every printed page. */
  columnsRow: number;
  lastRow: number;
  /** Every official text cell with the text it must hold. */
  official: Array<{ cell: string; recommendation: number; kind: 'text' | 'suggested'; text: string }>;
  lists: { status: ListLayout; priority: ListLayout; organisations: ListLayout; recommendations: ListLayout };
  more: MoreActionsLayout;
}

export const a1 = (col: string, row: number) => `${col}${row}`;
export const absolute = (sheet: string, from: string, to?: string) => {
  const abs = (ref: string) => ref.replace(/^([A-Z]+)(\d+)$/, '$$$1$$$2');
  return `'${sheet}'!${abs(from)}${to ? `:${abs(to)}` : ''}`;
};
export const upperSnake = (id: string) => id.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();

export function statusOption(code: number, label: string): string {
  return `${code}. ${label}`;
}
export function suggestedActionsText(rec: Recommendation): string {
  return ['Suggested actions:', ...rec.suggestedActions.map((a) => `• ${a}`)].join('\n');
}

/** Rough row height (points) for wrapped text across a merged width of `chars` characters. */
export function wrappedHeight(text: string, chars: number, lineHeight = 15): number {
  const lines = text.split('\n').reduce((n, line) => n + Math.max(1, Math.ceil((line.length * 1.1) / chars)), 0);
  return Math.min(409, Math.max(lineHeight, lines * lineHeight + 4));
}

const widthFrom = (col: string) => {
  const cols = [NUMBER_COLUMN, ...ACTION_COLUMNS];
  const i = cols.findIndex((c) => c.col === col);
  return cols.slice(i).reduce((w, c) => w + c.width, 0);
};

/** Lays out the plan sheet for a template. organisationLabels are the dropdown values of the organisation field. */
export function planLayout(template: Template, organisationLabels: string[]): PlanLayout {
  const rows: LayoutRow[] = [];
  let r = 1;
  const push = (kind: RowKind, cells: LayoutCell[], height?: number) => rows.push({ row: r++, kind, cells, height });

  push('title', [{ cell: a1('A', r), mergeTo: LAST_COL, value: template.title, style: 'title' }], 24);
  push('instruction', [{ cell: a1('A', r), mergeTo: LAST_COL, value: template.instruction, style: 'text' }]);
  const auditText = `${template.audit.title} - ${template.audit.aim}`;
  push('audit', [
    { cell: a1('B', r), value: template.audit.label, style: 'label' },
    { cell: a1('C', r), mergeTo: LAST_COL, value: auditText, style: 'text' },
  ], wrappedHeight(auditText, widthFrom('C')));
  r++;
  const header: HeaderFieldLayout[] = [];
  for (const f of template.headerFields) {
    header.push({ id: f.id, label: f.label, kind: f.kind, cell: a1('C', r), name: `NAOME_${upperSnake(f.id)}` });
    push('header', [
      { cell: a1('B', r), value: f.label, style: 'label' },
      { cell: a1('C', r), mergeTo: 'E', input: true, style: 'input' },
    ], 20);
  }
  r++;
  push('smart', [{ cell: a1('A', r), mergeTo: LAST_COL, value: template.smart, style: 'note' }]);
  r++;
  push('keyTitle', [
    { cell: a1('B', r), value: template.statusKey.title, style: 'heading' },
    { cell: a1('E', r), mergeTo: LAST_COL, value: template.priorityKey.title, style: 'heading' },
  ]);
  const statusValues = template.statusKey.entries.map((e) => statusOption(e.code, e.label));
  const priorityValues = template.priorityKey.entries.map((e) => e.label);
  const keyRows = Math.max(statusValues.length, priorityValues.length);
  for (let i = 0; i < keyRows; i++) {
    const p = template.priorityKey.entries[i];
    const cells: LayoutCell[] = [];
    if (statusValues[i]) cells.push({ cell: a1('B', r), mergeTo: 'D', value: statusValues[i], style: 'key' });
    if (p) cells.push({ cell: a1('E', r), mergeTo: LAST_COL, value: `${p.label}: ${p.meaning}`, style: 'key' });
    push('key', cells);
  }
  r++;
  const columnsRow = r;
  // Tall enough for the heading that wraps most in its column (three lines for "Agreed deadline (dd/mm/yyyy)"): a
  // fixed 32 points cut it off when printed with fonts wider than Calibri (LibreOffice with DejaVu).
  const columnsHeight = Math.max(32, ...ACTION_COLUMNS.map((c) => wrappedHeight(c.header, c.width)));
  push('columns', [NUMBER_COLUMN, ...ACTION_COLUMNS].map((c) => ({ cell: a1(c.col, r), value: c.header, style: 'heading' as const })), columnsHeight);

  const recommendations: RecommendationLayout[] = [];
  const official: PlanLayout['official'] = [];
  let group = '';
  for (const rec of template.recommendations) {
    if (rec.group !== group) {
      group = rec.group;
      const title = template.groups.find((g) => g.id === group)!.title;
      push('group', [{ cell: a1('A', r), mergeTo: LAST_COL, value: title, style: 'group' }], 20);
    }
    const textCell = a1('B', r);
    push('recommendation', [
      { cell: a1('A', r), value: rec.number, style: 'number' },
      { cell: textCell, mergeTo: LAST_COL, value: rec.text, style: 'official' },
    ], wrappedHeight(rec.text, widthFrom('B')));
    const suggestedCell = a1('B', r);
    const suggested = suggestedActionsText(rec);
    push('suggested', [{ cell: suggestedCell, mergeTo: LAST_COL, value: suggested, style: 'official' }], wrappedHeight(suggested, widthFrom('B')));
    official.push({ cell: textCell, recommendation: rec.number, kind: 'text', text: rec.text });
    official.push({ cell: suggestedCell, recommendation: rec.number, kind: 'suggested', text: suggested });
    const firstActionRow = r;
    for (let i = 0; i < ACTION_ROWS_PER_RECOMMENDATION; i++) {
      push('action', [
        { cell: a1('A', r), value: rec.number, style: 'number' },
        ...ACTION_COLUMNS.map((c) => ({ cell: a1(c.col, r), input: true, style: 'input' as const })),
      ], 30);
    }
    recommendations.push({ number: rec.number, group: rec.group, textCell, suggestedCell, firstActionRow, lastActionRow: r - 1, name: `NAOME_ACTIONS_R${rec.number}` });
  }
  r++;
  for (const line of [...template.notes, template.feedback, template.contact].filter(Boolean)) {
    push('note', [{ cell: a1('A', r), mergeTo: LAST_COL, value: line, style: 'note' }], wrappedHeight(line, widthFrom('A')));
  }

  return {
    template,
    rows,
    header,
    recommendations,
    columnsRow,
    lastRow: r - 1,
    official,
    lists: {
      status: { name: 'NAOME_LIST_STATUS', col: 'D', header: template.statusKey.title, values: statusValues },
      priority: { name: 'NAOME_LIST_PRIORITY', col: 'E', header: template.priorityKey.title, values: priorityValues },
      organisations: { name: 'NAOME_LIST_ORGANISATIONS', col: 'F', header: 'NHS organisation', values: organisationLabels },
      recommendations: { name: 'NAOME_LIST_RECOMMENDATIONS', col: 'G', header: MORE_ACTIONS.numberHeader, values: template.recommendations.map((rec) => rec.number) },
    },
    more: moreActionsLayout(),
  };
}

/** The "More actions" sheet: the same action columns as the plan sheet, the recommendation number (an input) in A. */
function moreActionsLayout(): MoreActionsLayout {
  const widths = [{ col: NUMBER_COLUMN.col, width: 16 }, ...ACTION_COLUMNS.map((c) => ({ col: c.col, width: c.width }))];
  const total = widths.reduce((w, c) => w + c.width, 0);
  const rows: LayoutRow[] = [
    { row: 1, kind: 'instruction', height: wrappedHeight(MORE_ACTIONS.title, total, 16), cells: [{ cell: 'A1', mergeTo: LAST_COL, value: MORE_ACTIONS.title, style: 'label' }] },
    { row: MORE_ACTIONS.headingsRow, kind: 'columns', height: 32, cells: [
      { cell: a1(NUMBER_COLUMN.col, MORE_ACTIONS.headingsRow), value: MORE_ACTIONS.numberHeader, style: 'heading' },
      ...ACTION_COLUMNS.map((c) => ({ cell: a1(c.col, MORE_ACTIONS.headingsRow), value: c.header, style: 'heading' as const })),
    ] },
  ];
  const lastRow = MORE_ACTIONS.firstRow + MORE_ACTIONS.rows - 1;
  // The input rows hold no cells of their own: their look, unlocked cells and date format are the columns' formats
  // (workbookSpec.ts sheetSpecs), so 200 blank rows cost a row height each rather than 1,600 styled empty cells.
  for (let r = MORE_ACTIONS.firstRow; r <= lastRow; r++) rows.push({ row: r, kind: 'action', height: 30, cells: [] });
  return { sheet: MORE_ACTIONS.sheet, name: MORE_ACTIONS.name, rows, headingsRow: MORE_ACTIONS.headingsRow, firstRow: MORE_ACTIONS.firstRow, lastRow, widths };
}

/** The layout depends only on the template; readers and rules checking thousands of plans lay it out once. */
const readingLayouts = new WeakMap<Template, PlanLayout>();
/** The layout for reading and checking a plan (no organisation dropdown values needed), cached per template. */
export function readingLayout(template: Template): PlanLayout {
  let layout = readingLayouts.get(template);
  if (!layout) readingLayouts.set(template, (layout = planLayout(template, [])));
  return layout;
}

/** The layout's official texts (readingLayout(template).official, in order), for reading them back: made once per template. */
const officialTextsCache = new WeakMap<Template, KnownText[]>();
export function officialTexts(template: Template): KnownText[] {
  let texts = officialTextsCache.get(template);
  if (!texts) officialTextsCache.set(template, (texts = readingLayout(template).official.map((o) => new KnownText(o.text))));
  return texts;
}

/** The list's cells on the lists sheet (values from row 2; row 1 is its heading). */
export function listRange(list: ListLayout): string {
  return absolute(LISTS_SHEET, a1(list.col, 2), a1(list.col, Math.max(2, list.values.length + 1)));
}

/** Every defined name the workbook carries, for analysts (Power Query, pandas, openpyxl) and for our readers. */
export function definedNames(layout: PlanLayout): Array<{ name: string; ref: string }> {
  return [
    { name: META_NAMES.id, ref: absolute(META.sheet, META.idCell) },
    { name: META_NAMES.version, ref: absolute(META.sheet, META.versionCell) },
    ...layout.header.map((h) => ({ name: h.name, ref: absolute(PLAN_SHEET, h.cell) })),
    ...layout.recommendations.map((rec) => ({
      name: rec.name,
      ref: absolute(PLAN_SHEET, a1(FIRST_COL, rec.firstActionRow), a1(LAST_COL, rec.lastActionRow)),
    })),
    { name: layout.more.name, ref: absolute(layout.more.sheet, a1(FIRST_COL, layout.more.firstRow), a1(LAST_COL, layout.more.lastRow)) },
    ...Object.values(layout.lists).map((l) => ({ name: l.name, ref: listRange(l) })),
  ];
}
