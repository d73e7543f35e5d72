// The SQLite engine of the Store (server/store/types.ts): one file (WAL) under the data folder holding organisations,
// key hashes, every submission ever accepted, reviews and the round. better-sqlite3 is synchronous, so each method
// does its work at once and returns a settled promise: a transaction never spans an await, and never interleaves.
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statfsSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { ValidationResult } from '../../../shared/findings';
import type { Organisation } from '../../../shared/organisations';
import { RECEIPT_COLUMNS, REVIEW_SELECT, receiptOf, reviewOf, storedOf, type ReviewRow, type SubmissionRow } from '../rows';
import {
  IdempotencyConflict, warningsOf, type NewSubmission, type Receipt, type Review, type ReviewState,
  type Store, type StoredFile, type StoredSubmission, type SubmissionFormat, type SubmitOutcome,
} from '../types';
import { migrate } from './migrations';
import { SqliteRoundStore } from './round';

export const DATABASE_FILE = 'naome.sqlite';

/**
 * What a storage failure means, for the client and for /api/health (null when the error is not the storage's): these
 * are answered 503 (try later), never 500, because the request was fine and nothing of it was kept.
 */
export function sqliteErrorText(err: unknown): string | null {
  const code = String((err as { code?: unknown })?.code ?? '');
  if (code.startsWith('SQLITE_FULL')) return 'the database or its disk is full';
  if (code.startsWith('SQLITE_CORRUPT') || code.startsWith('SQLITE_NOTADB')) return 'the database file is damaged';
  if (code.startsWith('SQLITE_IOERR') || code.startsWith('SQLITE_CANTOPEN')) return 'the database file cannot be read or written';
  if (code.startsWith('SQLITE_READONLY') || code.startsWith('SQLITE_PERM')) return 'the database is read-only';
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return 'the database is busy';
  return null;
}

/**
 * Each organisation's latest version, its plan as `plan` reads a plan column, and with `previous` the plan of the
 * version before it (null for a first version).
 */
function latestSubmissions(plan: (column: string) => string, previous = false): string {
  const before = `(SELECT ${plan('p.plan_json')} FROM submissions p WHERE p.organisation = s.organisation AND p.version = s.version - 1)`;
  return `SELECT ${RECEIPT_COLUMNS}, ${plan('plan_json')} AS plan_json${previous ? `, ${before} AS previous_plan_json` : ''}
    FROM submissions s
    WHERE version = (SELECT MAX(version) FROM submissions WHERE organisation = s.organisation)
    ORDER BY organisation`;
}
const asText = (column: string) => column;
/**
 * A plan as its UTF-8 bytes, as SQLite holds it: no string made on the reading thread (a third of its time in a
 * national CSV), and bytes another thread can be given without a copy.
 */
const asBytes = (column: string) => `CAST(${column} AS BLOB)`;
const LATEST_SUBMISSIONS = latestSubmissions(asText);

export class SqliteStore implements Store {
  readonly engine = 'sqlite' as const;
  /** The connection; only this engine's code and its tests use it. */
  readonly db: Database.Database;
  readonly path: string;
  readonly round: SqliteRoundStore;
  private readonly statements = new Map<string, Database.Statement>();
  /** The list is read on every check and changes only when the admin replaces it. */
  private organisationsCache: Organisation[] | undefined;
  private dataVersion = -1;

  constructor(dataDir: string) {
    mkdirSync(dataDir, { recursive: true });
    this.path = join(dataDir, DATABASE_FILE);
    // Readable by the service's own user only: SQLite gives its -wal and -shm files the database file's permissions.
    if (!existsSync(this.path)) closeSync(openSync(this.path, 'a', 0o600));
    for (const suffix of ['', '-wal', '-shm']) if (existsSync(this.path + suffix)) chmodSync(this.path + suffix, 0o600);
    this.db = new Database(this.path);
    this.db.pragma('journal_mode = WAL');
    // FULL: a commit is on disk before the 201 goes out, so not even a power cut loses an acknowledged submission.
    this.db.pragma('synchronous = FULL');
    this.db.pragma('busy_timeout = 5000');
    migrate(this.db);
    this.round = new SqliteRoundStore(this);
  }

