// The service under hostile and heavy use, for real: hostile uploads get a 4xx with the reader's reason and the
// service keeps answering; 20 organisations submitting at once all land with the right versions; rate limits answer
// 429; a server killed with SIGKILL mid-stream loses no acknowledged submission; SIGTERM lets a request in flight
// finish; the logs hold no key.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { loadOrganisations } from '../server/organisations';
import { DATABASE_FILE } from '../server/store/sqlite/store';
import { checkWorkbook } from '../server/xlsx/checkWorkbook';
import { writePlanWorkbook } from '../server/xlsx/writePlanWorkbook';
import { call, startTestServer, XLSX_TYPE, type TestServer } from './helpers/server';
import { contentTypes, deflatedZeros, MB, sheetXml, workbookWithSheet, XLSM_MAIN, zip } from './helpers/hostile';
import { CORPUS } from './helpers/fixtures';
import { fillWorkbook, goodPlanContent, revisedContent } from './helpers/plans';

const organisations = loadOrganisations();
const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

// ── hostile files, made byte by byte (test/helpers/hostile.ts) ───────────────────────────────────────────────────────
async function hostileFiles(good: Buffer): Promise<Array<{ name: string; bytes: Buffer }>> {
  return [
    { name: 'empty', bytes: Buffer.alloc(0) },
    { name: 'truncated zip (first half of a real plan)', bytes: good.subarray(0, Math.floor(good.length / 2)) },
    { name: 'zip bomb (1 GB of zeros declared as 1 KB)', bytes: workbookWithSheet({ deflated: { raw: deflatedZeros(1024), declaredSize: 1024 } }) },
    { name: 'zip bomb (honest header, 300 MB)', bytes: workbookWithSheet({ deflated: { raw: deflatedZeros(300), declaredSize: 300 * MB } }) },
    {
      name: 'XXE (external entity)',
      bytes: workbookWithSheet({ data: sheetXml('<row r="1"><c r="A1" t="inlineStr"><is><t>&xxe;</t></is></c></row>', '<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>') }),
    },
    {
      name: 'billion laughs',
      bytes: workbookWithSheet({ data: sheetXml('<row r="1"><c r="A1" t="inlineStr"><is><t>&l9;</t></is></c></row>',
        `<!DOCTYPE x [<!ENTITY l0 "ha">${Array.from({ length: 9 }, (_, i) => `<!ENTITY l${i + 1} "${`&l${i};`.repeat(10)}">`).join('')}]>`) }),
    },
    {
      name: '.xlsm (macro-enabled, with a VBA project)',
      bytes: workbookWithSheet({ data: sheetXml('') }, [{ name: 'xl/vbaProject.bin', data: Buffer.alloc(512, 7) }], XLSM_MAIN),
    },
    { name: 'zip path traversal', bytes: zip([{ name: '../../etc/cron.d/x', data: 'boom' }, { name: '[Content_Types].xml', data: contentTypes() }]) },
    { name: 'deep XML', bytes: workbookWithSheet({ data: sheetXml(`${'<x>'.repeat(50_000)}${'</x>'.repeat(50_000)}`) }) },
    { name: 'legacy .xls header', bytes: Buffer.concat([Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]), Buffer.alloc(4096)]) },
    { name: 'random bytes', bytes: Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7919) % 256)) },
    { name: 'a CSV', bytes: Buffer.from('organisation,action\nRGT,do things\n') },
  ];
}

