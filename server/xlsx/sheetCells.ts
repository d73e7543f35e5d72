// Reads cell values straight from the XML parts the guard inflated and checked: the shared strings, which cell styles
// are dates (styles.xml), and each wanted sheet's <sheetData>. It gives each cell the RawCell exceljs gave (see
// docs/reading.md for the few deliberate differences), at a fraction of exceljs's cost: one linear pass per part, no
// DOM, no cell objects, no style models. It runs only after the guard (no DOCTYPE, bounded nesting, rows and cells),
// so it never meets entity declarations, and every loop below moves forward through the text: no input can make it
// quadratic. Damaged XML (an unclosed tag, mismatched tags) is a MalformedPart, never a crash.
import { colIndex, colName } from '../../shared/a1';
import type { RawCell } from '../../shared/cells';
import { attributes, decodeXmlText, findTags } from './parts';

/** A part that is not well-formed enough to read; the reader turns it into one FILE_CORRUPT finding. */
export class MalformedPart extends Error {}

const OPEN = 1, CLOSE = 2, TEXT = 3, END = 0;

/**
 * A forward-only XML tokenizer over [from, to): start tags, end tags and text, with comments, processing
 * instructions and CDATA markers stepped over. It checks that tags nest properly, as any XML parser would.
 */
class XmlCursor {
  kind = END;
  selfClosing = false;
  /** Where the current tag's local name lies (prefix dropped: strict OOXML and prefixed parts read the same). */
  private nameStart = 0;
  private nameEnd = 0;
  private attrsStart = 0;
  private tagEnd = 0;
  private textStart = 0;
  private textEnd = 0;
  private pendingClose = false;
  /** Start and length of each open element's name: compared in place, as slicing every name costs more than the rest. */
  private readonly open: number[] = [];

  constructor(private readonly xml: string, private pos: number, private readonly to: number, private readonly part: string) {}

  next(): number {
    const { xml } = this;
    if (this.pendingClose) { // a self-closing tag is reported as an open then a close
      this.pendingClose = false;
      this.kind = CLOSE;
      return CLOSE;
    }
    if (this.pos >= this.to) {
      if (this.open.length) throw new MalformedPart(`${this.part} ends before all its tags are closed`);
      return (this.kind = END);
    }
    const lt = xml.indexOf('<', this.pos);
    if (lt === -1 || lt >= this.to) {
      this.textStart = this.pos; this.textEnd = this.to; this.pos = this.to;
      return (this.kind = TEXT);
    }
    if (lt > this.pos) {
      this.textStart = this.pos; this.textEnd = lt; this.pos = lt;
      return (this.kind = TEXT);
    }
    const c = xml.charCodeAt(lt + 1);
    if (c === 0x21 /* ! */) {
      if (xml.startsWith('<![CDATA[', lt)) {
        const end = this.find(']]>', lt + 9);
        this.textStart = lt; this.textEnd = end + 3; this.pos = end + 3;
        return (this.kind = TEXT);
      }
      this.pos = this.find(xml.startsWith('<!--', lt) ? '-->' : '>', lt + 2) + 1;
      return this.next();
    }
    if (c === 0x3f /* ? */) {
      this.pos = this.find('?>', lt + 2) + 2;
      return this.next();
    }
    const closing = c === 0x2f /* / */;
    let i = closing ? lt + 2 : lt + 1;
    let nameStart = i;
    for (; i < this.to; i++) {
      const b = xml.charCodeAt(i);
      if (b === 0x3a /* : */) nameStart = i + 1;
      else if (b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d || b === 0x2f || b === 0x3e || b === 0x3c) break;
    }
    this.nameStart = nameStart;
    this.nameEnd = i;
    this.attrsStart = i;
    // The tag ends at the first ">" outside quoted attribute values (each value is stepped over whole).
    for (; i < this.to; i++) {
      const b = xml.charCodeAt(i);
      if (b === 0x3e || b === 0x3c) break;
      if (b === 0x22 || b === 0x27) {
        const close = xml.indexOf(b === 0x22 ? '"' : "'", i + 1);
        if (close === -1 || close >= this.to) { i = this.to; break; }
        i = close;
      }
    }
    if (i >= this.to || xml.charCodeAt(i) === 0x3c || i === nameStart) throw new MalformedPart(`${this.part}: a tag is not closed`);
    this.tagEnd = i;
    this.pos = i + 1;
    if (closing) {
      const length = this.open.pop();
      const start = this.open.pop();
      if (length !== this.nameEnd - nameStart || !this.sameName(start!, nameStart, length)) {
        throw new MalformedPart(`${this.part}: </${xml.slice(nameStart, this.nameEnd)}> closes a tag it does not match`);
      }
      return (this.kind = CLOSE);
    }
    this.selfClosing = xml.charCodeAt(i - 1) === 0x2f;
    if (this.selfClosing) this.pendingClose = true;
    else this.open.push(nameStart, this.nameEnd - nameStart);
    return (this.kind = OPEN);
  }

