// The round (issue 13) over real HTTP against a real server and SQLite file: which organisations are expected to
// return and their contacts, set from the organisations CSV and on the admin API, kept when the list is replaced by
// a CSV that does not say them; the "not returned" counts of the dashboard, the admin list and the collation
// workbook following them; the round's deadline and schedule.
import assert from 'node:assert/strict';
import ExcelJS from 'exceljs';
import { call, startTestServer, type TestServer } from './helpers/server';
import { submitPlan } from './helpers/deskPlans';

const HEAD = 'ods_code,name,nation,nhs_england_region';
const ROWS = [
  'RGT,Cambridge University Hospitals NHS Foundation Trust,England,East of England',
  'RDE,East Suffolk and North Essex NHS Foundation Trust,England,East of England',
  'R0A,Manchester University NHS Foundation Trust,England,North West',
  '7A1,Betsi Cadwaladr University Local Health Board,Wales,',
];

/** Rows of a sheet as objects keyed by the heading row. */
async function sheetRows(bytes: Buffer, name: string): Promise<Array<Record<string, unknown>>> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(bytes as unknown as ArrayBuffer);
  const ws = wb.getWorksheet(name)!;
  const head = (ws.getRow(1).values as unknown[]).slice(1).map(String);
  const out: Array<Record<string, unknown>> = [];
  ws.eachRow((row, n) => {
    if (n === 1) return;
    const values = (row.values as unknown[]).slice(1);
    out.push(Object.fromEntries(head.map((h, i) => [h, values[i] ?? null])));
  });
  return out;
}

