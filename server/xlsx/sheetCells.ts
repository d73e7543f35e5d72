// Reads cell values straight from the XML parts the guard inflated and checked: the shared strings, which cell styles
// are dates (styles.xml), and each wanted sheet's <sheetData>. It gives each cell the RawCell exceljs gave (see
// docs/reading.md for the few deliberate differences), at a fraction of exceljs's cost: one linear pass over each
// part's bytes, decoding only the values kept, no DOM, no cell objects, no style models. It runs only after the
// guard, which refuses any part that declares a DOCTYPE, so it never meets entity declarations. It bounds the rest
// itself, as it reads (the guard used to walk every byte first to count): nesting (the cursor), rows and cells of a
// sheet, strings of the shared strings table — a part that passes a limit is a PartOverLimit. Every loop below moves
// forward through the bytes (a blank cell's tag is read again at most once): no input can make it quadratic. A
// sheet is read only as far as the rows asked for, and what lies past them is never parsed.
// Damaged XML (an unclosed tag, mismatched tags) is a MalformedPart, never a crash.
import { colIndex, colName } from '../../shared/a1';
import type { RawCell } from '../../shared/cells';
import { DEFAULT_LIMITS, type ReadLimits } from './limits';
import { attributes, decodeXmlText, findTags } from './parts';
import type { XmlProblem } from './xmlScan';

/** A part that is not well-formed enough to read; the reader turns it into one FILE_CORRUPT finding. */
export class MalformedPart extends Error {}

/** The limits the reader holds a part to as it reads. */
export type ReaderLimits = Pick<ReadLimits, 'maxXmlDepth' | 'maxRows' | 'maxCells'>;

/** A part that passes one of the reader's limits, found while reading it: the reader turns it into one finding. */
export class PartOverLimit extends Error {
  constructor(readonly problem: Exclude<XmlProblem, 'doctype'>) {
    super(`over the ${problem} limit`);
  }
}

const OPEN = 1, CLOSE = 2, TEXT = 3, END = 0;

/**
 * A forward-only XML tokenizer over the UTF-8 bytes [from, to): start tags, end tags and text, with comments,
 * processing instructions and CDATA markers stepped over. It checks that tags nest properly, as any XML parser would.
 * It walks bytes, not a decoded string (a byte costs half a character here, and only the values are decoded): every
 * byte that ends a name, a tag or a value is ASCII, which UTF-8 never uses inside a multi-byte character, so the
 * tokens are those of the decoded text.
 */
class XmlCursor {
  kind = END;
  selfClosing = false;
  /** Where the current tag's local name lies (prefix dropped: strict OOXML and prefixed parts read the same). */
  private nameStart = 0;
  private nameEnd = 0;
  /** Where the current start tag's attributes lie: [attrsStart, tagEnd). */
  attrsStart = 0;
  tagEnd = 0;
  private textStart = 0;
  private textEnd = 0;
  private cdata = false;
  private pendingClose = false;
  /** Start and length of each open element's name: compared in place, as slicing every name costs more than the rest. */
  private readonly open: number[] = [];
  /** this.open's length at the deepest nesting allowed (two numbers an element). */
  private readonly maxOpen: number;

  constructor(private readonly xml: Buffer, private pos: number, private readonly to: number, private readonly part: string, maxDepth: number) {
    this.maxOpen = 2 * maxDepth;
  }

