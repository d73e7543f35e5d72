// Submit: reads the open workbook as Check does and sends the plan model to the service. The JSON carries values only,
// so what reading found about the workbook itself — formulas in input cells (shared/formulas.ts), a missing template
// mark — would be lost on the way: the service cannot see a formula. So those findings travel with the outcome, and a
// workbook whose reading found an error is not sent at all (the service would take the formula's result as if typed):
// the person sees exactly the findings Check shows, and fixes them first.
import type { Finding, ValidationResult } from '../../shared/findings';
import { PLAN_SHEET } from '../../shared/layout';
import { validatePlan, sheetOrder } from '../../shared/rules';
import { readPlan, type CheckOptions } from './readPlan';
import { submitPlan, type Receipt, type SubmitOutcome } from './service';

export type SubmitWorkbookOutcome =
  /** The workbook holds no plan that can be read: the reader's one finding. */
  | { kind: 'unreadable'; finding: Finding }
  /** Not sent: reading found errors the service cannot see; the result is Check's. */
  | { kind: 'not sent'; result: ValidationResult }
  /** Received (already: the same plan as the latest version): the service's warnings with reading's own. */
  | { kind: 'received'; receipt: Receipt; already: boolean; warnings: Finding[] }
  /** The service refused it: its findings with reading's own. */
  | { kind: 'rejected'; result: ValidationResult };

export async function submitOpenWorkbook(context: Excel.RequestContext, key: string, opts: CheckOptions,
  send: (plan: Parameters<typeof submitPlan>[0], key: string) => Promise<SubmitOutcome> = submitPlan): Promise<SubmitWorkbookOutcome> {
  const read = await readPlan(context, opts.templates);
  if (!read.ok) return { kind: 'unreadable', finding: read.finding };
  const { plan, template, readerFindings } = read;
  if (readerFindings.some((f) => f.severity === 'error')) {
    return { kind: 'not sent', result: validatePlan(plan, { template, organisations: opts.organisations, today: opts.today }, null, readerFindings) };
  }
  const outcome = await send(plan, key);
  // As in validatePlan: a cell reading spoke about gets no value finding besides.
  const cells = new Set(readerFindings.filter((f) => f.cell).map((f) => `${f.sheet}!${f.cell}`));
  const merged = (findings: Finding[]) => sheetOrder([...readerFindings, ...findings.filter((f) => !f.cell || !cells.has(`${f.sheet}!${f.cell}`))],
    plan.places?.sheet ?? PLAN_SHEET);
  return outcome.kind === 'received'
    ? { kind: 'received', receipt: outcome.receipt, already: outcome.already, warnings: merged(outcome.receipt.warnings) }
    : { kind: 'rejected', result: { ...outcome.result, findings: merged(outcome.result.findings) } };
}