  /** Whether the current tag's local name is `name`. */
  is(name: string): boolean {
    return this.nameEnd - this.nameStart === name.length && this.xml.startsWith(name, this.nameStart);
  }

  private sameName(a: number, b: number, length: number): boolean {
    for (let k = 0; k < length; k++) if (this.xml.charCodeAt(a + k) !== this.xml.charCodeAt(b + k)) return false;
    return true;
  }

  /** The current text token as the characters it stands for: line ends folded to \n, entities decoded, CDATA kept. */
  text(): string {
    let raw = this.xml.slice(this.textStart, this.textEnd);
    if (raw.startsWith('<![CDATA[')) return raw.slice(9, -3).replace(/\r\n?/g, '\n');
    if (raw.includes('\r')) raw = raw.replace(/\r\n?/g, '\n'); // as every XML parser does (XML 1.0 §2.11)
    return raw.includes('&') ? decodeXmlText(raw) : raw;
  }

  /** An attribute of the current start tag by its name as written (e.g. "r", "t"), entities decoded. */
  attr(name: string): string | undefined {
    const { xml } = this;
    let i = this.attrsStart;
    while (i < this.tagEnd) {
      while (i < this.tagEnd && isSpace(xml.charCodeAt(i))) i++;
      const nameStart = i;
      while (i < this.tagEnd && xml.charCodeAt(i) !== 0x3d /* = */ && !isSpace(xml.charCodeAt(i)) && xml.charCodeAt(i) !== 0x2f) i++;
      const nameEnd = i;
      while (i < this.tagEnd && isSpace(xml.charCodeAt(i))) i++;
      if (xml.charCodeAt(i) !== 0x3d) { i++; continue; }
      i++;
      while (i < this.tagEnd && isSpace(xml.charCodeAt(i))) i++;
      const quote = xml.charCodeAt(i);
      if (quote !== 0x22 && quote !== 0x27) continue;
      const valueEnd = xml.indexOf(quote === 0x22 ? '"' : "'", i + 1);
      if (valueEnd === -1 || valueEnd > this.tagEnd) return undefined;
      if (nameEnd - nameStart === name.length && xml.startsWith(name, nameStart)) {
        const value = xml.slice(i + 1, valueEnd);
        return value.includes('&') ? decodeXmlText(value) : value;
      }
      i = valueEnd + 1;
    }
    return undefined;
  }

  private find(s: string, from: number): number {
    const at = this.xml.indexOf(s, from);
    if (at === -1 || at >= this.to) throw new MalformedPart(`${this.part}: a comment, declaration or CDATA section is not closed`);
    return at;
  }
}

const isSpace = (b: number) => b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d;

const startTag = (localName: string) => new RegExp(`<(?:[\\w.-]+:)?${localName}(?=[\\s/>])`);
const SECTIONS = { sheetData: startTag('sheetData'), numFmts: startTag('numFmts'), cellXfs: startTag('cellXfs') };

