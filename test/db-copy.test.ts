// `naome db copy` (the built command line, run as a process) against a real PostgreSQL server and real SQLite files:
// a round trip SQLite → PostgreSQL → SQLite gives back the same rows, table by table, read here with better-sqlite3
// independently of the command's own checks; a target holding data is refused and left as it was.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import type { Plan } from '../shared/plan';
import { TABLES } from '../server/store/copy';
import { PostgresStore } from '../server/store/postgres/store';
import { DATABASE_FILE } from '../server/store/sqlite/store';
import { freshDatabase, postgresAvailable, POSTGRES_SKIP_MESSAGE } from './helpers/postgres';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const naome = (...args: string[]) => spawnSync(process.execPath, ['bin/naome.js', ...args], { cwd: ROOT, encoding: 'utf8' });

/** Every copied table of a SQLite data folder, rows in a fixed order, files as their bytes in hex. */
function dump(dir: string): Record<string, unknown[]> {
  const db = new Database(join(dir, DATABASE_FILE), { readonly: true });
  try {
    return Object.fromEntries(TABLES.map((t) => [t.name,
      (db.prepare(`SELECT * FROM ${t.name} ORDER BY ${t.order.sqlite}`).all() as Array<Record<string, unknown>>)
        .map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, Buffer.isBuffer(v) ? v.toString('hex') : v])))]));
  } finally {
    db.close();
  }
}