  next(): number {
    const { xml, to } = this;
    if (this.pendingClose) { // a self-closing tag is reported as an open then a close
      this.pendingClose = false;
      this.kind = CLOSE;
      return CLOSE;
    }
    if (this.pos >= to) {
      if (this.open.length) throw new MalformedPart(`${this.part} ends before all its tags are closed`);
      return (this.kind = END);
    }
    // In sheetData one tag mostly follows the next: look at the next byte before searching.
    const lt = xml[this.pos] === 0x3c ? this.pos : xml.indexOf(0x3c, this.pos);
    this.cdata = false;
    if (lt === -1 || lt >= to) {
      this.textStart = this.pos; this.textEnd = to; this.pos = to;
      return (this.kind = TEXT);
    }
    if (lt > this.pos) {
      this.textStart = this.pos; this.textEnd = lt; this.pos = lt;
      return (this.kind = TEXT);
    }
    const c = xml[lt + 1];
    if (c === 0x21 /* ! */) {
      if (startsWith(xml, '<![CDATA[', lt)) {
        const end = this.find(']]>', lt + 9);
        this.textStart = lt + 9; this.textEnd = end; this.pos = end + 3; this.cdata = true;
        return (this.kind = TEXT);
      }
      // A comment is dropped whole, so the text on either side joins up, as in any XML parser.
      this.pos = startsWith(xml, '<!--', lt) ? this.find('-->', lt + 4) + 3 : this.find('>', lt + 2) + 1;
      return this.next();
    }
    if (c === 0x3f /* ? */) {
      this.pos = this.find('?>', lt + 2) + 2;
      return this.next();
    }
    const closing = c === 0x2f /* / */;
    let i = closing ? lt + 2 : lt + 1;
    let nameStart = i;
    for (; i < to; i++) {
      const b = xml[i]!;
      if (b > 0x3e) continue; // a letter: the usual case
      if (b === 0x3a /* : */) nameStart = i + 1;
      else if (b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d || b === 0x2f || b === 0x3e || b === 0x3c) break;
    }
    const nameEnd = i;
    this.nameStart = nameStart;
    this.nameEnd = nameEnd;
    this.attrsStart = i;
    // The tag ends at the first ">" outside quoted attribute values (each value is stepped over whole).
    for (; i < to; i++) {
      const b = xml[i]!;
      if (b > 0x3e) continue;
      if (b === 0x3e || b === 0x3c) break;
      if (b === 0x22 || b === 0x27) {
        i++;
        while (i < to && xml[i] !== b) i++;
      }
    }
    if (i >= to || xml[i] === 0x3c || i === nameStart) throw new MalformedPart(`${this.part}: a tag is not closed`);
    this.tagEnd = i;
    this.pos = i + 1;
    if (closing) {
      const length = this.open.pop();
      const start = this.open.pop();
      if (length !== nameEnd - nameStart || !this.sameName(start!, nameStart, length)) {
        throw new MalformedPart(`${this.part}: </${xml.toString('utf8', nameStart, nameEnd)}> closes a tag it does not match`);
      }
      return (this.kind = CLOSE);
    }
    this.selfClosing = xml[i - 1] === 0x2f;
    if (this.selfClosing) this.pendingClose = true;
    else if (this.open.push(nameStart, nameEnd - nameStart) > this.maxOpen) throw new PartOverLimit('depth');
    return (this.kind = OPEN);
  }

  /** Whether the current tag's local name is `name`. */
  is(name: string): boolean {
    return this.nameEnd - this.nameStart === name.length && startsWith(this.xml, name, this.nameStart);
  }

  private sameName(a: number, b: number, length: number): boolean {
    const { xml } = this;
    for (let k = 0; k < length; k++) if (xml[a + k] !== xml[b + k]) return false;
    return true;
  }

  /** The current text token as the characters it stands for: line ends folded to \n, entities decoded, CDATA kept. */
  text(): string {
    let raw = utf8Text(this.xml, this.textStart, this.textEnd);
    if (this.cdata) return raw.replace(/\r\n?/g, '\n');
    if (raw.includes('\r')) raw = raw.replace(/\r\n?/g, '\n'); // as every XML parser does (XML 1.0 §2.11)
    return raw.includes('&') ? decodeXmlText(raw) : raw;
  }

  /** An attribute of the current start tag by its name as written (e.g. "r", "t"), entities decoded. */
  attr(name: string): string | undefined {
    return attributeIn(this.xml, this.attrsStart, this.tagEnd, name);
  }

  private find(s: string, from: number): number {
    const at = this.xml.indexOf(s, from);
    if (at === -1 || at >= this.to) throw new MalformedPart(`${this.part}: a comment, declaration or CDATA section is not closed`);
    return at;
  }
}

/**
 * The text of the UTF-8 bytes [from, to). Most values are a few ASCII characters (an address, a style, a number),
 * which are cheaper to build here than to ask Buffer's decoder for.
 */
function utf8Text(xml: Buffer, from: number, to: number): string {
  if (to - from > 12) return xml.toString('utf8', from, to);
  let text = '';
  for (let i = from; i < to; i++) {
    const b = xml[i]!;
    if (b > 0x7f) return xml.toString('utf8', from, to);
    text += String.fromCharCode(b);
  }
  return text;
}

/** Whether the ASCII text `s` lies in `xml` at `at`. */
function startsWith(xml: Buffer, s: string, at: number): boolean {
  if (at + s.length > xml.length) return false;
  for (let k = 0; k < s.length; k++) if (xml[at + k] !== s.charCodeAt(k)) return false;
  return true;
}