describe('service safety: hostile uploads, concurrency, limits, crashes and shutdown', function () {
  this.timeout(180_000);
  let s: TestServer;
  let blank: Buffer;
  let good: Buffer;

  before(async () => {
    s = await startTestServer({ limits: { maxUploadBytes: 2 * MB } });
    blank = await writePlanWorkbook({ organisations });
    good = await fillWorkbook(blank, goodPlanContent('RGT'));
  });
  after(async () => {
    await s?.close();
  });

  it('answers every hostile upload with a 4xx and the reader\'s reason, and keeps answering', async () => {
    const key = await s.issueKey('RGT');
    for (const { name, bytes } of await hostileFiles(good)) {
      for (const path of ['/api/validate', '/api/submissions']) {
        const res = await call(s.url, 'POST', path, { body: bytes, key: path === '/api/submissions' ? key : undefined });
        assert.ok(res.status >= 400 && res.status < 500, `${name} → ${path}: HTTP ${res.status} ${res.bytes.toString().slice(0, 200)}`);
        if (res.status === 422) {
          const result = path === '/api/validate' ? res.json : res.json.result;
          assert.equal(result.readable, false, name);
          assert.equal(result.findings.length, 1, name);
          assert.ok(result.findings[0].message.length > 20, `${name}: a reason is given`);
        } else {
          assert.equal(res.status, 413, `${name}: ${res.bytes.toString().slice(0, 200)}`);
        }
      }
      assert.equal((await call(s.url, 'GET', '/api/health')).status, 200, `health after ${name}`);
    }
    // Multipart and JSON forms of hostility.
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(workbookWithSheet({ deflated: { raw: deflatedZeros(1024), declaredSize: 1024 } }))]), 'bomb.xlsx');
    const viaForm = await call(s.url, 'POST', '/api/validate', { body: form });
    assert.equal(viaForm.status, 422);
    assert.match(viaForm.json.findings[0].code, /^ZIP_/);
    const broken = await call(s.url, 'POST', '/api/validate', { body: '--xx\r\nContent-Disposition: form-data; name="file"\r\n\r\nabc', type: 'multipart/form-data; boundary=xx' });
    assert.ok(broken.status >= 400 && broken.status < 500, `broken multipart: ${broken.status}`);
    const noFile = new FormData();
    noFile.append('other', 'x');
    assert.equal((await call(s.url, 'POST', '/api/validate', { body: noFile })).json.error.code, 'NO_FILE');
    const deepJson = await call(s.url, 'POST', '/api/validate', { body: '['.repeat(200_000) + ']'.repeat(200_000) });
    assert.equal(deepJson.status, 400);
    const protoJson = await call(s.url, 'POST', '/api/validate', { body: '{"__proto__": {"admin": true}, "template": {"id": "x", "version": 1}}' });
    assert.equal(protoJson.status, 400);
    assert.equal((await call(s.url, 'GET', '/api/submissions', { key: s.adminKey })).json.length, 0, 'nothing hostile was stored');
    assert.equal((await call(s.url, 'GET', '/api/health')).status, 200);
  });

  it('refuses a body over the limit with a clear 413, raw, multipart or JSON, and keeps answering', async () => {
    const big = Buffer.alloc(3 * MB, 1);
    const raw = await call(s.url, 'POST', '/api/validate', { body: big });
    assert.equal(raw.status, 413);
    assert.equal(raw.json.error.code, 'TOO_LARGE');
    assert.match(raw.json.error.message, /2 MB/);
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(big)]), 'big.xlsx');
    const multi = await call(s.url, 'POST', '/api/validate', { body: form });
    assert.equal(multi.status, 413);
    const json = await call(s.url, 'POST', '/api/validate', { body: JSON.stringify({ pad: 'x'.repeat(3 * MB) }) });
    assert.equal(json.status, 413);
    // A body sent without a length (chunked), so the limit is found while reading.
    const chunked = await new Promise<number>((resolve, reject) => {
      const req = http.request(`${s.url}/api/validate`, { method: 'POST', headers: { 'content-type': XLSX_TYPE } }, (res) => { res.resume(); resolve(res.statusCode!); });
      req.on('error', reject);
      for (let i = 0; i < 12; i++) req.write(Buffer.alloc(MB / 4, 2));
      req.end();
    });
    assert.equal(chunked, 413);
    assert.equal((await call(s.url, 'GET', '/api/health')).status, 200);
  });

  it('refuses every workbook of the corpus of other applications\' spreadsheets with a 4xx, never a 500', async () => {
    const files = readdirSync(CORPUS).filter((f) => /\.(xlsx|xlsm|xlsb|xls|ods)$/.test(f));
    assert.ok(files.length > 80);
    const statuses = new Map<number, number>();
    for (const f of files) {
      const res = await call(s.url, 'POST', '/api/validate', { body: readFileSync(join(CORPUS, f)), type: 'application/octet-stream' });
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      assert.ok(res.status === 422 || res.status === 200, `${f}: HTTP ${res.status}`);
      if (res.status === 200) assert.equal(res.json.valid, false, `${f} is no action plan`);
    }
    assert.equal((await call(s.url, 'GET', '/api/health')).status, 200);
  });

  it('takes 20 organisations submitting at the same time, each landing with the right versions', async () => {
    const codes = organisations.slice(10, 30).map((o) => o.code);
    const keys = new Map(await Promise.all(codes.map(async (c) => [c, await s.issueKey(c)] as const)));
    const files = new Map(await Promise.all(codes.map(async (c) => [c, await fillWorkbook(blank, goodPlanContent(c))] as const)));
    const submit = (c: string) => call(s.url, 'POST', '/api/submissions', { key: keys.get(c), body: files.get(c) });

    const round1 = await Promise.all(codes.map(submit));
    round1.forEach((r, i) => {
      assert.equal(r.status, 201, `${codes[i]}: ${r.bytes.toString().slice(0, 200)}`);
      assert.equal(r.json.version, 1);
      assert.equal(r.json.organisation.code, codes[i]);
    });
    // Then every organisation two revised plans at once: 40 requests in flight, versions 2 and 3 for each.
    const revised = new Map(await Promise.all(codes.map(async (c) =>
      [c, await Promise.all([1, 2].map((n) => fillWorkbook(blank, revisedContent(goodPlanContent(c), n))))] as const)));
    const round2 = await Promise.all(codes.flatMap((c) => revised.get(c)!.map((body) => call(s.url, 'POST', '/api/submissions', { key: keys.get(c), body }))));
    for (const [i, c] of codes.entries()) {
      const versions = [round2[2 * i]!, round2[2 * i + 1]!].map((r) => { assert.equal(r.status, 201); return r.json.version; }).sort();
      assert.deepEqual(versions, [2, 3], c);
      const list = await call(s.url, 'GET', '/api/submissions', { key: keys.get(c) });
      assert.deepEqual(list.json.map((r: { version: number }) => r.version), [3, 2, 1]);
      assert.deepEqual(new Set(list.json.map((r: { sha256: string }) => r.sha256)), new Set([files.get(c)!, ...revised.get(c)!].map(sha256)));
    }
  });

  it('answers 429 past the rate limit in separate buckets: keyless per client, health per client, per key, wrong keys per client', async () => {
    const limited = await startTestServer({ limits: { perClient: 3, perKey: 3, healthPerClient: 5, badKeysPerClient: 2 } });
    try {
      const key = await limited.issueKey('RGT');
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) statuses.push((await call(limited.url, 'GET', '/api/submissions', { key })).status);
      assert.deepEqual(statuses, [200, 200, 200, 429], 'the key allows 3 per window');
      const admin = await call(limited.url, 'GET', '/api/submissions', { key: limited.adminKey });
      assert.equal(admin.status, 200, 'another key has its own allowance');
      const keyless: number[] = [];
      for (let i = 0; i < 4; i++) keyless.push((await call(limited.url, 'GET', '/api/organisations')).status);
      assert.deepEqual(keyless, [200, 200, 200, 429], 'keyless requests from one address allow 3 per window');
      const last = await call(limited.url, 'GET', '/api/organisations');
      assert.equal(last.json.error.code, 'TOO_MANY_REQUESTS');
      assert.ok(last.headers.get('ratelimit') || last.headers.get('ratelimit-policy'), 'standard rate-limit headers');
      // Behind one NAT address, the keyless flood throttles neither monitoring nor a working key.
      assert.equal((await call(limited.url, 'GET', '/api/health')).status, 200, 'health has its own bucket');
      assert.equal((await call(limited.url, 'GET', '/api/submissions', { key: limited.adminKey })).status, 200, 'a working key is counted by key');
      const wrong = `naome_RGT_${'x'.repeat(43)}`;
      const guesses: number[] = [];
      for (let i = 0; i < 3; i++) guesses.push((await call(limited.url, 'GET', '/api/submissions', { key: wrong })).status);
      assert.deepEqual(guesses, [401, 401, 429], 'wrong keys from one address allow 2 per window');
      const health: number[] = [];
      for (let i = 0; i < 5; i++) health.push((await call(limited.url, 'GET', '/api/health')).status);
      assert.deepEqual(health, [200, 200, 200, 200, 429], 'health allows 5 per window');
    } finally {
      await limited.close();
    }
  });

  it('logs method, path, status, time and organisation — never a key, a query or plan content', async () => {
    const key = await s.issueKey('RGT');
    assert.equal((await call(s.url, 'POST', '/api/submissions', { key, body: good })).status, 201);
    await call(s.url, 'GET', '/template.xlsx?org=RGT');
    await call(s.url, 'GET', `/api/submissions/${s.adminKey}`); // a key pasted into the path by mistake
    const text = JSON.stringify(s.logs);
    assert.ok(!text.includes(s.adminKey) && !text.includes(key), 'no key');
    assert.ok(text.includes('[key removed]'));
    assert.ok(!/naome_(admin|[A-Z0-9]{3,5})_[A-Za-z0-9_-]{20,}/.test(text), 'nothing shaped like a key');
    assert.ok(!text.includes('Dr Jane Smith') && !text.includes('Priya'), 'no names from plans');
    assert.ok(!text.includes('org=RGT'), 'no query strings');
    const submitted = s.logs.find((l) => l.path === '/api/submissions' && l.status === 201)!;
    assert.ok(submitted, 'submissions are logged');
    assert.deepEqual(Object.keys(submitted).filter((k) => !['level', 'time', 'pid', 'hostname', 'msg'].includes(k)).sort(), ['method', 'ms', 'org', 'path', 'status']);
    assert.equal(typeof submitted.org, 'string');
  });
});