  /** A prepared statement, prepared once per SQL text (the round's statements too). */
  sql(text: string): Database.Statement {
    let stmt = this.statements.get(text);
    if (!stmt) this.statements.set(text, (stmt = this.db.prepare(text)));
    return stmt;
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }

  storageErrorText(err: unknown): string | null {
    return sqliteErrorText(err);
  }

  /** Rate limits stay in each process's memory: SQLite offers no cheap shared counter worth a write per request. */
  rateLimitStore(): undefined {
    return undefined;
  }

  // ── health ───────────────────────────────────────────────────────────────────────────────────────────────────────
  /**
   * Why storage cannot take a submission now, or null when it can: a read (the newest submission), a write (one small
   * row, committed like a submission), and room for `margin` more bytes (free disk, and the database's page limit).
   */
  async storageProblem(margin: number): Promise<string | null> {
    try {
      this.sql('SELECT id, organisation, version FROM submissions ORDER BY rowid DESC LIMIT 1').get();
      this.sql('INSERT INTO health_checks (id, checked_at) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET checked_at = excluded.checked_at').run(new Date().toISOString());
      const pageSize = this.sql('PRAGMA page_size').pluck().get() as number;
      const pages = this.sql('PRAGMA page_count').pluck().get() as number;
      const maxPages = this.sql('PRAGMA max_page_count').pluck().get() as number;
      if ((maxPages - pages) * pageSize < margin) return 'the database is full (it has reached its page limit)';
      const disk = statfsSync(this.path);
      if (disk.bavail * disk.bsize < 2 * margin) return 'the disk holding the database is full';
      return null;
    } catch (err) {
      return sqliteErrorText(err) ?? `the database cannot be used (${(err as Error).message.slice(0, 100)})`;
    }
  }

  /** The versions an organisation stored since `sinceIso`, and their bytes (for its daily quota). */
  async usageSince(code: string, sinceIso: string): Promise<{ versions: number; bytes: number }> {
    return this.sql('SELECT count(*) AS versions, COALESCE(SUM(length(bytes)), 0) AS bytes FROM submissions WHERE organisation = ? AND received_at >= ?')
      .get(code, sinceIso) as { versions: number; bytes: number };
  }

  // ── organisations ──────────────────────────────────────────────────────────────────────────────────────────────
  /** The list, cached until any connection (another server process too) commits a change to the database. */
  async organisations(): Promise<Organisation[]> {
    const version = this.sql('PRAGMA data_version').pluck().get() as number;
    if (version !== this.dataVersion) {
      this.dataVersion = version;
      this.organisationsCache = undefined;
    }
    this.organisationsCache ??= this.sql('SELECT code, name, nation, region FROM organisations ORDER BY position').all() as Organisation[];
    return this.organisationsCache;
  }

  async organisation(code: string): Promise<Organisation | undefined> {
    return this.sql('SELECT code, name, nation, region FROM organisations WHERE code = ?').get(code) as Organisation | undefined;
  }

  /**
   * Replaces the whole list at once. Submissions and keys of organisations no longer listed are kept, and so are the
   * round's settings of each organisation (expected, contacts) unless the list says them (its CSV had the column).
   */
  async replaceOrganisations(list: Organisation[]): Promise<void> {
    this.replaceNow(list);
  }

  private replaceNow(list: Organisation[]): void {
    const insert = this.sql('INSERT INTO organisations (code, name, nation, region, position) VALUES (?, ?, ?, ?, ?)');
    const expected = this.sql(`INSERT INTO organisation_settings (code, expected) VALUES (?, ?)
      ON CONFLICT (code) DO UPDATE SET expected = excluded.expected`);
    const contacts = this.sql(`INSERT INTO organisation_settings (code, contacts_json) VALUES (?, ?)
      ON CONFLICT (code) DO UPDATE SET contacts_json = excluded.contacts_json`);
    this.db.transaction(() => {
      this.sql('DELETE FROM organisations').run();
      list.forEach((o, i) => {
        insert.run(o.code, o.name, o.nation, o.region, i);
        if (o.expected !== undefined) expected.run(o.code, o.expected ? 1 : 0);
        if (o.contacts !== undefined) contacts.run(o.code, JSON.stringify(o.contacts));
      });
    })();
    this.organisationsCache = undefined;
  }

