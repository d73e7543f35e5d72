// The service's storage as the rest of the code sees it: one interface, two engines (SQLite under --data, PostgreSQL
// with --database). Nothing outside an engine touches SQL; every method is async so either engine fits behind it.
// The guarantees written on each method are the contract both engines keep (and test/store.test.ts holds them to).
// Engines: server/store/sqlite.ts (SqliteStore) and server/store/postgres/store.ts, which exports
// `openPostgresStore(url: string): Promise<Store>` (migrations applied); server/store/open.ts picks one
// (`openStore({ data, database })`) and loads the PostgreSQL one by dynamic import, so SQLite users never load pg.
import type { Store as RateLimitStore } from 'express-rate-limit';
import type { Finding, ValidationResult } from '../../shared/findings';
import type { Organisation } from '../../shared/organisations';
import type { Plan } from '../../shared/plan';
import type { SubmissionRow } from './rows';

export type { RateLimitStore };

export type SubmissionFormat = 'xlsx' | 'json';

/** What an organisation is given back for an accepted submission. */
export interface Receipt {
  id: string;
  organisation: { code: string; name: string };
  version: number;
  receivedAt: string;
  sha256: string;
  format: SubmissionFormat;
  warnings: Finding[];
}

export interface NewSubmission {
  organisation: { code: string; name: string };
  receivedAt: string;
  sha256: string;
  format: SubmissionFormat;
  fileName: string | null;
  bytes: Buffer;
  plan: Plan;
  result: ValidationResult;
}

export interface StoredSubmission {
  receipt: Receipt;
  plan: Plan;
  result: ValidationResult;
}

/** A submission as stored once: its receipt, and whether it was already there (the same plan sent again). */
export interface SubmitOutcome {
  receipt: Receipt;
  /** true: nothing new was stored; the receipt is the existing version's. */
  replayed: boolean;
}

/** An Idempotency-Key sent again with a different body: the client reused a key for another request. */
export class IdempotencyConflict extends Error {
  override readonly name = 'IdempotencyConflict';
}

/**
 * Recognised by name, not instanceof: an engine loaded through import() may hold another copy of this class when its
 * caller was loaded by the CommonJS loader (as mocha does with tsx).
 */
export const isIdempotencyConflict = (err: unknown): err is IdempotencyConflict => err instanceof Error && err.name === 'IdempotencyConflict';

export type ReviewState = 'accepted' | 'changes-requested';
export const REVIEW_STATES: readonly ReviewState[] = ['accepted', 'changes-requested'];

/** One review of one version by the national team; a later review of the same version supersedes it. */
export interface Review {
  id: number;
  submission: string;
  organisation: string;
  version: number;
  state: ReviewState;
  comment: string;
  reviewer: string;
  reviewedAt: string;
}

export interface StoredFile {
  organisation: string;
  format: SubmissionFormat;
  fileName: string | null;
  bytes: Buffer;
}

/** Warnings of a result: what a receipt carries (one place, both engines). */
export const warningsOf = (result: ValidationResult): Finding[] => result.findings.filter((f) => f.severity === 'warning');

// ── the round (issue 13) ─────────────────────────────────────────────────────────────────────────────────────────
export interface RoundSettings {
  /** ISO day the returns are due, or null. */
  deadline: string | null;
  /** The schedule's reminder this many days before the deadline; null: none. */
  remindDaysBefore: number | null;
  /** A reminder every 7 days after the deadline. */
  remindWeeklyAfter: boolean;
}

/** An organisation of the list with its round settings (expected defaults to yes, contacts to none). */
export type RoundOrganisation = Organisation & { expected: boolean; contacts: string[] };

export type MessageOutcome = 'sent' | 'failed';
export type MessageTrigger = 'manual' | 'schedule' | 'command line';

export interface MessageRecord {
  at: string;
  kind: string;
  organisation: string;
  recipients: string[];
  subject: string;
  trigger: MessageTrigger;
  outcome: MessageOutcome;
  error: string | null;
}

/**
 * The round as the national team runs it: deadline and reminder schedule, each organisation's expected flag and
 * contacts (kept apart from the organisations list, which a replacement empties and refills), the reminders the
 * schedule has claimed, and every message sent or tried. Same database (and transactions) as its Store.
 */
