// Plans that live (issue 12): submitting is idempotent, every version kept with its history and review, the
// difference between versions (one module: shared/planDiff.ts) through the API and the collation's Changes sheet.
// Real HTTP against a started server, real SQLite, real workbooks changed by openpyxl.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { loadOrganisations } from '../server/organisations';
import { checkWorkbook } from '../server/xlsx/checkWorkbook';
import { diffPlans } from '../shared/planDiff';
import type { Plan } from '../shared/plan';
import { currentTemplate } from '../shared/template';
import { todayIso } from '../shared/cells';
import { setCellsWithOpenpyxl, sheetRows } from './helpers/openpyxl';
import { fillWorkbook, goodPlanContent } from './helpers/plans';
import { call, startTestServer, type TestServer } from './helpers/server';

const organisations = loadOrganisations();
const run = promisify(execFile);
const BIN = fileURLToPath(new URL('../bin/naome.js', import.meta.url));

/** A correct plan for the organisation as a real workbook (our blank, filled through exceljs), and its plan model. */
async function planWorkbook(s: TestServer, code: string) {
  const blank = (await call(s.url, 'GET', `/template.xlsx?org=${code}`)).bytes;
  const bytes = await fillWorkbook(blank, goodPlanContent(code));
  const { plan } = await checkWorkbook(bytes, { organisations, limits: { timeoutMs: 30_000 } });
  return { bytes, plan: plan! };
}