const isSpace = (b: number | undefined) => b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d;
const ONE_NAME = [''];
const ONE_VALUE: Array<string | undefined> = [undefined];
const CELL_ATTRIBUTES = ['r', 's', 't'];

function attributeIn(xml: Buffer, from: number, to: number, name: string): string | undefined {
  ONE_NAME[0] = name;
  ONE_VALUE[0] = undefined;
  attributesIn(xml, from, to, ONE_NAME, ONE_VALUE);
  return ONE_VALUE[0];
}

/**
 * The attributes `names` of the start tag whose attributes lie in [from, to), into `values` (each the first of its
 * name, entities decoded; undefined when absent), in one walk. A value whose quote is not closed ends the walk.
 */
function attributesIn(xml: Buffer, from: number, to: number, names: readonly string[], values: Array<string | undefined>): void {
  let missing = names.length;
  let i = from;
  while (i < to && missing > 0) {
    while (i < to && isSpace(xml[i])) i++;
    const nameStart = i;
    while (i < to && xml[i] !== 0x3d /* = */ && !isSpace(xml[i]) && xml[i] !== 0x2f) i++;
    const nameEnd = i;
    while (i < to && isSpace(xml[i])) i++;
    if (xml[i] !== 0x3d) { i++; continue; }
    i++;
    while (i < to && isSpace(xml[i])) i++;
    const quote = xml[i];
    if (quote !== 0x22 && quote !== 0x27) continue;
    let valueEnd = i + 1;
    while (valueEnd < to && xml[valueEnd] !== quote) valueEnd++;
    if (valueEnd >= to) return;
    for (let k = 0; k < names.length; k++) {
      const name = names[k]!;
      if (values[k] === undefined && nameEnd - nameStart === name.length && startsWith(xml, name, nameStart)) {
        const value = utf8Text(xml, i + 1, valueEnd);
        values[k] = value.includes('&') ? decodeXmlText(value) : value;
        missing--;
        break;
      }
    }
    i = valueEnd + 1;
  }
}

// A start tag's name followed by what \s, "/" or ">" matches in the decoded text, here as UTF-8 bytes read one
// character a byte (latin1): the ASCII spaces, U+00A0, U+1680, U+2000-U+200A, U+2028, U+2029, U+202F, U+205F,
// U+3000 and U+FEFF.
const AFTER_NAME = '[\\t\\n\\v\\f\\r />]|\\xC2\\xA0|\\xE1\\x9A\\x80|\\xE2\\x80[\\x80-\\x8A\\xA8\\xA9\\xAF]|\\xE2\\x81\\x9F|\\xE3\\x80\\x80|\\xEF\\xBB\\xBF';
const startTag = (localName: string) => new RegExp(`<(?:[\\w.-]+:)?${localName}(?=${AFTER_NAME})`);
const SECTIONS = { sheetData: startTag('sheetData'), numFmts: startTag('numFmts'), cellXfs: startTag('cellXfs') };

/**
 * Where an element's start tag is (-1: nowhere), so a pass can begin there instead of at the top of the part. `latin1`
 * is the part's bytes read one character a byte, so the index found is a byte offset.
 */
