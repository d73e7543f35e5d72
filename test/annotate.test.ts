// The checked workbook given back annotated (server/xlsx/annotate.ts): one comment and a highlight per finding cell,
// a Findings sheet linking to the cells, and nothing else changed. Read by openpyxl, re-saved by LibreOffice, through
// the real service (POST /api/annotate, GET /api/submissions/:id/annotated.xlsx) and `naome validate --annotate`.
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadOrganisations } from '../server/organisations';
import { checkWorkbook } from '../server/xlsx/checkWorkbook';
import { resaveWithLibreOffice } from './helpers/apps';
import { fillWorkbook, goodPlanContent } from './helpers/plans';
import { call, startTestServer, type TestServer } from './helpers/server';
import { zipTexts } from './helpers/zipParts';

const BIN = fileURLToPath(new URL('../bin/naome.js', import.meta.url));
const organisations = loadOrganisations();

interface Seen { sheets: string[]; comments: Record<string, string>; values: Record<string, unknown>; findings: unknown[][]; links: Record<string, string> }

/** What openpyxl sees: sheet names, the plan sheet's comments and values, the Findings sheet's rows and links. */
function openpyxlSees(bytes: Buffer): Seen {
  const dir = mkdtempSync(join(tmpdir(), 'naome-annot-'));
  try {
    writeFileSync(join(dir, 'a.xlsx'), bytes);
    return JSON.parse(execFileSync('/usr/bin/python3', ['-c', `
import sys, json, openpyxl, datetime
wb = openpyxl.load_workbook(sys.argv[1])
ws = wb['Action plan']
conv = lambda v: v.isoformat() if isinstance(v, (datetime.date, datetime.datetime)) else v
out = {'sheets': wb.sheetnames, 'comments': {}, 'values': {}, 'findings': [], 'links': {}}
for row in ws.iter_rows():
    for c in row:
        if c.comment is not None: out['comments'][c.coordinate] = c.comment.text
        if c.value is not None: out['values'][c.coordinate] = conv(c.value)
if 'Findings' in wb.sheetnames:
    f = wb['Findings']
    out['findings'] = [[conv(v) for v in r] for r in f.iter_rows(values_only=True)]
    for row in f.iter_rows():
        for c in row:
            if c.hyperlink is not None: out['links'][c.coordinate] = c.hyperlink.location
print(json.dumps(out))
`, join(dir, 'a.xlsx')], { encoding: 'utf8', timeout: 60_000 }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('the findings as a file: the workbook annotated', function () {
  this.timeout(180_000);
  let s: TestServer;
  let original: Buffer;
  let annotated: Buffer;
  let cells: string[];
  before(async () => {
    s = await startTestServer();
    const blank = (await call(s.url, 'GET', '/template.xlsx?org=RGT')).bytes;
    const content = goodPlanContent('RGT');
    content.actions[2]!.status = '9';
    content.actions[3]!.priority = 'Urgent';
    content.actions[4]!.deadline = '31/13/2026';
    original = await fillWorkbook(blank, content);
    const { result } = await checkWorkbook(original, { organisations });
    cells = [...new Set(result.findings.filter((f) => f.cell).map((f) => f.cell!))];
    assert.ok(cells.length >= 3, JSON.stringify(result.findings));
    const res = await call(s.url, 'POST', '/api/annotate', { body: original, headers: { 'x-file-name': 'our plan.xlsx' } });
    assert.equal(res.status, 200, res.bytes.toString().slice(0, 300));
    assert.match(res.headers.get('content-disposition')!, /our-plan-checked\.xlsx/);
    annotated = res.bytes;
  });
  after(async () => {
    await s?.close();
  });

  it('openpyxl sees one comment per finding cell, saying the finding, and a Findings sheet linking to each cell', async () => {
    const { result } = await checkWorkbook(original, { organisations });
    const seen = openpyxlSees(annotated);
    assert.deepEqual(seen.sheets, [...openpyxlSees(original).sheets, 'Findings']);
    assert.deepEqual(Object.keys(seen.comments).sort(), [...cells].sort());
    for (const f of result.findings.filter((x) => x.cell)) assert.ok(seen.comments[f.cell!]!.includes(`${f.code}: ${f.message}`), f.code);
    assert.equal(seen.findings.length, result.findings.length + 1);
    assert.deepEqual(seen.findings[0], ['Severity', 'Code', 'Cell', 'Recommendation', 'Field', 'Message']);
    for (const [i, f] of result.findings.entries()) {
      assert.equal(seen.findings[i + 1]![1], f.code);
      if (f.cell) assert.equal(seen.links[`C${i + 2}`], `'Action plan'!${f.cell}`);
    }
  });

  it('changes nothing else: every cell value is the same, and every other part is byte for byte the original', () => {
    assert.deepEqual(openpyxlSees(annotated).values, openpyxlSees(original).values);
    const before = zipTexts(original);
    const after = zipTexts(annotated);
    const changed = Object.keys(before).filter((name) => before[name] !== after[name]).sort();
    assert.deepEqual(changed, ['[Content_Types].xml', 'xl/_rels/workbook.xml.rels', 'xl/styles.xml', 'xl/workbook.xml', 'xl/worksheets/sheet1.xml']);
    // The plan sheet gained only the highlight and the comments' drawing: its sheetData is untouched.
    const data = (xml: string) => xml.slice(xml.indexOf('<sheetData'), xml.indexOf('</sheetData>'));
    assert.equal(data(after['xl/worksheets/sheet1.xml']!), data(before['xl/worksheets/sheet1.xml']!));
    assert.match(after['xl/worksheets/sheet1.xml']!, /<conditionalFormatting sqref="[^"]+"><cfRule type="expression" dxfId="\d+"/);
  });

  it('is still read as the same plan with the same findings', async () => {
    const a = await checkWorkbook(annotated, { organisations });
    const o = await checkWorkbook(original, { organisations });
    assert.deepEqual(a.plan, o.plan);
    assert.deepEqual(a.result.findings, o.result.findings);
  });

  it('LibreOffice re-saves it with the comments and the Findings sheet', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'naome-annot-lo-'));
    try {
      const src = join(dir, 'src');
      const out = join(dir, 'out');
      execFileSync('mkdir', ['-p', src, out]);
      writeFileSync(join(src, 'checked.xlsx'), annotated);
      const saved = readFileSync(await resaveWithLibreOffice(join(src, 'checked.xlsx'), out));
      const seen = openpyxlSees(saved);
      assert.ok(seen.sheets.includes('Findings'));
      assert.deepEqual(Object.keys(seen.comments).sort(), [...cells].sort());
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a stored workbook submission comes back annotated to its organisation; a JSON one is refused plainly', async () => {
    const key = await s.issueKey('RGT');
    const good = await fillWorkbook((await call(s.url, 'GET', '/template.xlsx?org=RGT')).bytes, goodPlanContent('RGT'));
    const sent = await call(s.url, 'POST', '/api/submissions', { key, body: good });
    assert.equal(sent.status, 201);
    const res = await call(s.url, 'GET', `/api/submissions/${sent.json.id}/annotated.xlsx`, { key });
    assert.equal(res.status, 200);
    assert.deepEqual(openpyxlSees(res.bytes).sheets, [...openpyxlSees(good).sheets, 'Findings']);
    assert.equal((await call(s.url, 'GET', `/api/submissions/${sent.json.id}/annotated.xlsx`, { key: await s.issueKey('RJ1') })).status, 404);
    const plan = (await checkWorkbook(good, { organisations })).plan!;
    plan.header.auditLead = 'Dr Mary Brown';
    const json = await call(s.url, 'POST', '/api/submissions', { key, body: JSON.stringify(plan) });
    const refused = await call(s.url, 'GET', `/api/submissions/${json.json.id}/annotated.xlsx`, { key });
    assert.equal(refused.status, 409);
    assert.equal(refused.json.error.code, 'NOT_A_WORKBOOK');
    const notXlsx = await call(s.url, 'POST', '/api/annotate', { body: JSON.stringify(plan) });
    assert.equal(notXlsx.status, 415);
  });

  it('naome validate --annotate DIR writes each readable workbook annotated', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'naome-annot-cli-'));
    try {
      writeFileSync(join(dir, 'plan.xlsx'), original);
      writeFileSync(join(dir, 'junk.xlsx'), 'not a workbook');
      const out = join(dir, 'checked');
      const code = await new Promise<number>((done) => execFile(process.execPath, [BIN, 'validate', '--annotate', out, join(dir, 'plan.xlsx'), join(dir, 'junk.xlsx')],
        { timeout: 120_000 }, (err) => done(err ? Number(err.code) : 0)));
      assert.equal(code, 2, 'one file could not be read');
      assert.deepEqual(readdirSync(out), ['plan-checked.xlsx']);
      assert.deepEqual(Object.keys(openpyxlSees(readFileSync(join(out, 'plan-checked.xlsx'))).comments).sort(), [...cells].sort());
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
