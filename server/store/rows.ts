// Rows as both engines read them (the same columns in SQLite and PostgreSQL), turned into what the Store returns.
import type { ValidationResult } from '../../shared/findings';
import type { Plan } from '../../shared/plan';
import { warningsOf, type Receipt, type Review, type ReviewState, type Store, type StoredSubmission, type SubmissionFormat } from './types';

export interface SubmissionRow {
  id: string;
  organisation: string;
  version: number;
  received_at: string;
  sha256: string;
  format: SubmissionFormat;
  result_json: string;
  /** The plan as JSON text, or as its UTF-8 bytes (SQLite's eachLatestSubmissionRow). */
  plan_json?: string | Uint8Array;
  /** eachLatestSubmissionRow({ previous: true }): the plan of the version before, as plan_json is; null for a first version. */
  previous_plan_json?: string | Uint8Array | null;
}

export const RECEIPT_COLUMNS = 'id, organisation, version, received_at, sha256, format, result_json';

export function receiptOf(row: SubmissionRow, result: ValidationResult = JSON.parse(row.result_json)): Receipt {
  return {
    id: row.id,
    organisation: { code: row.organisation, name: result.organisation?.name ?? row.organisation },
    version: row.version,
    receivedAt: row.received_at,
    sha256: row.sha256,
    format: row.format,
    warnings: warningsOf(result),
  };
}

const utf8 = new TextDecoder();

/** A stored plan, from its JSON as text or as UTF-8 bytes. */
export const planOf = (json: string | Uint8Array): Plan => JSON.parse(typeof json === 'string' ? json : utf8.decode(json));

export function storedOf(row: SubmissionRow): StoredSubmission {
  const result = JSON.parse(row.result_json) as ValidationResult;
  return { receipt: receiptOf(row, result), plan: planOf(row.plan_json!), result };
}

/** Each organisation's latest submission, read one at a time as store.eachLatestSubmissionRow() gives them. */
export async function* eachLatestSubmission(store: Pick<Store, 'eachLatestSubmissionRow'>): AsyncGenerator<StoredSubmission> {
  for await (const row of store.eachLatestSubmissionRow()) yield storedOf(row);
}

export interface ReviewRow {
  id: number; submission: string; organisation: string; version: number; state: ReviewState; comment: string; reviewer: string; created_at: string;
}

export const REVIEW_SELECT = `SELECT r.id, r.submission, s.organisation, s.version, r.state, r.comment, r.reviewer, r.created_at
  FROM reviews r JOIN submissions s ON s.id = r.submission`;

export const reviewOf = (r: ReviewRow): Review => ({
  id: r.id, submission: r.submission, organisation: r.organisation, version: r.version, state: r.state, comment: r.comment,
  reviewer: r.reviewer, reviewedAt: r.created_at,
});