/** Where an element's start tag is (-1: nowhere), so a pass can begin there instead of at the top of the part. */
function section(xml: string, name: keyof typeof SECTIONS): number {
  return SECTIONS[name].exec(xml)?.index ?? -1;
}

/** Excel's escape for characters XML cannot hold (_x000D_); exceljs decodes it in shared strings and rich text. */
const unescapeX = (s: string) => (s.includes('_x') ? s.replace(/_x([0-9A-F]{4})_/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16))) : s);

/**
 * Text of one <si> or <is>: its <t> (all of them, joined), else its rich text runs <r><t> joined; phonetic runs
 * (<rPh>, Japanese readings) are not part of the text. Leaves the cursor on the element's end tag. null: no text at all.
 */
function readStringItem(cur: XmlCursor, decodeX: boolean): string | null {
  let plain: string | null = null;
  let runs: string | null = null;
  let depth = 0;
  let where: 'plain' | 'run' | null = null;
  let inRun = false;
  let phonetic = 0;
  while (cur.next() !== END) {
    if (cur.kind === OPEN) {
      depth++;
      if (phonetic || cur.is('rPh')) { phonetic++; continue; }
      if (cur.is('r') && depth === 1) { inRun = true; runs ??= ''; }
      else if (cur.is('t') && depth === 1) { where = 'plain'; plain ??= ''; }
      else if (cur.is('t') && inRun && depth === 2) where = 'run';
    } else if (cur.kind === CLOSE) {
      if (depth === 0) return plain !== null ? (decodeX ? unescapeX(plain) : plain) : runs;
      depth--;
      if (phonetic) { phonetic--; continue; }
      if (cur.is('r') && depth === 0) inRun = false;
      where = null;
    } else if (where === 'plain') plain += cur.text();
    else if (where === 'run') runs += unescapeX(cur.text());
  }
  return plain ?? runs;
}

/** The shared strings table, by index. */
export function readSharedStrings(xml: string): Array<string | null> {
  const strings: Array<string | null> = [];
  const cur = new XmlCursor(xml, 0, xml.length, 'the shared strings');
  while (cur.next() !== END) {
    if (cur.kind === OPEN && cur.is('si')) strings.push(cur.selfClosing ? (cur.next(), null) : readStringItem(cur, true));
  }
  return strings;
}

/** Built-in number formats exceljs knows by code (xlsx/defaultnumformats.js); the others it treats as not dates. */
const BUILT_IN_FORMATS: Record<number, string> = {
  0: 'General', 1: '0', 2: '0.00', 3: '#,##0', 4: '#,##0.00', 9: '0%', 10: '0.00%', 11: '0.00E+00', 12: '# ?/?',
  13: '# ??/??', 14: 'mm-dd-yy', 15: 'd-mmm-yy', 16: 'd-mmm', 17: 'mmm-yy', 18: 'h:mm AM/PM', 19: 'h:mm:ss AM/PM',
  20: 'h:mm', 21: 'h:mm:ss', 22: 'm/d/yy "h":mm', 37: '#,##0 ;(#,##0)', 38: '#,##0 ;[Red](#,##0)',
  39: '#,##0.00 ;(#,##0.00)', 40: '#,##0.00 ;[Red](#,##0.00)', 45: 'mm:ss', 46: '[h]:mm:ss', 47: 'mmss.0',
  48: '##0.0E+0', 49: '@',
};

/** exceljs's test (utils.isDateFmt): a date or time letter outside [colour/locale] brackets and "quoted text". */
export function isDateFormat(code: string | undefined): boolean {
  if (!code) return false;
  return /[ymdhMsb]/.test(code.replace(/\[[^\]]*]/g, '').replace(/"[^"]*"/g, ''));
}

