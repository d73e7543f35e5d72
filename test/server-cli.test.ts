// `naome keys` and `naome serve` from the command line, and HTTPS: the development certificate made offline on first
// start and reused after, and a real certificate given by path.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { authenticate } from '../server/keys';
import { loadOrganisations } from '../server/organisations';
import { startServer } from '../server/serve';
import { SqliteStore } from '../server/store/sqlite/store';
import { writePlanWorkbook } from '../server/xlsx/writePlanWorkbook';
import { shownDatabase } from '../server/store/open';
import { ENGINES, skipUnlessAvailable, type TestDatabase } from './helpers/engines';
import { fillWorkbook, goodPlanContent, revisedContent } from './helpers/plans';
import { XLSX_TYPE } from './helpers/server';

const ROOT = new URL('..', import.meta.url).pathname;
const naome = (...args: string[]) => spawnSync(process.execPath, ['bin/naome.js', ...args], { cwd: ROOT, encoding: 'utf8' });

function getHttps(url: string, ca: Buffer): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    https.get(url, { ca }, (res) => {
      let body = '';
      res.on('data', (c) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    }).on('error', reject);
  });
}

describe('naome keys and naome serve', function () {
  this.timeout(120_000);
  let dataDir: string;
  before(() => { dataDir = mkdtempSync(join(tmpdir(), 'naome-cli-')); });
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it('makes an admin key and organisation keys shown once, stored only as hashes; a new key replaces the old', async () => {
    const admin1 = naome('keys', 'admin', '--data', dataDir);
    assert.equal(admin1.status, 0, admin1.stderr);
    const adminKey = admin1.stdout.trim();
    assert.match(adminKey, /^naome_admin_[A-Za-z0-9_-]{43}$/);
    const rgt1 = naome('keys', 'issue', 'rgt', '--data', dataDir).stdout.trim();
    const rgt2 = naome('keys', 'issue', 'RGT', '--data', dataDir);
    assert.equal(rgt2.status, 0);
    assert.match(rgt2.stderr, /Cambridge University Hospitals/);
    const store = new SqliteStore(dataDir);
    try {
      assert.deepEqual(await authenticate(store, adminKey), { kind: 'admin' });
      assert.equal(await authenticate(store, rgt1), null, 'the first RGT key was replaced');
      assert.deepEqual(await authenticate(store, rgt2.stdout.trim()), { kind: 'organisation', code: 'RGT' });
      const stored = JSON.stringify(store.db.prepare('SELECT * FROM keys').all());
      for (const key of [adminKey, rgt1, rgt2.stdout.trim()]) {
        assert.ok(!stored.includes(key) && !stored.includes(key.slice(-43)), 'no key is stored, only its hash');
      }
    } finally {
      await store.close();
    }
    const revoke = naome('keys', 'revoke', 'RGT', '--data', dataDir);
    assert.equal(revoke.status, 0);
    const store2 = new SqliteStore(dataDir);
    try {
      assert.equal(await authenticate(store2, rgt2.stdout.trim()), null);
    } finally {
      await store2.close();
    }
  });

  it('refuses an unknown organisation and a misused command line with exit 2 and a clear message', () => {
    const unknown = naome('keys', 'issue', 'ZZZ99', '--data', dataDir);
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /"ZZZ99" is not an organisation on the list/);
    assert.equal(unknown.stdout, '');
    for (const args of [['keys'], ['keys', 'issue'], ['keys', 'frobnicate', 'RGT'], ['keys', 'admin', 'RGT'],
      ['serve', '--port', 'abc'], ['serve', '--cert', 'x.pem'], ['serve', '--http', '--cert', 'a', '--key', 'b'], ['serve', '--client-limit', '0'],
      ['serve', '--quota-versions', '0'], ['serve', '--quota-mb', 'lots']]) {
      const r = naome(...args, '--data', dataDir);
      assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, /Usage: naome/, args.join(' '));
    }
    const help = naome('serve', '--help');
    assert.equal(help.status, 0);
    assert.match(help.stdout, /--http/);
  });

  it('serves HTTPS with a development certificate made offline on first start, reused on the next', async () => {
    const logger = pino({ level: 'silent' });
    const first = await startServer({ dataDir, port: 0, host: '127.0.0.1', logger, workers: 0 });
    let cert: Buffer;
    try {
      assert.match(first.url, /^https:\/\/localhost:\d+$/);
      assert.equal(first.tls?.generated, true);
      const ca = readFileSync(first.tls!.caPath!);
      cert = first.tls!.cert;
      const x509 = new X509Certificate(cert);
      assert.match(x509.subjectAltName ?? '', /DNS:localhost/);
      assert.ok(x509.verify(new X509Certificate(ca).publicKey), 'signed by the CA it tells users to trust');
      const health = await getHttps(`${first.url}/api/health`, ca);
      assert.equal(health.status, 200);
      assert.equal(JSON.parse(health.body).ok, true);
    } finally {
      await first.close();
    }
    const second = await startServer({ dataDir, port: 0, host: '127.0.0.1', logger, workers: 0 });
    try {
      assert.equal(second.tls?.generated, false);
      assert.ok(second.tls!.cert.equals(cert), 'the same certificate is reused');
    } finally {
      await second.close();
    }
    // A "real" certificate by path: here the generated one, given explicitly.
    const certs = join(dataDir, 'certs');
    const third = await startServer({ dataDir, port: 0, host: '127.0.0.1', logger, workers: 0, cert: join(certs, 'localhost.crt'), key: join(certs, 'localhost.key') });
    try {
      assert.equal(third.tls?.caPath, undefined);
      assert.equal((await getHttps(`${third.url}/api/health`, readFileSync(join(certs, 'ca.crt')))).status, 200);
    } finally {
      await third.close();
    }
    await assert.rejects(startServer({ dataDir, port: 0, logger, workers: 0, cert: join(certs, 'nope.crt'), key: join(certs, 'localhost.key') }), /Cannot read the TLS certificate/);
  });
});

