// The Store's contract (server/store/types.ts) held against each engine (test/helpers/engines.ts): SQLite in a
// temporary folder, and a real PostgreSQL server started by the tests when one is installed. "Two processes" are two
// Store objects on the same database, each with its own connections, doing things at the same moment.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Finding, ValidationResult } from '../shared/findings';
import type { Organisation } from '../shared/organisations';
import type { Plan } from '../shared/plan';
import { PostgresStore } from '../server/store/postgres/store';
import { MIGRATIONS } from '../server/store/postgres/migrations';
import { eachLatestSubmission, storedOf } from '../server/store/rows';
import { IdempotencyConflict, type NewSubmission, type Store } from '../server/store/types';
import { ENGINES, skipUnlessAvailable, type TestDatabase } from './helpers/engines';
import { freshDatabase, postgresAvailable, POSTGRES_SKIP_MESSAGE } from './helpers/postgres';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const warning: Finding = { code: 'deadline-passed', severity: 'warning', sheet: null, cell: null, row: null, field: null, message: 'overdue' } as unknown as Finding;

/** A submission of `code` whose plan and bytes are unique to `n` (the store keeps plans and results as given). */
function submission(code: string, n: number, bytes = Buffer.concat([randomBytes(64), Buffer.from([0, 255, 0]), Buffer.from(`${code}-${n}`)])): NewSubmission {
  const result: ValidationResult = {
    file: `plan-${n}.xlsx`, valid: true, readable: true, template: { id: 'naome', version: 1 },
    organisation: { code, name: `Trust ${code}` }, findings: [warning],
  };
  return {
    organisation: { code, name: `Trust ${code}` }, receivedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString(),
    sha256: sha(bytes), format: 'xlsx', fileName: `plan-${n}.xlsx`, bytes, plan: { header: { n }, actions: [] } as unknown as Plan, result,
  };
}

const ORGS: Organisation[] = ['RGT', 'RAJ', 'R1H', 'A1B'].map((code, i) => ({ code, name: `Trust ${code}`, nation: 'England', region: `R${i}` }));