/** For each cell style (cellXfs, by index): whether its number format shows a date. */
export function readDateStyles(xml: string): boolean[] {
  const custom = new Map<number, string>();
  const numFmts = section(xml, 'numFmts');
  if (numFmts !== -1) {
    const cur = new XmlCursor(xml, numFmts, xml.length, 'the styles');
    cur.next();
    if (!cur.selfClosing) {
      while (cur.next() !== END && !(cur.kind === CLOSE && cur.is('numFmts'))) {
        if (cur.kind === OPEN && cur.is('numFmt')) {
          const id = parseInt(cur.attr('numFmtId') ?? '', 10);
          const code = cur.attr('formatCode');
          if (code !== undefined) custom.set(id, code.replace(/\\(.)/g, '$1'));
        }
      }
    }
  }
  const dates: boolean[] = [];
  const cellXfs = section(xml, 'cellXfs');
  if (cellXfs === -1) return dates;
  const cur = new XmlCursor(xml, cellXfs, xml.length, 'the styles');
  cur.next();
  if (cur.selfClosing) return dates;
  let depth = 0;
  while (cur.next() !== END) {
    if (cur.kind === OPEN) {
      if (depth++ === 0 && cur.is('xf')) {
        const id = parseInt(cur.attr('numFmtId') ?? '', 10);
        // As exceljs: a numFmtId of 0 (General) or none means no number format at all.
        dates.push(id ? isDateFormat(custom.get(id) ?? BUILT_IN_FORMATS[id]) : false);
      }
    } else if (cur.kind === CLOSE) {
      if (depth-- === 0) break; // </cellXfs>
    }
  }
  return dates;
}

export interface SheetContext {
  sharedStrings: Array<string | null>;
  dateStyles: boolean[];
  date1904: boolean;
  /** For messages: "the sheet "Action plan"". */
  part: string;
  /** The last row wanted: reading stops at the first row after it (rows are stored in order). */
  lastRow?: number;
  /** When given, filled with each formula cell's formula text (without "="), by A1 address. */
  formulas?: Map<string, string>;
  /** When given, filled with the number of every row that has a cell with a value (by the cell's own address). */
  rows?: Set<number>;
}

/** exceljs's utils.excelToDate: a serial day number as a Date, to the millisecond. */
const excelToDate = (serial: number, date1904: boolean) => new Date(Math.round((serial - 25569 + (date1904 ? 1462 : 0)) * 86400000));

const A1 = /^[A-Z]{1,3}[1-9]\d{0,6}$/;
const A1_LOOSE = /^\$?([A-Za-z]{1,3})\$?0*(\d{1,7})$/;


/** What one <c> held, before it is turned into a value. */
interface CellXml {
  type: string | undefined;
  style: number;
  formula: string | null;
  formulaKind: string | undefined;
  /** A shared formula's group (si): its cells without text take the text of the group's first cell. */
  formulaGroup: string | undefined;
  value: string | null;
  inline: string | null;
}

/**
 * Every cell with a value in a worksheet, by A1 address. Rows and cells without an r attribute take the position
 * after the previous one, as Excel does. Only <sheetData> is read; what follows it (validations, merges…) is not.
 */
