// Plans for the national desk's tests, submitted as JSON (what the add-in sends) through the real API: one correct
// plan read back from a real workbook by our reader, then given to each organisation, with chosen actions overdue.
import assert from 'node:assert/strict';
import { addDays, todayIso } from '../../shared/cells';
import type { Plan } from '../../shared/plan';
import { loadOrganisations } from '../../server/organisations';
import { checkWorkbook } from '../../server/xlsx/checkWorkbook';
import { writePlanWorkbook } from '../../server/xlsx/writePlanWorkbook';
import { fillWorkbook, goodPlanContent } from './plans';
import { call, type TestServer } from './server';

let base: Promise<Plan> | undefined;

/** The correct plan of the tests (RGT's), read once. */
export function basePlan(): Promise<Plan> {
  base ??= (async () => {
    const organisations = loadOrganisations();
    const bytes = await fillWorkbook(await writePlanWorkbook({ organisations }), goodPlanContent('RGT'));
    const { plan, result } = await checkWorkbook(bytes, { organisations, limits: { timeoutMs: 30_000 } });
    assert.ok(plan && result.valid, JSON.stringify(result.findings));
    return plan;
  })();
  return base;
}

/**
 * The base plan for `code`, with its first `overdue` actions given a deadline in the past and status 2 (so each is
 * overdue, a warning only), and their titles made recognisable ("Overdue action N of CODE").
 */
export async function planFor(code: string, overdue = 0): Promise<Plan> {
  const plan = structuredClone(await basePlan());
  const orgField = Object.keys(plan.header).find((k) => /organisation/i.test(k))!;
  plan.header[orgField] = code;
  plan.actions.slice(0, overdue).forEach((a, i) => {
    a.deadline = addDays(todayIso(), -10 - i);
    a.status = '2. Action in progress';
    a.action = `Overdue action ${i + 1} of ${code}`;
  });
  return plan;
}

/** Submits the plan with the organisation's key (issued on the way); returns the receipt. */
export async function submitPlan(s: TestServer, code: string, overdue = 0, keys: Map<string, string> = new Map()) {
  if (!keys.has(code)) keys.set(code, await s.issueKey(code));
  const res = await call(s.url, 'POST', '/api/submissions', { key: keys.get(code)!, body: JSON.stringify(await planFor(code, overdue)) });
  assert.equal(res.status, 201, JSON.stringify(res.json));
  return res.json;
}
