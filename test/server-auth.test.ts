// Every endpoint against every kind of caller: no key, a malformed key, a wrong key, a replaced key, a revoked key,
// another organisation's key, the organisation's own key and the admin key. One table, real HTTP, real database.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { DEFAULT_ORGANISATIONS_CSV, loadOrganisations } from '../server/organisations';
import { checkWorkbook } from '../server/xlsx/checkWorkbook';
import { call, startTestServer, type TestServer } from './helpers/server';
import { fillWorkbook, goodPlanContent } from './helpers/plans';

type Caller = 'none' | 'malformed' | 'wrong' | 'replaced' | 'revoked' | 'other' | 'own' | 'admin';
const CALLERS: Caller[] = ['none', 'malformed', 'wrong', 'replaced', 'revoked', 'other', 'own', 'admin'];

interface Row {
  method: string;
  path: string;
  body?: () => { body: string; type: string };
  /** Expected status per caller; callers not listed get `rest`. */
  expect: Partial<Record<Caller, number>>;
  rest: number;
}

describe('service API: who may call what', function () {
  this.timeout(120_000);
  let s: TestServer;
  const key: Partial<Record<Caller, string>> = {};
  let planJson: string;
  let ownId: string;

  before(async () => {
    s = await startTestServer();
    const blank = (await call(s.url, 'GET', '/template.xlsx?org=RGT')).bytes;
    const { plan } = await checkWorkbook(await fillWorkbook(blank, goodPlanContent('RGT')), { organisations: loadOrganisations(), limits: { timeoutMs: 30_000 } });
    planJson = JSON.stringify(plan);
    key.replaced = await s.issueKey('RGT');
    key.own = await s.issueKey('RGT'); // replaces the first
    key.other = await s.issueKey('7A1');
    key.revoked = await s.issueKey('7A2');
    assert.equal((await call(s.url, 'DELETE', '/api/admin/organisations/7A2/key', { key: s.adminKey })).status, 204);
    key.admin = s.adminKey;
    key.malformed = 'letmein';
    // Right shape and owner, wrong secret.
    key.wrong = key.own.slice(0, -6) + (key.own.endsWith('AAAAAA') ? 'BBBBBB' : 'AAAAAA');
    const first = await call(s.url, 'POST', '/api/submissions', { key: key.own, body: planJson });
    assert.equal(first.status, 201);
    ownId = first.json.id;
  });
  after(async () => {
    await s?.close();
  });

  const keyless = { none: 401, malformed: 401, wrong: 401, replaced: 401, revoked: 401 } as const;
  const table: Row[] = [
    { method: 'GET', path: '/api/health', expect: {}, rest: 200 },
    { method: 'GET', path: '/api/organisations', expect: {}, rest: 200 },
    { method: 'GET', path: '/api/openapi.json', expect: {}, rest: 200 },
    { method: 'GET', path: '/template.xlsx?org=RGT', expect: {}, rest: 200 },
    { method: 'POST', path: '/api/validate', body: () => ({ body: planJson, type: 'application/json' }), expect: {}, rest: 200 },
    // The plan is already the organisation's latest version: its receipt again (200), no new version.
    { method: 'POST', path: '/api/submissions', body: () => ({ body: planJson, type: 'application/json' }), expect: { ...keyless, other: 403, admin: 403 }, rest: 200 },
    { method: 'GET', path: '/api/organisations/RGT/history', expect: { ...keyless, other: 403 }, rest: 200 },
    { method: 'GET', path: '/api/organisations/RGT/plan.xlsx', expect: { ...keyless, other: 403 }, rest: 200 },
    { method: 'GET', path: '/api/organisations/RGT/latest', expect: { ...keyless, other: 403 }, rest: 200 },
    // The own submission here was sent as JSON: there is no workbook to mark (409), once the caller may see it.
    { method: 'GET', path: '/api/submissions/:own/annotated.xlsx', expect: { ...keyless, other: 404 }, rest: 409 },
    { method: 'GET', path: '/api/submissions/:own/diff?against=:own', expect: { ...keyless, other: 404 }, rest: 200 },
    { method: 'GET', path: '/api/submissions/:own/reviews', expect: { ...keyless, other: 404 }, rest: 200 },
    {
      method: 'POST', path: '/api/submissions/:own/reviews', body: () => ({ body: JSON.stringify({ state: 'accepted', reviewer: 'Auth Test' }), type: 'application/json' }),
      expect: { ...keyless, other: 403, own: 403 }, rest: 201,
    },
    { method: 'GET', path: '/api/admin/organisations?review=accepted', expect: { ...keyless, other: 403, own: 403 }, rest: 200 },
    { method: 'GET', path: '/api/submissions', expect: keyless, rest: 200 },
    { method: 'GET', path: '/api/submissions/:own', expect: { ...keyless, other: 404 }, rest: 200 },
    { method: 'GET', path: '/api/submissions/:own/file', expect: { ...keyless, other: 404 }, rest: 200 },
    { method: 'GET', path: '/api/submissions/:own/original', expect: { ...keyless, other: 404 }, rest: 200 },
    { method: 'GET', path: '/api/submissions/00000000-0000-0000-0000-000000000000', expect: keyless, rest: 404 },
    { method: 'GET', path: '/api/admin/organisations', expect: { ...keyless, other: 403, own: 403 }, rest: 200 },
    {
      method: 'PUT', path: '/api/admin/organisations', body: () => ({ body: readFileSync(DEFAULT_ORGANISATIONS_CSV, 'utf8'), type: 'text/csv' }),
      expect: { ...keyless, other: 403, own: 403 }, rest: 200,
    },
    { method: 'POST', path: '/api/admin/organisations/7A3/key', expect: { ...keyless, other: 403, own: 403 }, rest: 201 },
    { method: 'DELETE', path: '/api/admin/organisations/7A3/key', expect: { ...keyless, other: 403, own: 403 }, rest: 204 },
    { method: 'GET', path: '/api/collation.xlsx', expect: { ...keyless, other: 403, own: 403 }, rest: 200 },
    { method: 'GET', path: '/api/collation.csv', expect: { ...keyless, other: 403, own: 403 }, rest: 200 },
    // The national team's desk (issue 13).
    { method: 'GET', path: '/api/dashboard', expect: { ...keyless, other: 403, own: 403 }, rest: 200 },
    { method: 'GET', path: '/api/admin/round', expect: { ...keyless, other: 403, own: 403 }, rest: 200 },
    {
      method: 'PUT', path: '/api/admin/round', body: () => ({ body: '{"deadline":"2027-01-29","remindDaysBefore":7,"remindWeeklyAfter":true}', type: 'application/json' }),
      expect: { ...keyless, other: 403, own: 403 }, rest: 200,
    },
    { method: 'PATCH', path: '/api/admin/organisations/7A3', body: () => ({ body: '{"expected":false}', type: 'application/json' }), expect: { ...keyless, other: 403, own: 403 }, rest: 200 },
    { method: 'GET', path: '/api/admin/reminders?kind=not-returned', expect: { ...keyless, other: 403, own: 403 }, rest: 200 },
    { method: 'GET', path: '/api/admin/reminders.csv?kind=overdue-actions', expect: { ...keyless, other: 403, own: 403 }, rest: 200 },
    { method: 'POST', path: '/api/admin/reminders', body: () => ({ body: '{"kind":"not-returned"}', type: 'application/json' }), expect: { ...keyless, other: 403, own: 403 }, rest: 503 },
    { method: 'GET', path: '/api/admin/messages', expect: { ...keyless, other: 403, own: 403 }, rest: 200 },
  ];

  for (const row of table) {
    it(`${row.method} ${row.path}: ${CALLERS.map((c) => `${c} ${row.expect[c] ?? row.rest}`).join(', ')}`, async () => {
      for (const caller of CALLERS) {
        const path = row.path.replaceAll(':own', ownId);
        const body = row.body?.();
        const res = await call(s.url, row.method, path, { key: key[caller], body: body?.body, type: body?.type });
        const want = row.expect[caller] ?? row.rest;
        assert.equal(res.status, want, `${row.method} ${path} as ${caller}: ${res.bytes.toString('utf8').slice(0, 300)}`);
        if (want === 401) {
          assert.deepEqual(Object.keys(res.json), ['error']);
          assert.equal(res.json.error.code, 'UNAUTHORISED');
          assert.match(res.headers.get('www-authenticate')!, /^Bearer/);
        }
        if (want === 403) assert.deepEqual(Object.keys(res.json), ['error']);
      }
    });
  }

  it("shows another organisation's submission exactly as it shows one that does not exist", async () => {
    const theirs = await call(s.url, 'GET', `/api/submissions/${ownId}`, { key: key.other });
    const none = await call(s.url, 'GET', '/api/submissions/00000000-0000-0000-0000-000000000000', { key: key.other });
    assert.equal(theirs.status, 404);
    assert.deepEqual(theirs.json, none.json);
    const list = await call(s.url, 'GET', '/api/submissions', { key: key.other });
    assert.deepEqual(list.json, [], "another organisation's list holds none of RGT's receipts");
    const own = await call(s.url, 'GET', '/api/submissions', { key: key.own });
    assert.ok(own.json.length >= 1);
    assert.ok(own.json.every((r: { organisation: { code: string } }) => r.organisation.code === 'RGT'));
  });

  it("refuses a plan for another organisation with 403 and stores nothing", async () => {
    const before = (await call(s.url, 'GET', '/api/submissions', { key: s.adminKey })).json.length;
    const res = await call(s.url, 'POST', '/api/submissions', { key: key.other, body: planJson });
    assert.equal(res.status, 403);
    assert.equal(res.json.error.code, 'WRONG_ORGANISATION');
    assert.match(res.json.error.message, /RGT/);
    assert.equal((await call(s.url, 'GET', '/api/submissions', { key: s.adminKey })).json.length, before);
  });
});