describe('plans that live: idempotent submit, history, differences, reviews', function () {
  this.timeout(180_000);
  let s: TestServer;
  let rgt: string;
  before(async () => {
    s = await startTestServer();
    rgt = await s.issueKey('RGT');
  });
  after(async () => {
    await s?.close();
  });

  describe('submitting is idempotent', () => {
    it('the same workbook twice makes one version: the second answer is the first receipt (200, Idempotent-Replayed)', async () => {
      const key = await s.issueKey('RH8');
      const { bytes, plan } = await planWorkbook(s, 'RH8');
      const first = await call(s.url, 'POST', '/api/submissions', { key, body: bytes });
      assert.equal(first.status, 201);
      assert.equal(first.headers.get('idempotent-replayed'), null);
      const second = await call(s.url, 'POST', '/api/submissions', { key, body: bytes });
      assert.equal(second.status, 200);
      assert.equal(second.headers.get('idempotent-replayed'), 'true');
      assert.deepEqual(second.json, first.json);
      // The same plan sent as JSON (other bytes) is the same plan too.
      const asJson = await call(s.url, 'POST', '/api/submissions', { key, body: JSON.stringify(plan) });
      assert.equal(asJson.status, 200);
      assert.equal(asJson.json.id, first.json.id);
      const history = await call(s.url, 'GET', '/api/organisations/RH8/history', { key });
      assert.equal(history.json.versions.length, 1);
      // A changed plan is a new version.
      const changed = { ...plan, header: { ...plan.header, auditLead: 'Dr Mary Brown' } };
      const third = await call(s.url, 'POST', '/api/submissions', { key, body: JSON.stringify(changed) });
      assert.equal(third.status, 201);
      assert.equal(third.json.version, 2);
    });

    it('20 simultaneous identical submissions make one version, and all 20 get its receipt', async () => {
      const key = await s.issueKey('RA7');
      const { plan } = await planWorkbook(s, 'RA7');
      const body = JSON.stringify(plan);
      const answers = await Promise.all(Array.from({ length: 20 }, () => call(s.url, 'POST', '/api/submissions', { key, body })));
      assert.equal(answers.filter((a) => a.status === 201).length, 1);
      assert.equal(answers.filter((a) => a.status === 200).length, 19);
      assert.equal(new Set(answers.map((a) => a.json.id)).size, 1);
      const history = await call(s.url, 'GET', '/api/organisations/RA7/history', { key });
      assert.equal(history.json.versions.length, 1);
    });

    it('an Idempotency-Key answers a retry with its own version, and refuses the key reused for another plan', async () => {
      const key = await s.issueKey('RVJ');
      const { plan } = await planWorkbook(s, 'RVJ');
      const a = JSON.stringify(plan);
      const b = JSON.stringify({ ...plan, header: { ...plan.header, actionPlanLead: 'Tom Green' } });
      const first = await call(s.url, 'POST', '/api/submissions', { key, body: a, headers: { 'idempotency-key': 'k-1' } });
      assert.equal(first.status, 201);
      const newer = await call(s.url, 'POST', '/api/submissions', { key, body: b });
      assert.equal(newer.status, 201);
      // The retry of the first request (its answer lost) gets the first version back, not a third version.
      const retry = await call(s.url, 'POST', '/api/submissions', { key, body: a, headers: { 'idempotency-key': 'k-1' } });
      assert.equal(retry.status, 200);
      assert.equal(retry.json.id, first.json.id);
      const reused = await call(s.url, 'POST', '/api/submissions', { key, body: b, headers: { 'idempotency-key': 'k-1' } });
      assert.equal(reused.status, 422);
      assert.equal(reused.json.error.code, 'IDEMPOTENCY_KEY_REUSED');
      const bad = await call(s.url, 'POST', '/api/submissions', { key, body: a, headers: { 'idempotency-key': 'has space' } });
      assert.equal(bad.status, 400);
      assert.equal(bad.json.error.code, 'BAD_IDEMPOTENCY_KEY');
      assert.equal((await call(s.url, 'GET', '/api/organisations/RVJ/history', { key })).json.versions.length, 2);
    });
  });

  describe('round trip: v1, download plan.xlsx, two statuses changed with openpyxl, v2', () => {
    let v1: string;
    let v2: string;
    let rows: number[];
    before(async () => {
      const { bytes, plan } = await planWorkbook(s, 'RGT');
      const first = await call(s.url, 'POST', '/api/submissions', { key: rgt, body: bytes });
      assert.equal(first.status, 201, first.bytes.toString());
      v1 = first.json.id;
      const latest = await call(s.url, 'GET', '/api/organisations/RGT/plan.xlsx', { key: rgt });
      assert.equal(latest.status, 200);
      assert.match(latest.headers.get('content-disposition')!, /RGT-v1-\d{8}-latest\.xlsx/);
      // The first two actions of recommendation 2 and 3 move from "in progress" to "implemented".
      rows = [plan.actions.find((a) => a.recommendation === 2)!.row, plan.actions.find((a) => a.recommendation === 3)!.row];
      const edited = setCellsWithOpenpyxl(latest.bytes, Object.fromEntries(rows.map((r) => [`E${r}`, '3. Action fully implemented'])));
      const second = await call(s.url, 'POST', '/api/submissions', { key: rgt, body: edited });
      assert.equal(second.status, 201, second.bytes.toString());
      assert.equal(second.json.version, 2);
      v2 = second.json.id;
    });

    it('the diff lists exactly the two status changes (API, against the version before by default)', async () => {
      const diff = await call(s.url, 'GET', `/api/submissions/${v2}/diff`, { key: rgt });
      assert.equal(diff.status, 200, diff.bytes.toString());
      assert.equal(diff.json.from.id, v1);
      assert.equal(diff.json.to.id, v2);
      assert.deepEqual(diff.json.summary, { added: 0, removed: 0, changed: 2, leads: 0, deadlinesLater: 0 });
      assert.deepEqual(diff.json.changes.map((c: { kind: string; field: string; row: number; from: string; to: string }) => [c.kind, c.field, c.row, c.from, c.to]),
        rows.map((r) => ['changed', 'status', r, '2. Action in progress', '3. Action fully implemented']));
      const explicit = await call(s.url, 'GET', `/api/submissions/${v2}/diff?against=${v1}`, { key: s.adminKey });
      assert.deepEqual(explicit.json.changes, diff.json.changes);
      const first = await call(s.url, 'GET', `/api/submissions/${v1}/diff`, { key: rgt });
      assert.equal(first.status, 404);
      assert.equal(first.json.error.code, 'NO_EARLIER_VERSION');
    });

    it('the collation workbook has a Changes sheet with those two lines', async () => {
      const res = await call(s.url, 'GET', '/api/collation.xlsx', { key: s.adminKey });
      assert.equal(res.status, 200);
      const changes = sheetRows(res.bytes, 'Changes');
      assert.ok(changes, 'a Changes sheet');
      const [head, ...lines] = changes;
      assert.deepEqual(head!.slice(0, 4), ['Organisation code', 'Organisation name', 'From version', 'To version']);
      const rgtLines = lines.filter((l) => l[0] === 'RGT');
      assert.deepEqual(rgtLines.map((l) => [l[2], l[3], l[4], l[6], l[8], l[9], l[10]]),
        rows.map((r) => [1, 2, 'changed', r, 'Status (Key 1)', '2. Action in progress', '3. Action fully implemented']));
    });

    it('naome collate --from-database writes the same national workbook and CSV from the store as the service does', async () => {
      const out = mkdtempSync(join(tmpdir(), 'naome-collate-db-'));
      try {
        const today = todayIso();
        const { stdout } = await run(process.execPath, [BIN, 'collate', '--from-database', ...s.storeFlags, '--today', today,
          '-o', join(out, 'national.xlsx'), '--csv', join(out, 'actions.csv')], { timeout: 120_000 });
        assert.match(stdout, /Plans counted: \d+ \(each organisation's latest version\)/);
        const served = await call(s.url, 'GET', '/api/collation.xlsx', { key: s.adminKey });
        const written = readFileSync(join(out, 'national.xlsx'));
        for (const sheet of ['Summary', 'Actions', 'Changes', 'Organisations', 'Not returned']) {
          const ours = sheetRows(written, sheet);
          assert.ok(ours?.length, `a ${sheet} sheet`);
          assert.deepEqual(ours, sheetRows(served.bytes, sheet), sheet);
        }
        assert.ok(sheetRows(written, 'Changes')!.some((l) => l[0] === 'RGT'), "RGT's changes are in it");
        const csv = await call(s.url, 'GET', '/api/collation.csv', { key: s.adminKey });
        assert.equal(readFileSync(join(out, 'actions.csv'), 'utf8'), csv.bytes.toString('utf8'));
      } finally {
        rmSync(out, { recursive: true, force: true });
      }
    });

    it('naome collate --from-database refuses a data folder with no service database, and files given with it', async () => {
      const empty = mkdtempSync(join(tmpdir(), 'naome-collate-db-'));
      try {
        const missing = await run(process.execPath, [BIN, 'collate', '--from-database', '--data', empty, '-o', join(empty, 'n.xlsx')]).catch((e) => e);
        assert.equal(missing.code, 2);
        assert.match(missing.stderr, /no service database in .* \(no naome\.sqlite\)/);
        assert.deepEqual(readdirSync(empty), [], 'no database was made');
        const both = await run(process.execPath, [BIN, 'collate', '--from-database', '--data', empty, 'plans/']).catch((e) => e);
        assert.equal(both.code, 2);
        assert.match(both.stderr, /leave out "plans\/"/);
      } finally {
        rmSync(empty, { recursive: true, force: true });
      }
    });

    it('history lists both versions newest first with their checks, awaiting review', async () => {
      const h = await call(s.url, 'GET', '/api/organisations/RGT/history', { key: rgt });
      assert.equal(h.status, 200);
      assert.deepEqual(h.json.versions.map((v: { receipt: { id: string } }) => v.receipt.id), [v2, v1]);
      assert.equal(h.json.versions[0].valid, true);
      assert.equal(h.json.versions[0].errors, 0);
      assert.equal(h.json.reviewState, 'awaiting-review');
    });

    it('reviews: changes requested then accepted, each kept with who and when; the state shows in history, the admin list and the collation', async () => {
      const noComment = await call(s.url, 'POST', `/api/submissions/${v2}/reviews`, { key: s.adminKey, body: JSON.stringify({ state: 'changes-requested', reviewer: 'Ann Lee' }) });
      assert.equal(noComment.status, 400);
      assert.match(noComment.json.error.message, /comment/);
      const noName = await call(s.url, 'POST', `/api/submissions/${v2}/reviews`, { key: s.adminKey, body: JSON.stringify({ state: 'accepted' }) });
      assert.equal(noName.status, 400);
      assert.match(noName.json.error.message, /reviewer/);
      const asked = await call(s.url, 'POST', `/api/submissions/${v2}/reviews`, {
        key: s.adminKey, body: JSON.stringify({ state: 'changes-requested', comment: 'Recommendation 4 needs a named lead.', reviewer: 'Ann Lee' }),
      });
      assert.equal(asked.status, 201, asked.bytes.toString());
      assert.equal(asked.json.state, 'changes-requested');
      assert.equal(asked.json.version, 2);
      let h = await call(s.url, 'GET', '/api/organisations/RGT/history', { key: rgt });
      assert.equal(h.json.reviewState, 'changes-requested');
      assert.equal(h.json.versions[0].review.comment, 'Recommendation 4 needs a named lead.');
      const filtered = await call(s.url, 'GET', '/api/admin/organisations?review=changes-requested', { key: s.adminKey });
      assert.deepEqual(filtered.json.map((o: { code: string }) => o.code), ['RGT']);
      const accepted = await call(s.url, 'POST', `/api/submissions/${v2}/reviews`, { key: s.adminKey, body: JSON.stringify({ state: 'accepted', reviewer: 'Bob Chan' }) });
      assert.equal(accepted.status, 201);
      h = await call(s.url, 'GET', '/api/organisations/RGT/history', { key: rgt });
      assert.equal(h.json.reviewState, 'accepted');
      assert.deepEqual(h.json.versions[0].reviews.map((r: { state: string; reviewer: string }) => [r.state, r.reviewer]),
        [['changes-requested', 'Ann Lee'], ['accepted', 'Bob Chan']]);
      const list = await call(s.url, 'GET', `/api/submissions/${v2}/reviews`, { key: rgt });
      assert.equal(list.json.length, 2);
      assert.deepEqual((await call(s.url, 'GET', '/api/admin/organisations?review=accepted', { key: s.adminKey })).json.map((o: { code: string }) => o.code), ['RGT']);
      const awaiting = (await call(s.url, 'GET', '/api/admin/organisations?review=awaiting-review', { key: s.adminKey })).json.map((o: { code: string }) => o.code);
      assert.ok(awaiting.includes('RH8') && !awaiting.includes('RGT'));
      const notReturned = (await call(s.url, 'GET', '/api/admin/organisations?review=not-returned', { key: s.adminKey })).json;
      assert.ok(notReturned.length > 100 && notReturned.every((o: { latest: unknown }) => o.latest === null));
      assert.equal((await call(s.url, 'GET', '/api/admin/organisations?review=maybe', { key: s.adminKey })).status, 400);
      const orgs = sheetRows((await call(s.url, 'GET', '/api/collation.xlsx', { key: s.adminKey })).bytes, 'Organisations');
      const head = orgs[0]!;
      const line = orgs.find((r) => r[0] === 'RGT')!;
      assert.equal(line[head.indexOf('Review')], 'accepted');
      assert.equal(line[head.indexOf('Reviewed by')], 'Bob Chan');
      assert.equal(orgs.find((r) => r[0] === 'RH8')![head.indexOf('Review')], 'awaiting-review');
    });

    it('reviews and submissions cannot be changed or deleted in the database itself', () => {
      const db = new Database(join(s.dataDir, 'naome.sqlite'));
      try {
        assert.throws(() => db.prepare("UPDATE reviews SET state = 'accepted'").run(), /reviews are never changed/);
        assert.throws(() => db.prepare('DELETE FROM reviews').run(), /reviews are never deleted/);
      } finally {
        db.close();
      }
    });

    it("an organisation sees only its own history, plan, diff and reviews", async () => {
      const other = await s.issueKey('RJ1');
      for (const path of ['/api/organisations/RGT/history', '/api/organisations/RGT/plan.xlsx']) {
        const res = await call(s.url, 'GET', path, { key: other });
        assert.equal(res.status, 403, path);
        assert.equal(res.json.error.code, 'OTHER_ORGANISATION');
      }
      for (const path of [`/api/submissions/${v2}/diff`, `/api/submissions/${v2}/reviews`, `/api/submissions/${v2}/diff?against=${v1}`]) {
        assert.equal((await call(s.url, 'GET', path, { key: other })).status, 404, path);
      }
      const noPlan = await call(s.url, 'GET', '/api/organisations/RJ1/plan.xlsx', { key: other });
      assert.equal(noPlan.status, 404);
      assert.equal(noPlan.json.error.code, 'NO_PLAN');
    });
  });
});

describe('planDiff: what changed between two plans', () => {
  const base: Plan = {
    template: { id: currentTemplate.id, version: currentTemplate.version },
    header: { organisation: 'RGT', auditLead: 'Dr A One', actionPlanLead: 'B Two' },
    official: [],
    actions: [
      { recommendation: 1, row: 30, action: 'Audit MDT listing of new cases', responsible: 'Dr A One', deadline: '2027-03-01', status: '2', priority: 'High', reason: null, progress: null },
      { recommendation: 1, row: 31, action: 'Train coordinators', responsible: 'C Three', deadline: '2027-04-01', status: '1', priority: 'Low', reason: null, progress: null },
      { recommendation: 2, row: 50, action: 'Publish a leaflet', responsible: 'D Four', deadline: '2027-05-01', status: '2', priority: 'Medium', reason: null, progress: null },
    ],
  };

  it('finds no change between a plan and itself written another way (status and priority forms, spacing)', () => {
    const same = structuredClone(base);
    same.actions[0]!.status = '2. Action in progress';
    same.actions[0]!.priority = 'high';
    same.actions[1]!.action = 'Train  coordinators ';
    assert.deepEqual(diffPlans(currentTemplate, base, same), []);
  });

  it('lists leads, removed, changed (deadline later marked), moved and added actions', () => {
    const next = structuredClone(base);
    next.header.actionPlanLead = 'E Five';
    next.actions[0]!.deadline = '2027-06-01'; // later
    next.actions[1]!.deadline = '2027-01-01'; // earlier
    next.actions[1]!.row = 35; // moved: the same action (same text), not removed and added
    next.actions.splice(2, 1);
    next.actions.push({ recommendation: 2, row: 51, action: 'Run a patient survey', responsible: 'D Four', deadline: null, status: '1', priority: 'Low', reason: null, progress: null });
    const lines = diffPlans(currentTemplate, base, next).map((c) => [c.kind, c.recommendation, c.row, c.field, c.from, c.to, c.deadlineLater]);
    assert.deepEqual(lines, [
      ['lead', null, null, 'actionPlanLead', 'B Two', 'E Five', false],
      ['changed', 1, 30, 'deadline', '2027-03-01', '2027-06-01', true],
      ['changed', 1, 35, 'deadline', '2027-04-01', '2027-01-01', false],
      ['removed', 2, 50, null, null, null, false],
      ['added', 2, 51, null, null, null, false],
    ]);
  });

  it('pairs actions with the same text by their order, in place or moved (two actions may have one text)', () => {
    const twice: Plan = structuredClone(base);
    twice.actions.splice(2, 0, { ...base.actions[1]!, row: 32, responsible: 'E Five' }); // "Train coordinators" twice
    // The same texts in the same order: the second of the two is the one whose status changed.
    const updated = structuredClone(twice);
    updated.actions[2]!.status = '3';
    updated.actions[0]!.progress = 'Listed weekly';
    assert.deepEqual(diffPlans(currentTemplate, twice, updated).map((c) => [c.kind, c.row, c.field, c.from, c.to]), [
      ['changed', 30, 'progress', null, 'Listed weekly'],
      ['changed', 32, 'status', '1', '3'],
    ]);
    // The same texts in another order (the rows swapped): each action still pairs with its own text, so nothing changed.
    const swapped = structuredClone(twice);
    [swapped.actions[0]!.row, swapped.actions[1]!.row] = [31, 30];
    [swapped.actions[0], swapped.actions[1]] = [swapped.actions[1]!, swapped.actions[0]!];
    assert.deepEqual(diffPlans(currentTemplate, twice, swapped), []);
  });

  it('pairs a reworded action by its row', () => {
    const next = structuredClone(base);
    next.actions[1]!.action = 'Train all MDT coordinators';
    const lines = diffPlans(currentTemplate, base, next);
    assert.deepEqual(lines.map((c) => [c.kind, c.field, c.to]), [['changed', 'action', 'Train all MDT coordinators']]);
  });
});

describe('every API route is documented', () => {
  it('each route the app serves under /api is in the OpenAPI document and in docs/api.md', async () => {
    const { mkdtempSync, rmSync, readFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { SqliteStore } = await import('../server/store/sqlite/store');
    const { createApp } = await import('../server/http/app');
    const { openApiDocument } = await import('../server/http/openapi');
    const dir = mkdtempSync(join(tmpdir(), 'naome-routes-'));
    const store = new SqliteStore(dir);
    try {
      const app = createApp({ store }) as unknown as { router: { stack: Array<{ route?: { path: string; methods: Record<string, boolean> } }> } };
      const routes = app.router.stack.filter((l) => l.route && l.route.path.startsWith('/api/'))
        .flatMap((l) => Object.keys(l.route!.methods).map((m) => [m, l.route!.path] as const));
      assert.ok(routes.length >= 20);
      const doc = openApiDocument('test') as { paths: Record<string, Record<string, unknown>> };
      const md = readFileSync(new URL('../docs/api.md', import.meta.url), 'utf8');
      for (const [method, path] of routes) {
        const openapiPath = path.replace(/:(\w+)/g, (_m, p: string) => `{${p === 'code' ? 'code' : p}}`);
        assert.ok(doc.paths[openapiPath]?.[method], `OpenAPI documents ${method.toUpperCase()} ${openapiPath}`);
        assert.ok(md.includes(`${method.toUpperCase()} ${path}`) || md.includes(`\`${method.toUpperCase()} ${path}`) || md.includes(`${method.toUpperCase()} ${path}[`),
          `docs/api.md documents ${method.toUpperCase()} ${path}`);
      }
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
