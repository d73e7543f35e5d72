// The PostgreSQL engine (naome serve --database postgres://…): the same tables, rules and guarantees as the SQLite
// engine, for several server processes sharing one database. What SQLite gets from its single writer, this engine gets
// from PostgreSQL's locks: a submission's version is computed and stored under a per-organisation advisory lock (held
// by its transaction, so by whichever process stores it), with UNIQUE (organisation, version) as the last word.
import { randomUUID } from 'node:crypto';
import pg, { type Pool, type PoolClient } from 'pg';
import type { ValidationResult } from '../../../shared/findings';
import type { Organisation } from '../../../shared/organisations';
import {
  RECEIPT_COLUMNS, REVIEW_SELECT, receiptOf, reviewOf, storedOf, type ReviewRow, type SubmissionRow,
} from '../rows';
import {
  IdempotencyConflict, warningsOf, type MessageOutcome, type MessageRecord, type NewSubmission,
  type Receipt, type Review, type ReviewState, type RoundOrganisation, type RoundSettings, type RoundStore, type Store,
  type StoredFile, type StoredSubmission, type SubmitOutcome,
} from '../types';
import { migrate } from './migrations';
import { PostgresRateLimitStore, forgetEndedWindows } from './rateLimits';

/** Advisory lock classes (the first key of pg_advisory_xact_lock(int, int)); the second is hashtext(the name). */
const LOCK = { submissions: 1, keys: 2, organisations: 3 } as const;

/**
 * What a PostgreSQL failure means, in the words the SQLite engine uses (null when the error is not the storage's).
 * SQLSTATE classes: 53 insufficient resources, 08 connection, 57P0x shutdown, 25006 read-only, XX corruption; and the
 * client's own errors when it cannot reach the server at all.
 */
export function postgresErrorText(err: unknown): string | null {
  const code = String((err as { code?: unknown })?.code ?? '');
  const message = String((err as { message?: unknown })?.message ?? '');
  if (code === '53100') return 'the database or its disk is full';
  if (code === 'XX001' || code === 'XX002') return 'the database file is damaged';
  if (code === '25006' || code === '57P04') return 'the database is read-only';
  if (code.startsWith('53') || code === '55P03' || code === '40001' || code === '40P01' || code === '57014') return 'the database is busy';
  if (code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03' || code === '58030'
    || ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EPIPE'].includes(code)
    || /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Query read timeout)/.test(message)) {
    return 'the database cannot be reached';
  }
  return null;
}

/**
 * Each organisation's latest version, in code order (the same order SQLite gives: "C" collation); with `previous`, the
 * plan of the version before it too (null for a first version).
 */
function latestSubmissions(previous = false): string {
  const columns = RECEIPT_COLUMNS.split(', ').map((c) => `s.${c}`).join(', ');
  return `SELECT * FROM (
    SELECT DISTINCT ON (s.organisation) ${columns}, s.plan_json${previous ? ', p.plan_json AS previous_plan_json' : ''}
    FROM submissions s${previous ? ' LEFT JOIN submissions p ON p.organisation = s.organisation AND p.version = s.version - 1' : ''}
    ORDER BY s.organisation, s.version DESC
  ) latest ORDER BY organisation`;
}
const LATEST_SUBMISSIONS = latestSubmissions();
const LATEST_SUBMISSIONS_WITH_PREVIOUS = latestSubmissions(true);

/**
 * Rows a cursor fetches per round trip: a national collation reads 1,334 latest plans (~33 KB each), and a round trip
 * for each cost a fifth of a national CSV and a third of a workbook; eight at a time keep memory as small.
 */
const CURSOR_BATCH = 8;

export class PostgresStore implements Store {
  readonly engine = 'postgres' as const;
  readonly round: RoundStore;
  private closed = false;
  /** Clients held by iterations in progress, released by close() if the caller never finishes them. */
  private readonly iterating = new Set<PoolClient>();
  private readonly sweeper: NodeJS.Timeout;
  private organisationsCache: { version: string; list: Organisation[] } | undefined;

  private constructor(readonly pool: Pool) {
    this.round = new PostgresRoundStore(this);
    this.sweeper = setInterval(() => void forgetEndedWindows(pool).catch(() => undefined), 60_000).unref();
  }

