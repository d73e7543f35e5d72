// A model of the parts of the Excel JavaScript API the add-in uses, built on office-addin-mock's OfficeMockObject,
// for tests only (never bundled into the task pane). office-addin-mock mirrors the objects it is given and keeps the
// load/sync bookkeeping (a property read before load + sync is an error string); this file adds what it lacks: a
// workbook the commands act on, commands queued until context.sync() as Excel queues them, and a count of round trips.
// Anything the add-in calls that is not modelled here fails loudly rather than passing silently.
import { OfficeMockObject } from 'office-addin-mock';
import { isoDate, isoToSerial, serialToIso } from '../../shared/cells';
import { colIndex, colName, parseCell } from '../../shared/a1';

export type CellValue = string | number | boolean;
export interface BorderModel { style?: string; weight?: string; color?: string }
export interface CellFormatModel {
  font: { name?: string; size?: number; bold?: boolean; italic?: boolean; color?: string };
  fill?: string;
  wrapText?: boolean;
  horizontalAlignment?: string;
  verticalAlignment?: string;
  borders: Record<string, BorderModel>;
  locked: boolean;
}
export interface ValidationModel {
  range: string;
  cells: Set<string>;
  rule?: Excel.DataValidationRule;
  prompt?: Excel.DataValidationPrompt;
  errorAlert?: Excel.DataValidationErrorAlert;
  ignoreBlanks?: boolean;
}
export interface ConditionalFormatModel { range: string; type: string; formula?: string; fill?: string; font: { bold?: boolean; color?: string } }
export interface SheetModel {
  name: string;
  position: number;
  visibility: string;
  values: Map<string, CellValue>;
  numberFormats: Map<string, string>;
  /** Formulas as Excel shows them ("=TODAY()+30"), for cells opened from a file that hold one. */
  formulas: Map<string, string>;
  formats: Map<string, CellFormatModel>;
  /** Whole-column formats (Excel's column styles): what a cell without a format of its own shows. */
  columnFormats: Map<string, CellFormatModel>;
  merges: string[];
  validations: ValidationModel[];
  conditionalFormats: ConditionalFormatModel[];
  columnWidths: Map<string, number>;
  rowHeights: Map<number, number>;
  protection: { protected: boolean; options: Excel.WorksheetProtectionOptions | null };
  frozenRows: number;
  /** Page layout settings as written (property path under pageLayout → value), print area and title rows. */
  pageLayout: Record<string, unknown>;
}

/** Every cell of an A1 range ('B3', 'B3:D9'); whole rows/columns are not expanded (only widths/heights take them). */
export function cellsOf(range: string): string[] {
  const [a, b = a] = range.split(':') as [string, string?];
  const p = parseCell(a);
  const q = parseCell(b!);
  const out: string[] = [];
  for (let r = Math.min(p.row, q.row); r <= Math.max(p.row, q.row); r++) {
    for (let c = Math.min(colIndex(p.col), colIndex(q.col)); c <= Math.max(colIndex(p.col), colIndex(q.col)); c++) out.push(`${colName(c)}${r}`);
  }
  return out;
}
/** Rows and columns of a range as a 2-D list of addresses. */
function gridOf(range: string): string[][] {
  const [a, b = a] = range.split(':') as [string, string?];
  const p = parseCell(a);
  const q = parseCell(b!);
  const rows: string[][] = [];
  for (let r = p.row; r <= q.row; r++) {
    const row: string[] = [];
    for (let c = colIndex(p.col); c <= colIndex(q.col); c++) row.push(`${colName(c)}${r}`);
    rows.push(row);
  }
  return rows;
}