function section(latin1: string, name: keyof typeof SECTIONS): number {
  return SECTIONS[name].exec(latin1)?.index ?? -1;
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
export function readSharedStrings(xml: Buffer, limits: ReaderLimits = DEFAULT_LIMITS): Array<string | null> {
  const strings: Array<string | null> = [];
  const cur = new XmlCursor(xml, 0, xml.length, 'the shared strings', limits.maxXmlDepth);
  while (cur.next() !== END) {
    if (cur.kind === OPEN && cur.is('si')) {
      if (strings.length === limits.maxCells) throw new PartOverLimit('strings');
      strings.push(cur.selfClosing ? (cur.next(), null) : readStringItem(cur, true));
    }
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
export function readDateStyles(xml: Buffer, limits: ReaderLimits = DEFAULT_LIMITS): boolean[] {
  const custom = new Map<number, string>();
  const latin1 = xml.toString('latin1'); // decoded once for both sections
  const numFmts = section(latin1, 'numFmts');
  if (numFmts !== -1) {
    const cur = new XmlCursor(xml, numFmts, xml.length, 'the styles', limits.maxXmlDepth);
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
  const cellXfs = section(latin1, 'cellXfs');
  if (cellXfs === -1) return dates;
  const cur = new XmlCursor(xml, cellXfs, xml.length, 'the styles', limits.maxXmlDepth);
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
  /** The nesting, rows and cells allowed in what is read (default: DEFAULT_LIMITS). */
  limits?: ReaderLimits;
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
export function readSheetCells(xml: Buffer, ctx: SheetContext): Map<string, RawCell> {
  const cells = new Map<string, RawCell>();
  const start = section(xml.toString('latin1'), 'sheetData');
  if (start === -1) return cells;
  const limits = ctx.limits ?? DEFAULT_LIMITS;
  const cur = new XmlCursor(xml, start, xml.length, ctx.part, limits.maxXmlDepth);
  cur.next();
  if (cur.selfClosing) return cells;
  let row = 0;
  let rowsRead = 0, cellsRead = 0;
  // Where a cell is: its r, or (without one) the place after the last cell in the row that had one. Worked out
  // only for cells with a value: most cells in a formatted sheet are blanks (<c r="B7" s="3"/>), whose tags are only
  // noted, and read back (the latest first) only when a cell without r follows them.
  let lastR: string | undefined;
  let sinceR = 0;
  const blanks: number[] = []; // [attrsStart, tagEnd] of each blank since the last cell with a value…
  let blankEnd = 0; // …up to here (the array is reused, not emptied)
  const attrs: Array<string | undefined> = [undefined, undefined, undefined]; // r, s, t
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
        if (++rowsRead > limits.maxRows) throw new PartOverLimit('rows');
        lastR = undefined;
        sinceR = 0;
        blankEnd = 0;
      } else if (depth === 2 && cur.is('c')) {
        if (++cellsRead > limits.maxCells) throw new PartOverLimit('cells');
        if (cur.selfClosing) { // no value (a formatted blank): only its place counts
          blanks[blankEnd++] = cur.attrsStart;
          blanks[blankEnd++] = cur.tagEnd;
          cur.next();
          depth--;
          continue;
        }
        attrs[0] = attrs[1] = attrs[2] = undefined;
        attributesIn(xml, cur.attrsStart, cur.tagEnd, CELL_ATTRIBUTES, attrs);
        const r = attrs[0], s = attrs[1], type = attrs[2];
        if (r !== undefined) { lastR = r; sinceR = 0; } else {
          // Placed after the latest blank with an r, or after all the blanks too when none has one.
          let k = blankEnd - 2;
          for (; k >= 0; k -= 2) {
            const blankR = attributeIn(xml, blanks[k]!, blanks[k + 1]!, 'r');
            if (blankR !== undefined) { lastR = blankR; sinceR = (blankEnd - 2 - k) / 2 + 1; break; }
          }
          if (k < 0) sinceR += blankEnd / 2 + 1;
        }
        blankEnd = 0;
        cell = { type, style: s === undefined ? 0 : parseInt(s, 10), formula: null, formulaKind: undefined, formulaGroup: undefined, value: null, inline: null };
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
  const cut = sheetBytes(xml);
  try {
    return { cells: readSheetCells(cut, ctx), merges: readMerges(cut) };
  } catch (err) {
    if (!(err instanceof MalformedPart)) throw err;
    ctx.formulas?.clear();
    ctx.rows?.clear();
    return { cells: readSheetCells(xml, ctx), merges: readMerges(xml) };
  }
}

/** A worksheet part's bytes up to the ">" ending its last <mergeCell> or its closing </sheetData>, whichever is later. */
function sheetBytes(xml: Buffer): Buffer {
  const data = xml.lastIndexOf('sheetData>');
  let k = data - 1;
  while (k >= 0 && xml[k] !== 0x2f && xml[k] !== 0x3c) k--; // over a prefix ("x:"), back to "</"
  if (data === -1 || xml[k] !== 0x2f || xml[k - 1] !== 0x3c) return xml;
  // A <mergeCell> tag ends at the first ">" after its name (readMerges's pattern stops at "<" or ">").
  const end = xml.indexOf(0x3e, Math.max(data, xml.lastIndexOf('mergeCell')));
  return end === -1 ? xml : xml.subarray(0, end + 1);
}

/**
 * The merged ranges of a worksheet ("E22:E24"), from its <mergeCells>, which follows <sheetData>: only the bytes from
 * the last "sheetData>" on are decoded.
 */
export function readMerges(xml: Buffer): string[] {
  const tail = xml.toString('utf8', Math.max(0, xml.lastIndexOf('sheetData>')));
  const out: string[] = [];
  for (const tag of findTags(tail, 'mergeCell')) {
    const ref = attributes(tag).ref;
    if (ref && /^[A-Z]{1,3}\d{1,7}(:[A-Z]{1,3}\d{1,7})?$/.test(ref)) out.push(ref);
  }
  return out;
}