  /** Connects, migrates (under the migration lock) and returns the store. */
  static async open(url: string): Promise<PostgresStore> {
    const pool = new pg.Pool({
      connectionString: url,
      max: 10,
      // A server that does not answer (or a lock never granted) makes requests fail (503, "busy" or "cannot be
      // reached") after these, rather than wait for ever.
      connectionTimeoutMillis: 10_000,
      statement_timeout: 30_000,
      query_timeout: 35_000,
      idleTimeoutMillis: 30_000,
      application_name: 'naome',
    });
    // An idle connection the server drops (restart, admin shutdown) is an event, not a crash: the next query reconnects.
    pool.on('error', () => undefined);
    try {
      const client = await pool.connect();
      try {
        await migrate(client);
      } finally {
        client.release();
      }
    } catch (err) {
      await pool.end().catch(() => undefined);
      throw err;
    }
    return new PostgresStore(pool);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.sweeper);
    for (const client of this.iterating) client.release(true);
    this.iterating.clear();
    await this.pool.end();
  }

  /** Runs fn in one transaction on one connection: committed when it resolves, rolled back when it throws. */
  async transaction<T>(fn: (client: PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch((e: Error) => { broken = e; });
      throw err;
    } finally {
      client.release(broken);
    }
  }

  private async one<T extends object>(text: string, values: unknown[] = [], client: Pool | PoolClient = this.pool): Promise<T | undefined> {
    return (await client.query<T>(text, values)).rows[0];
  }

  private async all<T extends object>(text: string, values: unknown[] = [], client: Pool | PoolClient = this.pool): Promise<T[]> {
    return (await client.query<T>(text, values)).rows;
  }

  // ── health ───────────────────────────────────────────────────────────────────────────────────────────────────────
  storageErrorText(err: unknown): string | null {
    return postgresErrorText(err);
  }

  /**
   * A read (the newest submission) and a write (one small row, committed like a submission), each within 5 s. The
   * server's free disk cannot be read through SQL: a full disk shows as the write failing (53100), said as "full".
   * `margin` is the SQLite engine's concern (its page limit and the local disk).
   */
  async storageProblem(_margin: number): Promise<string | null> {
    try {
      await this.transaction(async (c) => {
        await c.query("SET LOCAL statement_timeout = '5s'");
        await c.query('SELECT id, organisation, version FROM submissions ORDER BY seq DESC LIMIT 1');
        await c.query(`INSERT INTO health_checks (id, checked_at) VALUES (1, $1)
          ON CONFLICT (id) DO UPDATE SET checked_at = excluded.checked_at`, [new Date().toISOString()]);
      });
      return null;
    } catch (err) {
      return postgresErrorText(err) ?? `the database cannot be used (${(err as Error).message.slice(0, 100)})`;
    }
  }

  rateLimitStore(name: string): PostgresRateLimitStore {
    return new PostgresRateLimitStore(this.pool, name);
  }

  async usageSince(code: string, sinceIso: string): Promise<{ versions: number; bytes: number }> {
    const row = (await this.one<{ versions: number; bytes: string }>(
      `SELECT count(*)::int AS versions, COALESCE(SUM(octet_length(bytes)), 0)::bigint AS bytes
       FROM submissions WHERE organisation = $1 AND received_at >= $2`, [code, sinceIso]))!;
    return { versions: row.versions, bytes: Number(row.bytes) };
  }

  // ── organisations ──────────────────────────────────────────────────────────────────────────────────────────────
  /**
   * The list, kept in memory while the database's list version stays the same (one one-row read per call): another
   * process may have replaced it. The same array comes back until then, which the check pool relies on to send the
   * list to its workers only when it changed.
   */
  async organisations(): Promise<Organisation[]> {
    const { version } = (await this.one<{ version: string }>('SELECT version FROM organisations_version WHERE id = 1'))!;
    if (this.organisationsCache?.version !== version) {
      // Read with its version in one snapshot: a replacement committed between two reads cannot pair a list with
      // the wrong version.
      const rows = await this.all<Organisation & { version: string }>(`SELECT o.code, o.name, o.nation, o.region, v.version
        FROM organisations_version v LEFT JOIN organisations o ON true WHERE v.id = 1 ORDER BY o.position`);
      this.organisationsCache = {
        version: rows[0]!.version,
        list: rows.filter((r) => r.code !== null).map(({ code, name, nation, region }) => ({ code, name, nation, region })),
      };
    }
    return this.organisationsCache.list;
  }

  organisation(code: string): Promise<Organisation | undefined> {
    return this.one<Organisation>('SELECT code, name, nation, region FROM organisations WHERE code = $1', [code]);
  }

  async replaceOrganisations(list: Organisation[]): Promise<void> {
    await this.transaction((c) => this.writeOrganisations(c, list));
  }

  /** Under the organisations lock, so two processes replacing (or seeding) at once take turns. */
  private async writeOrganisations(c: PoolClient, list: Organisation[]): Promise<void> {
    await c.query('SELECT pg_advisory_xact_lock($1, 0)', [LOCK.organisations]);
    await c.query('UPDATE organisations_version SET version = version + 1 WHERE id = 1');
    await c.query('DELETE FROM organisations');
    // One statement for the whole list: unnest the columns.
    await c.query(`INSERT INTO organisations (code, name, nation, region, position)
      SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int[])`,
    [list.map((o) => o.code), list.map((o) => o.name), list.map((o) => o.nation), list.map((o) => o.region), list.map((_, i) => i)]);
    for (const o of list) {
      if (o.expected !== undefined || o.contacts !== undefined) await this.writeSettingsOf(c, o.code, { expected: o.expected, contacts: o.contacts });
    }
  }

  async seedOrganisations(list: () => Organisation[]): Promise<void> {
    await this.transaction(async (c) => {
      await c.query('SELECT pg_advisory_xact_lock($1, 0)', [LOCK.organisations]);
      const { n } = (await this.one<{ n: number }>('SELECT count(*)::int AS n FROM organisations', [], c))!;
      if (n === 0) await this.writeOrganisations(c, list());
    });
  }

  async writeSettingsOf(c: Pool | PoolClient, code: string, s: { expected?: boolean; contacts?: string[] }): Promise<void> {
    const expected = s.expected === undefined ? null : s.expected ? 1 : 0;
    const contacts = s.contacts === undefined ? null : JSON.stringify(s.contacts);
    await c.query(`INSERT INTO organisation_settings AS o (code, expected, contacts_json) VALUES ($1, COALESCE($2::int, 1), COALESCE($3::text, '[]'))
      ON CONFLICT (code) DO UPDATE SET expected = COALESCE($2::int, o.expected), contacts_json = COALESCE($3::text, o.contacts_json)`,
    [code, expected, contacts]);
  }

  // ── keys (hashes only) ─────────────────────────────────────────────────────────────────────────────────────────
  async activeKeyHash(owner: string): Promise<string | undefined> {
    return (await this.one<{ sha256: string }>(
      'SELECT sha256 FROM keys WHERE owner = $1 AND revoked_at IS NULL ORDER BY id DESC LIMIT 1', [owner]))?.sha256;
  }

  async replaceKey(owner: string, sha256: string, now = new Date().toISOString()): Promise<void> {
    await this.transaction(async (c) => {
      await c.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [LOCK.keys, owner]);
      await c.query('UPDATE keys SET revoked_at = $1 WHERE owner = $2 AND revoked_at IS NULL', [now, owner]);
      await c.query('INSERT INTO keys (owner, sha256, created_at) VALUES ($1, $2, $3)', [owner, sha256, now]);
    });
  }

  async revokeKey(owner: string, now = new Date().toISOString()): Promise<boolean> {
    const { rowCount } = await this.pool.query('UPDATE keys SET revoked_at = $1 WHERE owner = $2 AND revoked_at IS NULL', [now, owner]);
    return (rowCount ?? 0) > 0;
  }

  async keyOwners(): Promise<Set<string>> {
    const rows = await this.all<{ owner: string }>('SELECT DISTINCT owner FROM keys WHERE revoked_at IS NULL');
    return new Set(rows.map((r) => r.owner));
  }

  // ── submissions (append-only) ──────────────────────────────────────────────────────────────────────────────────
  /**
   * Takes the organisation's submission lock for the rest of the transaction: every process storing a version of this
   * organisation waits here, so the MAX(version) read after it (READ COMMITTED: a fresh snapshot per statement) sees
   * every version committed before, and the next is max + 1 with no gap and no repeat.
   */
  private async lockOrganisation(c: PoolClient, code: string): Promise<void> {
    await c.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [LOCK.submissions, code]);
  }

  private async insertSubmission(c: PoolClient, s: NewSubmission): Promise<Receipt> {
    const id = randomUUID();
    const { rows } = await c.query<{ version: number }>(
      `INSERT INTO submissions (id, organisation, version, received_at, sha256, format, file_name, bytes, plan_json, result_json)
       SELECT $1, $2, COALESCE(MAX(version), 0) + 1, $3, $4, $5, $6, $7, $8, $9 FROM submissions WHERE organisation = $2
       RETURNING version`,
      [id, s.organisation.code, s.receivedAt, s.sha256, s.format, s.fileName, s.bytes, JSON.stringify(s.plan), JSON.stringify(s.result)],
    );
    return {
      id, organisation: s.organisation, version: rows[0]!.version, receivedAt: s.receivedAt, sha256: s.sha256, format: s.format,
      warnings: warningsOf(s.result),
    };
  }

  addSubmission(s: NewSubmission): Promise<Receipt> {
    return this.transaction(async (c) => {
      await this.lockOrganisation(c, s.organisation.code);
      return this.insertSubmission(c, s);
    });
  }

  submitOnce(s: NewSubmission, idempotency?: { key: string; sha256: string }): Promise<SubmitOutcome> {
    return this.transaction(async (c): Promise<SubmitOutcome> => {
      await this.lockOrganisation(c, s.organisation.code);
      if (idempotency) {
        const earlier = await this.replayWith(c, s.organisation.code, idempotency.key, idempotency.sha256);
        if (earlier) return { receipt: earlier, replayed: true };
      }
      const latest = await this.one<SubmissionRow>(
        `SELECT ${RECEIPT_COLUMNS}, plan_json FROM submissions WHERE organisation = $1 ORDER BY version DESC LIMIT 1`, [s.organisation.code], c);
      const outcome: SubmitOutcome = latest && (latest.sha256 === s.sha256 || latest.plan_json === JSON.stringify(s.plan))
        ? { receipt: receiptOf(latest), replayed: true }
        : { receipt: await this.insertSubmission(c, s), replayed: false };
      if (idempotency) {
        await c.query('INSERT INTO idempotency_keys (organisation, key, sha256, submission, created_at) VALUES ($1, $2, $3, $4, $5)',
          [s.organisation.code, idempotency.key, idempotency.sha256, outcome.receipt.id, s.receivedAt]);
      }
      return outcome;
    });
  }

  replayOf(code: string, key: string, sha256: string): Promise<Receipt | undefined> {
    return this.replayWith(this.pool, code, key, sha256);
  }

  private async replayWith(c: Pool | PoolClient, code: string, key: string, sha256: string): Promise<Receipt | undefined> {
    const row = await this.one<SubmissionRow & { key_sha256: string }>(
      `SELECT i.sha256 AS key_sha256, ${RECEIPT_COLUMNS.split(', ').map((col) => `s.${col}`).join(', ')}
       FROM idempotency_keys i JOIN submissions s ON s.id = i.submission WHERE i.organisation = $1 AND i.key = $2`, [code, key], c);
    if (!row) return undefined;
    if (row.key_sha256 !== sha256) throw new IdempotencyConflict(key);
    return receiptOf(row);
  }

  async latestWithSha(code: string, sha256: string): Promise<Receipt | undefined> {
    const row = await this.one<SubmissionRow>(`SELECT ${RECEIPT_COLUMNS} FROM submissions WHERE organisation = $1 ORDER BY version DESC LIMIT 1`, [code]);
    return row && row.sha256 === sha256 ? receiptOf(row) : undefined;
  }

  async latestSubmission(code: string): Promise<StoredSubmission | undefined> {
    const row = await this.one<SubmissionRow>(`SELECT ${RECEIPT_COLUMNS}, plan_json FROM submissions WHERE organisation = $1 ORDER BY version DESC LIMIT 1`, [code]);
    return row && storedOf(row);
  }

  async submissionByVersion(code: string, version: number): Promise<StoredSubmission | undefined> {
    const row = await this.one<SubmissionRow>(`SELECT ${RECEIPT_COLUMNS}, plan_json FROM submissions WHERE organisation = $1 AND version = $2`, [code, version]);
    return row && storedOf(row);
  }

  async submission(id: string): Promise<StoredSubmission | undefined> {
    const row = await this.one<SubmissionRow>(`SELECT ${RECEIPT_COLUMNS}, plan_json FROM submissions WHERE id = $1`, [id]);
    return row && storedOf(row);
  }

  async storedFile(id: string): Promise<StoredFile | undefined> {
    const row = await this.one<{ organisation: string; format: StoredFile['format']; file_name: string | null; bytes: Buffer }>(
      'SELECT organisation, format, file_name, bytes FROM submissions WHERE id = $1', [id]);
    return row && { organisation: row.organisation, format: row.format, fileName: row.file_name, bytes: row.bytes };
  }

  async receipts(code?: string): Promise<Receipt[]> {
    const rows = code === undefined
      ? await this.all<SubmissionRow>(`SELECT ${RECEIPT_COLUMNS} FROM submissions ORDER BY seq DESC`)
      : await this.all<SubmissionRow>(`SELECT ${RECEIPT_COLUMNS} FROM submissions WHERE organisation = $1 ORDER BY seq DESC`, [code]);
    return rows.map((r) => receiptOf(r));
  }

  async history(code: string): Promise<Array<{ receipt: Receipt; result: ValidationResult }>> {
    const rows = await this.all<SubmissionRow>(`SELECT ${RECEIPT_COLUMNS} FROM submissions WHERE organisation = $1 ORDER BY version DESC`, [code]);
    return rows.map((r) => {
      const result = JSON.parse(r.result_json) as ValidationResult;
      return { receipt: receiptOf(r, result), result };
    });
  }

  async latestReceipts(): Promise<Map<string, Receipt>> {
    const rows = await this.all<SubmissionRow>(`SELECT DISTINCT ON (organisation) ${RECEIPT_COLUMNS} FROM submissions ORDER BY organisation, version DESC`);
    return new Map(rows.map((r) => [r.organisation, receiptOf(r)]));
  }

  async latestSubmissions(): Promise<StoredSubmission[]> {
    return (await this.all<SubmissionRow>(LATEST_SUBMISSIONS)).map(storedOf);
  }

  /**
   * Rows of `query` a few at a time through a server-side cursor, in a read-only REPEATABLE READ transaction (one
   * snapshot) on a connection of its own. Ending the loop early (or an exception) closes the transaction and gives the
   * connection back.
   */
  private async *cursor<R extends object>(query: string): AsyncGenerator<R> {
    const client = await this.pool.connect();
    this.iterating.add(client);
    let broken: Error | undefined;
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      await client.query(`DECLARE latest_rows NO SCROLL CURSOR FOR ${query}`);
      for (;;) {
        const { rows } = await client.query<R>(`FETCH ${CURSOR_BATCH} FROM latest_rows`);
        yield* rows;
        if (rows.length < CURSOR_BATCH) break;
      }
    } finally {
      if (this.iterating.delete(client)) {
        await client.query('ROLLBACK').catch((e: Error) => { broken = e; });
        client.release(broken);
      }
    }
  }

  eachLatestSubmissionRow({ previous = false }: { previous?: boolean } = {}): AsyncIterable<SubmissionRow> {
    return this.cursor<SubmissionRow>(previous ? LATEST_SUBMISSIONS_WITH_PREVIOUS : LATEST_SUBMISSIONS);
  }

  // ── reviews (append-only) ──────────────────────────────────────────────────────────────────────────────────────
  async addReview(submission: string, state: ReviewState, comment: string, reviewer: string, now = new Date().toISOString()): Promise<Review> {
    const row = await this.one<ReviewRow>(`WITH r AS (
        INSERT INTO reviews (submission, state, comment, reviewer, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING *
      ) SELECT r.id, r.submission, s.organisation, s.version, r.state, r.comment, r.reviewer, r.created_at
        FROM r JOIN submissions s ON s.id = r.submission`, [submission, state, comment, reviewer, now]);
    return reviewOf(row!);
  }

  async reviews(where: { organisation: string } | { submission: string }): Promise<Review[]> {
    const rows = 'submission' in where
      ? await this.all<ReviewRow>(`${REVIEW_SELECT} WHERE r.submission = $1 ORDER BY r.id`, [where.submission])
      : await this.all<ReviewRow>(`${REVIEW_SELECT} WHERE s.organisation = $1 ORDER BY r.id`, [where.organisation]);
    return rows.map(reviewOf);
  }

  async latestReviews(): Promise<Map<string, Review>> {
    const rows = await this.all<ReviewRow>(`${REVIEW_SELECT}
      WHERE s.version = (SELECT MAX(version) FROM submissions WHERE organisation = s.organisation)
      ORDER BY r.id`);
    return new Map(rows.map((r) => [r.organisation, reviewOf(r)]));
  }
}

