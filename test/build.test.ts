// The built product (dist/node, made by `npm ci` through the prepare script, and by `npm test` before mocha): the real
// bin/naome.js runs it as plain JavaScript, loads heavy packages only in the commands that use them, and the built
// service checks uploads on worker threads that run the built worker. Static files go out compressed and revalidated.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { loadOrganisations } from '../server/organisations';
import { writePlanWorkbook } from '../server/xlsx/writePlanWorkbook';
import { fillWorkbook, goodPlanContent } from './helpers/plans';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(ROOT, 'bin', 'naome.js');
const HEAVY = ['exceljs', 'express', 'better-sqlite3', 'pino', 'nodemailer'];

/** The built service, started with `args` after `serve` in `cwd`; the caller stops it. */
const serveBuilt = (cwd: string, ...args: string[]) => spawn(process.execPath, [BIN, 'serve', ...args], { cwd, stdio: ['ignore', 'ignore', 'pipe'] });

/** The address the service prints once it listens (or the reason it exited first). */
function addressOf(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let err = '';
    child.stderr!.on('data', (c) => {
      err += c;
      const m = /service: (https?:\/\/\S+)/.exec(err);
      if (m) resolve(m[1]!);
    });
    child.on('exit', (code) => reject(new Error(`naome serve exited (${code}): ${err}`)));
  });
}