// ── the real command line, killed and stopped ─────────────────────────────────────────────────────────────────────
const ROOT = new URL('..', import.meta.url).pathname;

interface Spawned { child: ChildProcess; url: string; stdout: () => string; exited: Promise<number | null> }

/** `naome serve --http --port 0 --data DIR` as a child process; resolves once it prints its URL. */
async function serveProcess(dataDir: string): Promise<Spawned> {
  const child = spawn(process.execPath, ['bin/naome.js', 'serve', '--http', '--port', '0', '--data', dataDir], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (c) => { out += c; });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr!.on('data', (c) => {
      err += c;
      const m = /service: (http:\/\/\S+)/.exec(err);
      if (m) resolve(m[1]!.replace('localhost', '127.0.0.1'));
    });
    void exited.then((code) => reject(new Error(`naome serve exited (${code}): ${err}`)));
  });
  return { child, url, stdout: () => out, exited };
}

function cli(...args: string[]): string {
  const r = spawnSync(process.execPath, ['bin/naome.js', ...args], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim();
}

describe('service process: SIGKILL and SIGTERM', function () {
  this.timeout(180_000);
  let dataDir: string;
  let plans: Array<{ type: string; body: Buffer }>;
  let revise: (n: number) => { type: string; body: Buffer };
  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'naome-crash-'));
    const blank = await writePlanWorkbook({ organisations });
    const xlsx = await fillWorkbook(blank, goodPlanContent('RGT'));
    const { plan } = await checkWorkbook(xlsx, { organisations, limits: { timeoutMs: 30_000 } });
    // Each JSON plan a little different (its first action's progress note): the same plan again makes no new version.
    plans = [{ type: XLSX_TYPE, body: xlsx }, { type: 'application/json', body: Buffer.from(JSON.stringify(plan)) }];
    revise = (n) => {
      const p = structuredClone(plan!);
      p.actions[0]!.progress = `${p.actions[0]!.progress} (update ${n})`;
      return { type: 'application/json', body: Buffer.from(JSON.stringify(p)) };
    };
  });
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it('loses no acknowledged submission when killed with SIGKILL mid-stream, and the database stays sound', async () => {
    const key = cli('keys', 'issue', 'RGT', '--data', dataDir);
    const admin = cli('keys', 'admin', '--data', dataDir);
    const server = await serveProcess(dataDir);
    const acknowledged: Array<{ id: string; version: number; sha256: string; body: Buffer }> = [];
    let sent = 0;
    let killed = false;
    // Twenty clients stream submissions; the server is killed once 25 have been acknowledged, with others in flight.
    const client = async () => {
      while (!killed) {
        const n = sent++;
        const plan = n % 2 ? revise(n) : plans[0]!;
        try {
          const res = await fetch(`${server.url}/api/submissions`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': plan.type }, body: new Uint8Array(plan.body) });
          if (res.status === 201) {
            const r = (await res.json()) as { id: string; version: number; sha256: string };
            acknowledged.push({ ...r, body: plan.body });
            if (acknowledged.length >= 25 && !killed) { killed = true; server.child.kill('SIGKILL'); }
          }
        } catch {
          return; // the connection died with the server: no 201, so no promise was made
        }
      }
    };
    await Promise.all(Array.from({ length: 20 }, client));
    assert.equal(await server.exited, null, 'killed by a signal');
    assert.ok(acknowledged.length >= 25);
    assert.ok(sent > acknowledged.length, 'some requests were still in flight when it died');

    const again = await serveProcess(dataDir);
    try {
      for (const a of acknowledged) {
        const file = await fetch(`${again.url}/api/submissions/${a.id}/original`, { headers: { authorization: `Bearer ${admin}` } });
        assert.equal(file.status, 200, a.id);
        const bytes = Buffer.from(await file.arrayBuffer());
        assert.ok(bytes.equals(a.body), `submission ${a.id} (v${a.version}) is byte-identical`);
        assert.equal(sha256(bytes), a.sha256);
      }
      const list = (await (await fetch(`${again.url}/api/submissions`, { headers: { authorization: `Bearer ${key}` } })).json()) as Array<{ version: number }>;
      const versions = list.map((r) => r.version).sort((x, y) => x - y);
      assert.deepEqual(versions, versions.map((_, i) => i + 1), 'versions run 1..n with no gap or repeat');
      assert.ok(!again.stdout().includes(key) && !server.stdout().includes(key) && !again.stdout().includes(admin), 'no key in the logs');
    } finally {
      again.child.kill('SIGTERM');
      assert.equal(await again.exited, 0);
    }
    const db = new Database(join(dataDir, DATABASE_FILE), { readonly: true });
    try {
      assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
      const { n } = db.prepare('SELECT count(*) AS n FROM submissions').get() as { n: number };
      assert.ok(n >= acknowledged.length);
    } finally {
      db.close();
    }
    // Nothing submitted can be changed or removed, even by a direct write to the database.
    const rw = new Database(join(dataDir, DATABASE_FILE));
    try {
      assert.throws(() => rw.prepare('UPDATE submissions SET bytes = ? WHERE id = ?').run(Buffer.from('x'), acknowledged[0]!.id), /never changed/);
      assert.throws(() => rw.prepare('DELETE FROM submissions').run(), /never deleted/);
    } finally {
      rw.close();
    }
  });

  it('finishes a request in flight on SIGTERM, refuses new connections, then exits 0', async () => {
    const server = await serveProcess(dataDir);
    const plan = plans[0]!;
    const half = Math.floor(plan.body.length / 2);
    let sentFirstHalf!: () => void;
    const firstHalfSent = new Promise<void>((r) => { sentFirstHalf = r; });
    const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request(`${server.url}/api/validate`, { method: 'POST', headers: { 'content-type': plan.type, 'content-length': plan.body.length } }, (res) => {
        let body = '';
        res.on('data', (c) => { body += c; });
        res.on('end', () => resolve({ status: res.statusCode!, body }));
      });
      req.on('error', reject);
      req.write(plan.body.subarray(0, half), () => sentFirstHalf());
      // The rest follows once the server has been told to stop.
      void firstHalfSent.then(() => setTimeout(() => {
        server.child.kill('SIGTERM');
        setTimeout(() => req.end(plan.body.subarray(half)), 500);
      }, 200));
    });
    await firstHalfSent;
    await new Promise((r) => setTimeout(r, 400));
    // Told to stop: new connections are refused while the old request is still being sent.
    await assert.rejects(fetch(`${server.url}/api/health`));
    const res = await response;
    assert.equal(res.status, 200, res.body);
    assert.equal(JSON.parse(res.body).valid, true);
    assert.equal(await server.exited, 0);
    assert.match(server.stdout(), /"signal":"SIGTERM"/);
  });
});

