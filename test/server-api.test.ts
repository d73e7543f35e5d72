// The service's full flows over real HTTP against a real server and a real SQLite file: download the template,
// validate (raw file, multipart, JSON plan), submit and resubmit, receipts and stored files, the admin's lists,
// keys and organisations list, and collation downloads whose rows match what was submitted.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import ExcelJS from 'exceljs';
import { checkWorkbook } from '../server/xlsx/checkWorkbook';
import { loadOrganisations } from '../server/organisations';
import type { Plan } from '../shared/plan';
import { call, startTestServer, XLSX_TYPE, type TestServer } from './helpers/server';
import { fillWorkbook, goodPlanContent, type PlanContent } from './helpers/plans';

const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
const organisations = loadOrganisations();

async function planOf(bytes: Buffer): Promise<Plan> {
  const { plan, result } = await checkWorkbook(bytes, { organisations, limits: { timeoutMs: 30_000 } });
  assert.ok(plan, JSON.stringify(result.findings));
  return plan;
}

/** Parses RFC 4180 CSV (quoted fields with commas, quotes and line breaks). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') { field += '"'; i++; } else if (ch === '"') quoted = false; else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') { row.push(field); field = ''; }
    else if (ch === '\r' && text[i + 1] === '\n') { row.push(field); rows.push(row); row = []; field = ''; i++; }
    else field += ch;
  }
  if (field || row.length) { row.push(field); rows.push(row); }
  return rows;
}

describe('service API: full flows over HTTP', function () {
  this.timeout(120_000);
  let s: TestServer;
  let blankRGT: Buffer;
  let goodRGT: Buffer;
  const keys: Record<string, string> = {};

  before(async () => {
    s = await startTestServer();
  });
  after(async () => {
    await s?.close();
  });

  it('answers health, the organisations list and the OpenAPI document', async () => {
    const health = await call(s.url, 'GET', '/api/health');
    assert.equal(health.status, 200);
    assert.equal(health.json.ok, true);
    assert.match(health.json.version, /^\d+\.\d+\.\d+/);

    const orgs = await call(s.url, 'GET', '/api/organisations');
    assert.equal(orgs.status, 200);
    assert.equal(orgs.json.length, organisations.length);
    assert.deepEqual(orgs.json.find((o: { code: string }) => o.code === 'RGT'), organisations.find((o) => o.code === 'RGT'));

    const doc = await call(s.url, 'GET', '/api/openapi.json');
    assert.equal(doc.status, 200);
    assert.equal(doc.json.openapi, '3.1.0');
    for (const path of ['/api/health', '/api/organisations', '/template.xlsx', '/api/validate', '/api/submissions', '/api/submissions/{id}',
      '/api/submissions/{id}/file', '/api/submissions/{id}/original', '/api/admin/organisations', '/api/admin/organisations/{code}/key', '/api/collation.xlsx', '/api/collation.csv']) {
      assert.ok(doc.json.paths[path], `OpenAPI documents ${path}`);
    }
    for (const name of ['Receipt', 'ValidationResult', 'Finding', 'Plan', 'Error']) assert.ok(doc.json.components.schemas[name], name);
    assert.deepEqual(doc.json.components.schemas.Receipt.required.sort(), ['format', 'id', 'organisation', 'receivedAt', 'sha256', 'version', 'warnings']);
  });

  it('serves the blank workbook, pre-filled with the organisation when asked, and refuses an unknown one', async () => {
    const blank = await call(s.url, 'GET', '/template.xlsx');
    assert.equal(blank.status, 200);
    assert.equal(blank.headers.get('content-type'), XLSX_TYPE);
    assert.equal(blank.bytes.subarray(0, 2).toString(), 'PK');
    const blankPlan = await planOf(blank.bytes);
    assert.equal(blankPlan.header.organisation, null);

    const pre = await call(s.url, 'GET', '/template.xlsx?org=rgt');
    assert.equal(pre.status, 200);
    assert.match(pre.headers.get('content-disposition')!, /attachment; filename="?naome-action-plan-2025-RGT\.xlsx"?/);
    const prePlan = await planOf(pre.bytes);
    assert.match(prePlan.header.organisation!, /^RGT\b/);
    blankRGT = pre.bytes;

    const unknown = await call(s.url, 'GET', '/template.xlsx?org=NOPE1');
    assert.equal(unknown.status, 400);
    assert.equal(unknown.json.error.code, 'UNKNOWN_ORGANISATION');
    assert.match(unknown.json.error.message, /NOPE1/);
  });

  it('validates a workbook sent raw, as multipart and as a JSON plan, and stores nothing', async () => {
    goodRGT = await fillWorkbook(blankRGT, goodPlanContent('RGT'));
    for (const type of [XLSX_TYPE, 'application/octet-stream']) {
      const raw = await call(s.url, 'POST', '/api/validate', { body: goodRGT, type });
      assert.equal(raw.status, 200, JSON.stringify(raw.json));
      assert.equal(raw.json.valid, true, JSON.stringify(raw.json.findings));
      assert.deepEqual(raw.json.organisation, { code: 'RGT', name: organisations.find((o) => o.code === 'RGT')!.name });
    }

    const form = new FormData();
    form.append('note', 'ignored');
    form.append('file', new Blob([new Uint8Array(goodRGT)], { type: XLSX_TYPE }), 'our plan.xlsx');
    const multi = await call(s.url, 'POST', '/api/validate', { body: form });
    assert.equal(multi.status, 200);
    assert.equal(multi.json.valid, true);
    assert.equal(multi.json.file, 'our plan.xlsx');

    const json = await call(s.url, 'POST', '/api/validate', { body: JSON.stringify(await planOf(goodRGT)) });
    assert.equal(json.status, 200);
    assert.equal(json.json.valid, true, JSON.stringify(json.json.findings));
    assert.equal(json.json.file, null);

    // A plan with a mistake: read, so 200, with the finding naming its cell.
    const content = goodPlanContent('RGT');
    content.actions[0]!.status = 'Sort of done';
    const wrong = await call(s.url, 'POST', '/api/validate', { body: await fillWorkbook(blankRGT, content) });
    assert.equal(wrong.status, 200);
    assert.equal(wrong.json.valid, false);
    const f = wrong.json.findings.find((x: { code: string }) => x.code === 'STATUS_INVALID');
    assert.ok(f, JSON.stringify(wrong.json.findings));
    assert.match(f.cell, /^E\d+$/);

    const unreadable = await call(s.url, 'POST', '/api/validate', { body: Buffer.from('this is not a workbook at all') });
    assert.equal(unreadable.status, 422);
    assert.equal(unreadable.json.readable, false);
    assert.equal(unreadable.json.findings.length, 1);

    const notPlan = await call(s.url, 'POST', '/api/validate', { body: JSON.stringify({ hello: 'world' }) });
    assert.equal(notPlan.status, 400);
    assert.equal(notPlan.json.error.code, 'NOT_A_PLAN');
    assert.match(notPlan.json.error.message, /template/);

    const badJson = await call(s.url, 'POST', '/api/validate', { body: '{"template": ' });
    assert.equal(badJson.status, 400);
    assert.equal(badJson.json.error.code, 'BAD_JSON');

    const plan = await planOf(goodRGT);
    const unknownTemplate = await call(s.url, 'POST', '/api/validate', { body: JSON.stringify({ ...plan, template: { id: 'naome-1999', version: 1 } }) });
    assert.equal(unknownTemplate.status, 422);
    assert.equal(unknownTemplate.json.findings[0].code, 'UNKNOWN_TEMPLATE');

    const wrongType = await call(s.url, 'POST', '/api/validate', { body: 'a,b', type: 'text/csv' });
    assert.equal(wrongType.status, 415);

    const all = await call(s.url, 'GET', '/api/submissions', { key: s.adminKey });
    assert.deepEqual(all.json, []);
  });

  it('accepts a valid submission with a receipt, then a resubmission as version 2, and keeps both byte for byte', async () => {
    keys.RGT = await s.issueKey('RGT');
    const first = await call(s.url, 'POST', '/api/submissions', { key: keys.RGT, body: goodRGT, headers: { 'x-file-name': encodeURIComponent('RGT plan.xlsx') } });
    assert.equal(first.status, 201, JSON.stringify(first.json));
    const r1 = first.json;
    assert.equal(r1.version, 1);
    assert.deepEqual(r1.organisation, { code: 'RGT', name: organisations.find((o) => o.code === 'RGT')!.name });
    assert.equal(r1.sha256, sha256(goodRGT));
    assert.equal(r1.format, 'xlsx');
    assert.deepEqual(r1.warnings, []);
    assert.ok(Math.abs(Date.parse(r1.receivedAt) - Date.now()) < 60_000);
    assert.equal(first.headers.get('location'), `/api/submissions/${r1.id}`);

    const content = goodPlanContent('RGT');
    content.actions[0]!.action = 'Audit recommendation 1 cases quarterly and report the results to the cancer board in writing';
    content.actions[0]!.deadline = new Date(Date.now() - 10 * 86400000); // passed: a warning, not an error
    const plan2 = await planOf(await fillWorkbook(blankRGT, content));
    const json2 = JSON.stringify(plan2);
    const second = await call(s.url, 'POST', '/api/submissions', { key: keys.RGT, body: json2 });
    assert.equal(second.status, 201, JSON.stringify(second.json));
    const r2 = second.json;
    assert.equal(r2.version, 2);
    assert.equal(r2.format, 'json');
    assert.equal(r2.sha256, sha256(json2));
    assert.ok(r2.warnings.some((w: { code: string }) => w.code === 'DEADLINE_PASSED'), JSON.stringify(r2.warnings));
    assert.notEqual(r2.id, r1.id);

    const list = await call(s.url, 'GET', '/api/submissions', { key: keys.RGT });
    assert.equal(list.status, 200);
    assert.deepEqual(list.json.map((r: { id: string }) => r.id), [r2.id, r1.id]);
    assert.deepEqual(list.json[1], r1);

    const one = await call(s.url, 'GET', `/api/submissions/${r1.id}`, { key: keys.RGT });
    assert.equal(one.status, 200);
    assert.deepEqual(one.json.receipt, r1);
    assert.equal(one.json.result.valid, true);
    assert.equal(one.json.result.file, 'RGT plan.xlsx');

    const file1 = await call(s.url, 'GET', `/api/submissions/${r1.id}/original`, { key: keys.RGT });
    assert.equal(file1.status, 200);
    assert.equal(file1.headers.get('content-type'), XLSX_TYPE);
    assert.ok(file1.bytes.equals(goodRGT), 'the stored workbook is byte-identical');
    assert.match(file1.headers.get('content-disposition')!, /filename="?RGT-v1-\d{8}-original\.xlsx"?$/, 'named by us, not the uploader');
    const file2 = await call(s.url, 'GET', `/api/submissions/${r2.id}/original`, { key: s.adminKey });
    assert.equal(file2.status, 200);
    assert.equal(file2.bytes.toString('utf8'), json2);
  });

  it('refuses a plan with errors with 422 and its findings, storing nothing', async () => {
    const content = goodPlanContent('RGT');
    content.actions = content.actions.filter((a) => a.recommendation !== 3);
    const bad = await call(s.url, 'POST', '/api/submissions', { key: keys.RGT, body: await fillWorkbook(blankRGT, content) });
    assert.equal(bad.status, 422);
    assert.equal(bad.json.result.valid, false);
    assert.ok(bad.json.result.findings.some((f: { code: string; recommendation: number }) => f.code === 'RECOMMENDATION_NO_ACTIONS' && f.recommendation === 3));
    const junk = await call(s.url, 'POST', '/api/submissions', { key: keys.RGT, body: Buffer.from('PK\u0003\u0004 truncated') });
    assert.equal(junk.status, 422);
    assert.equal(junk.json.result.readable, false);
    const list = await call(s.url, 'GET', '/api/submissions', { key: keys.RGT });
    assert.equal(list.json.length, 2);
  });

  it('refuses a plan holding an NHS number on every route (file, JSON plan, submission), naming the cell, never echoing the number', async () => {
    const content = goodPlanContent('RGT');
    content.actions[0]!.progress = 'Discussed 943 476 5919 at the MDT';
    content.header.auditLead = 'Dr Priya Patel (ref 9434765919)';
    const bytes = await fillWorkbook(blankRGT, content);
    const file = await call(s.url, 'POST', '/api/validate', { body: bytes });
    const { plan } = await checkWorkbook(bytes, { organisations, limits: { timeoutMs: 30_000 } });
    const json = await call(s.url, 'POST', '/api/validate', { body: JSON.stringify(plan) });
    const submitted = await call(s.url, 'POST', '/api/submissions', { key: keys.RGT, body: bytes });
    for (const [route, res, status] of [['file', file, 200], ['JSON plan', json, 200], ['submission', submitted, 422]] as const) {
      assert.equal(res.status, status, route);
      const result = route === 'submission' ? res.json.result : res.json;
      assert.equal(result.valid, false, route);
      const nhs = result.findings.filter((f: { code: string }) => f.code === 'NHS_NUMBER');
      assert.deepEqual(nhs.map((f: { cell: string; field: string }) => [f.cell, f.field]), [['C6', 'auditLead'], ['H22', 'progress']], route);
      assert.doesNotMatch(res.bytes.toString('utf8'), /5919/, `${route}: the response never repeats the number`);
    }
    const list = await call(s.url, 'GET', '/api/submissions', { key: keys.RGT });
    assert.equal(list.json.length, 2, 'nothing stored');
    assert.doesNotMatch(JSON.stringify(s.logs), /5919/, 'nor logged');
  });

  it("gives the admin every organisation with its key and latest receipt, and every submission", async () => {
    keys['7A1'] = await s.issueKey('7A1');
    const content = goodPlanContent('7A1');
    const w7a1 = await call(s.url, 'POST', '/api/submissions', { key: keys['7A1'], body: await fillWorkbook(blankRGT, content) });
    assert.equal(w7a1.status, 201, JSON.stringify(w7a1.json));

    const admin = await call(s.url, 'GET', '/api/admin/organisations', { key: s.adminKey });
    assert.equal(admin.status, 200);
    assert.equal(admin.json.length, organisations.length);
    const byCode = new Map(admin.json.map((o: { code: string }) => [o.code, o]));
    const rgt = byCode.get('RGT') as { hasKey: boolean; latest: { version: number } };
    assert.equal(rgt.hasKey, true);
    assert.equal(rgt.latest.version, 2);
    const w7a1Row = byCode.get('7A1') as { hasKey: boolean; latest: { id: string } };
    assert.equal(w7a1Row.latest.id, w7a1.json.id);
    const other = admin.json.find((o: { code: string }) => o.code !== 'RGT' && o.code !== '7A1');
    assert.equal(other.hasKey, false);
    assert.equal(other.latest, null);

    const all = await call(s.url, 'GET', '/api/submissions', { key: s.adminKey });
    assert.deepEqual(all.json.map((r: { organisation: { code: string }; version: number }) => `${r.organisation.code} v${r.version}`), ['7A1 v1', 'RGT v2', 'RGT v1']);
  });

  it('builds the collation workbook and CSV from each organisation\'s latest submission', async () => {
    const latest = new Map<string, Plan>();
    for (const code of ['7A1', 'RGT']) { // the collation lists organisations by code
      const [newest] = (await call(s.url, 'GET', '/api/submissions', { key: keys[code] })).json;
      const file = await call(s.url, 'GET', `/api/submissions/${newest.id}/original`, { key: keys[code] });
      latest.set(code, newest.format === 'json' ? JSON.parse(file.bytes.toString('utf8')) : await planOf(file.bytes));
    }
    const expected = [...latest.entries()].flatMap(([code, plan]) =>
      [...plan.actions].sort((a, b) => a.recommendation - b.recommendation || a.row - b.row).map((a) => [code, String(a.recommendation), a.action ?? '']));

    const csv = await call(s.url, 'GET', '/api/collation.csv', { key: s.adminKey });
    assert.equal(csv.status, 200);
    assert.match(csv.headers.get('content-type')!, /^text\/csv/);
    const rows = parseCsv(csv.bytes.toString('utf8').replace(/^\uFEFF/, ''));
    const head = rows[0]!;
    const [ci, ri, ai] = ['Organisation code', 'Recommendation', head.find((h) => h.startsWith('Action required'))!].map((h) => head.indexOf(h));
    assert.deepEqual(rows.slice(1).map((r) => [r[ci!], r[ri!], r[ai!]]), expected);
    assert.ok(rows.some((r) => r[ai!]?.startsWith('Audit recommendation 1 cases quarterly')), 'RGT counts with its version 2');

    const xlsx = await call(s.url, 'GET', '/api/collation.xlsx', { key: s.adminKey });
    assert.equal(xlsx.status, 200);
    assert.equal(xlsx.headers.get('content-type'), XLSX_TYPE);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(xlsx.bytes as unknown as ArrayBuffer);
    const ws = wb.getWorksheet('Actions')!;
    const sheetHead = (ws.getRow(1).values as unknown[]).slice(1).map(String);
    const [xc, xr, xa] = ['Organisation code', 'Recommendation', sheetHead.find((h) => h.startsWith('Action required'))!].map((h) => sheetHead.indexOf(h) + 1);
    const sheetRows: string[][] = [];
    ws.eachRow((row, n) => { if (n > 1) sheetRows.push([String(row.getCell(xc!).value), String(row.getCell(xr!).value), String(row.getCell(xa!).value ?? '')]); });
    assert.deepEqual(sheetRows, expected);
  });

  it('issues and revokes organisation keys over HTTP: a replaced or revoked key stops working', async () => {
    const old = keys.RGT!;
    const fresh = await s.issueKey('RGT');
    assert.match(fresh, /^naome_RGT_[A-Za-z0-9_-]{43}$/);
    assert.equal((await call(s.url, 'GET', '/api/submissions', { key: old })).status, 401);
    assert.equal((await call(s.url, 'GET', '/api/submissions', { key: fresh })).status, 200);
    const revoke = await call(s.url, 'DELETE', '/api/admin/organisations/RGT/key', { key: s.adminKey });
    assert.equal(revoke.status, 204);
    assert.equal((await call(s.url, 'GET', '/api/submissions', { key: fresh })).status, 401);
    const admin = await call(s.url, 'GET', '/api/admin/organisations', { key: s.adminKey });
    assert.equal(admin.json.find((o: { code: string }) => o.code === 'RGT').hasKey, false);
    const unknown = await call(s.url, 'POST', '/api/admin/organisations/ZZZ99/key', { key: s.adminKey });
    assert.equal(unknown.status, 404);
    assert.equal(unknown.json.error.code, 'UNKNOWN_ORGANISATION');
  });

  it('replaces the organisations list from CSV, refusing a broken one with the line at fault', async () => {
    const csv = 'ods_code,name,nation,nhs_england_region\nRGT,Cambridge University Hospitals NHS Foundation Trust,England,East of England\n' +
      '7A1,"Betsi Cadwaladr University Local Health Board",Wales,\n7A2,Hywel Dda University Local Health Board,Wales,\n';
    const put = await call(s.url, 'PUT', '/api/admin/organisations', { key: s.adminKey, body: csv, type: 'text/csv' });
    assert.equal(put.status, 200, JSON.stringify(put.json));
    assert.deepEqual(put.json, { count: 3 });
    const orgs = await call(s.url, 'GET', '/api/organisations');
    assert.deepEqual(orgs.json.map((o: { code: string }) => o.code), ['RGT', '7A1', '7A2']);
    assert.equal((await call(s.url, 'GET', '/template.xlsx?org=RGT')).status, 200);
    assert.equal((await call(s.url, 'GET', '/template.xlsx?org=RTH')).status, 400, 'an organisation no longer listed');

    const broken = await call(s.url, 'PUT', '/api/admin/organisations', { key: s.adminKey, body: 'ods_code,name,nation\nRGT,,England\n', type: 'text/csv' });
    assert.equal(broken.status, 400);
    assert.equal(broken.json.error.code, 'BAD_CSV');
    assert.match(broken.json.error.message, /line 2/);
    const empty = await call(s.url, 'PUT', '/api/admin/organisations', { key: s.adminKey, body: 'ods_code,name,nation\n', type: 'text/csv' });
    assert.equal(empty.status, 400);
    assert.equal((await call(s.url, 'GET', '/api/organisations')).json.length, 3, 'a refused list changes nothing');

    // Submissions of organisations outside the new list are kept.
    const all = await call(s.url, 'GET', '/api/submissions', { key: s.adminKey });
    assert.equal(all.json.length, 3);
  });

  it('serves the add-in with a CSP that allows Office.js from Microsoft, and the API with a strict one', async () => {
    const office = await call(s.url, 'GET', '/addin/office-local/office.js');
    assert.equal(office.status, 200);
    const addinCsp = office.headers.get('content-security-policy')!;
    assert.match(addinCsp, /script-src 'self' https:\/\/appsforoffice\.microsoft\.com/);
    assert.match(addinCsp, /connect-src 'self'/);
    assert.match(addinCsp, /frame-ancestors [^;]*https:\/\/\*\.officeapps\.live\.com/);
    assert.equal(office.headers.get('x-frame-options'), null);
    const health = await call(s.url, 'GET', '/api/health');
    const csp = health.headers.get('content-security-policy')!;
    assert.match(csp, /script-src 'self'(;|$)/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.equal(health.headers.get('x-content-type-options'), 'nosniff');
    const missing = await call(s.url, 'GET', '/api/nothing-here');
    assert.equal(missing.status, 404);
    assert.equal(missing.json.error.code, 'NOT_FOUND');
  });
});
