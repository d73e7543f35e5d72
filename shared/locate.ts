// Locate, then read: where a returned plan's parts are NOW, from what the workbook says about itself. People insert
// rows, delete rows, insert columns, rename the plan sheet, delete the lists sheet; Excel and LibreOffice move the
// workbook's defined names with the cells, so the names are the first evidence. Then the column headings row, then the
// official text as an anchor, and the fixed layout (shared/layout.ts) last. The file reader and the add-in both locate
// through this module, so they agree. Pure: no Node or Office API.
import { colIndex, colName, parseCell } from './a1';
import { KnownText, cellText, foldSpaces, sameText, type RawCell } from './cells';
import { finding, type Finding } from './findings';
import {
  ACTION_COLUMNS, ACTION_FIELDS, LAST_COL, META, META_NAMES, MORE_ACTIONS, NUMBER_COLUMN, PLAN_SHEET, a1, readingLayout,
  type ActionField,
} from './layout';
import { limitCellLength } from './cellLength';
import { formulaFindings } from './formulas';
import { extractPlan, type CellReader, type Plan, type RowHasCells } from './plan';
import { builtInTemplates, findTemplate, type Template } from './template';

/** A defined name as the workbook stores it: its name and its formula text ("'Action plan'!$A$22:$H$36", "#REF!"). */
export interface DefinedName { name: string; formula: string }

/** A defined name that still points at cells: its sheet and its (1-based) rows and columns. */
export interface NamedRange { sheet: string; firstRow: number; lastRow: number; firstCol: number; lastCol: number }

/** Where the plan's parts are in this workbook. Carried in the plan model, so findings name the cells as they are now. */
export interface PlanPlaces {
  sheet: string;
  /** Header field id → cell. */
  header: Record<string, string>;
  blocks: Array<{ recommendation: number; textCell: string; suggestedCell: string; firstRow: number; lastRow: number }>;
  /** Action field → column letters on the plan sheet. */
  columns: Record<ActionField, string>;
  /** The "More actions" sheet, when the workbook has one. */
  more: { sheet: string; firstRow: number; lastRow: number; numberCol: string; columns: Record<ActionField, string> } | null;
}

/** Parses a name's formula; null when it is broken (#REF!), not a plain range, or names several areas. */
export function namedRange(formula: string): NamedRange | null {
  // The same few formulas come in every plan made from a template: each is parsed once (bounded: short formulas only,
  // emptied when full; the ranges are frozen, as they are shared).
  if (formula.length > 200) return parseNamedRange(formula);
  let range = namedRanges.get(formula);
  if (range === undefined) {
    if (namedRanges.size >= 1000) namedRanges.clear();
    namedRanges.set(formula, (range = parseNamedRange(formula)));
  }
  return range;
}
const namedRanges = new Map<string, NamedRange | null>();
function parseNamedRange(formula: string): NamedRange | null {
  const m = /^=?(?:'((?:[^']|'')+)'|([^'!]+))!\$?([A-Za-z]{1,3})\$?(\d{1,7})(?::\$?([A-Za-z]{1,3})\$?(\d{1,7}))?$/.exec(formula.trim());
  if (!m) return null;
  const sheet = m[1] !== undefined ? m[1].replace(/''/g, "'") : m[2]!;
  const [c1, r1] = [colIndex(m[3]!) + 1, Number(m[4])];
  const [c2, r2] = m[5] ? [colIndex(m[5]) + 1, Number(m[6])] : [c1, r1];
  return Object.freeze({ sheet, firstRow: Math.min(r1, r2), lastRow: Math.max(r1, r2), firstCol: Math.min(c1, c2), lastCol: Math.max(c1, c2) });
}

/** The workbook-wide names (a copied sheet carries sheet-local copies, which must not win), by name. */
function nameMap(names: DefinedName[]): Map<string, NamedRange | 'broken'> {
  const out = new Map<string, NamedRange | 'broken'>();
  for (const n of names) if (n.name.startsWith('NAOME_') && !out.has(n.name)) out.set(n.name, namedRange(n.formula) ?? 'broken');
  return out;
}

