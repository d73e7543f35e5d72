// Checks an upload with the shared readers and rules: a workbook through checkWorkbook, a JSON plan through
// validatePlan against the template it names. Returns the validate result and the plan (null when unreadable).
import { finding, type ValidationResult } from '../../shared/findings';
import type { Organisation } from '../../shared/organisations';
import { planSchema, type Plan } from '../../shared/plan';
import { validatePlan } from '../../shared/rules';
import { builtInTemplates, findTemplate, type Template } from '../../shared/template';
import { checkWorkbook } from '../xlsx/checkWorkbook';
import type { ReadLimits } from '../xlsx/limits';
import { HttpError } from './errors';
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

/** Parses a JSON body as a Plan; anything else is a 400 naming what is wrong. */
export function parsePlanJson(bytes: Buffer): Plan {
  let data: unknown;
  try {
    data = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw new HttpError(400, 'BAD_JSON', `The body is not valid JSON (${(err as Error).message}). Send a plan as the add-in does, or the workbook file itself.`);
  }
  const parsed = planSchema.safeParse(data);
  if (!parsed.success) {
    const issues = parsed.error.issues.slice(0, 10).map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`);
    throw new HttpError(400, 'NOT_A_PLAN', `The JSON is not an action plan: ${issues.join('; ')}.`);
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
  if (upload.format === 'json') return checkPlanJson(parsePlanJson(upload.bytes), opts);
  return checkWorkbook(upload.bytes, { file: upload.fileName, organisations: opts.organisations, today: opts.today, templates: opts.templates, limits: opts.readLimits });
}

/**
 * Workbook checks, at most `concurrency` at a time, the rest waiting their turn (past `maxWaiting`, a 503).
 * Reading a workbook is CPU work with a wall-clock limit inside checkWorkbook: run unbounded, twenty uploads at once
 * would share the CPU and all overrun that limit; queued, each read gets the CPU it needs when its turn comes.
 * JSON plans cost well under a millisecond to check and skip the queue.
 */
export function queuedCheck(
  run: (upload: Upload, opts: CheckOptions) => Promise<Checked> = checkUpload,
  concurrency = 1,
  maxWaiting = 1000,
): (upload: Upload, opts: CheckOptions) => Promise<Checked> {
  let active = 0;
  const waiting: Array<() => void> = [];
  return async (upload, opts) => {
    if (upload.format === 'json') return checkUpload(upload, opts);
    if (active >= concurrency) {
      if (waiting.length >= maxWaiting) {
        throw new HttpError(503, 'BUSY', 'The service is checking many workbooks right now. Try again in a minute.', { 'Retry-After': '30' });
      }
      await new Promise<void>((resolve) => waiting.push(resolve));
    } else active++;
    try {
      return await run(upload, opts);
    } finally {
      const next = waiting.shift();
      if (next) next(); // the slot passes straight to the next in line
      else active--;
    }
  };
}