describe('the built product (dist/node) run by bin/naome.js', function () {
  this.timeout(120_000);
  let dir: string;
  let plan: Buffer;
  before(async () => {
    assert.ok(existsSync(join(ROOT, 'dist', 'node', 'main.js')), 'npm test builds dist/node before mocha runs');
    dir = mkdtempSync(join(tmpdir(), 'naome-build-'));
    plan = await fillWorkbook(await writePlanWorkbook({ organisations: loadOrganisations() }), goodPlanContent('RGT'));
    writeFileSync(join(dir, 'plan.xlsx'), plan);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('says how to build it when dist is missing, instead of a stack trace', () => {
    const bare = join(dir, 'bare');
    mkdirSync(join(bare, 'bin'), { recursive: true });
    copyFileSync(BIN, join(bare, 'bin', 'naome.js'));
    const r = spawnSync(process.execPath, [join(bare, 'bin', 'naome.js'), '--help'], { encoding: 'utf8' });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /not built .*run npm ci or npm run build/);
  });

  it('loads exceljs, express, better-sqlite3 and pino only in the commands that use them', () => {
    // A module hook (in its own thread) notes every package the built code imports.
    const log = join(dir, 'packages.log');
    const hooks = join(dir, 'hooks.mjs');
    writeFileSync(hooks, `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  const m = /node_modules\\/((?:@[^/]+\\/)?[^/]+)\\//.exec(r.url);
  if (m) appendFileSync(${JSON.stringify(log)}, m[1] + '\\n');
  return r;
}`);
    const register = `data:text/javascript,import{register}from'node:module';register(${JSON.stringify(pathToFileURL(hooks).href)})`;
    const loaded = (...args: string[]) => {
      rmSync(log, { force: true });
      const r = spawnSync(process.execPath, ['--import', register, BIN, ...args], { cwd: dir, encoding: 'utf8' });
      assert.ok(r.status === 0 || r.status === 1, `${args.join(' ')}: ${r.stderr}`);
      return new Set(existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : []);
    };
    const heavyIn = (set: Set<string>) => HEAVY.filter((p) => set.has(p));
    assert.deepEqual(heavyIn(loaded('--help')), []);
    assert.deepEqual(heavyIn(loaded('validate', 'plan.xlsx')), []);
    // The national workbook is written by our own streaming writer: no exceljs in collate either.
    assert.deepEqual(heavyIn(loaded('collate', '-o', 'national.xlsx', 'plan.xlsx')), []);
    // The plan workbook is exceljs's: template loads it, and nothing of the service.
    assert.deepEqual(heavyIn(loaded('template', '-o', 'blank.xlsx')), ['exceljs']);
  });

  it('serves uploads checked by the built worker, and static files compressed with validators', async () => {
    const child = serveBuilt(dir, '--http', '--port', '0', '--data', join(dir, 'data'));
    try {
      const url = (await addressOf(child)).replace('localhost', '127.0.0.1');
      assert.equal((await fetch(`${url}/api/health`)).status, 200);

      // An .xlsx upload is checked on the pool's worker threads, which run dist/node/checkWorker.cjs.
      const checked = await fetch(`${url}/api/validate`, { method: 'POST', headers: { 'content-type': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' }, body: new Uint8Array(plan) });
      assert.equal(checked.status, 200);
      const result = await checked.json() as { valid: boolean; organisation: { code: string } };
      assert.equal(result.valid, true);
      assert.equal(result.organisation.code, 'RGT');

      // The national CSV is made on worker threads too, which run dist/node/csvWorker.cjs.
      const key = (...args: string[]) => spawnSync(process.execPath, [BIN, 'keys', ...args, '--data', join(dir, 'data')], { encoding: 'utf8' }).stdout.trim();
      const [admin, rgt] = [key('admin'), key('issue', 'RGT')];
      const submitted = await fetch(`${url}/api/submissions`, { method: 'POST', headers: { authorization: `Bearer ${rgt}`, 'content-type': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' }, body: new Uint8Array(plan) });
      assert.equal(submitted.status, 201);
      const csv = await fetch(`${url}/api/collation.csv`, { headers: { authorization: `Bearer ${admin}` } });
      assert.equal(csv.status, 200);
      const lines = (await csv.text()).trim().split('\r\n');
      assert.equal(lines.length, 1 + goodPlanContent('RGT').actions.filter((a) => a.action).length, 'the header and one line an action');
      assert.ok(lines.slice(1).every((l) => l.includes('RGT')), lines[1]);

      // fetch() would decompress by itself: node:http shows the bytes as sent.
      const { get } = await import('node:http');
      const raw = (path: string, headers: Record<string, string>) => new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }>((resolve, reject) => {
        get(`${url}${path}`, { headers }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
        }).on('error', reject);
      });
      for (const path of ['/', '/addin/taskpane.js', '/assets/pages.css']) {
        const plain = await raw(path, { 'accept-encoding': 'identity' });
        assert.equal(plain.status, 200, path);
        assert.equal(plain.headers['content-encoding'], undefined, path);
        const br = await raw(path, { 'accept-encoding': 'gzip, deflate, br' });
        assert.equal(br.headers['content-encoding'], 'br', path);
        assert.ok(br.body.length < plain.body.length / 2, `${path}: ${br.body.length} bytes brotli for ${plain.body.length}`);
        assert.deepEqual(brotliDecompressSync(br.body), plain.body, path);
        assert.match(String(br.headers.vary), /Accept-Encoding/i);
        const gz = await raw(path, { 'accept-encoding': 'gzip' });
        assert.equal(gz.headers['content-encoding'], 'gzip', path);
        assert.deepEqual(gunzipSync(gz.body), plain.body, path);
        // Revalidation: the same ETag gets a 304 with no body; so does an unchanged Last-Modified.
        const etag = String(br.headers.etag);
        assert.notEqual(etag, String(plain.headers.etag), 'each encoding has its own ETag');
        const again = await raw(path, { 'accept-encoding': 'br', 'if-none-match': etag });
        assert.equal(again.status, 304, path);
        assert.equal(again.body.length, 0);
        const since = await raw(path, { 'accept-encoding': 'br', 'if-modified-since': String(br.headers['last-modified']) });
        assert.equal(since.status, 304, path);
        assert.equal((await raw(path, { 'accept-encoding': 'br', 'if-none-match': '"other"' })).status, 200);
      }
      assert.equal((await raw('/assets/../../package.json', {})).status, 404);
    } finally {
      child.kill('SIGTERM');
    }
  });

  it('serves HTTPS as `npm start` does, on a fresh data folder, with a development certificate made offline', async () => {
    // The README's first command: `naome serve` with no --http makes its own certificate authority and localhost
    // certificate in <data>/certs (office-addin-dev-certs, loaded only then) and serves HTTPS with them.
    const data = join(dir, 'fresh-tls');
    const child = serveBuilt(dir, '--port', '0', '--data', data);
    try {
      const url = await addressOf(child);
      assert.match(url, /^https:/);
      const { get } = await import('node:https');
      const ca = readFileSync(join(data, 'certs', 'ca.crt'));
      const status = await new Promise<number>((resolve, reject) => {
        get(`${url}/api/health`, { ca }, (res) => { res.resume(); resolve(res.statusCode!); }).on('error', reject);
      });
      assert.equal(status, 200, 'the health check answers over TLS, trusted through the generated authority');
    } finally {
      child.kill('SIGTERM');
    }
  });
});
