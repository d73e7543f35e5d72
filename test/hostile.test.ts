// Hostile uploads, generated here byte by byte: each is refused with the expected code and a clear message, and the
// process's memory stays bounded (no timing asserts: bench/validate.ts measures speed).
import assert from 'node:assert/strict';
import yauzl from 'yauzl';
import { loadOrganisations } from '../server/organisations';
import { checkWorkbook, type CheckOutcome } from '../server/xlsx/checkWorkbook';
import { guardWorkbook } from '../server/xlsx/guard';
import { DEFAULT_LIMITS } from '../server/xlsx/limits';
import { readWorkbook } from '../server/xlsx/readWorkbook';
import { writePlanWorkbook } from '../server/xlsx/writePlanWorkbook';
import { PLAN_SHEET } from '../shared/layout';
import { contentTypes, deflatedZeros, MB, workbookWithSheet, zip } from './helpers/hostile';
import { fillWorkbook, goodPlanContent } from './helpers/plans';

const organisations = loadOrganisations();

/** Every part of a zip, inflated (for editing a real plan). */
async function unzip(bytes: Buffer): Promise<Array<{ name: string; data: Buffer }>> {
  const zipfile = await yauzl.fromBufferPromise(bytes, { lazyEntries: true });
  const out: Array<{ name: string; data: Buffer }> = [];
  for await (const entry of zipfile.eachEntry()) {
    const stream = await zipfile.openReadStreamPromise(entry);
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    out.push({ name: entry.fileName, data: Buffer.concat(chunks) });
  }
  return out;
}
async function editPart(bytes: Buffer, name: string, edit: (xml: string) => string): Promise<Buffer> {
  const parts = await unzip(bytes);
  const part = parts.find((p) => p.name === name);
  assert.ok(part, `${name} in the plan`);
  part.data = Buffer.from(edit(part.data.toString('utf8')), 'utf8');
  return zip(parts);
}

/** A minimal OLE2 compound file whose directory holds EncryptionInfo and EncryptedPackage: how Excel wraps an .xlsx with a password to open. */
function encryptedWorkbook(): Buffer {
  const header = Buffer.alloc(512, 0);
  Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]).copy(header, 0);
  header.writeUInt16LE(0x3e, 0x18); header.writeUInt16LE(3, 0x1a); header.writeUInt16LE(0xfffe, 0x1c);
  header.writeUInt16LE(9, 0x1e); header.writeUInt16LE(6, 0x20);
  header.writeUInt32LE(1, 0x2c); // one FAT sector
  header.writeUInt32LE(1, 0x30); // directory in sector 1
  header.writeUInt32LE(0x1000, 0x38);
  header.writeUInt32LE(0xfffffffe, 0x3c); header.writeUInt32LE(0xfffffffe, 0x44);
  for (let i = 0; i < 109; i++) header.writeUInt32LE(i === 0 ? 0 : 0xffffffff, 0x4c + i * 4);
  const fat = Buffer.alloc(512, 0xff);
  fat.writeUInt32LE(0xfffffffd, 0); fat.writeUInt32LE(0xfffffffe, 4);
  const dir = Buffer.alloc(512, 0);
  const entry = (i: number, name: string, type: number, left: number, right: number, child: number) => {
    const at = i * 128;
    dir.write(name, at, 'utf16le');
    dir.writeUInt16LE((name.length + 1) * 2, at + 0x40);
    dir[at + 0x42] = type; dir[at + 0x43] = 1;
    dir.writeUInt32LE(left, at + 0x44); dir.writeUInt32LE(right, at + 0x48); dir.writeUInt32LE(child, at + 0x4c);
    dir.writeUInt32LE(0xfffffffe, at + 0x74);
  };
  const none = 0xffffffff;
  entry(0, 'Root Entry', 5, none, none, 1);
  entry(1, 'EncryptionInfo', 2, none, 2, none);
  entry(2, 'EncryptedPackage', 2, none, none, none);
  dir.fill(0xff, 3 * 128 + 0x44, 3 * 128 + 0x50); // the unused fourth entry: no siblings, no child
  return Buffer.concat([header, fat, dir]);
}

/** Checks a file, sampling the process's memory while it runs; returns the outcome and the RSS growth in MB. */
async function checkMeasured(bytes: Buffer): Promise<{ outcome: CheckOutcome; grewMb: number }> {
  const before = process.memoryUsage.rss();
  let peak = before;
  const sampler = setInterval(() => { peak = Math.max(peak, process.memoryUsage.rss()); }, 2);
  try {
    const outcome = await checkWorkbook(bytes, { organisations, file: 'upload.xlsx' });
    peak = Math.max(peak, process.memoryUsage.rss());
    return { outcome, grewMb: (peak - before) / MB };
  } finally {
    clearInterval(sampler);
  }
}

