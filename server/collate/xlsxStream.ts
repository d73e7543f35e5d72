// A workbook of plain tables written straight as SpreadsheetML into a zip stream, row by row: what the national
// collation needs (a bold wrapped heading, frozen under the first row, an autofilter, column widths, number formats
// for whole numbers, shares, dates and times) and nothing more. One shared style per column format, inline strings
// (no shared-string table growing with the data), so memory does not depend on the number of rows and 100,000
// actions write in well under a second. Sheets may be written in any order (the Summary, which needs every plan, goes
// last), and one sheet's rows may come while another's are written (sideSheet: kept in a temporary file meanwhile);
// the workbook lists them in the order asked for. test/collate.test.ts reads the output with openpyxl and
// exceljs, cell by cell.
import type { Writable } from 'node:stream';
import { colName } from '../../shared/a1';
import { inert } from './inert';
import { LastValues } from './lastValues';
import type { Column, Format, Value } from './tables';
import { SpilledEntry, ZipStream } from './zipStream';

/** Style index (cellXfs) of each column format; 1 is the heading. */
const STYLE: Record<Format, number> = { text: 0, integer: 2, share: 3, date: 4, datetime: 5 };
const HEADING_STYLE = 1;

const STYLES_XML = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
<numFmts count="3"><numFmt numFmtId="164" formatCode="0.0%"/><numFmt numFmtId="165" formatCode="dd/mm/yyyy"/><numFmt numFmtId="166" formatCode="dd/mm/yyyy hh:mm"/></numFmts>
<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font><font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>
<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>
<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>
<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>
<cellXfs count="6">
<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>
<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1" applyAlignment="1"><alignment vertical="top" wrapText="1"/></xf>
<xf numFmtId="1" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>
<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>
<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>
<xf numFmtId="166" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>
</cellXfs>
<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>
</styleSheet>`;

const XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n';
const MAIN_NS = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
const REL_NS = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';

const escapeXml = (s: string) => (!/[&<>"]/.test(s) ? s : s.replace(/[&<>"]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : '&quot;')));
const SPACE = /\s/;
/** An Excel date serial (days since 1899-12-30, the fraction the time of day), from a UTC instant. */
const serial = (d: Date) => d.getTime() / 86_400_000 + 25_569;

/** A cell's XML after its reference ('' for an empty cell). Every text goes through inert(), in this one place. */
function cellBody(v: Value, style: number): string {
  if (v === null) return '';
  const s = style ? ` s="${style}"` : '';
  if (typeof v === 'number') return Number.isFinite(v) ? `${s}><v>${v}</v></c>` : '';
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? '' : `${s}><v>${serial(v)}</v></c>`;
  const text = inert(v);
  if (text === '') return '';
  // The first and last characters only: /^\s|\s$/ would try every position of the text for its second half.
  const space = SPACE.test(text[0]!) || SPACE.test(text[text.length - 1]!) ? ' xml:space="preserve"' : '';
  return `${s} t="inlineStr"><is><t${space}>${escapeXml(text)}</t></is></c>`;
}

/** One cell's XML; '' for an empty cell. */
function cellXml(ref: string, v: Value, style: number): string {
  const body = cellBody(v, style);
  return body && `<c r="${ref}"${body}`;
}

interface SheetDone { name: string; part: string; columns: number; rows: number }

/** One sheet's XML, piece by piece: its start (settings and heading row), each row, its end. */
class SheetXml {
  private readonly letters: string[];
  private readonly styles: number[];
  /** Each cell's XML after its reference, made once while a column's value repeats. */
  private readonly bodies: LastValues;
  /** The last row written. */
  r = 1;

  constructor(private readonly columns: Column[]) {
    this.letters = columns.map((_, i) => colName(i));
    this.styles = columns.map((c) => STYLE[c.format]);
    const styles = this.styles;
    this.bodies = new LastValues(columns.length, (v, i) => cellBody(v, styles[i]!));
  }

  start(): string {
    const { columns, letters, styles } = this;
    // Tall enough for the longest wrapped heading (Key 1 labels are long), since not every reader fits rows itself.
    const headHeight = 15 * Math.max(1, ...columns.map((c) => Math.ceil((c.header.length * 1.1) / c.width)));
    return `${XML_HEAD}<worksheet xmlns="${MAIN_NS}" xmlns:r="${REL_NS}">` +
      '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>' +
      '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews>' +
      '<sheetFormatPr defaultRowHeight="15"/><cols>' +
      columns.map((c, i) => `<col min="${i + 1}" max="${i + 1}" width="${c.width}" customWidth="1"${styles[i] ? ` style="${styles[i]}"` : ''}/>`).join('') +
      `</cols><sheetData><row r="1" ht="${headHeight}" customHeight="1">` +
      columns.map((c, i) => cellXml(`${letters[i]}1`, c.header, HEADING_STYLE)).join('') + '</row>';
  }

  row(values: Value[]): string {
    const { letters, bodies } = this;
    const r = ++this.r;
    let xml = `<row r="${r}">`;
    for (let i = 0; i < values.length; i++) {
      const body = bodies.get(i, values[i]!);
      if (body) xml += `<c r="${letters[i]}${r}"${body}`;
    }
    return `${xml}</row>`;
  }

  end(): string {
    return `</sheetData><autoFilter ref="A1:${this.letters[this.letters.length - 1]}${this.r}"/></worksheet>`;
  }
}

/** A sheet whose rows are pushed while another sheet is being written (see XlsxStream.sideSheet). */
export interface SideSheet {
  row(values: Value[]): Promise<void>;
}

export class XlsxStream {
  private readonly zip: ZipStream;
  private readonly sheets: SheetDone[] = [];
  private readonly sides: Array<{ done: SheetDone; xml: SheetXml; entry: SpilledEntry }> = [];

  constructor(out: Writable) {
    this.zip = new ZipStream(out);
  }

  /** Writes one sheet: its heading row from `columns`, then `rows` as they come (with backpressure). */
  async sheet(name: string, columns: Column[], rows: Iterable<Value[]> | AsyncIterable<Value[]>): Promise<void> {
    const done = this.newSheet(name, columns);
    const xml = new SheetXml(columns);
    const zip = this.zip;
    await zip.begin(done.part);
    await zip.text(xml.start());
    for await (const values of rows) await zip.text(xml.row(values));
    await zip.text(xml.end());
    await zip.end();
    done.rows = xml.r;
  }

  /**
   * Starts a sheet whose rows are pushed one by one, in between the rows of the sheet being written: they are kept in
   * a temporary file, so memory does not grow with them, and go into the workbook at finish(). Call dispose() after.
   */
  async sideSheet(name: string, columns: Column[]): Promise<SideSheet> {
    const done = this.newSheet(name, columns);
    const xml = new SheetXml(columns);
    const entry = await SpilledEntry.open(done.part);
    this.sides.push({ done, xml, entry });
    await entry.text(xml.start());
    return { row: (values) => entry.text(xml.row(values)) };
  }

  /** Removes the side sheets' temporary files (whether or not the workbook was finished). */
  async dispose(): Promise<void> {
    await Promise.all(this.sides.map((s) => s.entry.remove()));
  }

  private newSheet(name: string, columns: Column[]): SheetDone {
    const done = { name, part: `xl/worksheets/sheet${this.sheets.length + 1}.xml`, columns: columns.length, rows: 1 };
    this.sheets.push(done);
    return done;
  }

  /** Writes the workbook's parts, listing the sheets in `order` (names of sheets already written), and ends the output. */
  async finish(order: string[]): Promise<void> {
    const sheets = order.map((name) => {
      const s = this.sheets.find((x) => x.name === name);
      if (!s) throw new Error(`xlsx: no sheet "${name}" was written`);
      return s;
    });
    const zip = this.zip;
    for (const side of this.sides) {
      await side.entry.text(side.xml.end());
      await zip.add(side.entry);
      side.done.rows = side.xml.r;
    }
    const quoted = (name: string) => `'${name.replace(/'/g, "''")}'`;
    await zip.file('xl/workbook.xml', `${XML_HEAD}<workbook xmlns="${MAIN_NS}" xmlns:r="${REL_NS}">` +
      '<bookViews><workbookView activeTab="0"/></bookViews><sheets>' +
      sheets.map((s, i) => `<sheet name="${escapeXml(s.name)}" sheetId="${i + 1}" r:id="rId${i + 1}"/>`).join('') +
      '</sheets><definedNames>' +
      sheets.map((s, i) => `<definedName name="_xlnm._FilterDatabase" localSheetId="${i}" hidden="1">${escapeXml(quoted(s.name))}!$A$1:$${colName(s.columns - 1)}$${s.rows}</definedName>`).join('') +
      '</definedNames></workbook>');
    await zip.file('xl/_rels/workbook.xml.rels', `${XML_HEAD}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
      sheets.map((s, i) => `<Relationship Id="rId${i + 1}" Type="${REL_NS}/worksheet" Target="${s.part.slice(3)}"/>`).join('') +
      `<Relationship Id="rId${sheets.length + 1}" Type="${REL_NS}/styles" Target="styles.xml"/></Relationships>`);
    await zip.file('xl/styles.xml', STYLES_XML);
    await zip.file('_rels/.rels', `${XML_HEAD}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
      `<Relationship Id="rId1" Type="${REL_NS}/officeDocument" Target="xl/workbook.xml"/></Relationships>`);
    await zip.file('[Content_Types].xml', `${XML_HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
      '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>' +
      '<Default Extension="xml" ContentType="application/xml"/>' +
      '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>' +
      '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>' +
      sheets.map((s) => `<Override PartName="/${s.part}" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>`).join('') +
      '</Types>');
    await zip.finish();
  }
}
