// Checks one returned workbook: guard the upload, read it, find its template, build the plan model and run the
// national rules. The service, the CLI (validate, collate) all call this; it never throws.
import { todayIso } from '../../shared/cells';
import { finding, type Finding, type ValidationResult } from '../../shared/findings';
import { parseCell } from '../../shared/a1';
import { readLocatedPlan, readingPlan, type ReadingPlan } from '../../shared/locate';
import type { Organisation } from '../../shared/organisations';
import type { Plan } from '../../shared/plan';
import { validatePlan } from '../../shared/rules';
import { builtInTemplates, type Template } from '../../shared/template';
import { guardWorkbook } from './guard';
import { resolveLimits, type ReadLimits } from './limits';
import { readWorkbook } from './readWorkbook';

export interface CheckOptions {
  /** The file's name, as the result should report it. */
  file?: string | null;
  organisations: Organisation[];
  /** ISO yyyy-mm-dd; defaults to today in the UK. */
  today?: string;
  limits?: Partial<ReadLimits>;
  templates?: Template[];
}
export interface CheckOutcome {
  result: ValidationResult;
  plan: Plan | null;
}

export async function checkWorkbook(bytes: Buffer, opts: CheckOptions): Promise<CheckOutcome> {
  const limits = resolveLimits(opts.limits);
  try {
    // The guard and the reader bound the work (sizes, counts) and check the time against the deadline after each part
    // they inflate or read. A check is synchronous, so a timer could never stop it: a check that never ends (a bug) is
    // stopped from outside, by the check pool's watchdog.
    return check(bytes, opts, limits, Date.now() + limits.timeoutMs);
  } catch (err) {
    // Nothing above should throw; if something does, the caller still gets one finding instead of a crash.
    return refused(opts, finding('FILE_CORRUPT', `The file could not be read (${String((err as Error)?.message ?? err).split('\n')[0]}). Save it again from Excel as .xlsx and send the new copy.`));
  }
}

function check(bytes: Buffer, opts: CheckOptions, limits: ReadLimits, deadline: number): CheckOutcome {
  const templates = opts.templates ?? builtInTemplates;
  // Which sheets, and how many of their rows, is decided from workbook.xml's sheet list and defined names: the plan
  // sheet wherever its names now point, the template mark's two cells, the "More actions" sheet, copies of the plan.
  let reading: ReadingPlan | undefined;
  const guarded = guardWorkbook(bytes, limits, (sheetNames, names) => {
    reading = readingPlan(sheetNames, names, templates);
    return sheetsToRead(reading);
  }, deadline);
  if (!guarded.ok) return refused(opts, guarded.finding);
  const read = readWorkbook(guarded.workbook, limits, deadline);
  if (!read.ok) return refused(opts, read.finding);
  const located = readLocatedPlan(read.workbook, reading!, templates);
  if (!located.ok) return { result: { ...emptyResult(opts), readable: true, findings: [located.finding] }, plan: null };
  const { template, plan, readerFindings } = located;
  const result = validatePlan(plan, { template, organisations: opts.organisations, today: opts.today ?? todayIso() }, opts.file ?? null, readerFindings);
  return { result, plan };
}

/** Sheet name → last row to read, for the guard and the cell reader. */
function sheetsToRead(reading: ReadingPlan): Record<string, number> {
  const out: Record<string, number> = {};
  if (reading.meta) out[reading.meta.sheet] = Math.max(...[reading.meta.idCell, reading.meta.versionCell].map((c) => parseCell(c).row));
  if (reading.planSheet) out[reading.planSheet] = reading.lastRow;
  for (const copy of reading.copies) out[copy] = reading.lastRow;
  if (reading.moreSheet) out[reading.moreSheet] = reading.moreLastRow;
  return out;
}

function emptyResult(opts: CheckOptions): ValidationResult {
  return { file: opts.file ?? null, valid: false, readable: false, template: null, organisation: null, findings: [] };
}

/** A file that could not be read: one finding saying why. */
function refused(opts: CheckOptions, f: Finding): CheckOutcome {
  return { result: { ...emptyResult(opts), findings: [f] }, plan: null };
}