const newFormat = (): CellFormatModel => ({ font: {}, borders: {}, locked: true });
const copyFormat = (f: CellFormatModel): CellFormatModel => structuredClone(f);
/** A cell's format as Excel shows it: its own, else its column's, else the default (null). */
export function formatOf(sheet: SheetModel, cell: string): CellFormatModel | undefined {
  return sheet.formats.get(cell) ?? sheet.columnFormats.get(parseCell(cell).col);
}
const quoteSheet = (name: string) => (/^[A-Za-z0-9_]+$/.test(name) ? name : `'${name.replace(/'/g, "''")}'`);
const isDateFormat = (f: string | undefined) => !!f && /[dmy]/i.test(f.replace(/"[^"]*"/g, '').replace(/\[[^\]]*]/g, ''));
/** Text Excel would show for a value under a number format (the formats the plan uses: General and dd/mm/yyyy). */
function shownText(v: CellValue | undefined, fmt: string | undefined, date1904: boolean): string {
  if (v === undefined) return '';
  if (typeof v === 'boolean') return v ? 'TRUE' : 'FALSE';
  if (typeof v === 'number' && isDateFormat(fmt)) {
    const iso = serialToIso(v, date1904);
    return iso ? iso.split('-').reverse().join('/') : '#######';
  }
  return String(v);
}

/** An Excel error as the API raises it from context.sync(). */
export class MockExcelError extends Error {
  constructor(public code: string, message: string) { super(message); this.name = 'RichApi.Error'; }
}

type Op = () => void;
interface Load { target: OfficeMockObject; props: string[]; refresh: () => Record<string, unknown> }

/** The workbook a test inspects and edits, and the API objects the add-in is given. */
export class ExcelWorkbookModel {
  sheets: SheetModel[] = [];
  names = new Map<string, string>();
  selected: { sheet: string; address: string } | null = null;
  activeSheet: string | null = null;
  /** Round trips made through every context of this workbook. */
  syncs = 0;
  /** Commands (property writes and method calls) sent through every sync: what a round trip carries. */
  commands = 0;
  date1904 = false;
  private queue: Op[] = [];
  private loads: Load[] = [];

  constructor(sheetNames: string[] = ['Sheet1']) {
    for (const n of sheetNames) this.addSheet(n);
  }

  /** A workbook opened from a file: its sheets with their cells and number formats (see fromXlsx.ts). */
  static opened(file: {
    date1904: boolean;
    names?: Array<{ name: string; formula: string }>;
    sheets: Array<{ name: string; visibility: string; merges?: string[]; cells: Array<{ cell: string; value: CellValue | null; numberFormat?: string; formula?: string }> }>;
  }) {
    const model = new ExcelWorkbookModel([]);
    model.date1904 = file.date1904;
    for (const n of file.names ?? []) model.names.set(n.name, n.formula.startsWith('=') ? n.formula : `=${n.formula}`);
    for (const s of file.sheets) {
      const sheet = model.addSheet(s.name);
      sheet.visibility = s.visibility;
      sheet.merges.push(...(s.merges ?? []));
      for (const c of s.cells) {
        if (c.value !== null) sheet.values.set(c.cell, c.value);
        if (c.numberFormat) sheet.numberFormats.set(c.cell, c.numberFormat);
        if (c.formula) sheet.formulas.set(c.cell, `=${c.formula}`);
      }
    }
    return model;
  }

  sheet(name: string): SheetModel | undefined {
    return this.sheets.find((s) => s.name === name);
  }
  private mustSheet(name: string): SheetModel {
    const s = this.sheet(name);
    if (!s) throw new MockExcelError('ItemNotFound', `The worksheet '${name}' does not exist.`);
    return s;
  }
  private addSheet(name: string): SheetModel {
    if (this.sheet(name)) throw new MockExcelError('ItemAlreadyExists', `A worksheet named '${name}' already exists.`);
    const s: SheetModel = {
      name, position: this.sheets.length, visibility: 'Visible', values: new Map(), numberFormats: new Map(), formulas: new Map(), formats: new Map(),
      columnFormats: new Map(), merges: [], validations: [], conditionalFormats: [], columnWidths: new Map(), rowHeights: new Map(),
      protection: { protected: false, options: null }, frozenRows: 0, pageLayout: {},
    };
    this.sheets.push(s);
    return s;
  }

  /** A cell as a person would type it: a Date becomes a serial number shown as a date; '' or null clears it. */
  setCell(sheet: string, cell: string, value: CellValue | Date | null | undefined) {
    const s = this.mustSheet(sheet);
    if (value === null || value === undefined || value === '') { s.values.delete(cell); return; }
    if (value instanceof Date) {
      s.values.set(cell, isoToSerial(isoDate(value)!) - (this.date1904 ? 1462 : 0));
      if (!isDateFormat(s.numberFormats.get(cell))) s.numberFormats.set(cell, 'dd/mm/yyyy');
      return;
    }
    s.values.set(cell, value);
  }
  getCell(sheet: string, cell: string): CellValue | undefined {
    return this.mustSheet(sheet).values.get(cell);
  }
  format(sheet: string, cell: string): CellFormatModel {
    const s = this.mustSheet(sheet);
    let f = s.formats.get(cell);
    if (!f) {
      // As in Excel, a cell formatted for the first time starts from its column's format.
      const column = s.columnFormats.get(parseCell(cell).col);
      f = column ? copyFormat(column) : newFormat();
      s.formats.set(cell, f);
    }
    return f;
  }

  // ---- the API surface -------------------------------------------------------------------------------------------

  /** A new request context, as Excel.run gives one. */
  context(): Excel.RequestContext {
    const workbook = new OfficeMockObject({});
    // Assigned, not populated: OfficeMockObject would copy the recording proxy's fields rather than keep it.
    workbook.worksheets = this.worksheetsApi();
    workbook.names = this.namesApi();
    const ctx = new OfficeMockObject({ workbook: {} });
    ctx.workbook = workbook;
    ctx.sync = () => this.sync();
    return ctx as unknown as Excel.RequestContext;
  }

  /** Excel.run over this workbook. */
  run = async <T>(batch: (context: Excel.RequestContext) => Promise<T>): Promise<T> => batch(this.context());

  private async sync(): Promise<void> {
    this.syncs++;
    const [queue, loads] = [this.queue, this.loads];
    this.queue = [];
    this.loads = [];
    this.commands += queue.length;
    for (const op of queue) op();
    for (const l of loads) {
      const fresh = l.refresh();
      const t = l.target as unknown as { setValue(p: string, v: unknown): void };
      for (const p of l.props) t.setValue(p, fresh[p]);
      l.target.load(l.props);
      await l.target.sync();
    }
    // OfficeMockObject updates nested properties in promise callbacks: let them run.
    await new Promise((r) => setTimeout(r, 0));
  }

  private addName(name: string, ref: string) {
    if (this.names.has(name)) throw new MockExcelError('ItemAlreadyExists', `The name ${name} already exists.`);
    if (!/^=('[^']+'|[A-Za-z0-9_]+)!\$[A-Z]+\$\d+(:\$[A-Z]+\$\d+)?$/.test(ref)) throw new MockExcelError('InvalidArgument', `Bad reference for ${name}: ${ref}`);
    this.names.set(name, ref);
  }

  /** Wraps a mock so property writes and method calls are queued for the next sync, and load() is recorded. */
  private recorder<T extends object>(target: T, path: string, apply: (path: string, value: unknown) => void, refresh?: () => Record<string, unknown>, mapLoad?: (p: string) => string): T {
    return new Proxy(target, {
      get: (t, prop, receiver) => {
        if (typeof prop === 'symbol') return Reflect.get(t, prop, receiver);
        if (prop === 'load' && refresh) {
          return (arg: string | string[]) => {
            const props = (Array.isArray(arg) ? arg : arg.split(',')).map((p) => (mapLoad ? mapLoad(p.trim()) : p.trim()));
            this.loads.push({ target: t as unknown as OfficeMockObject, props, refresh });
            // Marks the properties as awaiting sync, as office-addin-mock does; the values are filled in at sync.
            (t as unknown as OfficeMockObject).load(props);
            return receiver;
          };
        }
        const v = (t as Record<string, unknown>)[prop];
        if (typeof v === 'function' || (v !== undefined && typeof v !== 'object') || Array.isArray(v)) return v;
        if (v instanceof OfficeMockObject) return this.recorder(v as object, `${path}.${prop}`, apply);
        // A write-only navigation property (format, font, fill…): a recorder over an empty object.
        return this.recorder({}, `${path}.${prop}`, apply);
      },
      set: (_t, prop, value) => {
        const p = `${path}.${String(prop)}`;
        this.queue.push(() => apply(p, value));
        return true;
      },
    });
  }

  private worksheetsApi() {
    const items = () => this.sheets.slice().sort((a, b) => a.position - b.position).map((s) => {
      const w = new OfficeMockObject({ name: s.name });
      w.load('name');
      void w.sync();
      return w;
    });
    const target = new OfficeMockObject({
      items: [] as unknown[],
      add: (name: string) => { this.queue.push(() => { this.addSheet(name); }); return this.worksheetApi(name); },
      getItem: (name: string) => { this.queue.push(() => { this.mustSheet(name); }); return this.worksheetApi(name); },
    });
    return this.recorder(target, 'worksheets', (p) => { throw new Error(`office-addin-mock model: writing ${p} is not modelled`); },
      () => ({ items: items() }), (p) => (p === 'items/name' ? 'items' : p));
  }

  /** workbook.names: add(), and items (name, formula as "='Action plan'!$A$22:$H$36") once loaded. */
  private namesApi() {
    const items = () => [...this.names.entries()].map(([name, formula]) => {
      const n = new OfficeMockObject({ name, formula });
      n.load('name,formula');
      void n.sync();
      return n;
    });
    const target = new OfficeMockObject({
      items: [] as unknown[],
      add: (name: string, ref: string) => { this.queue.push(() => this.addName(name, ref)); },
    });
    return this.recorder(target, 'names', (p) => { throw new Error(`office-addin-mock model: writing ${p} is not modelled`); },
      () => ({ items: items() }), (p) => (/^items\//.test(p) ? 'items' : p));
  }

  private worksheetApi(name: string): Excel.Worksheet {
    const protection = new OfficeMockObject({
      protected: false,
      protect: (options?: Excel.WorksheetProtectionOptions) => {
        this.queue.push(() => {
          const s = this.mustSheet(name);
          // As in Excel: protecting a protected sheet throws.
          if (s.protection.protected) throw new MockExcelError('InvalidOperation', `The sheet '${name}' is already protected.`);
          s.protection = { protected: true, options: options ?? {} };
        });
      },
    });
    const protectionApi = this.recorder(protection, `${name}.protection`, (p) => { throw new Error(`office-addin-mock model: ${p} is not modelled`); },
      () => ({ protected: this.mustSheet(name).protection.protected }));
    const target = new OfficeMockObject({
      name,
      getRange: (address: string) => this.rangeApi(name, address),
      activate: () => { this.queue.push(() => { this.mustSheet(name); this.activeSheet = name; }); },
      freezePanes: { freezeRows: (n: number) => { this.queue.push(() => { this.mustSheet(name).frozenRows = n; }); } },
      pageLayout: {
        setPrintArea: (a: string) => { this.queue.push(() => { this.mustSheet(name).pageLayout.printArea = a; }); },
        setPrintTitleRows: (a: string) => { this.queue.push(() => { this.mustSheet(name).pageLayout.printTitleRows = a; }); },
      },
    });
    const pageLayoutProps = /^pageLayout\.(orientation|paperSize|zoom|(left|right|top|bottom|header|footer)Margin|centerHorizontally|headersFooters\.defaultForAllPages\.(left|center|right)Footer)$/;
    const api = this.recorder(target, name, (p, v) => {
      const s = this.mustSheet(name);
      if (p === `${name}.position`) {
        const others = this.sheets.filter((x) => x !== s).sort((a, b) => a.position - b.position);
        others.splice(Math.min(Number(v), others.length), 0, s);
        others.forEach((x, i) => { x.position = i; });
      } else if (p === `${name}.visibility`) s.visibility = String(v);
      else if (pageLayoutProps.test(p.slice(name.length + 1))) s.pageLayout[p.slice(`${name}.pageLayout.`.length)] = v;
      else throw new Error(`office-addin-mock model: writing ${p} is not modelled`);
    }, () => ({ name }));
    return new Proxy(api, { get: (t, prop, r) => (prop === 'protection' ? protectionApi : Reflect.get(t, prop, r)) }) as unknown as Excel.Worksheet;
  }

  private rangeApi(sheetName: string, address: string): Excel.Range {
    const whole = /^(\d+:\d+|[A-Z]+:[A-Z]+)$/.test(address);
    const columns = /^([A-Z]+):([A-Z]+)$/.exec(address);
    const cells = () => {
      if (whole) throw new Error(`office-addin-mock model: only widths, heights and formats are modelled for whole rows/columns (${address})`);
      return cellsOf(address);
    };
    const columnNames = () => Array.from({ length: colIndex(columns![2]!) - colIndex(columns![1]!) + 1 }, (_, i) => colName(colIndex(columns![1]!) + i));
    /** The formats a format write changes: the cells' own, or for whole columns the columns' and every cell's in them (as Excel does). */
    const formatTargets = (): CellFormatModel[] => {
      if (!columns) return cells().map(fmt);
      const s = sheet();
      const cols = new Set(columnNames());
      const own = [...s.formats].filter(([c]) => cols.has(parseCell(c).col)).map(([, f]) => f);
      return [...[...cols].map((c) => { let f = s.columnFormats.get(c); if (!f) s.columnFormats.set(c, (f = newFormat())); return f; }), ...own];
    };
    const sheet = () => this.mustSheet(sheetName);
    const refresh = () => {
      const s = sheet();
      const g = gridOf(address);
      return {
        address: `${quoteSheet(sheetName)}!${address}`,
        values: g.map((row) => row.map((c) => s.values.get(c) ?? '')),
        text: g.map((row) => row.map((c) => shownText(s.values.get(c), s.numberFormats.get(c), this.date1904))),
        numberFormat: g.map((row) => row.map((c) => s.numberFormats.get(c) ?? 'General')),
        formulas: g.map((row) => row.map((c) => s.formulas.get(c) ?? s.values.get(c) ?? '')),
      };
    };
    /** The merged areas inside the range, as getMergedAreasOrNullObject() gives them ("'Sheet'!E22:E24,…"). */
    const mergedAreas = () => {
      const inside = new Set(cellsOf(address));
      const areas = sheet().merges.filter((m) => inside.has(m.split(':')[0]!));
      return { isNullObject: areas.length === 0, address: areas.map((m) => `${quoteSheet(sheetName)}!${m}`).join(',') };
    };
    const each2d = (v: unknown, set: (cell: string, x: unknown) => void) => {
      const g = gridOf(address);
      if (!Array.isArray(v)) { g.flat().forEach((c) => set(c, v)); return; }
      if (v.length !== g.length || v.some((row, i) => !Array.isArray(row) || row.length !== g[i]!.length)) {
        throw new MockExcelError('InvalidArgument', `The array's size does not match the range ${address}.`);
      }
      g.forEach((row, i) => row.forEach((c, j) => set(c, (v[i] as unknown[])[j])));
    };
    const fmt = (c: string) => this.format(sheetName, c);
    const apply = (p: string, v: unknown) => {
      const s = sheet();
      const key = p.slice(`${sheetName}!${address}.`.length);
      const font = /^format\.font\.(name|size|bold|italic|color)$/.exec(key);
      const border = /^format\.borders\.(\w+)\.(style|weight|color)$/.exec(key);
      const dv = /^dataValidation\.(rule|prompt|errorAlert|ignoreBlanks)$/.exec(key);
      if (key === 'values') {
        each2d(v, (c, x) => {
          if (x === null) return; // null leaves a cell as it is
          if (typeof x === 'string' && x.startsWith("'")) s.values.set(c, x.slice(1));
          else if (x === '') s.values.delete(c);
          else if (typeof x === 'string' && /^-?\d+(\.\d+)?$/.test(x)) s.values.set(c, Number(x));
          else if (typeof x === 'string' && x.startsWith('=')) throw new Error('office-addin-mock model: formulas are not modelled');
          else s.values.set(c, x as CellValue);
        });
      } else if (key === 'numberFormat') each2d(v, (c, x) => s.numberFormats.set(c, String(x)));
      else if (font) formatTargets().forEach((f) => { (f.font as Record<string, unknown>)[font[1]!] = v; });
      else if (key === 'format.fill.color') formatTargets().forEach((f) => { f.fill = String(v); });
      else if (key === 'format.wrapText') formatTargets().forEach((f) => { f.wrapText = Boolean(v); });
      else if (key === 'format.horizontalAlignment') formatTargets().forEach((f) => { f.horizontalAlignment = String(v); });
      else if (key === 'format.verticalAlignment') formatTargets().forEach((f) => { f.verticalAlignment = String(v); });
      else if (key === 'format.protection.locked') formatTargets().forEach((f) => { f.locked = Boolean(v); });
      else if (border && columns) this.applyColumnBorder(s, columnNames(), border[1]!, border[2]!, v);
      else if (border) this.applyBorder(sheetName, address, border[1]!, border[2]!, v);
      else if (key === 'format.columnWidth') {
        const m = /^([A-Z]+):([A-Z]+)$/.exec(address);
        if (!m) throw new Error(`office-addin-mock model: column widths are modelled on whole columns only (${address})`);
        for (let c = colIndex(m[1]!); c <= colIndex(m[2]!); c++) s.columnWidths.set(colName(c), Number(v));
      } else if (key === 'format.rowHeight') {
        const m = /^(\d+):(\d+)$/.exec(address);
        if (!m) throw new Error(`office-addin-mock model: row heights are modelled on whole rows only (${address})`);
        for (let r = Number(m[1]); r <= Number(m[2]); r++) s.rowHeights.set(r, Number(v));
      } else if (dv) this.applyValidation(s, address, dv[1] as 'rule', v);
      else throw new Error(`office-addin-mock model: writing ${key} on a range is not modelled`);
    };
    const target = new OfficeMockObject({
      address: '',
      values: [[]],
      text: [[]],
      numberFormat: [[]],
      formulas: [[]],
      getMergedAreasOrNullObject: () => this.recorder(new OfficeMockObject({ isNullObject: false, address: '' }), `${sheetName}!${address}.mergedAreas`,
        (p) => { throw new Error(`office-addin-mock model: writing ${p} is not modelled`); }, () => mergedAreas()),
      merge: (across = false) => {
        this.queue.push(() => {
          const s = sheet();
          const g = gridOf(address);
          const parts = across ? g.map((row) => `${row[0]}:${row[row.length - 1]}`) : [`${g[0]![0]}:${g[g.length - 1]![g[0]!.length - 1]}`];
          for (const m of parts) if (m.split(':')[0] !== m.split(':')[1]) s.merges.push(m);
        });
      },
      select: () => { this.queue.push(() => { sheet(); this.selected = { sheet: sheetName, address }; }); },
      conditionalFormats: {
        add: (type: string) => {
          const cf: ConditionalFormatModel = { range: address, type, font: {} };
          this.queue.push(() => { sheet().conditionalFormats.push(cf); });
          return this.recorder({}, 'cf', (p, v) => {
            if (p === 'cf.custom.rule.formula') cf.formula = String(v);
            else if (p === 'cf.custom.format.fill.color') cf.fill = String(v);
            else if (p === 'cf.custom.format.font.bold') cf.font.bold = Boolean(v);
            else if (p === 'cf.custom.format.font.color') cf.font.color = String(v);
            else throw new Error(`office-addin-mock model: ${p} on a conditional format is not modelled`);
          });
        },
      },
      format: {
        borders: {
          getItem: (edge: string) => this.recorder({}, `${sheetName}!${address}.format.borders.${edge}`, apply),
        },
      },
    });
    return this.recorder(target, `${sheetName}!${address}`, apply, refresh) as unknown as Excel.Range;
  }

  /**
   * Borders on whole columns: the columns' formats take the left, right and inside edges (the top and bottom edges
   * are those of the sheet's first and last rows, not modelled); cells already in the columns take the same sides.
   */
  private applyColumnBorder(s: SheetModel, cols: string[], edge: string, prop: string, v: unknown) {
    const sides = (c: string): string[] => {
      const i = cols.indexOf(c);
      if (edge === 'EdgeLeft') return i === 0 ? ['left'] : [];
      if (edge === 'EdgeRight') return i === cols.length - 1 ? ['right'] : [];
      if (edge === 'InsideVertical') return [...(i > 0 ? ['left'] : []), ...(i < cols.length - 1 ? ['right'] : [])];
      if (edge === 'InsideHorizontal') return ['top', 'bottom'];
      if (edge === 'EdgeTop' || edge === 'EdgeBottom') return [];
      throw new Error(`office-addin-mock model: border ${edge} is not modelled`);
    };
    for (const c of cols) {
      const targets = [s.columnFormats.get(c) ?? newFormat(), ...[...s.formats].filter(([cell]) => parseCell(cell).col === c).map(([, f]) => f)];
      s.columnFormats.set(c, targets[0]!);
      for (const f of targets) for (const side of sides(c)) ((f.borders[side] ??= {}) as Record<string, unknown>)[prop] = v;
    }
  }

  private applyBorder(sheetName: string, address: string, edge: string, prop: string, v: unknown) {
    const g = gridOf(address);
    const last = { r: g.length - 1, c: g[0]!.length - 1 };
    const set = (cell: string, side: string) => { ((this.format(sheetName, cell).borders[side] ??= {}) as Record<string, unknown>)[prop] = v; };
    g.forEach((row, r) => row.forEach((cell, c) => {
      if (edge === 'EdgeTop' && r === 0) set(cell, 'top');
      if (edge === 'EdgeBottom' && r === last.r) set(cell, 'bottom');
      if (edge === 'EdgeLeft' && c === 0) set(cell, 'left');
      if (edge === 'EdgeRight' && c === last.c) set(cell, 'right');
      if (edge === 'InsideHorizontal') { if (r > 0) set(cell, 'top'); if (r < last.r) set(cell, 'bottom'); }
      if (edge === 'InsideVertical') { if (c > 0) set(cell, 'left'); if (c < last.c) set(cell, 'right'); }
    }));
    if (!['EdgeTop', 'EdgeBottom', 'EdgeLeft', 'EdgeRight', 'InsideHorizontal', 'InsideVertical'].includes(edge)) {
      throw new Error(`office-addin-mock model: border ${edge} is not modelled`);
    }
  }

  private applyValidation(s: SheetModel, address: string, prop: 'rule' | 'prompt' | 'errorAlert' | 'ignoreBlanks', v: unknown) {
    const cells = new Set(cellsOf(address));
    let entry = s.validations.find((x) => x.range === address);
    if (prop === 'rule') {
      // Excel on the web throws when a rule is set on a range overlapping one that already has a prompt.
      const clash = s.validations.find((x) => x.prompt && [...cells].some((c) => x.cells.has(c)));
      if (clash) throw new MockExcelError('InvalidOperation', `Setting a validation rule on ${address} after a prompt on ${clash.range}.`);
      // A new rule replaces any validation on those cells.
      for (const other of s.validations) if (other !== entry) for (const c of cells) other.cells.delete(c);
      s.validations = s.validations.filter((x) => x.cells.size > 0);
    }
    if (!entry) {
      entry = { range: address, cells };
      s.validations.push(entry);
    }
    (entry as unknown as Record<string, unknown>)[prop] = v;
  }
}