for (const engine of ENGINES) {
  describe(`Store contract: ${engine.name}`, function () {
    this.timeout(120_000);
    let db: TestDatabase;
    let a: Store;
    let b: Store;

    before(async function () {
      skipUnlessAvailable(this, engine);
      db = await engine.fresh();
      [a, b] = await Promise.all([db.open(), db.open()]);
      assert.equal(a.engine, engine.engine);
    });
    after(async () => {
      await a?.close();
      await b?.close();
      await db?.drop();
    });

    it('versions are 1, 2, 3… per organisation with no gap or repeat when two processes store at once', async () => {
      const per = 15;
      const work = ORGS.flatMap((o) => Array.from({ length: per }, (_, n) => (n % 2 ? a : b).addSubmission(submission(o.code, n))));
      const receipts = await Promise.all(work);
      for (const o of ORGS) {
        const versions = receipts.filter((r) => r.organisation.code === o.code).map((r) => r.version).sort((x, y) => x - y);
        assert.deepEqual(versions, Array.from({ length: per }, (_, i) => i + 1), o.code);
        const stored = (await b.history(o.code)).map((h) => h.receipt.version);
        assert.deepEqual(stored, Array.from({ length: per }, (_, i) => per - i));
      }
    });

    it('keeps the bytes byte for byte and the receipt as stored', async () => {
      const bytes = Buffer.concat([Buffer.alloc(1000, 0), randomBytes(300_000)]);
      const receipt = await a.addSubmission(submission('RAJ', 99, bytes));
      assert.equal(receipt.warnings.length, 1);
      const file = await b.storedFile(receipt.id);
      assert.ok(file && file.bytes.equals(bytes));
      assert.equal(sha(file.bytes), receipt.sha256);
      assert.deepEqual((await b.submission(receipt.id))?.receipt, receipt);
      assert.deepEqual((await b.latestSubmission('RAJ'))?.receipt, receipt);
      assert.deepEqual(await b.latestWithSha('RAJ', receipt.sha256), receipt);
      assert.equal(await b.latestWithSha('RAJ', 'f'.repeat(64)), undefined);
      assert.equal((await b.submissionByVersion('RAJ', receipt.version))?.plan.header.n, 99);
      const usage = await b.usageSince('RAJ', '2026-01-01T00:01:00.000Z');
      assert.deepEqual(usage, { versions: 1, bytes: bytes.length });
    });

    it('submitOnce: simultaneous identical submissions from two processes make one version; a reused key with other bytes is refused', async () => {
      const s = submission('R1H', 500);
      const outcomes = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).submitOnce(s, { key: `k-${i % 3}`, sha256: s.sha256 })));
      assert.equal(outcomes.filter((o) => !o.replayed).length, 1);
      assert.equal(new Set(outcomes.map((o) => o.receipt.id)).size, 1);
      assert.equal((await a.replayOf('R1H', 'k-1', s.sha256))?.id, outcomes[0]!.receipt.id);
      await assert.rejects(b.submitOnce(submission('R1H', 501), { key: 'k-1', sha256: 'other' }), IdempotencyConflict);
      await assert.rejects(a.replayOf('R1H', 'k-1', 'other'), IdempotencyConflict);
      // The same plan again (other bytes, new key) is the latest version, not a new one.
      const again = { ...submission('R1H', 500), plan: s.plan };
      const o = await a.submitOnce(again, { key: 'k-new', sha256: again.sha256 });
      assert.equal(o.replayed, true);
      assert.equal(o.receipt.id, outcomes[0]!.receipt.id);
    });

    it('lists: receipts newest first, latest per organisation in code order, one at a time from a snapshot', async () => {
      const all = await a.receipts();
      assert.equal(all.length, 4 * 15 + 2);
      assert.deepEqual([all[0]!.organisation.code, all[0]!.version, all[1]!.organisation.code, all[1]!.version], ['R1H', 16, 'RAJ', 16]);
      const raj = await a.receipts('RAJ');
      assert.equal(raj[0]!.version, 16);
      const latest = await a.latestSubmissions();
      assert.deepEqual(latest.map((s) => s.receipt.organisation.code), ['A1B', 'R1H', 'RAJ', 'RGT']);
      assert.deepEqual(latest.map((s) => s.receipt.version), [15, 16, 16, 15]);
      const receipts = await a.latestReceipts();
      assert.deepEqual([...receipts.keys()].sort(), ['A1B', 'R1H', 'RAJ', 'RGT']);

      // The same versions as stored, their JSON not yet read.
      const rows = [];
      for await (const row of a.eachLatestSubmissionRow()) rows.push(storedOf(row));
      assert.deepEqual(rows, latest);

      const seen: string[] = [];
      for await (const s of eachLatestSubmission(a)) {
        seen.push(s.receipt.organisation.code);
        // A version stored meanwhile (by the other process) is not in this snapshot.
        if (seen.length === 1) await b.addSubmission(submission('RGT', 1000));
      }
      assert.deepEqual(seen, ['A1B', 'R1H', 'RAJ', 'RGT']);
      const rgt15 = (await b.submissionByVersion('RGT', 15))!;
      assert.equal(rgt15.receipt.version, 15);
      assert.equal(await b.submissionByVersion('RGT', 99), undefined);
    });

    it('breaking off an iteration (or throwing in it) gives its connection back', async () => {
      const before = db.connections?.();
      for (let i = 0; i < 30; i++) {
        for await (const s of eachLatestSubmission(a)) {
          assert.ok(s);
          break;
        }
        await assert.rejects((async () => {
          for await (const s of eachLatestSubmission(a)) throw new Error(`stopped at ${s.receipt.organisation.code}`);
        })(), /stopped at A1B/);
        for await (const row of a.eachLatestSubmissionRow()) {
          assert.equal(row.organisation, 'A1B');
          break;
        }
      }
      // 90 iterations left early on a pool of 10: had one kept its connection, this would wait for ever.
      assert.equal((await a.latestSubmissions()).length, 4);
      // Where the engine can tell, no connection is left open.
      if (before !== undefined) assert.equal(db.connections!(), before);
    });

    it('reviews are appended and the latest of each latest version is found', async () => {
      const latest = (await a.latestReceipts()).get('RAJ')!;
      const first = await a.addReview(latest.id, 'changes-requested', 'fix row 3', 'admin', '2026-02-01T00:00:00.000Z');
      const second = await b.addReview(latest.id, 'accepted', 'good', 'admin', '2026-02-02T00:00:00.000Z');
      assert.equal(first.organisation, 'RAJ');
      assert.equal(first.version, latest.version);
      assert.ok(second.id > first.id);
      assert.deepEqual((await a.reviews({ submission: latest.id })).map((r) => r.state), ['changes-requested', 'accepted']);
      assert.deepEqual((await a.reviews({ organisation: 'RAJ' })).map((r) => r.id), [first.id, second.id]);
      assert.equal((await b.latestReviews()).get('RAJ')?.state, 'accepted');
    });

    it('keys: a key revoked or replaced through one process is gone for the other at once', async () => {
      await a.replaceKey('RGT', 'a'.repeat(64));
      assert.equal(await b.activeKeyHash('RGT'), 'a'.repeat(64));
      await b.replaceKey('RGT', 'b'.repeat(64));
      assert.equal(await a.activeKeyHash('RGT'), 'b'.repeat(64));
      assert.ok((await a.keyOwners()).has('RGT'));
      assert.equal(await a.revokeKey('RGT'), true);
      assert.equal(await b.activeKeyHash('RGT'), undefined);
      assert.equal(await b.revokeKey('RGT'), false);
      assert.ok(!(await b.keyOwners()).has('RGT'));
    });

    it('organisations: seeded once by two processes starting together; a replacement is seen by the other at once', async () => {
      await Promise.all([a.seedOrganisations(() => ORGS), b.seedOrganisations(() => ORGS)]);
      assert.deepEqual((await b.organisations()).map((o) => o.code), ORGS.map((o) => o.code));
      await a.round.setSettingsOf('RAJ', { contacts: ['x@example.org'] });
      await a.round.setSettingsOf('RAJ', { expected: false });
      await a.replaceOrganisations([{ ...ORGS[1]!, name: 'Renamed' }, { ...ORGS[0]!, expected: false }]);
      assert.deepEqual((await b.organisations()).map((o) => o.name), ['Renamed', 'Trust RGT']);
      assert.equal((await b.organisation('RAJ'))?.name, 'Renamed');
      const round = await b.round.organisations();
      assert.deepEqual(round.map((o) => [o.code, o.expected, o.contacts]), [['RAJ', false, ['x@example.org']], ['RGT', false, []]]);
      await b.seedOrganisations(() => ORGS); // not empty: kept
      assert.equal((await a.organisations()).length, 2);
    });

    it('round: settings, first returns, messages newest first', async () => {
      assert.deepEqual(await a.round.settings(), { deadline: null, remindDaysBefore: null, remindWeeklyAfter: false });
      await a.round.setSettings({ deadline: '2026-03-31', remindDaysBefore: 7, remindWeeklyAfter: true });
      assert.deepEqual(await b.round.settings(), { deadline: '2026-03-31', remindDaysBefore: 7, remindWeeklyAfter: true });
      const first = await b.round.firstReturns();
      assert.deepEqual(first.map((f) => f.code).sort(), ['A1B', 'R1H', 'RAJ', 'RGT']);
      for (let i = 0; i < 3; i++) {
        await (i % 2 ? a : b).round.record({ at: `2026-03-0${i + 1}T00:00:00.000Z`, kind: 'reminder', organisation: 'RAJ', recipients: ['x@example.org', 'y@example.org'],
          subject: `s${i}`, trigger: 'schedule', outcome: i === 1 ? 'failed' : 'sent', error: i === 1 ? 'refused' : null });
      }
      const messages = await a.round.messages(2);
      assert.deepEqual(messages.map((m) => m.subject), ['s2', 's1']);
      assert.deepEqual(messages[1]!.recipients, ['x@example.org', 'y@example.org']);
      assert.equal(messages[1]!.error, 'refused');
    });

    it('a scheduled reminder is claimed by exactly one of many simultaneous claims; a failed one may be claimed again', async () => {
      const wins = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).round.claim('schedule:2026-03-24:before:RAJ')));
      assert.equal(wins.filter(Boolean).length, 1);
      assert.equal(await a.round.isClaimed('schedule:2026-03-24:before:RAJ'), true);
      await b.round.finishClaim('schedule:2026-03-24:before:RAJ', 'failed');
      assert.equal(await a.round.isClaimed('schedule:2026-03-24:before:RAJ'), false);
      const again = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).round.claim('schedule:2026-03-24:before:RAJ')));
      assert.equal(again.filter(Boolean).length, 1);
      await a.round.finishClaim('schedule:2026-03-24:before:RAJ', 'sent');
      assert.equal(await b.round.claim('schedule:2026-03-24:before:RAJ'), false);
    });

    it('storage health: fine, and a storage error is told apart from others', async () => {
      assert.equal(await a.storageProblem(1_000_000), null);
      assert.equal(a.storageErrorText(new Error('a bug')), null);
    });

    it('submissions and reviews are append-only in the database itself, not only in this code', async () => {
      const { id } = (await a.latestReceipts()).get('RAJ')!;
      const kept = await b.storedFile(id);
      await a.addReview(id, 'accepted', 'ok', 'admin');
      const reviews = await b.reviews({ submission: id });
      for (const table of ['submissions', 'reviews']) {
        await assert.rejects(db.sql(`UPDATE ${table} SET ${table === 'reviews' ? 'comment' : 'file_name'} = 'x'`), new RegExp(`${table} are never changed`));
        await assert.rejects(db.sql(`DELETE FROM ${table}`), new RegExp(`${table} are never deleted`));
      }
      assert.deepEqual(await b.storedFile(id), kept);
      assert.deepEqual(await b.reviews({ submission: id }), reviews);
    });
  });
}