describe('naome db copy: SQLite → PostgreSQL → SQLite', function () {
  this.timeout(180_000);
  const folders: string[] = [];
  const folder = () => {
    const f = mkdtempSync(join(tmpdir(), 'naome-copy-'));
    folders.push(f);
    return f;
  };
  after(() => folders.forEach((f) => rmSync(f, { recursive: true, force: true })));

  before(function () {
    if (!postgresAvailable()) {
      console.log(`      ${POSTGRES_SKIP_MESSAGE}`);
      this.skip();
    }
  });

  it('copies every table and file there and back, identical; refuses a target that holds data', async () => {
    // A service's worth of data, of every kind, made through the store (on PostgreSQL), brought into SQLite first.
    const seedUrl = await freshDatabase('copyseed');
    const seed = await PostgresStore.open(seedUrl);
    const files: Buffer[] = [];
    try {
      await seed.seedOrganisations(() => ['RGT', 'RAJ', 'R1H'].map((code) => ({ code, name: `Trust ${code}`, nation: 'England', region: 'East' })));
      await seed.replaceKey('admin', 'a'.repeat(64));
      await seed.replaceKey('RGT', 'b'.repeat(64));
      await seed.replaceKey('RGT', 'c'.repeat(64));
      for (let n = 0; n < 12; n++) {
        const code = ['RGT', 'RAJ', 'R1H'][n % 3]!;
        const bytes = Buffer.concat([randomBytes(2000 + n * 5000), Buffer.alloc(10, 0)]);
        files.push(bytes);
        const { receipt } = await seed.submitOnce({
          organisation: { code, name: `Trust ${code}` }, receivedAt: `2026-01-0${1 + (n % 9)}T10:00:0${n % 10}.000Z`,
          sha256: createHash('sha256').update(bytes).digest('hex'), format: n % 2 ? 'json' : 'xlsx', fileName: n % 2 ? null : `plan ${n}.xlsx`,
          bytes, plan: { header: { n }, actions: [] } as unknown as Plan,
          result: { file: null, valid: true, readable: true, template: null, organisation: { code, name: `Trust ${code}` }, findings: [] },
        }, { key: `key-${n}`, sha256: `body-${n}` });
        if (n % 4 === 0) await seed.addReview(receipt.id, 'changes-requested', `review ${n} – “quotes” ✓`, 'admin');
      }
      await seed.round.setSettings({ deadline: '2026-03-31', remindDaysBefore: 7, remindWeeklyAfter: true });
      await seed.round.setSettingsOf('RAJ', { expected: false, contacts: ['a@example.org'] });
      await seed.round.claim('schedule:2026-03-24:before:RGT');
      await seed.round.finishClaim('schedule:2026-03-24:before:RGT', 'sent');
      await seed.round.record({ at: '2026-03-24T08:00:00.000Z', kind: 'reminder', organisation: 'RGT', recipients: ['x@example.org'],
        subject: 'Reminder', trigger: 'schedule', outcome: 'sent', error: null });
    } finally {
      await seed.close();
    }
    const first = folder();
    const toSqlite = naome('db', 'copy', '--from', seedUrl, '--to', `sqlite:${first}`);
    assert.equal(toSqlite.status, 0, toSqlite.stderr);

    // The round trip.
    const url = await freshDatabase('copytarget');
    const there = naome('db', 'copy', '--from', `sqlite:${first}`, '--to', url);
    assert.equal(there.status, 0, there.stderr);
    assert.match(there.stdout, /^submissions\s+12 rows\s+sha256 [0-9a-f]{64}$/m);
    assert.match(there.stdout, new RegExp(`^files\\s+12 files, ${files.reduce((n, f) => n + f.length, 0)} bytes, each matching its SHA-256$`, 'm'));
    assert.match(there.stderr, /Copied and checked/);
    const back = folder();
    const backAgain = naome('db', 'copy', '--from', url, '--to', `sqlite:${back}`);
    assert.equal(backAgain.status, 0, backAgain.stderr);
    assert.equal(backAgain.stdout, there.stdout, 'the same figures both ways');

    const original = dump(first);
    assert.deepEqual(dump(back), original);
    assert.equal((original.submissions as unknown[]).length, 12);
    assert.equal((original.reviews as unknown[]).length, 3);
    assert.equal((original.keys as unknown[]).length, 3);
    assert.deepEqual((original.submissions as Array<{ bytes: string }>).map((s) => s.bytes), files.map((f) => f.toString('hex')));

    // On PostgreSQL, the copy is a working store: its lists, files and next ids.
    const store = await PostgresStore.open(url);
    try {
      assert.deepEqual((await store.receipts()).map((r) => r.version).slice(0, 3), [4, 4, 4]);
      const latest = (await store.latestReceipts()).get('RGT')!;
      assert.ok((await store.storedFile(latest.id))!.bytes.equals(files[9]!));
      const review = await store.addReview(latest.id, 'accepted', 'ok', 'admin');
      assert.equal(review.id, 4, 'reviews go on from the copied ids');
      assert.equal(await store.activeKeyHash('RGT'), 'c'.repeat(64));
      assert.deepEqual(await store.round.settings(), { deadline: '2026-03-31', remindDaysBefore: 7, remindWeeklyAfter: true });
    } finally {
      await store.close();
    }

    // A target with data is refused, and left as it was.
    const refused = naome('db', 'copy', '--from', `sqlite:${first}`, '--to', `sqlite:${back}`);
    assert.equal(refused.status, 2);
    assert.match(refused.stderr, /already holds data \(\d+ rows\): copy only into an empty database\. Nothing was copied\./);
    assert.deepEqual(dump(back), original);
    const wrong = naome('db', 'copy', '--from', 'mysql://x', '--to', `sqlite:${back}`);
    assert.equal(wrong.status, 2);
    assert.match(wrong.stderr, /"mysql:\/\/x" is neither sqlite:DIR/);
    // A stored file that no longer matches its SHA-256 stops the copy; the target keeps nothing.
    const damaged = folder();
    assert.equal(naome('db', 'copy', '--from', `sqlite:${first}`, '--to', `sqlite:${damaged}`).status, 0);
    const raw = new Database(join(damaged, DATABASE_FILE));
    raw.prepare(`INSERT INTO submissions (id, organisation, version, received_at, sha256, format, bytes, plan_json, result_json)
      VALUES ('bad', 'RGT', 99, '2026-02-01T00:00:00.000Z', ?, 'json', ?, '{}', '{}')`).run('0'.repeat(64), Buffer.from('not those bytes'));
    raw.close();
    const emptyUrl = await freshDatabase('copydamaged');
    const stopped = naome('db', 'copy', '--from', `sqlite:${damaged}`, '--to', emptyUrl);
    assert.equal(stopped.status, 2);
    assert.match(stopped.stderr, /stored file of submission bad does not match its SHA-256 \(0{64}\): nothing was copied\./);
    const check = await PostgresStore.open(emptyUrl);
    assert.deepEqual(await check.receipts(), []);
    assert.deepEqual(await check.organisations(), []);
    await check.close();
    const missing = naome('db', 'copy', '--from', `sqlite:${join(back, 'nothing-here')}`, '--to', url);
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /there is no database in .*nothing-here/);
  });
});