class PostgresRoundStore implements RoundStore {
  constructor(private readonly store: PostgresStore) {}

  private get pool() {
    return this.store.pool;
  }

  async settings(): Promise<RoundSettings> {
    const { rows } = await this.pool.query<{ deadline: string | null; remind_days_before: number | null; remind_weekly_after: number }>(
      'SELECT deadline, remind_days_before, remind_weekly_after FROM round WHERE id = 1');
    const row = rows[0]!;
    return { deadline: row.deadline, remindDaysBefore: row.remind_days_before, remindWeeklyAfter: row.remind_weekly_after === 1 };
  }

  async setSettings(s: RoundSettings): Promise<void> {
    await this.pool.query('UPDATE round SET deadline = $1, remind_days_before = $2, remind_weekly_after = $3 WHERE id = 1',
      [s.deadline, s.remindDaysBefore, s.remindWeeklyAfter ? 1 : 0]);
  }

  async organisations(): Promise<RoundOrganisation[]> {
    const [list, { rows }] = await Promise.all([
      this.store.organisations(),
      this.pool.query<{ code: string; expected: number; contacts_json: string }>('SELECT code, expected, contacts_json FROM organisation_settings'),
    ]);
    const settings = new Map(rows.map((r) => [r.code, r]));
    return list.map((o) => {
      const s = settings.get(o.code);
      return { ...o, expected: s ? s.expected === 1 : true, contacts: s ? JSON.parse(s.contacts_json) as string[] : [] };
    });
  }