describe('PostgreSQL engine specifics', function () {
  this.timeout(120_000);
  let url: string;
  let store: PostgresStore;

  before(async function () {
    if (!postgresAvailable()) {
      console.log(`      ${POSTGRES_SKIP_MESSAGE}`);
      this.skip();
    }
    url = await freshDatabase('pgspec');
    store = await PostgresStore.open(url);
  });
  after(async () => store?.close());

  /** One statement on a connection of its own (on the server's maintenance database when `maintenance`). */
  const sql = async (text: string, maintenance = false) => {
    const c = new pg.Client(maintenance ? url.replace(/\/[^/]+$/, '/postgres') : url);
    await c.connect();
    try {
      return await c.query(text);
    } finally {
      await c.end();
    }
  };

  it('migrations are recorded once, and several processes starting together migrate once', async () => {
    const more = await Promise.all([PostgresStore.open(url), PostgresStore.open(url), PostgresStore.open(url)]);
    await Promise.all(more.map((s) => s.close()));
    const { rows } = await sql('SELECT version FROM schema_migrations ORDER BY version');
    assert.deepEqual(rows.map((r) => r.version), MIGRATIONS.map((_, i) => i + 1));
  });

  it('refuses a database written by a newer release, in the same words as SQLite', async () => {
    const newer = await freshDatabase('newer');
    await (await PostgresStore.open(newer)).close();
    const c = new pg.Client(newer);
    await c.connect();
    await c.query('INSERT INTO schema_migrations (version) VALUES ($1)', [MIGRATIONS.length + 1]);
    await c.end();
    await assert.rejects(PostgresStore.open(newer),
      new RegExp(`^Error: The database was written by a newer release \\(schema ${MIGRATIONS.length + 1}; this release knows ${MIGRATIONS.length}\\)\\. Upgrade naome\\.$`));
  });

  it('TRUNCATE (which skips row triggers) is refused too; files are kept as bytea', async () => {
    const receipt = await store.addSubmission(submission('RGT', 1));
    await store.addReview(receipt.id, 'accepted', 'ok', 'admin');
    for (const table of ['submissions', 'reviews']) {
      await assert.rejects(sql(`TRUNCATE ${table} CASCADE`), new RegExp(`${table} are never deleted`));
    }
    const { rows } = await sql("SELECT count(*)::int AS n, pg_typeof(bytes)::text AS t FROM submissions GROUP BY 2");
    assert.deepEqual(rows, [{ n: 1, t: 'bytea' }]);
  });

  it('the unique (organisation, version) constraint stands behind the lock', async () => {
    await assert.rejects(sql(`INSERT INTO submissions (id, organisation, version, received_at, sha256, format, bytes, plan_json, result_json)
      VALUES ('dup', 'RGT', 1, 'x', 'x', 'xlsx', '\\x00', '{}', '{}')`), /duplicate key value violates unique constraint/);
  });

  it('PostgreSQL errors are told in the SQLite engine\'s words; an unreachable server is said so', async () => {
    assert.equal(store.storageErrorText({ code: '53100' }), 'the database or its disk is full');
    assert.equal(store.storageErrorText({ code: '53300' }), 'the database is busy');
    assert.equal(store.storageErrorText({ code: '25006' }), 'the database is read-only');
    assert.equal(store.storageErrorText({ code: '57P01' }), 'the database cannot be reached');
    assert.equal(store.storageErrorText({ code: '23505' }), null);
    const port = new URL(url).port;
    const err = await PostgresStore.open(url.replace(`:${port}/`, ':1/')).then(() => null, (e: unknown) => e);
    assert.equal(store.storageErrorText(err), 'the database cannot be reached');
  });

  it('storageProblem says so when the database can be read but not written', async () => {
    const name = new URL(url).pathname.slice(1);
    // New sessions read-only, and the store's open ones ended (its pool reconnects on the next query).
    const reconnect = `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${name}'`;
    await sql(`ALTER DATABASE ${name} SET default_transaction_read_only = on`, true);
    await sql(reconnect, true);
    try {
      assert.equal(await store.storageProblem(0), 'the database is read-only');
    } finally {
      await sql(`ALTER DATABASE ${name} RESET default_transaction_read_only`, true);
      await sql(reconnect, true);
    }
    assert.equal(await store.storageProblem(0), null);
  });

  it('a statement waiting on a lock that is never granted times out and is said as busy, not held for ever', async () => {
    // Another session takes the health table and keeps it while the health check runs: its 5 s statement timeout
    // (the same mechanism as every request's 30 s one) ends the wait.
    const holder = new pg.Client(url);
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('LOCK TABLE health_checks IN ACCESS EXCLUSIVE MODE');
      assert.equal(await store.storageProblem(0), 'the database is busy');
      const { rows } = await holder.query("SELECT count(*)::int AS n FROM pg_locks WHERE relation = 'health_checks'::regclass AND granted");
      assert.ok(rows[0].n >= 1, 'the lock was still held when the check gave up');
    } finally {
      await holder.query('ROLLBACK').catch(() => undefined);
      await holder.end();
    }
    assert.equal(await store.storageProblem(0), null, 'fine again once the lock is gone');
  });

  it('keeps the organisations list in memory (the same array) until any process replaces it', async () => {
    const other = await PostgresStore.open(url);
    try {
      await other.replaceOrganisations([{ code: 'RGT', name: 'One', nation: 'England', region: 'East' }]);
      const first = await store.organisations();
      assert.deepEqual(first.map((o) => o.name), ['One']);
      assert.equal(await store.organisations(), first, 'unchanged: the same array, so the check pool sends it to its workers once');
      await other.replaceOrganisations([{ code: 'RGT', name: 'Two', nation: 'England', region: 'East' }]);
      assert.deepEqual((await store.organisations()).map((o) => o.name), ['Two'], 'replaced by another process: seen on the next call');
      await other.replaceOrganisations([]);
      assert.deepEqual(await store.organisations(), []);
    } finally {
      await other.close();
    }
  });

  it('rate-limit counts are shared by every process on the database, and a window that ended starts again', async () => {
    const other = await PostgresStore.open(url);
    try {
      const one = store.rateLimitStore('perKey');
      const two = other.rateLimitStore('perKey');
      const elsewhere = other.rateLimitStore('perClient');
      for (const s of [one, two, elsewhere]) s.init({ windowMs: 1500 } as never);
      const hits = [];
      for (let i = 0; i < 6; i++) hits.push((await (i % 2 ? one : two).increment('RGT')).totalHits);
      assert.deepEqual(hits, [1, 2, 3, 4, 5, 6]);
      assert.equal((await elsewhere.increment('RGT')).totalHits, 1, 'buckets count apart');
      await one.decrement('RGT');
      assert.equal((await two.get('RGT'))?.totalHits, 5);
      const concurrent = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? one : two).increment('RAJ')));
      assert.deepEqual(concurrent.map((h) => h.totalHits).sort((x, y) => x - y), Array.from({ length: 20 }, (_, i) => i + 1));
      await new Promise((r) => setTimeout(r, 1600));
      const fresh = await two.increment('RGT');
      assert.equal(fresh.totalHits, 1);
      assert.ok(fresh.resetTime!.getTime() > Date.now());
      await one.resetKey('RGT');
      assert.equal(await two.get('RGT'), undefined);
    } finally {
      await other.close();
    }
  });
});