export function readSheetCells(xml: string, ctx: SheetContext): Map<string, RawCell> {
  const cells = new Map<string, RawCell>();
  const start = section(xml, 'sheetData');
  if (start === -1) return cells;
  const cur = new XmlCursor(xml, start, xml.length, ctx.part);
  cur.next();
  if (cur.selfClosing) return cells;
  let row = 0;
  // Where a cell is: its r, or (without one) the place after the last cell in the row that had one. Worked out
  // only for cells with a value: most cells in a formatted sheet are blanks (<c r="B7" s="3"/>).
  let lastR: string | undefined;
  let sinceR = 0;
  let depth = 0; // below <sheetData>
  let cell: CellXml | null = null;
  let textOf: 'f' | 'v' | null = null;
  const sharedFormulas = new Map<string, string>();
  while (cur.next() !== END) {
    if (cur.kind === OPEN) {
      depth++;
      if (depth === 1 && cur.is('row')) {
        const r = cur.attr('r');
        const numbered = r !== undefined && /^\d+$/.test(r);
        // Rows are stored in order: the first one numbered (or, unnumbered, placed) past the last row wanted ends the read.
        if (ctx.lastRow !== undefined && numbered && Number(r) > ctx.lastRow) break;
        row = numbered && r.length <= 7 ? Number(r) : row + 1;
        if (ctx.lastRow !== undefined && row > ctx.lastRow) break;
        lastR = undefined;
        sinceR = 0;
      } else if (depth === 2 && cur.is('c')) {
        const r = cur.attr('r');
        if (r !== undefined) { lastR = r; sinceR = 0; } else sinceR++;
        if (cur.selfClosing) { // no value (a formatted blank): only its place counts
          cur.next();
          depth--;
          continue;
        }
        const s = cur.attr('s');
        cell = { type: cur.attr('t'), style: s === undefined ? 0 : parseInt(s, 10), formula: null, formulaKind: undefined, formulaGroup: undefined, value: null, inline: null };
      } else if (depth === 3 && cell) {
        if (cur.is('f')) {
          cell.formula ??= '';
          cell.formulaKind = cur.attr('t');
          cell.formulaGroup = cur.attr('si');
          textOf = 'f';
        } else if (cur.is('v')) {
          cell.value ??= '';
          textOf = 'v';
        } else if (cur.is('is')) {
          if (!cur.selfClosing) {
            cell.inline = readStringItem(cur, false);
            depth--; // readStringItem stopped on </is>
          }
        }
      }
    } else if (cur.kind === CLOSE) {
      if (depth === 0) break; // </sheetData>
      if (depth === 2 && cell) {
        const address = cellAddress(lastR, sinceR, row);
        const value = address === null ? null : cellValue(cell, ctx, address);
        if (value !== null) {
          cells.set(address!, value);
          ctx.rows?.add(rowOf(address!));
        }
        if (ctx.formulas && address !== null && (cell.formula || cell.formulaKind)) {
          let text = cell.formula ?? '';
          if (cell.formulaGroup !== undefined) {
            if (text) sharedFormulas.set(cell.formulaGroup, text); else text = sharedFormulas.get(cell.formulaGroup) ?? '';
          }
          ctx.formulas.set(address, text);
        }
        cell = null;
      }
      depth--;
      textOf = null;
    } else if (textOf && cell) {
      if (textOf === 'f') cell.formula += cur.text();
      else cell.value += cur.text();
    }
  }
  return cells;
}

/** The row number of an A1 address ("AB12" → 12). */
function rowOf(address: string): number {
  let i = 0;
  while (address.charCodeAt(i) > 0x39) i++;
  return Number(address.slice(i));
}

/** A1 address of the cell `after` places past the one addressed `r` (or past column 0 of `row`); null if it has none. */
function cellAddress(r: string | undefined, after: number, row: number): string | null {
  if (r !== undefined && after === 0 && A1.test(r)) return r;
  const m = r === undefined ? null : A1_LOOSE.exec(r);
  const col = (m ? colIndex(m[1]!) + 1 : 0) + after;
  const n = m ? Number(m[2]) : row;
  return col > 0 && n > 0 ? `${colName(col - 1)}${n}` : null;
}

/** One cell's value, as exceljs gave it (cell-xform parse + reconcile, then the old normaliseValue). */
function cellValue(c: CellXml, ctx: SheetContext, address: string): RawCell {
  // A formula: an <f> with text, or one of a shared (or array) formula's cells, whose <f> has no text.
  if (c.formula || c.formulaKind) {
    // The cached result is what the cell shows. A cell of a shared formula without one has nothing to show.
    if (c.value !== null && (c.value !== '' || c.type === 'str')) {
      return c.type === 's' || c.type === 'inlineStr' ? number(c, ctx, c.value) : typed(c, ctx, c.value, address);
    }
    return { formula: c.formula ?? '' };
  }
  const text = c.type === 'inlineStr' ? c.inline ?? c.value : c.value;
  return text ? typed(c, ctx, text, address) : null; // an empty <v></v> is no value, as for exceljs
}