/** The check pool's workers, as its tests look at them. */
type Slots = Array<{ worker: { terminate(): Promise<number> }; jobs: unknown[] }>;

describe('workbook check pool: a worker that dies is answered for and replaced', function () {
  this.timeout(120_000);

  it('answers the job of a worker that died mid-check with "could not be read", then checks the next on a new worker', async () => {
    const { CheckPool } = await import('../server/xlsx/checkPool');
    const pool = new CheckPool(1);
    try {
      const good = await fillWorkbook(await writePlanWorkbook({ organisations }), goodPlanContent('RGT'));
      const opts = { organisations, limits: { timeoutMs: 30_000 } };
      assert.equal((await pool.check(good, opts)).result.valid, true);
      const pending = pool.check(good, opts);
      // Kill the busy worker from outside, as an out-of-memory abort would.
      const slots = (pool as unknown as { slots: Slots }).slots;
      while (!slots[0]!.jobs.length) await new Promise((r) => setTimeout(r, 1));
      await slots[0]!.worker.terminate();
      const died = await pending;
      assert.equal(died.result.readable, false);
      assert.equal(died.result.findings[0]!.code, 'FILE_CORRUPT');
      assert.equal((await pool.check(good, opts)).result.valid, true, 'a new worker took its place');
    } finally {
      await pool.close();
    }
  });

  it('checks the jobs queued behind a dead worker\'s job on its replacement, each with its own organisations list', async () => {
    const { CheckPool } = await import('../server/xlsx/checkPool');
    const pool = new CheckPool(1, 128, 0, 2);
    try {
      const good = await fillWorkbook(await writePlanWorkbook({ organisations }), goodPlanContent('RGT'));
      // A list without RGT: checked against it, the plan's organisation is unknown.
      const others = organisations.filter((o) => o.code !== 'RGT');
      const opts = { organisations, limits: { timeoutMs: 30_000 } };
      const slots = (pool as unknown as { slots: Slots }).slots;
      while (!pool.takesNow()) await new Promise((r) => setTimeout(r, 10));
      const outcomes = [pool.check(good, opts), pool.check(good, { ...opts, organisations: others }), pool.check(good, opts)];
      assert.equal(pool.takesNow(), false, 'one job checked and two queued fill the worker');
      await slots[0]!.worker.terminate();
      const [died, second, third] = await Promise.all(outcomes);
      assert.equal(died.result.findings[0]!.code, 'FILE_CORRUPT');
      assert.deepEqual(second.result.findings.map((f) => f.code), ['ORGANISATION_UNKNOWN']);
      assert.equal(third.result.valid, true);
    } finally {
      await pool.close();
    }
  });

  it('answers rather than hangs when a worker cannot even start (memory cap far too small)', async () => {
    const { CheckPool } = await import('../server/xlsx/checkPool');
    const pool = new CheckPool(1, 1);
    try {
      const good = await fillWorkbook(await writePlanWorkbook({ organisations }), goodPlanContent('RGT'));
      const outcome = await pool.check(good, { organisations });
      assert.equal(outcome.result.readable, false, 'a good plan, so only a dead worker says this');
      assert.equal(outcome.result.findings.length, 1);
      assert.match(outcome.result.findings[0]!.message, /could not be read: reading it/);
    } finally {
      await pool.close();
    }
  });
});
