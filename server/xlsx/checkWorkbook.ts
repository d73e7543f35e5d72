// Checks one returned workbook: guard the upload, read it, find its template, build the plan model and run the
// national rules. The service, the CLI (validate, collate) all call this; it never throws.
import { todayIso } from '../../shared/cells';
import { finding, type Finding, type ValidationResult } from '../../shared/findings';
import { LISTS_SHEET, META, PLAN_SHEET, readingLayout } from '../../shared/layout';
import type { Organisation } from '../../shared/organisations';
import { extractPlan, identifyTemplate, planCells, type Plan } from '../../shared/plan';
import { validatePlan } from '../../shared/rules';
import { builtInTemplates, type Template } from '../../shared/template';
import { guardWorkbook, timeoutFinding } from './guard';
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
  let timer: NodeJS.Timeout | undefined;
  // The guard bounds the work itself; this bounds the wall time too, for whatever the parser spends.
  const timeout = new Promise<CheckOutcome>((resolve) => {
    timer = setTimeout(() => resolve(refused(opts, timeoutFinding(limits))), limits.timeoutMs);
  });
  try {
    return await Promise.race([check(bytes, opts, limits, Date.now() + limits.timeoutMs), timeout]);
  } catch (err) {
    // Nothing above should throw; if something does, the caller still gets one finding instead of a crash.
    return refused(opts, finding('FILE_CORRUPT', `The file could not be read (${String((err as Error)?.message ?? err).split('\n')[0]}). Save it again from Excel as .xlsx and send the new copy.`));
  } finally {
    clearTimeout(timer);
  }
}

async function check(bytes: Buffer, opts: CheckOptions, limits: ReadLimits, deadline: number): Promise<CheckOutcome> {
  // From the lists sheet only the template id and version are read: its other rows are never parsed.
  const metaRow = Math.max(...[META.idCell, META.versionCell].map((cell) => Number(cell.replace(/^[A-Z]+/, ''))));
  const guarded = await guardWorkbook(bytes, limits, { [PLAN_SHEET]: null, [LISTS_SHEET]: metaRow }, deadline);
  if (!guarded.ok) return refused(opts, guarded.finding);
  const read = readWorkbook(guarded.workbook, { [PLAN_SHEET]: lastPlanRow(opts.templates ?? builtInTemplates) });
  if (!read.ok) return refused(opts, read.finding);
  const { workbook } = read;

  const templates = opts.templates ?? builtInTemplates;
  const identified = identifyTemplate(workbook.read, templates);
  if (!identified.ok) {
    const sheets = workbook.sheetNames.map((s) => `"${s}"`).join(', ') || 'none';
    const f = identified.id === null
      ? finding('NOT_ACTION_PLAN', workbook.sheetNames.includes(META.sheet)
        ? `This workbook is not a NAoMe action plan: its "${META.sheet}" sheet does not name a template in ${META.idCell}. Download a new action plan workbook and copy your entries into it.`
        : `This workbook is not a NAoMe action plan: it has no "${META.sheet}" sheet naming the template (its sheets: ${sheets}). Fill in the action plan workbook you were sent, and send that.`,
      { sheet: META.sheet, cell: META.idCell })
      : finding('UNKNOWN_TEMPLATE', `This workbook was made from template "${identified.id}" version ${identified.version ?? '(none)'}, which this checker does not know (it knows ${templates.map((t) => `"${t.id}" version ${t.version}`).join(', ')}). Download the current action plan workbook and copy your entries into it.`,
      { sheet: META.sheet, cell: identified.version === null ? META.versionCell : META.idCell });
    return { result: { ...emptyResult(opts), readable: true, findings: [f] }, plan: null };
  }
  const plan = extractPlan(identified.template, workbook.read, workbook.date1904);
  const result = validatePlan(plan, { template: identified.template, organisations: opts.organisations, today: opts.today ?? todayIso() }, opts.file ?? null);
  return { result, plan };
}

/** The last row of the plan sheet any known template reads: rows below it (notes, pasted data) are not parsed. */
const lastRowOf = new WeakMap<Template[], number>();
function lastPlanRow(templates: Template[]): number {
  let last = lastRowOf.get(templates);
  if (last === undefined) {
    last = Math.max(1, ...templates.flatMap((t) => planCells(readingLayout(t)).map((cell) => Number(cell.replace(/^[A-Z]+/, '')))));
    lastRowOf.set(templates, last);
  }
  return last;
}

function emptyResult(opts: CheckOptions): ValidationResult {
  return { file: opts.file ?? null, valid: false, readable: false, template: null, organisation: null, findings: [] };
}

/** A file that could not be read: one finding saying why. */
function refused(opts: CheckOptions, f: Finding): CheckOutcome {
  return { result: { ...emptyResult(opts), findings: [f] }, plan: null };
}