/** A number, or a Date when the cell's style is a date format (module-level functions: this runs per cell). */
function number(c: CellXml, ctx: SheetContext, text: string): number | Date {
  const n = parseFloat(text);
  return c.style > 0 && ctx.dateStyles[c.style] === true ? excelToDate(n, ctx.date1904) : n;
}

/** A value's text read as its cell type says. */
function typed(c: CellXml, ctx: SheetContext, text: string, address: string): RawCell {
  switch (c.type) {
    case 's': {
      const index = parseInt(text, 10);
      if (!(index >= 0 && index < ctx.sharedStrings.length)) {
        throw new MalformedPart(`${ctx.part}: cell ${address} refers to shared text number ${text.slice(0, 20)}, which the workbook does not have`);
      }
      return ctx.sharedStrings[index]!;
    }
    case 'str': case 'inlineStr': return text;
    case 'b': return parseInt(text, 10) !== 0 && !/^\s*false\s*$/i.test(text);
    case 'e': return { error: text };
    case 'd': { // ISO 8601 date text (strict OOXML); without a zone it is the day as written, kept at UTC
      const d = new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(text) || !/T/.test(text) ? text : `${text}Z`);
      return Number.isNaN(d.getTime()) ? text : d;
    }
    default: return number(c, ctx, text);
  }
}

/**
 * A worksheet part's cells (readSheetCells) and merged ranges (readMerges), read from the part's bytes as far as they
 * look: to its last merged range, or to the end of <sheetData> when it has none. What follows (validations with their
 * prompts, formatting: often text that is not ASCII) is not decoded, so the text is shorter and mostly one byte a
 * character. Every <mergeCell> and the cells' closing tag lie before that cut, so the result is what reading the whole
 * part gives; when the cut leaves the cells unclosed (a damaged part), the whole part is read, for the same finding.
 */
export function readWorksheet(xml: Buffer, ctx: SheetContext): { cells: Map<string, RawCell>; merges: string[] } {
  const cut = sheetText(xml);
  try {
    return { cells: readSheetCells(cut, ctx), merges: readMerges(cut) };
  } catch (err) {
    if (!(err instanceof MalformedPart)) throw err;
    ctx.formulas?.clear();
    ctx.rows?.clear();
    const whole = xml.toString('utf8');
    return { cells: readSheetCells(whole, ctx), merges: readMerges(whole) };
  }
}

/** A worksheet part's text up to the ">" ending its last <mergeCell> or its closing </sheetData>, whichever is later. */
function sheetText(xml: Buffer): string {
  const data = xml.lastIndexOf('sheetData>');
  let k = data - 1;
  while (k >= 0 && xml[k] !== 0x2f && xml[k] !== 0x3c) k--; // over a prefix ("x:"), back to "</"
  if (data === -1 || xml[k] !== 0x2f || xml[k - 1] !== 0x3c) return xml.toString('utf8');
  // A <mergeCell> tag ends at the first ">" after its name (readMerges's pattern stops at "<" or ">").
  const end = xml.indexOf(0x3e, Math.max(data, xml.lastIndexOf('mergeCell')));
  return xml.toString('utf8', 0, end === -1 ? xml.length : end + 1);
}

/** The merged ranges of a worksheet ("E22:E24"), from its <mergeCells>, which follows <sheetData>. */
export function readMerges(xml: string): string[] {
  const after = xml.lastIndexOf('sheetData>');
  const tail = after === -1 ? xml : xml.slice(after);
  const out: string[] = [];
  for (const tag of findTags(tail, 'mergeCell')) {
    const ref = attributes(tag).ref;
    if (ref && /^[A-Z]{1,3}\d{1,7}(:[A-Z]{1,3}\d{1,7})?$/.test(ref)) out.push(ref);
  }
  return out;
}