  /** Loads the list only into an empty database (first start); a list replaced later by the admin is kept. */
  async seedOrganisations(list: () => Organisation[]): Promise<void> {
    // IMMEDIATE: two processes starting at once seed the list once.
    this.db.transaction(() => {
      const { n } = this.sql('SELECT count(*) AS n FROM organisations').get() as { n: number };
      if (n === 0) this.replaceNow(list());
    }).immediate();
  }

  // ── keys (hashes only) ─────────────────────────────────────────────────────────────────────────────────────────
  /** The hash of the owner's current key ('admin' or an ODS code), or undefined when it has none. */
  async activeKeyHash(owner: string): Promise<string | undefined> {
    const row = this.sql('SELECT sha256 FROM keys WHERE owner = ? AND revoked_at IS NULL ORDER BY id DESC LIMIT 1').get(owner) as
      | { sha256: string }
      | undefined;
    return row?.sha256;
  }

  /** Records a new key for the owner and revokes any older one, atomically. */
  async replaceKey(owner: string, sha256: string, now = new Date().toISOString()): Promise<void> {
    this.db.transaction(() => {
      this.sql('UPDATE keys SET revoked_at = ? WHERE owner = ? AND revoked_at IS NULL').run(now, owner);
      this.sql('INSERT INTO keys (owner, sha256, created_at) VALUES (?, ?, ?)').run(owner, sha256, now);
    })();
  }

  /** Revokes the owner's key; false when it had none. */
  async revokeKey(owner: string, now = new Date().toISOString()): Promise<boolean> {
    return this.sql('UPDATE keys SET revoked_at = ? WHERE owner = ? AND revoked_at IS NULL').run(now, owner).changes > 0;
  }

  /** The owners that hold a working key. */
  async keyOwners(): Promise<Set<string>> {
    const rows = this.sql('SELECT DISTINCT owner FROM keys WHERE revoked_at IS NULL').all() as Array<{ owner: string }>;
    return new Set(rows.map((r) => r.owner));
  }

  // ── submissions (append-only) ──────────────────────────────────────────────────────────────────────────────────
  /** Stores an accepted submission as the organisation's next version, in one transaction. */
  async addSubmission(s: NewSubmission): Promise<Receipt> {
    return this.insertSubmission(s);
  }