async function assertRefused(bytes: Buffer, code: string, messagePattern: RegExp): Promise<CheckOutcome> {
  const { outcome, grewMb } = await checkMeasured(bytes);
  const { result } = outcome;
  assert.equal(result.findings.length, 1, JSON.stringify(result.findings));
  const [f] = result.findings;
  assert.equal(f!.code, code, f!.message);
  assert.match(f!.message, messagePattern);
  assert.equal(result.readable, false);
  assert.equal(result.valid, false);
  assert.equal(result.file, 'upload.xlsx');
  assert.equal(outcome.plan, null);
  assert.ok(grewMb < 300, `memory grew by ${grewMb.toFixed(0)} MB`);
  return outcome;
}

describe('hostile uploads', function () {
  this.timeout(120_000);
  let plan: Buffer;
  before(async () => {
    plan = await fillWorkbook(await writePlanWorkbook({ organisations }), goodPlanContent('RGT'));
  });

  it('refuses a zip bomb that would inflate past 1 GB, by its compression ratio', async () => {
    const raw = deflatedZeros(1100);
    assert.ok(raw.length < 2 * MB);
    await assertRefused(workbookWithSheet({ deflated: { raw, declaredSize: 1100 * MB } }), 'ZIP_COMPRESSION_RATIO', /xl\/worksheets\/sheet1\.xml.*zip bomb/s);
  });

  it('refuses a part whose header lies about its size, stopping at the limit while inflating', async () => {
    const raw = deflatedZeros(1100);
    const outcome = await assertRefused(workbookWithSheet({ deflated: { raw, declaredSize: 2000 } }), 'ZIP_TOO_LARGE_UNCOMPRESSED', /inflates to more than 50 MB although its header says 2 KB/);
    assert.equal(outcome.result.findings[0]!.sheet, null);
  });

  it('refuses declared sizes past the limit before inflating anything', async () => {
    await assertRefused(workbookWithSheet({ deflated: { raw: Buffer.from([0x03, 0x00]), declaredSize: 60 * MB } }), 'ZIP_COMPRESSION_RATIO', /ratio/);
    const withinRatio = zip([{ name: '[Content_Types].xml', data: contentTypes() }, { name: 'xl/big.bin', deflated: { raw: Buffer.alloc(MB), declaredSize: 150 * MB } }]);
    await assertRefused(withinRatio, 'ZIP_TOO_LARGE_UNCOMPRESSED', /more than 50 MB uncompressed/);
  });

  it('refuses XXE: an external entity in a sheet', async () => {
    const xxe = await editPart(plan, 'xl/worksheets/sheet1.xml', (xml) =>
      xml.replace('<worksheet', '<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n<worksheet').replace('</sheetData>', '<row r="200"><c r="B200" t="inlineStr"><is><t>&xxe;</t></is></c></row></sheetData>'));
    const { result } = await assertRefused(xxe, 'XML_UNSAFE', /DOCTYPE or ENTITY.*XXE/s);
    assert.equal(result.findings[0]!.sheet, PLAN_SHEET);
  });

  it('refuses entity expansion ("billion laughs") in a sheet', async () => {
    const lol = ['<!ENTITY lol "lol">', ...Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i || ''};`.repeat(10)}">`)].join('');
    const laughs = await editPart(plan, 'xl/worksheets/sheet1.xml', (xml) =>
      xml.replace('<worksheet', `<!DOCTYPE worksheet [${lol}]>\n<worksheet`).replace('</sheetData>', '<row r="200"><c r="B200" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData>'));
    await assertRefused(laughs, 'XML_UNSAFE', /billion laughs/);
  });

  it('refuses XML nested deeper than the limit where it is read: in a sheet or the shared strings', async () => {
    const nest = (n: number) => `${'<extLst>'.repeat(n)}${'</extLst>'.repeat(n)}`;
    const deep = await editPart(plan, 'xl/worksheets/sheet1.xml', (xml) => xml.replace('</sheetData>', `${nest(5000)}</sheetData>`));
    const { result } = await assertRefused(deep, 'XML_TOO_DEEP', /^The sheet "Action plan" nests its XML more than 64 levels/);
    assert.equal(result.findings[0]!.sheet, PLAN_SHEET);
    const deepStrings = await editPart(plan, 'xl/sharedStrings.xml', (xml) => xml.replace('</sst>', `<si>${nest(100)}</si></sst>`));
    await assertRefused(deepStrings, 'XML_TOO_DEEP', /^The shared strings table nests its XML more than 64 levels/);
    // Within the limit, the same nesting is read.
    const within = await editPart(plan, 'xl/sharedStrings.xml', (xml) => xml.replace('</sst>', `<si>${nest(60)}</si></sst>`));
    assert.equal((await checkWorkbook(within, { organisations })).result.readable, true);
  });

  it('refuses a declaration anywhere in a part the reader reads, even where it never reads', async () => {
    const strings = await editPart(plan, 'xl/sharedStrings.xml', (xml) => xml.replace('<sst', '<!DOCTYPE sst [<!ENTITY a "b">]><sst'));
    await assertRefused(strings, 'XML_UNSAFE', /^The part "xl\/sharedStrings\.xml" contains a DOCTYPE/);
    const past = await editPart(plan, 'xl/worksheets/sheet1.xml', (xml) => xml.replace('</worksheet>', '<!ENTITY a "b"></worksheet>'));
    await assertRefused(past, 'XML_UNSAFE', /^The sheet "Action plan" contains a DOCTYPE or ENTITY/);
    // In a comment or a CDATA section "<!" declares nothing.
    const commented = await editPart(plan, 'xl/worksheets/sheet1.xml', (xml) => xml.replace('</worksheet>', '<!-- <!DOCTYPE x> --></worksheet>'));
    assert.equal((await checkWorkbook(commented, { organisations })).result.readable, true);
  });

  it('reads a plan sheet only as far as its rows: 1,000,000 rows below them are never parsed', async () => {
    const rows: string[] = [];
    for (let r = 1000; r < 1_001_000; r++) rows.push(`<row r="${r}"><c r="A${r}"><v>1</v></c></row>`);
    const long = await editPart(plan, 'xl/worksheets/sheet1.xml', (xml) => xml.replace('</sheetData>', `${rows.join('')}</sheetData>`));
    const { outcome, grewMb } = await checkMeasured(long);
    const original = await checkWorkbook(plan, { organisations, file: 'upload.xlsx' });
    assert.deepEqual(outcome, original);
    assert.ok(grewMb < 300, `memory grew by ${grewMb.toFixed(0)} MB`);
  });

  it('refuses a sheet of 1,000,000 rows when every row is asked for, after reading 10,000 of them', async () => {
    const rows: string[] = [];
    for (let r = 1; r <= 1_000_000; r++) rows.push(`<row r="${r}"><c><v>1</v></c></row>`);
    const sheet = `<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>${rows.join('')}</sheetData></worksheet>`;
    const guarded = guardWorkbook(workbookWithSheet({ data: sheet }), DEFAULT_LIMITS, { [PLAN_SHEET]: null });
    assert.ok(guarded.ok);
    const read = readWorkbook(guarded.workbook);
    assert.ok(!read.ok);
    assert.equal(read.finding.code, 'SHEET_TOO_LARGE');
    assert.match(read.finding.message, /^The sheet "Action plan" has more than 10,000 rows/);
    assert.equal(read.finding.sheet, PLAN_SHEET);
  });

  it('reads a real plan correctly although its validations cover whole columns', async () => {
    const whole = ['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I'].map((c) =>
      `<dataValidation type="list" allowBlank="1" showErrorMessage="1" sqref="${c}:${c}"><formula1>Lists!$D$2:$D$6</formula1></dataValidation>`).join('');
    const edited = await editPart(plan, 'xl/worksheets/sheet1.xml', (xml) => {
      const replaced = xml.replace(/<dataValidations[\s\S]*?<\/dataValidations>/, `<dataValidations count="9">${whole}</dataValidations>`);
      assert.notEqual(replaced, xml, 'the plan sheet has validations to replace');
      return replaced;
    });
    const original = await checkWorkbook(plan, { organisations, file: 'upload.xlsx' });
    const { outcome, grewMb } = await checkMeasured(edited);
    assert.equal(outcome.result.readable, true);
    assert.deepEqual(outcome.result.findings, []);
    assert.equal(outcome.result.valid, true);
    assert.deepEqual(outcome.plan, original.plan);
    assert.ok(grewMb < 300, `memory grew by ${grewMb.toFixed(0)} MB`);
  });

  it('refuses a workbook listing more sheets or relationships than the limit (the guard was quadratic in them)', async () => {
    const sheets = (n: number) => Array.from({ length: n }, (_, i) => `<sheet name="S${i}" sheetId="${i + 10}" r:id="rX${i}"/>`).join('');
    const rels = (n: number) => Array.from({ length: n }, (_, i) => `<Relationship Id="rX${i}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/none${i}.xml"/>`).join('');
    const manySheets = await editPart(plan, 'xl/workbook.xml', (xml) => xml.replace('</sheets>', `${sheets(40_000)}</sheets>`));
    await assertRefused(manySheets, 'ZIP_TOO_MANY_ENTRIES', /lists 40003 sheets; an action plan has 3 and at most 255/);
    const manyRels = await editPart(plan, 'xl/_rels/workbook.xml.rels', (xml) => xml.replace('</Relationships>', `${rels(40_000)}</Relationships>`));
    await assertRefused(manyRels, 'ZIP_TOO_MANY_ENTRIES', /relationships between its parts/);
    const twice = await editPart(plan, 'xl/workbook.xml', (xml) => xml.replace('</sheets>', `<sheet name="${PLAN_SHEET}" sheetId="99" r:id="rId1"/></sheets>`));
    await assertRefused(twice, 'FILE_CORRUPT', /lists the sheet .* twice/);
    // Within the limits, a workbook with many of both is still read (every sheet finds its relationship by id).
    const within = await editPart(await editPart(plan, 'xl/workbook.xml', (xml) => xml.replace('</sheets>', `${sheets(250)}</sheets>`)),
      'xl/_rels/workbook.xml.rels', (xml) => xml.replace('</Relationships>', `${rels(1900)}</Relationships>`));
    const { result } = await checkWorkbook(within, { organisations });
    assert.equal(result.readable, true, JSON.stringify(result.findings.slice(0, 2)));
  });

  it('refuses an empty file', async () => {
    await assertRefused(Buffer.alloc(0), 'FILE_EMPTY', /empty \(0 bytes\)/);
  });

  it('refuses a truncated zip', async () => {
    await assertRefused(plan.subarray(0, Math.floor(plan.length / 2)), 'FILE_CORRUPT', /damaged or incomplete/);
  });

  it('refuses zip entries with ../, absolute and backslash paths', async () => {
    for (const name of ['../../etc/cron.d/evil', 'xl/../../evil.xml', '/etc/passwd', 'C:/Windows/evil.dll', 'xl\\..\\..\\evil.xml']) {
      const bytes = zip([{ name: '[Content_Types].xml', data: contentTypes() }, { name, data: 'x' }]);
      await assertRefused(bytes, 'ZIP_UNSAFE_PATH', /unsafe path/);
    }
  });

  it('refuses a workbook encrypted with a password to open', async () => {
    await assertRefused(encryptedWorkbook(), 'FILE_ENCRYPTED', /remove the password.*save it again/s);
  });

  it('refuses a macro-enabled workbook (.xlsm)', async () => {
    const parts = await unzip(plan);
    const types = parts.find((p) => p.name === '[Content_Types].xml')!;
    types.data = Buffer.from(types.data.toString('utf8').replace('spreadsheetml.sheet.main+xml', '').replace(
      'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml', 'application/vnd.ms-excel.sheet.macroEnabled.main+xml'));
    const xlsm = zip([...parts, { name: 'xl/vbaProject.bin', data: Buffer.from('not really VBA') }]);
    await assertRefused(xlsm, 'FILE_MACRO_ENABLED', /Excel Workbook \(\.xlsx\)/);
    const typeOnly = await editPart(plan, '[Content_Types].xml', (xml) =>
      xml.replace('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml', 'application/vnd.ms-excel.sheet.macroEnabled.main+xml'));
    await assertRefused(typeOnly, 'FILE_MACRO_ENABLED', /macro-enabled/);
  });

  it('refuses CSV text and files that are not spreadsheets at all', async () => {
    await assertRefused(Buffer.from('Recommendation,Action,Deadline\n1,Review,31/12/2026\n'), 'FILE_CSV', /CSV/);
    await assertRefused(Buffer.from('%PDF-1.7\n\x00\x01\x02binary'), 'FILE_NOT_XLSX', /not an Excel workbook/);
    await assertRefused(Buffer.from('<html><body><table><tr><td>1</td></tr></table></body></html>'), 'FILE_NOT_XLSX', /HTML or XML/);
  });

  it('refuses an upload over the size limit, and honours limits passed in', async () => {
    const big = Buffer.concat([plan, Buffer.alloc(11 * MB)]);
    await assertRefused(big, 'FILE_TOO_LARGE', /limited to 10 MB/);
    const { result } = await checkWorkbook(plan, { organisations, limits: { maxRows: 50 } });
    assert.equal(result.findings[0]!.code, 'SHEET_TOO_LARGE');
    // A plan carrying 150,000 distinct shared strings (within every size limit) takes far longer than a millisecond to
    // inflate and read, so a 1 ms budget must run out, with its own finding. (A bare plan now reads in about 1 ms.)
    const padding = Array.from({ length: 150_000 }, (_, i) => `<si><t>${(i * 2654435761 % 4294967296).toString(16)}-${i}</t></si>`).join('');
    const slow = await editPart(plan, 'xl/sharedStrings.xml', (xml) => xml.replace('</sst>', `${padding}</sst>`));
    const late = await checkWorkbook(slow, { organisations, limits: { timeoutMs: 1, maxCells: 200_000 } });
    assert.deepEqual(late.result.findings.map((f) => f.code), ['READ_TIMEOUT']);
    assert.match(late.result.findings[0]!.message, /longer than 1 ms/);
    assert.equal(late.result.readable, false);
  });
});