/** Starts `node bin/naome.js serve` in `cwd`; resolves with its URL once it prints it (and the process, to stop). */
function serveIn(cwd: string, ...args: string[]) {
  const child = spawn(process.execPath, ['bin/naome.js', 'serve', ...args], { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  const url = new Promise<string>((resolve, reject) => {
    child.stderr.on('data', (c) => {
      stderr += c;
      const m = /NAoMe action plan service: (\S+)/.exec(stderr);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`naome serve exited ${code}: ${stderr}`)));
  });
  return { child, url, stderr: () => stderr };
}

describe('naome: the rough edges a first user meets', function () {
  this.timeout(180_000);

  it('naome --version prints the package version', () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    for (const flag of ['--version', '-V']) {
      const r = naome(flag);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, `${version}\n`);
    }
    assert.match(naome('--help').stdout, /naome --version/);
  });

  it('naome serve on a port in use says which port and what to do, exit 2, no stack trace', async () => {
    const busy = createServer();
    await new Promise<void>((ok) => busy.listen(0, '127.0.0.1', ok));
    const port = (busy.address() as AddressInfo).port;
    const dataDir = mkdtempSync(join(tmpdir(), 'naome-busy-'));
    try {
      for (const extra of [[], ['--processes', '2']]) {
        const r = await new Promise<{ status: number | null; stderr: string }>((resolve) => {
          const child = spawn(process.execPath, ['bin/naome.js', 'serve', '--http', '--port', String(port), '--data', dataDir, ...extra], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
          let stderr = '';
          child.stderr.on('data', (c) => { stderr += c; });
          child.once('exit', (status) => resolve({ status, stderr }));
        });
        assert.equal(r.status, 2, r.stderr);
        assert.match(r.stderr, new RegExp(`port ${port} is already in use on 127\\.0\\.0\\.1`));
        assert.match(r.stderr, /--port/);
        assert.doesNotMatch(r.stderr, /EADDRINUSE|\n\s+at /, 'plain words, no stack');
      }
    } finally {
      busy.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('naome keys --data with a folder that does not exist refuses, and creates no database', () => {
    const parent = mkdtempSync(join(tmpdir(), 'naome-keys-'));
    try {
      const missing = join(parent, 'no-such-folder');
      for (const args of [['admin'], ['issue', 'RGT'], ['revoke', 'RGT']]) {
        const r = naome('keys', ...args, '--data', missing);
        assert.equal(r.status, 2, r.stderr);
        assert.equal(r.stdout, '', 'no key is printed');
        assert.match(r.stderr, /there is no data folder .*no-such-folder/);
        assert.match(r.stderr, /--data DIR/);
        assert.equal(existsSync(missing), false, 'nothing was created');
      }
    } finally {
      rmSync(parent, { recursive: true, force: true });
    }
  });

  it('--database (or NAOME_DATABASE_URL) takes only a PostgreSQL URL: anything else is refused, exit 2, its password never echoed', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'naome-database-'));
    try {
      const runs: Array<[string[], Record<string, string>]> = [
        [['keys', 'admin', '--data', dataDir, '--database', 'mysql://naome:s3cret@db.example/naome'], {}],
        [['remind', '--dry-run', '--data', dataDir, '--database', 'sqlite:naome.db'], {}],
        [['keys', 'issue', 'RGT', '--data', dataDir], { NAOME_DATABASE_URL: 'mysql://naome:s3cret@db.example/naome' }],
        [['serve', '--http', '--port', '0', '--data', dataDir, '--database', 'mysql://naome:s3cret@db.example/naome'], {}],
      ];
      for (const [args, env] of runs) {
        const r = spawnSync(process.execPath, ['bin/naome.js', ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 60_000 });
        assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
        assert.equal(r.stdout, '', 'no key is printed');
        assert.match(r.stderr, /takes a PostgreSQL URL \(postgres:\/\/user:password@host:5432\/name\), not a (mysql|sqlite): one/);
        assert.doesNotMatch(r.stderr, /s3cret/);
      }
      assert.equal(existsSync(join(dataDir, 'naome.sqlite')), false, 'no SQLite database was made instead');
      // Where a URL is shown (naome serve's banner), its password is not.
      assert.equal(shownDatabase('postgres://naome:s3cret@db.example:5432/naome'), 'postgres://naome:***@db.example:5432/naome');
      assert.equal(shownDatabase('postgresql://db.example/naome'), 'postgresql://db.example/naome');
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('naome serve in a checkout whose add-in is not built (no dist/addin) builds it and serves the task pane', async () => {
    // A copy of the product as a fresh checkout has it after its command line was built, but with no dist/addin.
    const clone = mkdtempSync(join(tmpdir(), 'naome-clone-'));
    try {
      for (const part of ['bin', 'addin', 'shared', 'seeds', 'server/pages', 'dist/node', 'package.json']) cpSync(join(ROOT, part), join(clone, part), { recursive: true });
      symlinkSync(join(ROOT, 'node_modules'), join(clone, 'node_modules'));
      assert.equal(existsSync(join(clone, 'dist', 'addin')), false);
      const served = serveIn(clone, '--http', '--port', '0', '--data', join(clone, 'data'));
      try {
        const url = await served.url;
        assert.match(served.stderr(), /add-in is not built yet.*building it now/);
        for (const file of ['taskpane.html', 'taskpane.js', 'taskpane.css']) {
          const res = await fetch(`${url}/addin/${file}`);
          assert.equal(res.status, 200, file);
        }
        assert.match(await (await fetch(`${url}/addin/taskpane.html`)).text(), /NAoMe local action plan/);
      } finally {
        served.child.kill('SIGTERM');
        await new Promise((done) => served.child.once('exit', done));
      }
    } finally {
      rmSync(clone, { recursive: true, force: true });
    }
  });

  it('naome serve --quota-versions and --quota-mb set what an organisation may store a day; past it, a clear 429', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'naome-quota-'));
    try {
      const key = naome('keys', 'issue', 'RGT', '--data', dir).stdout.trim();
      const organisations = loadOrganisations();
      const blank = await writePlanWorkbook({ organisations });
      const plans = await Promise.all([0, 1].map((i) => fillWorkbook(blank, revisedContent(goodPlanContent('RGT'), i))));
      const submit = async (url: string, body: Buffer) => {
        const res = await fetch(`${url}/api/submissions`, { method: 'POST', body: body as BodyInit, headers: { authorization: `Bearer ${key}`, 'content-type': XLSX_TYPE } });
        return { status: res.status, json: await res.json() as { error?: { code: string; message: string } } };
      };
      const one = serveIn(ROOT, '--http', '--port', '0', '--data', dir, '--quota-versions', '1');
      try {
        const url = await one.url;
        assert.equal((await submit(url, plans[0]!)).status, 201);
        const over = await submit(url, plans[1]!);
        assert.equal(over.status, 429);
        assert.equal(over.json.error?.code, 'QUOTA_EXCEEDED');
        assert.match(over.json.error!.message, /RGT has stored 1 version \(.*\) in the last 24 hours; the quota is 1 version and 200 MB a day/);
      } finally {
        one.child.kill('SIGTERM');
        await new Promise((done) => one.child.once('exit', done));
      }
      // The national team raises it: the same organisation may now store its second version; the bytes have their own quota.
      const raised = serveIn(ROOT, '--http', '--port', '0', '--data', dir, '--quota-versions', '5', '--quota-mb', '1');
      try {
        const url = await raised.url;
        assert.equal((await submit(url, plans[1]!)).status, 201);
        const big = await submit(url, Buffer.concat([plans[0]!, Buffer.alloc(1024 * 1024)]));
        assert.equal(big.status, 429, 'over the 1 MB a day');
        assert.match(big.json.error!.message, /the quota is 5 versions and 1(\.0)? MB a day/);
      } finally {
        raised.child.kill('SIGTERM');
        await new Promise((done) => raised.child.once('exit', done));
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

for (const engine of ENGINES) describe(`naome serve --processes 2 (node:cluster) on ${engine.name}`, function () {
  this.timeout(120_000);
  let database: TestDatabase;
  before(async function () {
    skipUnlessAvailable(this, engine);
    database = await engine.fresh();
  });
  after(async () => database?.drop());

  it('shares one database between processes: versions stay in order, a new organisations list is seen by all, SIGTERM exits 0', async () => {
    const { spawn } = await import('node:child_process');
    const { loadOrganisations } = await import('../server/organisations');
    const { checkWorkbook } = await import('../server/xlsx/checkWorkbook');
    const { writePlanWorkbook } = await import('../server/xlsx/writePlanWorkbook');
    const { fillWorkbook, goodPlanContent } = await import('./helpers/plans');
    const { flags } = database;
    const admin = naome('keys', 'admin', ...flags).stdout.trim();
    const keys = { RGT: naome('keys', 'issue', 'RGT', ...flags).stdout.trim(), '7A1': naome('keys', 'issue', '7A1', ...flags).stdout.trim() };
    assert.match(admin, /^naome_admin_/);
    const child = spawn(process.execPath, ['bin/naome.js', 'serve', '--http', '--port', '0', '--processes', '2', ...flags], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (c) => { out += c; });
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    try {
      let banner = '';
      const url = await new Promise<string>((resolve, reject) => {
        child.stderr!.on('data', (c) => { banner += c; const m = /service: (http:\/\/\S+)/.exec(banner); if (m) resolve(m[1]!.replace('localhost', '127.0.0.1')); });
        void exited.then((code) => reject(new Error(`exited ${code}: ${banner}`)));
      });
      await new Promise((r) => setTimeout(r, 200)); // the rest of the banner
      assert.match(banner, engine.engine === 'postgres' ? /data: +PostgreSQL postgres:\/\/naome@127\.0\.0\.1:\d+\/\w+ \(\d+ organisations; 2 server processes\)/ : /data: +\/\S+ \(\d+ organisations; 2 server processes\)/);
      const organisations = loadOrganisations();
      const blank = await writePlanWorkbook({ organisations });
      const plans = Object.fromEntries(await Promise.all((['RGT', '7A1'] as const).map(async (code) => {
        const { plan } = await checkWorkbook(await fillWorkbook(blank, goodPlanContent(code)), { organisations, limits: { timeoutMs: 30_000 } });
        return [code, JSON.stringify(plan)];
      }))) as Record<'RGT' | '7A1', string>;
      // Each a revised plan (the same plan again would make no new version).
      const revised = (code: 'RGT' | '7A1', n: number) => plans[code].replace('Dashboard review booked', `Dashboard review ${n} booked`);
      const submit = (code: 'RGT' | '7A1', n: number) => fetch(`${url}/api/submissions`, { method: 'POST', headers: { authorization: `Bearer ${keys[code]}`, 'content-type': 'application/json' }, body: revised(code, n) });
      const responses = await Promise.all(Array.from({ length: 20 }, (_, i) => submit(i % 2 ? 'RGT' : '7A1', i)));
      assert.deepEqual(responses.map((r) => r.status), Array(20).fill(201));
      for (const code of ['RGT', '7A1'] as const) {
        const list = (await (await fetch(`${url}/api/submissions`, { headers: { authorization: `Bearer ${keys[code]}` } })).json()) as Array<{ version: number }>;
        assert.deepEqual(list.map((r) => r.version), [10, 9, 8, 7, 6, 5, 4, 3, 2, 1], code);
      }
      const pids = new Set([...out.matchAll(/"pid":(\d+)[^\n]*"path":"\/api\/submissions"/g)].map((m) => m[1]));
      assert.equal(pids.size, 2, 'both processes took submissions');

      const put = await fetch(`${url}/api/admin/organisations`, { method: 'PUT', headers: { authorization: `Bearer ${admin}`, 'content-type': 'text/csv' }, body: 'ods_code,name,nation\nRGT,Cambridge,England\n' });
      assert.equal(put.status, 200);
      for (let i = 0; i < 6; i++) {
        const orgs = (await (await fetch(`${url}/api/organisations`)).json()) as unknown[];
        assert.equal(orgs.length, 1, 'every process sees the new list');
      }
    } finally {
      child.kill('SIGTERM');
      assert.equal(await exited, 0);
    }
  });
});