  private insertSubmission(s: NewSubmission): Receipt {
    const id = randomUUID();
    const version = this.db.transaction(() => {
      const { v } = this.sql('SELECT COALESCE(MAX(version), 0) + 1 AS v FROM submissions WHERE organisation = ?').get(s.organisation.code) as { v: number };
      this.sql(
          `INSERT INTO submissions (id, organisation, version, received_at, sha256, format, file_name, bytes, plan_json, result_json)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(id, s.organisation.code, v, s.receivedAt, s.sha256, s.format, s.fileName, s.bytes, JSON.stringify(s.plan), JSON.stringify(s.result));
      return v;
    }).immediate();
    return {
      id,
      organisation: s.organisation,
      version,
      receivedAt: s.receivedAt,
      sha256: s.sha256,
      format: s.format,
      warnings: warningsOf(s.result),
    };
  }

  /**
   * Stores a submission unless it repeats one: when the organisation's latest version has the same bytes or the same
   * plan, or the Idempotency-Key was already used with these bytes, that version's receipt comes back and nothing is
   * stored. Decided inside one IMMEDIATE transaction, so simultaneous identical submissions (from any server
   * process) make one version. A key reused with other bytes throws IdempotencyConflict.
   */
  async submitOnce(s: NewSubmission, idempotency?: { key: string; sha256: string }): Promise<SubmitOutcome> {
    return this.db.transaction((): SubmitOutcome => {
      if (idempotency) {
        const earlier = this.replayNow(s.organisation.code, idempotency.key, idempotency.sha256);
        if (earlier) return { receipt: earlier, replayed: true };
      }
      const latest = this.sql(`SELECT ${RECEIPT_COLUMNS}, plan_json FROM submissions WHERE organisation = ? ORDER BY version DESC LIMIT 1`)
        .get(s.organisation.code) as SubmissionRow | undefined;
      let outcome: SubmitOutcome;
      if (latest && (latest.sha256 === s.sha256 || latest.plan_json === JSON.stringify(s.plan))) {
        outcome = { receipt: receiptOf(latest), replayed: true };
      } else {
        outcome = { receipt: this.insertSubmission(s), replayed: false };
      }
      if (idempotency) {
        this.sql('INSERT INTO idempotency_keys (organisation, key, sha256, submission, created_at) VALUES (?, ?, ?, ?, ?)')
          .run(s.organisation.code, idempotency.key, idempotency.sha256, outcome.receipt.id, s.receivedAt);
      }
      return outcome;
    }).immediate();
  }

  /**
   * The receipt an Idempotency-Key already produced for this organisation, or undefined when the key is new; throws
   * IdempotencyConflict when the key came with other bytes.
   */
  async replayOf(code: string, key: string, sha256: string): Promise<Receipt | undefined> {
    return this.replayNow(code, key, sha256);
  }

  private replayNow(code: string, key: string, sha256: string): Receipt | undefined {
    const row = this.sql('SELECT sha256, submission FROM idempotency_keys WHERE organisation = ? AND key = ?').get(code, key) as
      | { sha256: string; submission: string }
      | undefined;
    if (!row) return undefined;
    if (row.sha256 !== sha256) throw new IdempotencyConflict(key);
    return receiptOf(this.sql(`SELECT ${RECEIPT_COLUMNS} FROM submissions WHERE id = ?`).get(row.submission) as SubmissionRow);
  }

  /** The organisation's latest receipt when its bytes had this SHA-256 (a resend, answered before any check). */
  async latestWithSha(code: string, sha256: string): Promise<Receipt | undefined> {
    const row = this.sql(`SELECT ${RECEIPT_COLUMNS} FROM submissions WHERE organisation = ? ORDER BY version DESC LIMIT 1`).get(code) as SubmissionRow | undefined;
    return row && row.sha256 === sha256 ? receiptOf(row) : undefined;
  }

  /** An organisation's latest version, with its plan and result. */
  async latestSubmission(code: string): Promise<StoredSubmission | undefined> {
    const row = this.sql(`SELECT ${RECEIPT_COLUMNS}, plan_json FROM submissions WHERE organisation = ? ORDER BY version DESC LIMIT 1`).get(code) as SubmissionRow | undefined;
    return row && storedOf(row);
  }

  /** One version of an organisation, with its plan and result. */
  async submissionByVersion(code: string, version: number): Promise<StoredSubmission | undefined> {
    const row = this.sql(`SELECT ${RECEIPT_COLUMNS}, plan_json FROM submissions WHERE organisation = ? AND version = ?`).get(code, version) as SubmissionRow | undefined;
    return row && storedOf(row);
  }

  // ── reviews (append-only) ──────────────────────────────────────────────────────────────────────────────────────
  async addReview(submission: string, state: ReviewState, comment: string, reviewer: string, now = new Date().toISOString()): Promise<Review> {
    const id = Number(this.sql('INSERT INTO reviews (submission, state, comment, reviewer, created_at) VALUES (?, ?, ?, ?, ?)')
      .run(submission, state, comment, reviewer, now).lastInsertRowid);
    return reviewOf(this.sql(`${REVIEW_SELECT} WHERE r.id = ?`).get(id) as ReviewRow);
  }

  /** Every review of one organisation's versions (or of one version), oldest first. */
  async reviews(where: { organisation: string } | { submission: string }): Promise<Review[]> {
    const rows = 'submission' in where
      ? this.sql(`${REVIEW_SELECT} WHERE r.submission = ? ORDER BY r.id`).all(where.submission)
      : this.sql(`${REVIEW_SELECT} WHERE s.organisation = ? ORDER BY r.id`).all(where.organisation);
    return (rows as ReviewRow[]).map(reviewOf);
  }

  /** Each organisation's latest review of its latest version (organisations whose latest is unreviewed are absent). */
  async latestReviews(): Promise<Map<string, Review>> {
    const rows = this.sql(`${REVIEW_SELECT}
      WHERE s.version = (SELECT MAX(version) FROM submissions WHERE organisation = s.organisation)
      ORDER BY r.id`).all() as ReviewRow[];
    return new Map(rows.map((r) => [r.organisation, reviewOf(r)]));
  }

  /** Receipts, newest first: one organisation's, or everyone's when code is undefined. */
  async receipts(code?: string): Promise<Receipt[]> {
    const rows = (code === undefined
      ? this.sql(`SELECT ${RECEIPT_COLUMNS} FROM submissions ORDER BY rowid DESC`).all()
      : this.sql(`SELECT ${RECEIPT_COLUMNS} FROM submissions WHERE organisation = ? ORDER BY rowid DESC`).all(code)) as SubmissionRow[];
    return rows.map((r) => receiptOf(r));
  }

  /** One organisation's versions with their results, newest first. */
  async history(code: string): Promise<Array<{ receipt: Receipt; result: ValidationResult }>> {
    const rows = this.sql(`SELECT ${RECEIPT_COLUMNS} FROM submissions WHERE organisation = ? ORDER BY version DESC`).all(code) as SubmissionRow[];
    return rows.map((r) => {
      const result = JSON.parse(r.result_json) as ValidationResult;
      return { receipt: receiptOf(r, result), result };
    });
  }

  async submission(id: string): Promise<StoredSubmission | undefined> {
    const row = this.sql(`SELECT ${RECEIPT_COLUMNS}, plan_json FROM submissions WHERE id = ?`).get(id) as SubmissionRow | undefined;
    return row && storedOf(row);
  }

  async storedFile(id: string): Promise<StoredFile | undefined> {
    const row = this.sql('SELECT organisation, format, file_name, bytes FROM submissions WHERE id = ?').get(id) as
      | { organisation: string; format: SubmissionFormat; file_name: string | null; bytes: Buffer }
      | undefined;
    return row && { organisation: row.organisation, format: row.format, fileName: row.file_name, bytes: row.bytes };
  }

  /** Each organisation's latest submission, with its stored plan and result (for collation and the admin list). */
  async latestSubmissions(): Promise<StoredSubmission[]> {
    return (this.sql(LATEST_SUBMISSIONS).all() as SubmissionRow[]).map(storedOf);
  }

  /**
   * The same, one at a time in code order, read through a read-only connection of its own (one consistent snapshot):
   * the caller may give the event loop a turn between submissions while this store's connection serves other
   * requests, and only one plan is in memory at a time. The connection closes when the iteration ends or is stopped.
   */
  async *eachLatestSubmissionRow({ previous = false }: { previous?: boolean } = {}): AsyncGenerator<SubmissionRow> {
    const db = new Database(this.path, { readonly: true, fileMustExist: true });
    // Pages read through a memory map, not a read() call each: a national collation reads every latest plan (~90 MB
    // of pages for 1,334 plans), and the calls were a third of SQLite's time. Past 1 GiB, pages are read as before.
    db.pragma('mmap_size = 1073741824');
    try {
      // The bytes are the text in the database's encoding: UTF-8 in every database this store makes.
      const utf8 = db.pragma('encoding', { simple: true }) === 'UTF-8';
      yield* db.prepare(latestSubmissions(utf8 ? asBytes : asText, previous)).iterate() as IterableIterator<SubmissionRow>;
    } finally {
      db.close();
    }
  }

  /** Each organisation's latest receipt, without loading plans. */
  async latestReceipts(): Promise<Map<string, Receipt>> {
    const rows = this.sql(
        `SELECT ${RECEIPT_COLUMNS} FROM submissions s
         WHERE version = (SELECT MAX(version) FROM submissions WHERE organisation = s.organisation)`,
      )
      .all() as SubmissionRow[];
    return new Map(rows.map((r) => [r.organisation, receiptOf(r)]));
  }
}
