// Two instances of the service (`naome serve --database`, the built command line, each its own process) on one real
// PostgreSQL database, spoken to over real HTTP as a proxy in front of them would: what one instance does the other
// sees at once (a revoked key, rate-limit counts), 20 organisations submitting to both at the same moment get unique,
// gap-free versions with every receipt's bytes stored, and when one instance is killed (SIGKILL, mid-stream) the other
// goes on serving and no acknowledged submission is lost.
//
// The stream lasts 20 s, the issue's figure (NAOME_MULTI_SECONDS changes it): 20 organisations × 2 instances at once,
// several hundred submissions with a kill in the middle.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_LIMITS } from '../server/http/app';
import { hashKey, newKey } from '../server/keys';
import { loadOrganisations } from '../server/organisations';
import { PostgresStore } from '../server/store/postgres/store';
import { planFor } from './helpers/deskPlans';
import { freshDatabase, postgresAvailable, POSTGRES_SKIP_MESSAGE } from './helpers/postgres';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const SECONDS = Number(process.env.NAOME_MULTI_SECONDS ?? 20);
const CLIENT_LIMIT = 30;

interface Instance { url: string; child: ChildProcess; dataDir: string }

/** `naome serve --database URL` on a free port; resolves once it says where it listens. */
async function serve(database: string): Promise<Instance> {
  const dataDir = mkdtempSync(join(tmpdir(), 'naome-multi-'));
  const child = spawn(process.execPath, ['bin/naome.js', 'serve', '--http', '--port', '0', '--data', dataDir, '--database', database,
    '--client-limit', String(CLIENT_LIMIT), '--key-limit', '1000000'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  const url = await new Promise<string>((resolve, reject) => {
    let err = '';
    child.stderr!.on('data', (c) => {
      err += c;
      const m = /service: (http:\/\/\S+)/.exec(err);
      if (m) resolve(m[1]!.replace('localhost', '127.0.0.1'));
    });
    child.once('exit', (code) => reject(new Error(`naome serve --database exited (${code}): ${err}`)));
  });
  child.stderr!.resume();
  return { url, child, dataDir };
}

async function stop(i: Instance | undefined): Promise<void> {
  if (!i) return;
  if (i.child.exitCode === null && i.child.signalCode === null) {
    i.child.kill('SIGTERM');
    await new Promise((r) => i.child.once('exit', r));
  }
  rmSync(i.dataDir, { recursive: true, force: true });
}

const request = (i: Instance, method: string, path: string, key?: string, body?: Buffer, headers: Record<string, string> = {}) =>
  fetch(`${i.url}${path}`, {
    method, body: body as BodyInit | undefined,
    headers: { ...headers, ...(key ? { authorization: `Bearer ${key}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
  });

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('Two instances on one PostgreSQL database', function () {
  this.timeout(240_000);
  let database: string;
  let a: Instance;
  let b: Instance;
  let adminKey: string;
  const codes = loadOrganisations().slice(0, 21).map((o) => o.code);

  before(async function () {
    if (!postgresAvailable()) {
      console.log(`      ${POSTGRES_SKIP_MESSAGE}`);
      this.skip();
    }
    database = await freshDatabase('multi');
    // The admin key, made as `naome keys admin` makes it, in the database both instances will use.
    const store = await PostgresStore.open(database);
    adminKey = newKey('admin');
    await store.replaceKey('admin', hashKey(adminKey));
    await store.close();
    [a, b] = await Promise.all([serve(database), serve(database)]);
  });
  after(async () => {
    await stop(a);
    await stop(b);
  });

  const issue = async (via: Instance, code: string) => {
    const res = await request(via, 'POST', `/api/admin/organisations/${code}/key`, adminKey);
    assert.equal(res.status, 201, await res.clone().text());
    return ((await res.json()) as { key: string }).key;
  };

  it('a key issued through one instance works on the other; revoked through one, the other refuses it on the next request', async () => {
    const code = codes[20]!;
    const key = await issue(a, code);
    assert.equal((await request(b, 'GET', '/api/submissions', key)).status, 200);
    assert.equal((await request(a, 'DELETE', `/api/admin/organisations/${code}/key`, adminKey)).status, 204);
    assert.equal((await request(b, 'GET', '/api/submissions', key)).status, 401);
    assert.equal((await request(a, 'GET', '/api/submissions', key)).status, 401);
  });

  it('rate limits are counted once for both instances, not once each', async () => {
    const statuses: number[] = [];
    for (let n = 0; n < CLIENT_LIMIT + 2; n++) statuses.push((await request(n % 2 ? a : b, 'GET', '/api/organisations')).status);
    assert.deepEqual(statuses.slice(0, CLIENT_LIMIT), Array(CLIENT_LIMIT).fill(200));
    assert.deepEqual(statuses.slice(CLIENT_LIMIT), [429, 429], `${CLIENT_LIMIT} requests in all, whichever instance took them`);
  });

  it('20 organisations submitting to both at once: versions unique and gap-free, every receipt stored byte for byte; kill -9 of one loses nothing', async () => {
    const streamCodes = codes.slice(0, 20);
    const keys = new Map<string, string>();
    for (const [n, code] of streamCodes.entries()) keys.set(code, await issue(n % 2 ? a : b, code));
    const base = new Map(await Promise.all(streamCodes.map(async (code) => [code, await planFor(code)] as const)));

    const receipts: Array<{ code: string; id: string; version: number; sha256: string; body: Buffer; at: number; status: number }> = [];
    const start = Date.now();
    const killAt = start + (SECONDS * 1000) / 2;
    let killedAt = Infinity;
    const killer = setTimeout(() => {
      a.child.kill('SIGKILL');
      killedAt = Date.now();
    }, killAt - start);

    const submitter = async (code: string, n: number) => {
      // Each organisation sends at most its day's quota of versions (past it the service rightly answers 429): now that a
      // check is quicker, an organisation can send more than that in the stream's 20 s.
      for (let i = 1; Date.now() - start < SECONDS * 1000 && i <= DEFAULT_LIMITS.quotaVersionsPerDay; i++) {
        const plan = structuredClone(base.get(code)!);
        plan.actions[0]!.action = `Action ${i} of ${code}`;
        const body = Buffer.from(JSON.stringify(plan));
        // As a proxy does: one instance, and when it does not answer, the other — with the same Idempotency-Key, so
        // a submission stored by the dead instance before it could answer comes back as that version, not a new one.
        const order = (n + i) % 2 ? [a, b] : [b, a];
        let res: Response | undefined;
        for (const instance of order) {
          try {
            res = await request(instance, 'POST', '/api/submissions', keys.get(code), body, { 'idempotency-key': `${code}-${i}` });
            break;
          } catch {
            // connection refused or reset: that instance is gone
          }
        }
        assert.ok(res, `${code} #${i}: neither instance answered`);
        const text = await res.text();
        assert.ok(res.status === 201 || (res.status === 200 && res.headers.get('idempotent-replayed') === 'true'), `${code} #${i}: ${res.status} ${text}`);
        const receipt = JSON.parse(text) as { id: string; version: number; sha256: string };
        receipts.push({ code, id: receipt.id, version: receipt.version, sha256: receipt.sha256, body, at: Date.now(), status: res.status });
      }
    };
    try {
      await Promise.all(streamCodes.map(submitter));
    } finally {
      clearTimeout(killer);
    }

    assert.ok(killedAt < Infinity && a.child.signalCode === 'SIGKILL', 'one instance was killed mid-stream');
    const afterKill = receipts.filter((r) => r.at > killedAt + 200);
    assert.ok(afterKill.length >= 20, `the other instance went on serving: ${afterKill.length} submissions after the kill`);
    assert.equal((await request(b, 'GET', '/api/health')).status, 200);

    const store = await PostgresStore.open(database);
    try {
      for (const code of streamCodes) {
        const mine = receipts.filter((r) => r.code === code);
        const stored = (await store.history(code)).map((h) => h.receipt);
        // Gap-free and unique: 1…n, each acknowledged once, and nothing stored that no one was told of.
        assert.deepEqual(stored.map((r) => r.version), Array.from({ length: stored.length }, (_, i) => stored.length - i), code);
        assert.deepEqual(mine.map((r) => r.version).sort((x, y) => x - y), Array.from({ length: mine.length }, (_, i) => i + 1), code);
        assert.deepEqual(new Set(mine.map((r) => r.id)), new Set(stored.map((r) => r.id)), `${code}: every stored version was acknowledged and every receipt is stored`);
      }
      for (const r of receipts) {
        const file = await store.storedFile(r.id);
        assert.ok(file?.bytes.equals(r.body), `receipt ${r.id} (${r.code} v${r.version}): stored bytes differ from those sent`);
        assert.equal(sha(file!.bytes), r.sha256);
      }
    } finally {
      await store.close();
    }
    console.log(`      ${receipts.length} submissions in ${SECONDS} s from 20 organisations to 2 instances (${afterKill.length} after one was killed; ` +
      `${receipts.filter((r) => r.status === 200).length} answered as replays of a version the killed instance stored)`);
  });
});