/** How many rows and columns past the fixed layout a reader fetches, for rows and columns people insert. */
const SLACK_ROWS = 60;
const SLACK_COLS = 4;
/** The last "More actions" row read when the sheet's name is missing: its rows, and the slack below them. */
const MORE_LAST_ROW = MORE_ACTIONS.firstRow + MORE_ACTIONS.rows - 1 + SLACK_ROWS;

/** What to read, decided from the sheet list and the names alone (before any cell is read). */
export interface ReadingPlan {
  /** The plan sheet, or null when the workbook has none that can be found. */
  planSheet: string | null;
  /** The sheet and cells of the template id and version, when they can still be found. */
  meta: { sheet: string; idCell: string; versionCell: string } | null;
  /** Rows and columns of the plan sheet to read: A1 to lastCol/lastRow. */
  lastRow: number;
  lastCol: string;
  moreSheet: string | null;
  /** The last row of the "More actions" sheet to read. */
  moreLastRow: number;
  /** Copies of the plan sheet ("Action plan (2)"), read only to say where entries are when the plan sheet is empty. */
  copies: string[];
}

/** Decides which sheets and how much of them to read, from the sheet names and the defined names. */
export function readingPlan(sheetNames: string[], names: DefinedName[], templates: Template[]): ReadingPlan {
  const named = nameMap(names);
  const ranges = [...named.entries()].filter((e): e is [string, NamedRange] => e[1] !== 'broken');
  // The plan sheet is where the plan's names point (they follow a rename); else the sheet with the usual name.
  const votes = new Map<string, number>();
  for (const [name, r] of ranges) if (/^NAOME_(ACTIONS_R\d+|(?!LIST_|TEMPLATE_|MORE_).*)$/.test(name) && sheetNames.includes(r.sheet)) votes.set(r.sheet, (votes.get(r.sheet) ?? 0) + 1);
  const voted = [...votes.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
  const planSheet = voted ?? (sheetNames.includes(PLAN_SHEET) ? PLAN_SHEET : null);
  const id = named.get(META_NAMES.id);
  const version = named.get(META_NAMES.version);
  const meta = id && id !== 'broken' && version && version !== 'broken' && sheetNames.includes(id.sheet) && id.sheet === version.sheet
    ? { sheet: id.sheet, idCell: a1(colName(id.firstCol - 1), id.firstRow), versionCell: a1(colName(version.firstCol - 1), version.firstRow) }
    : sheetNames.includes(META.sheet) ? { sheet: META.sheet, idCell: META.idCell, versionCell: META.versionCell } : null;
  const onPlan = ranges.filter(([, r]) => r.sheet === planSheet).map(([, r]) => r);
  const fixedLast = Math.max(...templates.map((t) => readingLayout(t).lastRow));
  const lastRow = Math.max(fixedLast, ...onPlan.map((r) => r.lastRow)) + SLACK_ROWS;
  const lastCol = colName(Math.max(colIndex(LAST_COL) + 1, ...onPlan.map((r) => r.lastCol)) + SLACK_COLS - 1);
  const more = named.get(MORE_ACTIONS.name);
  const moreSheet = more && more !== 'broken' && sheetNames.includes(more.sheet) ? more.sheet
    : sheetNames.includes(MORE_ACTIONS.sheet) ? MORE_ACTIONS.sheet : null;
  const moreLastRow = more && more !== 'broken' ? more.lastRow + SLACK_ROWS : MORE_LAST_ROW;
  const copies = planSheet === null ? [] : sheetNames.filter((s) => s !== planSheet && isCopyName(planSheet, s));
  return { planSheet, meta, lastRow, lastCol, moreSheet, moreLastRow, copies };
}

/** Excel names a copy "Action plan (2)", LibreOffice "Action plan_2". */
function isCopyName(original: string, name: string): boolean {
  return name.startsWith(original) && /^(?: \(\d+\)|_\d+)$/.test(name.slice(original.length));
}

export type Located =
  | { ok: true; template: Template; places: PlanPlaces; notes: Finding[] }
  | { ok: false; finding: Finding };

/**
 * Finds the template and where every part of the plan is. `read` reads the sheets the reading plan named (up to its
 * last row and column); rowHasCells, when the reader can tell, lets rows holding nothing go unread. Never throws: a
 * workbook whose structure cannot be resolved with confidence gets ONE finding saying what changed and how to fix it,
 * and no plan.
 */
export function locatePlan(plan: ReadingPlan, names: DefinedName[], read: CellReader, sheetNames: string[], templates: Template[],
  rowHasCells?: RowHasCells): Located {
  const sheets = () => sheetNames.map((s) => `"${s}"`).join(', ') || 'none';
  if (plan.planSheet === null) {
    return { ok: false, finding: finding('NOT_ACTION_PLAN',
      `This workbook is not a NAoMe action plan: it has no "${PLAN_SHEET}" sheet (its sheets: ${sheets()}). Fill in the action plan workbook you were sent, and send that.`,
      { sheet: META.sheet, cell: META.idCell }) };
  }
  const sheet = plan.planSheet;
  const notes: Finding[] = [];
  let template: Template | undefined;
  const byMeta = identifyTemplate(read, plan.meta, templates);
  if (byMeta.ok) template = byMeta.template;
  else if (byMeta.id !== null) {
    return { ok: false, finding: finding('UNKNOWN_TEMPLATE',
      `This workbook was made from template "${byMeta.id}" version ${byMeta.version ?? '(none)'}, which this checker does not know (it knows ${templates.map((t) => `"${t.id}" version ${t.version}`).join(', ')}). Download the current action plan workbook and copy your entries into it.`,
      { sheet: plan.meta?.sheet ?? META.sheet, cell: byMeta.version === null ? plan.meta?.versionCell ?? META.versionCell : plan.meta?.idCell ?? META.idCell }) };
  } else {
    // No template mark (the lists sheet deleted): the plan sheet's own title says which template it is.
    template = templates.find((t) => [1, 2, 3].some((row) => sameText(cellText(read(sheet, a1('A', row))), t.title)));
    if (!template) {
      return { ok: false, finding: finding('NOT_ACTION_PLAN', plan.meta
        ? `This workbook is not a NAoMe action plan: its "${plan.meta.sheet}" sheet does not name a template in ${plan.meta.idCell}. Download a new action plan workbook and copy your entries into it.`
        : `This workbook is not a NAoMe action plan: it has no "${META.sheet}" sheet naming the template and its "${sheet}" sheet does not have an action plan's title (its sheets: ${sheets()}). Fill in the action plan workbook you were sent, and send that.`,
      { sheet: plan.meta?.sheet ?? META.sheet, cell: plan.meta?.idCell ?? META.idCell }) };
    }
    notes.push(finding('TEMPLATE_MARK_MISSING',
      `The hidden "${META.sheet}" sheet that names the template and holds the dropdown lists has been deleted (or its template id cleared), so the dropdowns no longer work. The plan was recognised from its title and official text as "${template.id}" version ${template.version} and checked as usual; to restore the dropdowns, copy your entries into a new blank action plan.`,
      { sheet: META.sheet, cell: META.idCell }));
  }
  const placed = placePlan(template, sheet, nameMap(names), read, plan, rowHasCells);
  if (!placed.ok) return placed;
  return { ok: true, template, places: placed.places, notes: [...notes, ...placed.outside] };
}

export type Identified = { ok: true; template: Template } | { ok: false; id: string | null; version: number | null };

/** Finds which template a workbook was made from, by the id and version its template mark names. */
export function identifyTemplate(read: CellReader, meta: ReadingPlan['meta'], known: Template[] = builtInTemplates): Identified {
  if (meta === null) return { ok: false, id: null, version: null };
  const id = cellText(read(meta.sheet, meta.idCell));
  const versionText = cellText(read(meta.sheet, meta.versionCell));
  const version = versionText !== null && /^\d+$/.test(versionText) ? Number(versionText) : null;
  const template = id !== null && version !== null ? findTemplate(id, version, known) : undefined;
  return template ? { ok: true, template } : { ok: false, id, version };
}

/** The fixed layout's places: where a plan written by our writers and never restructured has everything. */
export function fixedPlaces(template: Template): PlanPlaces {
  const layout = readingLayout(template);
  return {
    sheet: PLAN_SHEET,
    header: Object.fromEntries(layout.header.map((h) => [h.id, h.cell])),
    blocks: layout.recommendations.map((r) => ({ recommendation: r.number, textCell: r.textCell, suggestedCell: r.suggestedCell, firstRow: r.firstActionRow, lastRow: r.lastActionRow })),
    columns: Object.fromEntries(ACTION_COLUMNS.map((c) => [c.field, c.col])) as Record<ActionField, string>,
    more: moreActionsPlaces(MORE_ACTIONS.sheet, new Map(), MORE_LAST_ROW),
  };
}
const fixedCache = new WeakMap<Template, PlanPlaces>();
export function fixedPlacesOf(template: Template): PlanPlaces {
  let p = fixedCache.get(template);
  if (!p) fixedCache.set(template, (p = fixedPlaces(template)));
  return p;
}

/** The cell of one field of one action, wherever it is now. */
export function actionCell(places: PlanPlaces, action: { sheet?: string | undefined; row: number }, field: ActionField): string {
  const onMore = places.more !== null && action.sheet === places.more.sheet;
  return a1((onMore ? places.more!.columns : places.columns)[field], action.row);
}

type Placed = { ok: true; places: PlanPlaces; outside: Finding[] } | { ok: false; finding: Finding };

const structureFinding = (sheet: string, what: string): Placed => ({ ok: false, finding: finding('PLAN_STRUCTURE_CHANGED',
  `The layout of the "${sheet}" sheet has been changed so that the plan cannot be read with confidence: ${what}. ` +
  `Nothing from this plan has been taken into the national data. Copy your entries (Paste Special > Values) into a new blank action plan, ` +
  `without adding, deleting or moving rows, columns or sheets, and send that.`, { sheet }) });

/** What placing a plan compares cells with (as sameText does) and counts from, worked out once per template. */
interface Landmarks {
  /** Each column heading, space-folded → its field (the first field, should two fold alike). */
  headings: Map<string, ActionField>;
  /** Each recommendation's text, by number - 1. */
  texts: KnownText[];
  /** The row of each recommendation's text in the fixed layout, in layout order. */
  textRows: number[];
  /** Each header field's cell in the fixed layout, in layout order. */
  headerCells: Array<{ col: string; row: number }>;
  /** The first note's text; null when the layout has no note. */
  note: KnownText | null;
}
const landmarksCache = new WeakMap<Template, Landmarks>();
function landmarksOf(template: Template): Landmarks {
  let marks = landmarksCache.get(template);
  if (!marks) {
    const layout = readingLayout(template);
    const headings = new Map<string, ActionField>();
    for (const c of ACTION_COLUMNS) if (!headings.has(foldSpaces(c.header))) headings.set(foldSpaces(c.header), c.field);
    const note = layout.rows.find((r) => r.kind === 'note')?.cells[0]?.value;
    marks = {
      headings,
      texts: template.recommendations.map((rec) => new KnownText(rec.text)),
      textRows: layout.recommendations.map((rec) => parseCell(rec.textCell).row),
      headerCells: layout.header.map((h) => parseCell(h.cell)),
      note: typeof note === 'string' ? new KnownText(note) : null,
    };
    landmarksCache.set(template, marks);
  }
  return marks;
}

function placePlan(template: Template, sheet: string, named: Map<string, NamedRange | 'broken'>, read: CellReader, plan: ReadingPlan,
  rowHasCells?: RowHasCells): Placed {
  const layout = readingLayout(template);
  const marks = landmarksOf(template);
  // A row without a cell holding a value reads as nothing in every column: most rows searched are such rows.
  const hasCells = (row: number) => rowHasCells === undefined || rowHasCells(sheet, row);
  const raw = (col: string, row: number): RawCell => (hasCells(row) ? read(sheet, a1(col, row)) : null);
  const text = (col: string, row: number) => cellText(raw(col, row));
  const lastCol = colIndex(plan.lastCol) + 1;
  const colNames = range(1, lastCol).map((c) => colName(c - 1));

  // Columns: the headings row (found near where the layout puts it), else the shift of the actions' names, else fixed.
  const firstName = named.get(layout.recommendations[0]!.name);
  const rowShift = firstName && firstName !== 'broken' && firstName.sheet === sheet ? firstName.firstRow - layout.recommendations[0]!.firstActionRow : 0;
  const columns = {} as Record<ActionField, string>;
  let headingsRow: number | null = null;
  for (const row of [layout.columnsRow + rowShift, layout.columnsRow, ...range(1, layout.columnsRow + Math.max(0, rowShift) + 5)]) {
    if (!hasCells(row)) continue;
    const found = new Map<ActionField, string>();
    for (const col of colNames) {
      const t = text(col, row);
      const field = t === null ? undefined : marks.headings.get(foldSpaces(t));
      if (field && !found.has(field)) found.set(field, col);
    }
    if (found.size >= ACTION_FIELDS.length - 1) {
      headingsRow = row;
      for (const f of ACTION_FIELDS) if (found.has(f)) columns[f] = found.get(f)!;
      break;
    }
  }
  const colShift = firstName && firstName !== 'broken' && firstName.sheet === sheet ? firstName.firstCol - 1 : 0;
  for (const c of ACTION_COLUMNS) columns[c.field] ??= colName(colIndex(c.col) + colShift);
  if (new Set(Object.values(columns)).size !== ACTION_FIELDS.length) {
    return structureFinding(sheet, 'two action fields appear to share one column of headings');
  }
  const textCol = columns.action;

  // Header fields: their names, else the fixed cell shifted as the headings moved.
  const headShift = headingsRow === null ? 0 : headingsRow - layout.columnsRow;
  const header: Record<string, string> = {};
  layout.header.forEach((h, i) => {
    const r = named.get(h.name);
    const { col, row } = marks.headerCells[i]!;
    header[h.id] = r && r !== 'broken' && r.sheet === sheet ? a1(colName(r.firstCol - 1), r.firstRow) : a1(colName(colIndex(col) + colShift), row + headShift);
  });

  // Blocks: each recommendation's text is the anchor; the actions are the rows after its suggested actions, down to the
  // next recommendation's group heading or text. The names say where to look first; a search of the column second.
  const anchors: Array<number | null> = layout.recommendations.map((rec, i) => {
    const r = named.get(rec.name);
    const guesses = [r && r !== 'broken' && r.sheet === sheet ? r.firstRow - 2 : null, marks.textRows[i]! + headShift, marks.textRows[i]!];
    const known = marks.texts[rec.number - 1]!;
    for (const g of guesses) if (g !== null && g > 0 && known.same(known.read(raw(textCol, g)))) return g;
    return null;
  });
  // Anchors not where expected: search the column once for every recommendation text still missing.
  if (anchors.some((a) => a === null)) {
    for (let row = 1; row <= plan.lastRow; row++) {
      const t = text(textCol, row);
      if (t === null) continue;
      const i = marks.texts.findIndex((known, k) => anchors[k] === null && known.same(t));
      if (i !== -1) anchors[i] = row;
    }
  }
  const blocks: PlanPlaces['blocks'] = [];
  let lost = 0;
  for (let i = 0; i < layout.recommendations.length; i++) {
    const rec = layout.recommendations[i]!;
    const r = named.get(rec.name);
    const byName = r && r !== 'broken' && r.sheet === sheet ? r : null;
    let textRow = anchors[i];
    if (textRow == null) {
      // The text itself was edited (OFFICIAL_TEXT_CHANGED will say so): its place is what the name says, else the
      // fixed place shifted as the block before it moved.
      lost++;
      const prev = blocks[i - 1];
      const shift = prev ? prev.lastRow - layout.recommendations[i - 1]!.lastActionRow : headShift;
      textRow = byName ? byName.firstRow - 2 : marks.textRows[i]! + shift;
    }
    const firstRow = textRow + 2;
    let lastRow: number;
    const next = layout.recommendations[i + 1];
    const nextAnchor = anchors[i + 1];
    if (next && nextAnchor != null) {
      // Everything down to the next recommendation (less its group heading, when it has one) belongs to this one.
      const groupRow = nextAnchor - 1;
      lastRow = next.group !== rec.group && groupRow > firstRow ? groupRow - 1 : nextAnchor - 1;
    } else lastRow = byName ? byName.lastRow : firstRow + (rec.lastActionRow - rec.firstActionRow);
    if (lastRow < firstRow - 1) return structureFinding(sheet, `the rows of recommendation ${rec.number} overlap the next recommendation`);
    blocks.push({ recommendation: rec.number, textCell: a1(textCol, textRow), suggestedCell: a1(textCol, textRow + 1), firstRow, lastRow });
  }
  if (lost === layout.recommendations.length && ![...named.keys()].some((n) => /^NAOME_ACTIONS_R/.test(n) && named.get(n) !== 'broken')) {
    return structureFinding(sheet, 'none of the recommendation texts could be found and the workbook\'s names for the action rows are missing or broken, so it is not known which rows hold which recommendation\'s actions');
  }
  for (let i = 1; i < blocks.length; i++) {
    if (blocks[i]!.firstRow <= blocks[i - 1]!.lastRow || blocks[i]!.firstRow <= blocks[i - 1]!.firstRow) {
      return structureFinding(sheet, `recommendations ${blocks[i - 1]!.recommendation} and ${blocks[i]!.recommendation} are out of order or overlap`);
    }
  }
  const outside = belowLastBlock(marks, sheet, blocks, columns, raw, plan.lastRow, hasCells);
  const more = plan.moreSheet ? moreActionsPlaces(plan.moreSheet, named, plan.moreLastRow) : null;
  return { ok: true, places: { sheet, header, blocks, columns, more }, outside };
}

/**
 * Rows inserted just below the last block (outside its name, which Excel and LibreOffice do not widen there) belong to
 * it: the block runs down to the blank row above the notes, found by the first note's text. Anything typed in the
 * action columns further down (below or among the notes, or anywhere when the notes cannot be found) is no action of
 * any block: each such row gets one finding naming its cell, so it is never silently dropped. Extends the last block
 * in place.
 */
function belowLastBlock(marks: Landmarks, sheet: string, blocks: PlanPlaces['blocks'], columns: Record<ActionField, string>,
  raw: (col: string, row: number) => RawCell, lastRead: number, hasCells: (row: number) => boolean): Finding[] {
  const last = blocks[blocks.length - 1];
  if (!last) return [];
  const noteCol = colName(colIndex(columns.action) - 1);
  const { note } = marks;
  if (note !== null) {
    for (let row = last.lastRow + 2; row <= lastRead; row++) {
      if (note.same(note.read(raw(noteCol, row)))) { last.lastRow = row - 2; break; }
    }
  }
  const text = (col: string, row: number) => cellText(raw(col, row));
  const out: Finding[] = [];
  const cols = ACTION_COLUMNS.map((c) => columns[c.field]).sort((a, b) => colIndex(a) - colIndex(b));
  for (let row = last.lastRow + 1; row <= lastRead; row++) {
    if (!hasCells(row)) continue;
    const col = cols.find((c) => text(c, row) !== null);
    if (!col) continue;
    const cell = a1(col, row);
    out.push(finding('ACTION_OUTSIDE_PLAN_ROWS',
      `${cell} holds "${clip(text(col, row)!)}", typed outside the plan's rows: below the rows of recommendation ${last.recommendation} ` +
      `(rows ${last.firstRow}–${last.lastRow}) it is not read as an action of any recommendation. Move it into a free row of its ` +
      `recommendation (or onto the "${MORE_ACTIONS.sheet}" sheet, with the recommendation number in column A), and clear ${cell}.`,
      { sheet, cell }));
  }
  return out;
}
const clip = (s: string) => { const t = s.replace(/\s+/g, ' '); return t.length > 60 ? `${t.slice(0, 59)}…` : t; };

/**
 * The "More actions" sheet: its name says where its rows start; its columns are the plan's (recommendation number in
 * column A). The sheet is unprotected, so rows typed below its named rows are read too, down to lastRow (what the
 * reader read).
 */
function moreActionsPlaces(sheet: string, named: Map<string, NamedRange | 'broken'>, lastRow: number): NonNullable<PlanPlaces['more']> {
  const r = named.get(MORE_ACTIONS.name);
  const byName = r && r !== 'broken' && r.sheet === sheet ? r : null;
  const shift = byName ? byName.firstCol - 1 : 0;
  return {
    sheet,
    firstRow: byName?.firstRow ?? MORE_ACTIONS.firstRow,
    lastRow,
    numberCol: colName(colIndex(NUMBER_COLUMN.col) + shift),
    columns: Object.fromEntries(ACTION_COLUMNS.map((c) => [c.field, colName(colIndex(c.col) + shift)])) as Record<ActionField, string>,
  };
}

function range(from: number, to: number): number[] {
  const out: number[] = [];
  for (let i = from; i <= to; i++) out.push(i);
  return out;
}

/** What a workbook reader gives the locator: sheets, names, cells, merges and formulas (file or live workbook alike). */
export interface WorkbookView {
  sheetNames: string[];
  names: DefinedName[];
  read: CellReader;
  date1904: boolean;
  merges: (sheet: string) => readonly string[];
  formulaAt: (sheet: string, cell: string) => string | null;
  rowHasCells?: RowHasCells;
}

export type PlanRead =
  | { ok: true; template: Template; plan: Plan; readerFindings: Finding[] }
  | { ok: false; finding: Finding };

/**
 * Locate, then read: the plan model of a workbook whose sheets were read as `readingPlan` asked, with what reading found
 * (a missing template mark, formulas). One finding and no plan when the plan cannot be read with confidence.
 */
export function readLocatedPlan(view: WorkbookView, reading: ReadingPlan, templates: Template[] = builtInTemplates): PlanRead {
  const located = locatePlan(reading, view.names, view.read, view.sheetNames, templates, view.rowHasCells);
  if (!located.ok) return located;
  const { template, places } = located;
  const plan = extractPlan(template, view.read, view.date1904, places, view.merges, view.rowHasCells);
  if (plan.actions.length === 0 && Object.values(plan.header).every((v) => v === null)) {
    // An empty plan sheet beside a filled copy of it: say where the entries are rather than list them all as missing.
    const copy = reading.copies.find((sheet) => extractPlan(template, view.read, view.date1904, { ...places, sheet, more: null }, view.merges, view.rowHasCells).actions.length > 0);
    if (copy) {
      return { ok: false, finding: finding('PLAN_ON_OTHER_SHEET',
        `The "${places.sheet}" sheet is empty, but the entries appear to be on the sheet "${copy}", a copy of it. Only the ` +
        `"${places.sheet}" sheet is read: copy your entries from "${copy}" into the same cells of "${places.sheet}" ` +
        `(Paste Special > Values), delete "${copy}", and send the workbook again.`, { sheet: copy }) };
    }
  }
  const limited = limitCellLength(plan, places);
  return { ok: true, template, plan: limited.plan, readerFindings: [...located.notes, ...limited.findings, ...formulaFindings(plan, places, view.read, view.formulaAt)] };
}