describe('the round: expected organisations, contacts, deadline', function () {
  this.timeout(120_000);
  let s: TestServer;
  const admin = () => ({ key: s.adminKey });
  const orgs = async () => new Map<string, { expected: boolean; contacts: string[] }>(
    ((await call(s.url, 'GET', '/api/admin/organisations', admin())).json as Array<{ code: string; expected: boolean; contacts: string[] }>).map((o) => [o.code, o]));
  const dashboard = async () => (await call(s.url, 'GET', '/api/dashboard', admin())).json;
  const putCsv = (csv: string) => call(s.url, 'PUT', '/api/admin/organisations', { ...admin(), body: csv, type: 'text/csv' });

  before(async () => { s = await startTestServer(); });
  after(async () => { await s?.close(); });

  it('takes expected flags and contacts from the CSV columns', async () => {
    const csv = [`${HEAD},expected,contacts`,
      `${ROWS[0]},yes,lead@cuh.nhs.net; audit@cuh.nhs.net`,
      `${ROWS[1]},no,`,
      `${ROWS[2]},,`,
      `${ROWS[3]},Y,"plans@wales.nhs.uk"`].join('\n');
    const res = await putCsv(csv);
    assert.equal(res.status, 200, JSON.stringify(res.json));
    const list = await orgs();
    assert.deepEqual(list.get('RGT'), { ...list.get('RGT'), expected: true, contacts: ['lead@cuh.nhs.net', 'audit@cuh.nhs.net'] });
    assert.equal(list.get('RDE')!.expected, false);
    assert.equal(list.get('R0A')!.expected, true, 'blank means expected');
    assert.deepEqual(list.get('7A1')!.contacts, ['plans@wales.nhs.uk']);
    // The public list says nothing of contacts.
    const pub = await call(s.url, 'GET', '/api/organisations');
    assert.ok(!JSON.stringify(pub.json).includes('cuh.nhs.net'));
  });

  it('counts as not returned only the expected organisations', async () => {
    await submitPlan(s, 'RGT');
    const d = await dashboard();
    assert.equal(d.organisations, 4);
    assert.equal(d.expected, 3);
    assert.equal(d.expectedReturned, 1);
    assert.equal(d.notReturned, 2);
    const east = d.areas.find((a: { area: string }) => a.area === 'England: East of England');
    assert.deepEqual([east.expected, east.expectedReturned, east.notReturned, east.returned], [1, 1, 0, 1]);
  });

  it('keeps flags and contacts when the list is replaced by a CSV without those columns; a new organisation is expected', async () => {
    const res = await putCsv([HEAD, ...ROWS, 'RAJ,Mid and South Essex NHS Foundation Trust,England,East of England'].join('\n'));
    assert.equal(res.status, 200, JSON.stringify(res.json));
    const list = await orgs();
    assert.equal(list.get('RDE')!.expected, false);
    assert.deepEqual(list.get('RGT')!.contacts, ['lead@cuh.nhs.net', 'audit@cuh.nhs.net']);
    assert.deepEqual(list.get('7A1')!.contacts, ['plans@wales.nhs.uk']);
    assert.equal(list.get('RAJ')!.expected, true);
    const d = await dashboard();
    assert.equal(d.expected, 4);
    assert.equal(d.notReturned, 3);

    // The collation workbook says the same: its Not returned sheet and its Summary.
    const xlsx = await call(s.url, 'GET', '/api/collation.xlsx', admin());
    assert.equal(xlsx.status, 200);
    const notReturned = (await sheetRows(xlsx.bytes, 'Not returned')).map((r) => r['Organisation code']).sort();
    assert.deepEqual(notReturned, ['7A1', 'R0A', 'RAJ']);
    const total = (await sheetRows(xlsx.bytes, 'Summary')).find((r) => r.Nation === 'Total' && r.Recommendation === 'All recommendations')!;
    assert.equal(total['Organisations expected'], 4);
    assert.equal(total['Expected, not returned'], 3);
    assert.equal(total['Expected and returned'], 1);
  });

  it('sets one organisation on the admin API, and the counts follow', async () => {
    const res = await call(s.url, 'PATCH', '/api/admin/organisations/rde', { ...admin(), body: JSON.stringify({ expected: true, contacts: 'cancer.audit@esneft.nhs.uk\nsecond@esneft.nhs.uk' }) });
    assert.equal(res.status, 200, JSON.stringify(res.json));
    assert.deepEqual(res.json, { code: 'RDE', expected: true, contacts: ['cancer.audit@esneft.nhs.uk', 'second@esneft.nhs.uk'] });
    assert.equal((await dashboard()).notReturned, 4);
    // A CSV that says expected=no switches it off again.
    await putCsv([`${HEAD},expected`, ...ROWS.map((r) => `${r},${r.startsWith('RDE') ? 'no' : 'yes'}`)].join('\n'));
    const list = await orgs();
    assert.equal(list.get('RDE')!.expected, false);
    assert.deepEqual(list.get('RDE')!.contacts, ['cancer.audit@esneft.nhs.uk', 'second@esneft.nhs.uk'], 'contacts kept: the CSV had no contacts column');
    assert.equal((await dashboard()).notReturned, 2);
  });

  it('refuses a wrong contact, a wrong expected value and an unknown organisation, saying which', async () => {
    const bad = await call(s.url, 'PATCH', '/api/admin/organisations/RGT', { ...admin(), body: JSON.stringify({ contacts: 'lead@cuh.nhs.net; not an address' }) });
    assert.equal(bad.status, 400);
    assert.match(bad.json.error.message, /RGT.*"not" is not an e-mail address/);
    assert.deepEqual((await orgs()).get('RGT')!.contacts, ['lead@cuh.nhs.net', 'audit@cuh.nhs.net'], 'nothing changed');
    const csv = await putCsv([`${HEAD},expected`, `${ROWS[0]},maybe`].join('\n'));
    assert.equal(csv.status, 400);
    assert.match(csv.json.error.message, /line 2: expected is "maybe": write yes or no/);
    const csvMail = await putCsv([`${HEAD},contacts`, `${ROWS[0]},someone@`].join('\n'));
    assert.equal(csvMail.status, 400);
    assert.match(csvMail.json.error.message, /line 2: contacts: "someone@" is not an e-mail address/);
    assert.equal((await call(s.url, 'PATCH', '/api/admin/organisations/ZZZ99', { ...admin(), body: '{"expected":false}' })).status, 404);
    assert.equal((await call(s.url, 'PATCH', '/api/admin/organisations/RGT', { ...admin(), body: '{"expected":"no"}' })).status, 400);
  });

  it('keeps the deadline and schedule, and refuses impossible ones', async () => {
    const before = await call(s.url, 'GET', '/api/admin/round', admin());
    assert.deepEqual(before.json, { deadline: null, remindDaysBefore: null, remindWeeklyAfter: false, remindersOn: false });
    const put = await call(s.url, 'PUT', '/api/admin/round', { ...admin(), body: JSON.stringify({ deadline: '2027-01-29', remindDaysBefore: 7, remindWeeklyAfter: true }) });
    assert.equal(put.status, 200, JSON.stringify(put.json));
    assert.deepEqual((await call(s.url, 'GET', '/api/admin/round', admin())).json, { deadline: '2027-01-29', remindDaysBefore: 7, remindWeeklyAfter: true, remindersOn: false });
    assert.equal((await dashboard()).deadline, '2027-01-29');
    for (const body of [{ deadline: '29/01/2027', remindDaysBefore: null, remindWeeklyAfter: false }, { deadline: '2027-02-30', remindDaysBefore: null, remindWeeklyAfter: false },
      { deadline: null, remindDaysBefore: 0, remindWeeklyAfter: false }, { deadline: null, remindDaysBefore: 3 }]) {
      const res = await call(s.url, 'PUT', '/api/admin/round', { ...admin(), body: JSON.stringify(body) });
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.match(res.json.error.message, /^The round: /);
    }
    assert.equal((await call(s.url, 'GET', '/api/admin/round', admin())).json.deadline, '2027-01-29', 'unchanged');
  });

  it('keeps the desk behind the admin key', async () => {
    const orgKey = await s.issueKey('R0A');
    for (const [method, path] of [['GET', '/api/dashboard'], ['GET', '/api/admin/round'], ['GET', '/api/admin/reminders?kind=not-returned'], ['GET', '/api/admin/messages']]) {
      assert.equal((await call(s.url, method!, path!)).status, 401, path);
      assert.equal((await call(s.url, method!, path!, { key: orgKey })).status, 403, path);
    }
  });
});
