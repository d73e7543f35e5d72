// Checks an upload with the shared readers and rules: a workbook through checkWorkbook, a JSON plan through
// validatePlan against the template it names. Returns the validate result and the plan (null when unreadable).
import type { z } from 'zod';
import { finding, type ValidationResult } from '../../shared/findings';
import type { Organisation } from '../../shared/organisations';
import { type Plan } from '../../shared/plan';
import type { planSchemaFor } from '../../shared/planSchema';
import { validatePlan } from '../../shared/rules';
import { builtInTemplates, findTemplate, type Template } from '../../shared/template';
import { DEFAULT_SERVICE_LIMITS, type ReadLimits } from '../xlsx/limits';
import { HttpError } from './errors';
import { JsonDepthScan } from './jsonDepth';
import type { Upload } from './uploads';

export interface Checked {
  result: ValidationResult;
  plan: Plan | null;
}

export interface CheckOptions {
  organisations: Organisation[];
  today: string;
  templates?: Template[];
  /** The reader's limits (server/xlsx/limits.ts); the service gives its wall-clock limit more room than the CLI. */
  readLimits?: Partial<ReadLimits>;
}

/** A JSON path as a person (and jq) writes it: actions[3].row, header.auditLead, (body). */
export function jsonPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const k of path) {
    if (typeof k === 'number') out += `[${k}]`;
    else if (typeof k === 'string' && /^[A-Za-z_$][\w$]*$/.test(k)) out += `${out ? '.' : ''}${k}`;
    else out += `[${JSON.stringify(String(k)).slice(0, 60)}]`;
  }
  return out || '(body)';
}

/** One schema issue in a sentence, bounded: 300,000 unknown keys are named by the first few and counted. */
function issueText(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') {
    const shown = issue.keys.slice(0, 5).map((k) => JSON.stringify(k.slice(0, 40))).join(', ');
    const more = issue.keys.length > 5 ? ` and ${issue.keys.length - 5} more` : '';
    return `${jsonPath(issue.path)}: ${issue.keys.length === 1 ? 'a key' : 'keys'} the plan does not have (${shown}${more}); remove ${issue.keys.length === 1 ? 'it' : 'them'}`;
  }
  return `${jsonPath(issue.path)}: ${issue.message.slice(0, 300)}`;
}

const schemas = new WeakMap<readonly Template[], ReturnType<typeof planSchemaFor>>();
/** The plan schema for `templates`, built by zod (~30 ms) when the first plan sent as JSON is checked, not at every start. */
const schemaFor = async (templates: readonly Template[]) => {
  let schema = schemas.get(templates);
  if (!schema) schemas.set(templates, (schema = (await import('../../shared/planSchema')).planSchemaFor(templates)));
  return schema;
};

/** Parses a JSON body as a Plan of one of `templates`; anything else is a 400 naming the JSON path and what is wrong. */
export async function parsePlanJson(bytes: Buffer, templates: readonly Template[] = builtInTemplates,
  limits: { maxJsonDepth: number; maxJsonKeys: number } = DEFAULT_SERVICE_LIMITS): Promise<Plan> {
  // Done as the body arrived too (uploads.ts); again here for a body from anywhere else.
  const scan = new JsonDepthScan(limits.maxJsonDepth, limits.maxJsonKeys);
  if (!scan.push(bytes)) throw scan.error();
  let data: unknown;
  try {
    data = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw new HttpError(400, 'BAD_JSON', `The body is not valid JSON (${(err as Error).message}). Send a plan as the add-in does, or the workbook file itself.`);
  }
  const parsed = (await schemaFor(templates)).safeParse(data);
  if (!parsed.success) {
    const all = parsed.error.issues;
    const issues = all.slice(0, 10).map(issueText);
    const more = all.length > 10 ? ` (and ${all.length - 10} more)` : '';
    throw new HttpError(400, 'NOT_A_PLAN', `The JSON is not an action plan: ${issues.join('; ')}${more}. Send the plan as the add-in builds it, or the workbook file itself.`);
  }
  return parsed.data;
}

/** The validate result of a plan sent as JSON. */
export function checkPlanJson(plan: Plan, opts: CheckOptions): Checked {
  const templates = opts.templates ?? builtInTemplates;
  const template = findTemplate(plan.template.id, plan.template.version, templates);
  if (!template) {
    const known = templates.map((t) => `${t.id} version ${t.version}`).join(', ');
    const result: ValidationResult = {
      file: null,
      valid: false,
      readable: false,
      template: null,
      organisation: null,
      findings: [finding('UNKNOWN_TEMPLATE',
        `The plan names template "${plan.template.id}" version ${plan.template.version}, which this service does not know (it knows ${known}). Start again from a workbook downloaded from this service.`)],
    };
    return { result, plan: null };
  }
  return { result: validatePlan(plan, { template, organisations: opts.organisations, today: opts.today }, null), plan };
}