export interface RoundStore {
  /** The single round row (a fresh database has no deadline, no reminders). */
  settings(): Promise<RoundSettings>;
  setSettings(s: RoundSettings): Promise<void>;
  /** The organisations list, in list order, with each one's expected flag (default true) and contacts (default []). */
  organisations(): Promise<RoundOrganisation[]>;
  /** Sets what is given of one organisation's settings (the rest kept), in one transaction. */
  setSettingsOf(code: string, settings: { expected?: boolean; contacts?: string[] }): Promise<void>;
  /** When each organisation first returned a plan (its version 1), oldest first. */
  firstReturns(): Promise<Array<{ code: string; at: string }>>;
  /**
   * Claims a scheduled reminder for sending: true when this caller may send it. Atomic across processes (one
   * statement under the database's write lock / a conditional upsert): of several callers exactly one wins. A claim
   * whose sending failed may be claimed again; one being sent or sent, never.
   */
  claim(key: string, now?: string): Promise<boolean>;
  /** Whether a scheduled reminder was sent or is being sent (a failed one is not: it may go again). */
  isClaimed(key: string): Promise<boolean>;
  /** Marks a claim sent or failed. */
  finishClaim(key: string, outcome: MessageOutcome, now?: string): Promise<void>;
  /** Appends a message to the log. */
  record(m: MessageRecord): Promise<void>;
  /** The newest messages first, at most `limit` (default 500). */
  messages(limit?: number): Promise<MessageRecord[]>;
}

// ── the store ────────────────────────────────────────────────────────────────────────────────────────────────────
/**
 * Organisations, key hashes, submissions (append-only), reviews (append-only), idempotency keys and the round.
 * Submissions and reviews are never changed or deleted: the database itself refuses it (triggers / rules), not
 * only this code. Each submission is written in one transaction, so a crash leaves it whole or absent, and a
 * committed submission is durable before its method resolves.
 */
export interface Store {
  readonly engine: 'sqlite' | 'postgres';
  /** The round's settings, claims and messages (same database). */
  readonly round: RoundStore;
  /** Closes the engine's connections (end any eachLatest* loop first). Idempotent. */
  close(): Promise<void>;

  // ── health ─────────────────────────────────────────────────────────────────────────────────────────────────────
  /**
   * What a storage failure thrown by this engine means, for the client and /api/health, or null when the error is not
   * the storage's. Such errors are answered 503 (try later), never 500: the request was fine and nothing was kept.
   */
  storageErrorText(err: unknown): string | null;
  /**
   * Why storage cannot take a submission now, or null when it can: a read, a write (one small row, committed like a
   * submission), and room for `margin` more bytes. Never throws: a failure is the returned text.
   */
  storageProblem(margin: number): Promise<string | null>;
  /**
   * A store for express-rate-limit shared by every server process on this database, one per bucket `name`; undefined:
   * counts are kept in each process's memory (the default).
   */
  rateLimitStore(name: string): RateLimitStore | undefined;
  /** The versions an organisation stored since `sinceIso`, and their bytes (for its daily quota). */
  usageSince(code: string, sinceIso: string): Promise<{ versions: number; bytes: number }>;

  // ── organisations ──────────────────────────────────────────────────────────────────────────────────────────────
  /**
   * The list in its order; may be cached, but a change committed by any process is seen on the next call. While the
   * list is unchanged the same array may come back (callers key caches on it), so never modify it.
   */
  organisations(): Promise<Organisation[]>;
  organisation(code: string): Promise<Organisation | undefined>;
  /**
   * Replaces the whole list at once (one transaction). Submissions and keys of organisations no longer listed are
   * kept, and so are the round's settings of each organisation (expected, contacts) unless the list says them.
   */
  replaceOrganisations(list: Organisation[]): Promise<void>;
  /** Loads the list only into an empty database (first start); a list replaced later by the admin is kept. */
  seedOrganisations(list: () => Organisation[]): Promise<void>;

