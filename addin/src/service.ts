// Talking to the NAoMe service from the task pane (which is served by it, so every URL is relative to its origin).
// Every failure becomes a ServiceError whose message says plainly what happened and what to do.
import type { ValidationResult } from '../../shared/findings';
import type { Organisation } from '../../shared/organisations';
import type { Plan } from '../../shared/plan';

export interface Receipt {
  id: string | number;
  organisation: { code: string; name: string };
  version: number;
  receivedAt: string;
  sha256: string;
  format: 'xlsx' | 'json';
  warnings: ValidationResult['findings'];
}

export type ServiceProblem = 'network' | 'key' | 'forbidden' | 'service';
export class ServiceError extends Error {
  constructor(public problem: ServiceProblem, message: string) { super(message); this.name = 'ServiceError'; }
}

/** The service's origin: '' in the task pane (served by the service); a test points it at a started server. */
let origin = '';
export function setServiceOrigin(url: string) { origin = url.replace(/\/$/, ''); }

async function request(path: string, init: RequestInit = {}): Promise<Response> {
  try {
    return await fetch(`${origin}${path}`, { ...init, headers: { Accept: 'application/json', ...init.headers }, cache: 'no-store' });
  } catch {
    throw new ServiceError('network', 'Could not reach the NAoMe service: check your network connection and try again. Nothing has been lost: your workbook is unchanged.');
  }
}

/** The service's own error message, when it sent one. */
async function serviceMessage(res: Response): Promise<string | null> {
  try {
    const body = (await res.json()) as { error?: { message?: string } };
    return body.error?.message ?? null;
  } catch {
    return null;
  }
}

export async function fetchOrganisations(): Promise<Organisation[]> {
  const res = await request('/api/organisations');
  if (!res.ok) throw new ServiceError('service', `The service could not list the organisations (HTTP ${res.status}). Try again later.`);
  return (await res.json()) as Organisation[];
}

/** received: stored as a new version, or (already) the same plan as the latest version, whose receipt comes back. */
export type SubmitOutcome = { kind: 'received'; receipt: Receipt; already: boolean } | { kind: 'rejected'; result: ValidationResult };

/** Sends the plan as JSON with the organisation key. A plan with errors comes back as the service's findings. */
export async function submitPlan(plan: Plan, key: string): Promise<SubmitOutcome> {
  const res = await request('/api/submissions', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${key}` },
    body: JSON.stringify(plan),
  });
  if (res.status === 201 || res.status === 200) return { kind: 'received', receipt: (await res.json()) as Receipt, already: res.status === 200 };
  if (res.status === 422) {
    const body = (await res.json()) as { result?: ValidationResult } & Partial<ValidationResult>;
    return { kind: 'rejected', result: body.result ?? (body as ValidationResult) };
  }
  const said = await serviceMessage(res);
  if (res.status === 401) {
    throw new ServiceError('key', `${said ?? 'This key was not accepted.'} Enter it again below and submit again. Nothing has been lost.`);
  }
  if (res.status === 403) {
    throw new ServiceError('forbidden', said ?? 'This organisation key belongs to a different organisation from the one named in the plan. Check the organisation in the plan, or use your own organisation\'s key.');
  }
  throw new ServiceError('service', `The service could not take the plan (HTTP ${res.status}${said ? `: ${said}` : ''}). Try again later; nothing has been lost.`);
}

export type ReviewState = 'not-returned' | 'awaiting-review' | 'accepted' | 'changes-requested';
export interface Review { state: 'accepted' | 'changes-requested'; comment: string; reviewer: string; reviewedAt: string; version: number }
export interface LatestPlan { receipt: Receipt; plan: Plan; reviewState: ReviewState; review: Review | null }

/** The organisation a key is for: keys read naome_<ODS code>_<secret>. */
export const keyOrganisation = (key: string) => /^naome_([A-Z0-9]{3,5})_/.exec(key)?.[1] ?? null;

/** The organisation's latest version, its plan and the national team's review; null before its first submission. */
export async function fetchLatest(key: string): Promise<LatestPlan | null> {
  const code = keyOrganisation(key);
  if (!code) throw new ServiceError('key', 'This is not an organisation key: enter the key the national team sent your organisation.');
  const res = await request(`/api/organisations/${encodeURIComponent(code)}/latest`, { headers: { Authorization: `Bearer ${key}` } });
  if (res.status === 200) return (await res.json()) as LatestPlan;
  // 404: nothing submitted yet (the organisation itself exists: its key worked).
  if (res.status === 404) return null;
  const said = await serviceMessage(res);
  if (res.status === 401) throw new ServiceError('key', `${said ?? 'This key was not accepted.'} Enter it again below.`);
  throw new ServiceError('service', `The service could not give your latest plan (HTTP ${res.status}${said ? `: ${said}` : ''}). Try again later.`);
}

const REVIEW_WORDS: Record<ReviewState, string> = {
  'not-returned': 'not submitted yet',
  'awaiting-review': 'awaiting review by the national team',
  accepted: 'accepted by the national team',
  'changes-requested': 'changes requested by the national team',
};

/** Where the latest version stands, in a sentence (with the reviewer's comment). */
export function reviewText(latest: LatestPlan): string {
  const r = latest.review;
  const head = `Version ${latest.receipt.version}: ${REVIEW_WORDS[latest.reviewState]}`;
  if (!r) return `${head}.`;
  const when = new Date(r.reviewedAt).toLocaleDateString('en-GB', { dateStyle: 'medium' });
  return `${head} (${r.reviewer}, ${when})${r.comment ? `: “${r.comment}”` : '.'}`;
}