  setSettingsOf(code: string, settings: { expected?: boolean; contacts?: string[] }): Promise<void> {
    return this.store.writeSettingsOf(this.pool, code, settings);
  }

  async firstReturns(): Promise<Array<{ code: string; at: string }>> {
    return (await this.pool.query<{ code: string; at: string }>(
      'SELECT organisation AS code, received_at AS at FROM submissions WHERE version = 1 ORDER BY received_at, seq')).rows;
  }

  /**
   * One conditional upsert: of several processes claiming at once, PostgreSQL lets one insert and makes the others
   * wait for it and then find the row, which they may take over only if its sending failed.
   */
  async claim(key: string, now = new Date().toISOString()): Promise<boolean> {
    const { rowCount } = await this.pool.query(`INSERT INTO reminder_claims AS c (key, state, claimed_at) VALUES ($1, 'sending', $2)
      ON CONFLICT (key) DO UPDATE SET state = 'sending', claimed_at = excluded.claimed_at, finished_at = NULL
      WHERE c.state = 'failed'`, [key, now]);
    return rowCount === 1;
  }

  async isClaimed(key: string): Promise<boolean> {
    return (await this.pool.query("SELECT 1 FROM reminder_claims WHERE key = $1 AND state != 'failed'", [key])).rows.length > 0;
  }

  async finishClaim(key: string, outcome: MessageOutcome, now = new Date().toISOString()): Promise<void> {
    await this.pool.query('UPDATE reminder_claims SET state = $1, finished_at = $2 WHERE key = $3', [outcome, now, key]);
  }

  async record(m: MessageRecord): Promise<void> {
    await this.pool.query(`INSERT INTO messages (at, kind, organisation, recipients, subject, "trigger", outcome, error)
      VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [m.at, m.kind, m.organisation, m.recipients.join('; '), m.subject, m.trigger, m.outcome, m.error]);
  }

  async messages(limit = 500): Promise<MessageRecord[]> {
    const { rows } = await this.pool.query<Omit<MessageRecord, 'recipients'> & { recipients: string }>(
      'SELECT at, kind, organisation, recipients, subject, "trigger", outcome, error FROM messages ORDER BY id DESC LIMIT $1', [limit]);
    return rows.map((r) => ({ ...r, recipients: r.recipients ? r.recipients.split('; ') : [] }));
  }
}

/** What server/store/open.ts calls for a postgres:// URL. */
export const openPostgresStore = (url: string): Promise<PostgresStore> => PostgresStore.open(url);