  // ── keys (hashes only) ─────────────────────────────────────────────────────────────────────────────────────────
  /** The hash of the owner's current key ('admin' or an ODS code), or undefined when it has none. */
  activeKeyHash(owner: string): Promise<string | undefined>;
  /** Records a new key for the owner and revokes any older one, in one transaction. */
  replaceKey(owner: string, sha256: string, now?: string): Promise<void>;
  /** Revokes the owner's key; false when it had none. */
  revokeKey(owner: string, now?: string): Promise<boolean>;
  /** The owners that hold a working key. */
  keyOwners(): Promise<Set<string>>;

  // ── submissions (append-only) ──────────────────────────────────────────────────────────────────────────────────
  /**
   * Stores a submission as the organisation's next version, in one transaction. Versions are 1, 2, 3… per
   * organisation with no gap and no repeat, even when several processes add at once.
   */
  addSubmission(s: NewSubmission): Promise<Receipt>;
  /**
   * Stores a submission unless it repeats one, deciding in one serialised transaction (per organisation, across
   * processes): when the Idempotency-Key was already used with these bytes (`idempotency.sha256`, of the request
   * body), that key's receipt comes back; else when the organisation's latest version has the same bytes (sha256) or
   * the same plan (its JSON), that version's receipt comes back; both with `replayed: true` and nothing stored.
   * Otherwise the next version is stored. The key, when given, is recorded against the receipt returned.
   * So simultaneous identical submissions make one version. A key reused with other bytes rejects with
   * IdempotencyConflict.
   */
  submitOnce(s: NewSubmission, idempotency?: { key: string; sha256: string }): Promise<SubmitOutcome>;
  /**
   * The receipt an Idempotency-Key already produced for this organisation, or undefined when the key is new; rejects
   * with IdempotencyConflict when the key came with other bytes.
   */
  replayOf(code: string, key: string, sha256: string): Promise<Receipt | undefined>;
  /** The organisation's latest receipt when its bytes had this SHA-256 (a resend, answered before any check). */
  latestWithSha(code: string, sha256: string): Promise<Receipt | undefined>;
  /** An organisation's latest version, with its plan and result. */
  latestSubmission(code: string): Promise<StoredSubmission | undefined>;
  /** One version of an organisation, with its plan and result. */
  submissionByVersion(code: string, version: number): Promise<StoredSubmission | undefined>;
  /** One submission by id, with its plan and result. */
  submission(id: string): Promise<StoredSubmission | undefined>;
  /** The bytes as they were sent. */
  storedFile(id: string): Promise<StoredFile | undefined>;
  /** Receipts, newest first: one organisation's, or everyone's when code is undefined. */
  receipts(code?: string): Promise<Receipt[]>;
  /** One organisation's versions with their results, newest first. */
  history(code: string): Promise<Array<{ receipt: Receipt; result: ValidationResult }>>;
  /** Each organisation's latest receipt, without loading plans. */
  latestReceipts(): Promise<Map<string, Receipt>>;
  /** Each organisation's latest submission with its plan and result, in code order (all in memory: small lists). */
  latestSubmissions(): Promise<StoredSubmission[]>;
  /**
   * The same, one at a time in code order, as stored (plan and result still JSON, the plan as text or as its UTF-8
   * bytes: eachLatestSubmission in rows.ts reads them; a reader on another thread parses them there), from one
   * consistent snapshot read on a connection (or cursor) of its own, so other requests are served between items and
   * only a few plans are in memory at a time (one in SQLite; PostgreSQL's cursor fetches eight). Breaking off the
   * loop (or an exception in it) releases that connection/cursor. With `previous`, each row also holds the plan of the
   * version before it (previous_plan_json), read in the same pass: the national workbook's Changes sheet.
   */
  eachLatestSubmissionRow(opts?: { previous?: boolean }): AsyncIterable<SubmissionRow>;

  // ── reviews (append-only) ──────────────────────────────────────────────────────────────────────────────────────
  /** Appends a review of one submission (a later one supersedes it; nothing is changed). */
  addReview(submission: string, state: ReviewState, comment: string, reviewer: string, now?: string): Promise<Review>;
  /** Every review of one organisation's versions (or of one version), oldest first. */
  reviews(where: { organisation: string } | { submission: string }): Promise<Review[]>;
  /** Each organisation's latest review of its latest version (organisations whose latest is unreviewed are absent). */
  latestReviews(): Promise<Map<string, Review>>;
}
