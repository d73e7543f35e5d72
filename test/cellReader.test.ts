// The cell reader (server/xlsx/sheetCells.ts) stops at the last row the guard was asked for (rows are stored in
// order): what lies after it is never read, and a row numbered past it ends the read however its number is written.
// It decodes a sheet only as far as its cells and merged ranges go, and reads the same as if it had decoded it whole.
import assert from 'node:assert/strict';
import { guardWorkbook } from '../server/xlsx/guard';
import { DEFAULT_LIMITS } from '../server/xlsx/limits';
import { readWorkbook, type ReadOutcome } from '../server/xlsx/readWorkbook';
import { MalformedPart, readDateStyles, readMerges, readSharedStrings, readSheetCells, readWorksheet } from '../server/xlsx/sheetCells';
import { PLAN_SHEET } from '../shared/layout';
import { sheetXml, workbookWithSheet } from './helpers/hostile';

async function read(rows: string, lastRow: number | null): Promise<ReadOutcome> {
  const guarded = guardWorkbook(workbookWithSheet({ data: sheetXml(rows) }), DEFAULT_LIMITS, { [PLAN_SHEET]: lastRow });
  assert.ok(guarded.ok, guarded.ok ? '' : guarded.finding.message);
  return readWorkbook(guarded.workbook);
}
const cells = (outcome: ReadOutcome, addresses: string[]) => {
  assert.ok(outcome.ok, outcome.ok ? '' : outcome.finding.message);
  return addresses.map((a) => outcome.workbook.read(PLAN_SHEET, a));
};
const row = (r: number | string, value: number) => `<row r="${r}"><c r="A${r}"><v>${value}</v></c><c r="B${r}"/></row>`;

describe('the cell reader and the last row wanted', () => {
  it('reads up to the last row wanted and nothing after it; all rows when none is given', async () => {
    const rows = [1, 2, 3, 4, 5].map((r) => row(r, r * 10)).join('');
    const upTo3 = await read(rows, 3);
    assert.deepEqual(cells(upTo3, ['A1', 'A2', 'A3', 'A4', 'A5']), [10, 20, 30, null, null]);
    assert.ok(upTo3.ok && upTo3.workbook.rowHasCells(PLAN_SHEET, 3) && !upTo3.workbook.rowHasCells(PLAN_SHEET, 4));
    assert.deepEqual(cells(await read(rows, null), ['A1', 'A5']), [10, 50]);
  });

  it('stops at a row numbered past it with more than 7 digits, which would otherwise be placed after the row before', async () => {
    const rows = `${row(1, 1)}${row(2, 2)}<row r="123456789"><c><v>9</v></c></row>`;
    assert.deepEqual(cells(await read(rows, 5), ['A1', 'A2', 'A3']), [1, 2, null]);
    // Read to the end, the row's number is not one a sheet can have: its cell takes the place after the row before.
    assert.deepEqual(cells(await read(rows, null), ['A3']), [9]);
  });

  it('never parses what follows the last row wanted, so damage there goes unseen; read to the end, it is found', async () => {
    const rows = `${row(1, 1)}${row(2, 2)}<row r="9"><c r="A9"><v>1</x></c></row>`;
    assert.deepEqual(cells(await read(rows, 2), ['A1', 'A2']), [1, 2]);
    const whole = await read(rows, null);
    assert.equal(whole.ok, false);
    assert.match(whole.ok ? '' : whole.finding.message, /closes a tag it does not match/);
  });

  it('places unnumbered rows after the row before, and stops when that place is past the last row wanted', async () => {
    const rows = `${row(1, 1)}<row><c r="A2"><v>2</v></c></row><row><c r="A3"><v>3</v></c></row>`;
    assert.deepEqual(cells(await read(rows, 2), ['A1', 'A2', 'A3']), [1, 2, null]);
  });
});