/** Checks any upload. Never throws for a bad workbook (it gets a readable=false result); throws 400 for bad JSON. */
export async function checkUpload(upload: Upload, opts: CheckOptions): Promise<Checked> {
  if (upload.format === 'json') return checkPlanJson(await parsePlanJson(upload.bytes, opts.templates), opts);
  // The reader is loaded on the first workbook checked in this thread: the service checks them on its worker pool.
  const { checkWorkbook } = await import('../xlsx/checkWorkbook');
  return checkWorkbook(upload.bytes, { file: upload.fileName, organisations: opts.organisations, today: opts.today, templates: opts.templates, limits: opts.readLimits });
}

/** Who asked for a check, and whether they are still there to hear the answer. */
export interface CheckRequest {
  /** The client's address: queued checks are shared fairly between addresses. */
  client: string;
  /** Aborted when the client hangs up: a waiting check leaves the queue, a running one is stopped. */
  signal?: AbortSignal;
}
export type CheckFn = (upload: Upload, opts: CheckOptions, request?: CheckRequest) => Promise<Checked>;

/** Thrown for a check whose client has gone: there is no one to answer. */
export const clientGone = () => new HttpError(499, 'CLIENT_GONE', 'The client closed the connection before the check finished.');

const busy = (why: string) => new HttpError(503, 'BUSY', `${why} Try again in a minute.`, { 'Retry-After': '30' });

export interface QueueLimits {
  /** Checks running at once (the pool's workers). */
  concurrency: number;
  maxQueued: number;
  maxQueuedBytes: number;
  maxQueuedPerClient: number;
}

/**
 * Workbook checks, at most `concurrency` at a time; the rest wait, bounded by count and bytes, at most
 * maxQueuedPerClient from one address, and are started in turn by address (round robin), so one client's flood
 * delays another's check by at most one check per busy address. A check whose client hangs up leaves the queue (or is
 * stopped, when `run` honours the signal). Reading a workbook is CPU work with a wall-clock limit inside
 * checkWorkbook: run unbounded, twenty uploads at once would share the CPU and all overrun it. JSON plans cost well
 * under a millisecond to check and skip the queue.
 */
export function queuedCheck(
  run: CheckFn = (upload, opts) => checkUpload(upload, opts),
  limits: QueueLimits = { concurrency: 1, ...DEFAULT_SERVICE_LIMITS },
): CheckFn {
  interface Waiter { bytes: number; start: () => void }
  let active = 0;
  let queued = 0;
  let queuedBytes = 0;
  /** Waiting checks by client address; a Map keeps insertion order, and a served address moves to the back. */
  const byClient = new Map<string, Waiter[]>();
  const startNext = () => {
    while (active < limits.concurrency && byClient.size > 0) {
      const [client, list] = byClient.entries().next().value!;
      const w = list.shift()!;
      byClient.delete(client);
      if (list.length) byClient.set(client, list);
      queued--;
      queuedBytes -= w.bytes;
      active++;
      w.start();
    }
  };
  return async (upload, opts, request = { client: '' }) => {
    if (upload.format === 'json') return checkUpload(upload, opts);
    const { client, signal } = request;
    if (signal?.aborted) throw clientGone();
    if (active >= limits.concurrency || queued > 0) {
      const mine = byClient.get(client) ?? [];
      if (mine.length >= limits.maxQueuedPerClient) throw busy(`${mine.length} workbooks from your address are already waiting to be checked.`);
      if (queued >= limits.maxQueued || queuedBytes + upload.bytes.length > limits.maxQueuedBytes) throw busy('The service is checking many workbooks right now.');
      await new Promise<void>((resolve, reject) => {
        const w: Waiter = { bytes: upload.bytes.length, start: () => { signal?.removeEventListener('abort', leave); resolve(); } };
        const leave = () => {
          const list = byClient.get(client);
          const at = list?.indexOf(w) ?? -1;
          if (at < 0) return;
          list!.splice(at, 1);
          if (!list!.length) byClient.delete(client);
          queued--;
          queuedBytes -= w.bytes;
          reject(clientGone());
        };
        signal?.addEventListener('abort', leave, { once: true });
        mine.push(w);
        if (!byClient.has(client)) byClient.set(client, mine);
        queued++;
        queuedBytes += w.bytes;
      });
    } else active++;
    try {
      return await run(upload, opts, request);
    } finally {
      active--;
      startNext();
    }
  };
}