describe('the cell reader decodes a sheet only as far as it reads', () => {
  const ctx = () => ({ sharedStrings: [], dateStyles: [], date1904: false, part: 'the sheet', formulas: new Map<string, string>(), rows: new Set<number>() });
  /** readWorksheet on the bytes, and readSheetCells and readMerges on the whole part: the same cells, formulas, rows and merges. */
  function sameAsWhole(xml: string): { cells: Map<string, unknown>; merges: string[] } {
    const cut = ctx();
    const whole = ctx();
    const read = readWorksheet(Buffer.from(xml, 'utf8'), cut);
    assert.deepEqual(read.cells, readSheetCells(Buffer.from(xml, 'utf8'), whole));
    assert.deepEqual([cut.formulas, cut.rows], [whole.formulas, whole.rows]);
    assert.deepEqual(read.merges, readMerges(Buffer.from(xml, 'utf8')));
    return read;
  }

  it('finds every merged range after the cells, the last one after the validations too', () => {
    const read = sameAsWhole('<worksheet><sheetData><row r="1"><c r="A1"><f>1+1</f><v>2</v></c></row></sheetData>'
      + '<mergeCells count="1"><mergeCell ref="A1:A2"/></mergeCells><dataValidations><dataValidation prompt="Choose 1–5 ‘here’"/>'
      + '</dataValidations><extLst><x:mergeCell ref="B1:B3"/></extLst></worksheet>');
    assert.deepEqual([...read.cells], [['A1', 2]]);
    assert.deepEqual(read.merges, ['A1:A2', 'B1:B3']);
  });

  it('reads the whole part when its last "sheetData>" is not a plain closing tag', () => {
    // "</sheetData >" closes the cells; the last "sheetData>" is the opening tag, so nothing is cut.
    const read = sameAsWhole('<worksheet><sheetData><row r="1"><c r="A1"><v>1</v></c></row></sheetData ><mergeCells><mergeCell ref="A1:B1"/></mergeCells></worksheet>');
    assert.deepEqual([...read.cells], [['A1', 1]]);
    assert.deepEqual(read.merges, ['A1:B1']);
    sameAsWhole('<x:worksheet><x:sheetData><x:row r="2"><x:c r="B2"><x:v>3</x:v></x:c></x:row></x:sheetData></x:worksheet>');
    sameAsWhole('<worksheet><sheetData/><mergeCells><mergeCell ref="C1:C2"/></mergeCells></worksheet>');
  });

  it('gives a damaged part the finding reading it whole gives, not one the cut would make', () => {
    // The last "</sheetData>" closes a second, inner sheetData: cut there, the cells would end unclosed.
    const xml = '<worksheet><sheetData><sheetData></sheetData><row r="1"/></worksheet>';
    assert.throws(() => readSheetCells(Buffer.from(xml), ctx()), /<\/worksheet> closes a tag it does not match/);
    assert.throws(() => readWorksheet(Buffer.from(xml), ctx()), (err: Error) => err instanceof MalformedPart && /<\/worksheet> closes a tag it does not match/.test(err.message));
  });
});

describe('the cell reader places cells among blanks and reads the bytes as the text they encode', () => {
  const ctx = (sharedStrings: string[] = []) => ({ sharedStrings, dateStyles: [], date1904: false, part: 'the sheet', formulas: new Map<string, string>(), rows: new Set<number>() });
  const sheet = (rows: string) => Buffer.from(`<worksheet><sheetData>${rows}</sheetData></worksheet>`, 'utf8');
  const entries = (xml: Buffer, shared: string[] = []) => [...readSheetCells(xml, ctx(shared))];

  it('places a cell without r after the latest blank that has one, counting the blanks without one between', () => {
    // Blanks are only noted as they pass; a cell without r is placed from them when it comes.
    assert.deepEqual(entries(sheet('<row r="3"><c r="B3" s="1"/><c/><c s="2"/><c><v>7</v></c></row>')), [['E3', 7]]);
    assert.deepEqual(entries(sheet('<row r="3"><c r="B3"/><c r="F3"/><c/><c><v>7</v></c></row>')), [['H3', 7]]);
    // No blank with r: the place after all of them, from column A; a cell with a value and an r resets the count.
    assert.deepEqual(entries(sheet('<row r="4"><c/><c s="1"/><c><v>1</v></c><c r="D4"><v>2</v></c><c/><c><v>3</v></c></row>')), [['C4', 1], ['D4', 2], ['F4', 3]]);
    // Blanks of the row before do not count in the next row.
    assert.deepEqual(entries(sheet('<row r="1"><c r="C1"/><c r="D1"/></row><row r="2"><c><v>5</v></c></row>')), [['A2', 5]]);
    // A blank whose r is written loosely ($, lower case, leading zeros) places the next cell as it did before.
    assert.deepEqual(entries(sheet('<row r="2"><c r="$b$02"/><c><v>6</v></c></row>')), [['C2', 6]]);
    // A blank's r after an attribute whose quoted value holds ">" and "<" is found when it is needed.
    assert.deepEqual(entries(sheet('<row r="2"><c s="1" x="a>b<c" r="C2"/><c><v>6</v></c></row>')), [['D2', 6]]);
  });

  it('reads text, attributes and shared strings that are not ASCII, and a name followed by a Unicode space', () => {
    assert.deepEqual(entries(sheet('<row r="1"><c r="A1" t="inlineStr"><is><t>Café – “ok” 😀</t></is></c><c r="B1" t="str"><v>&#233;&amp;</v></c></row>')), [['A1', 'Café – “ok” 😀'], ['B1', 'é&']]);
    assert.deepEqual(readSharedStrings(Buffer.from('<sst><si><t>Ünïcödé</t></si><si><r><t>a\u00a0</t></r><r><t>b</t></r></si></sst>', 'utf8')), ['Ünïcödé', 'a\u00a0b']);
    // Bytes that are not UTF-8 read as U+FFFD, as decoding the whole part did.
    const bad = Buffer.concat([Buffer.from('<worksheet><sheetData><row r="1"><c r="A1" t="str"><v>x'), Buffer.from([0xe2, 0x82]), Buffer.from('</v></c></row></sheetData></worksheet>')]);
    assert.deepEqual(entries(bad), [['A1', 'x\ufffd']]);
    // "<sheetData" followed by U+2028 (a \s in the decoded text) is where the cells are looked for; followed by "é"
    // it is not, so there are none.
    assert.deepEqual(entries(Buffer.from('<worksheet><sheetData\u2028><row r="1"><c r="A1"><v>1</v></c></row></sheetData\u2028></worksheet>', 'utf8')), [['A1', 1]]);
    assert.deepEqual(entries(Buffer.from('<worksheet><sheetDataé><row r="1"><c r="A1"><v>1</v></c></row></sheetDataé></worksheet>', 'utf8')), []);
    assert.deepEqual(readDateStyles(Buffer.from('<styleSheet><cellXfs\u00a0><xf numFmtId="0"/><xf numFmtId="14"/></cellXfs\u00a0></styleSheet>', 'utf8')), [false, true]);
  });

  it('reads every form a shared string takes to its text: plain, kept spaces, entities, line ends, runs, comments, CDATA', () => {
    const items = [
      '<t>plain</t>', '<t xml:space="preserve"> kept </t>', '<t>a &amp; b &#233; a&gt;b</t>', '<t>line\r\nend\rx</t>', '<t></t>',
      '<t>_x000D_ escaped</t>', '<t>a<!-- c -->b</t>', '<t><![CDATA[<c>\r\n]]></t>', '<x:t>prefixed</x:t>', '<t/>',
      '<r><t>rich</t></r><r><t xml:space="preserve"> runs</t></r>', '<t>with</t><rPh><t>reading</t></rPh>', '<t xml:lang="en">other attribute</t>',
    ];
    const expected = ['plain', ' kept ', 'a & b é a>b', 'line\nend\nx', '', '\r escaped', 'ab', '<c>\n', 'prefixed', '', 'rich runs', 'with', 'other attribute'];
    const xml = `<sst>${items.map((t) => `<si>${t}</si>`).join('')}<si/><si><t>last</t></si></sst>`;
    assert.deepEqual(readSharedStrings(Buffer.from(xml, 'utf8')), [...expected, null, 'last']);
    // An item cut short is damaged whichever way it is read.
    assert.throws(() => readSharedStrings(Buffer.from('<sst><si><t>cut</t></s', 'utf8')), MalformedPart);
  });

  it('reads CDATA, line ends and processing instructions inside values as before', () => {
    assert.deepEqual(entries(sheet('<row r="1"><c r="A1" t="str"><v><![CDATA[a<b\r\nc]]></v></c><c r="B1"><v>1<?pi x?>2</v></c><c r="C1" t="str"><v>p\rq</v></c></row>')), [['A1', 'a<b\nc'], ['B1', 12], ['C1', 'p\nq']]);
    assert.throws(() => readSheetCells(sheet('<row r="1"><c r="A1"><v><![CDATA[1</v></c></row>'), ctx()), /a comment, declaration or CDATA section is not closed/);
  });

  it('drops a comment inside a value whole, so the text on either side joins up (never the comment\'s own "->")', () => {
    assert.deepEqual(entries(sheet('<row r="1"><c r="A1"><v>1<!-- x -->2</v></c><c r="B1" t="str"><v>a<!---->b</v></c><c r="C1"><v>3<!-- a -- b >< -->4</v></c></row>')),
      [['A1', 12], ['B1', 'ab'], ['C1', 34]]);
    assert.throws(() => readSheetCells(sheet('<row r="1"><c r="A1"><v>1<!-->2</v></c></row>'), ctx()), /a comment, declaration or CDATA section is not closed/);
  });
});
