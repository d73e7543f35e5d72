// Validating one typical returned plan in-process (guard + cell reader + plan model + rules) beside a bare exceljs
// load of the same bytes, the reference issue 3 set. Target: checkWorkbook costs at most 1.3× the bare load; since the
// reader reads the guard's XML parts itself (server/xlsx/sheetCells.ts), it costs well under half of it.
import ExcelJS from 'exceljs';
import { loadOrganisations } from '../server/organisations';
import { checkWorkbook } from '../server/xlsx/checkWorkbook';
import { guardWorkbook } from '../server/xlsx/guard';
import { DEFAULT_LIMITS } from '../server/xlsx/limits';
import { readWorkbook } from '../server/xlsx/readWorkbook';
import { writePlanWorkbook } from '../server/xlsx/writePlanWorkbook';
import { LISTS_SHEET, PLAN_SHEET } from '../shared/layout';
import { extractPlan } from '../shared/plan';
import { validatePlan } from '../shared/rules';
import { currentTemplate } from '../shared/template';
import { todayIso } from '../shared/cells';
import { dateFromToday, fillWorkbook, goodPlanContent } from '../test/helpers/plans';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function time(fn: () => Promise<unknown>): Promise<number> {
  const t = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t) / 1e6;
}

/** A typical return: three actions under each recommendation, every field filled. */
async function typicalPlan(): Promise<Buffer> {
  const organisations = loadOrganisations();
  const content = goodPlanContent('RGT');
  for (let rec = 1; rec <= 5; rec++) {
    while (content.actions.filter((a) => a.recommendation === rec).length < 3) {
      content.actions.push({
        recommendation: rec,
        action: `Audit a sample of 20 patients each quarter against recommendation ${rec} and report the results to the cancer board`,
        responsible: 'Ms Laura Evans, cancer services manager',
        deadline: dateFromToday(200 + rec),
        status: '1. Awaiting plan of action',
        priority: 'Low',
        progress: 'Audit proforma drafted',
      });
    }
  }
  return fillWorkbook(await writePlanWorkbook({ organisations, organisation: 'RGT' }), content);
}

export async function bench(): Promise<void> {
  const organisations = loadOrganisations();
  const bytes = await typicalPlan();
  const bare = () => new ExcelJS.Workbook().xlsx.load(bytes as unknown as ArrayBuffer);
  const check = () => checkWorkbook(bytes, { organisations, file: 'plan.xlsx' });
  const first = await check();
  if (!first.result.valid) throw new Error(`the bench plan should be valid: ${JSON.stringify(first.result.findings)}`);
  for (let i = 0; i < 30; i++) { await bare(); await check(); }
  const rounds = 300;
  const bareTimes: number[] = [];
  const checkTimes: number[] = [];
  const guardTimes: number[] = [];
  const readTimes: number[] = [];
  const guard = async () => guardWorkbook(bytes, DEFAULT_LIMITS, { [PLAN_SHEET]: null, [LISTS_SHEET]: 2 });
  const guarded = await guard();
  if (!guarded.ok) throw new Error(guarded.finding.message);
  const read = async () => readWorkbook(guarded.workbook);
  // The plan model and the rules (shared/plan.ts, shared/rules.ts) on cells already read: the add-in runs the same.
  const readOk = readWorkbook(guarded.workbook);
  if (!readOk.ok) throw new Error(readOk.finding.message);
  const ctx = { template: currentTemplate, organisations, today: todayIso() };
  const rulesTimes: number[] = [];
  const rules = async () => { for (let i = 0; i < 100; i++) validatePlan(extractPlan(currentTemplate, readOk.workbook.read), ctx); };
  // Interleaved, so all see the same garbage-collector and CPU conditions.
  for (let i = 0; i < rounds; i++) {
    bareTimes.push(await time(bare));
    checkTimes.push(await time(check));
    guardTimes.push(await time(guard));
    readTimes.push(await time(read));
    rulesTimes.push((await time(rules)) / 100);
  }
  const b = median(bareTimes);
  const c = median(checkTimes);
  console.log(`typical plan: ${(bytes.length / 1024).toFixed(1)} KB, ${first.plan!.actions.length} actions; medians of ${rounds} interleaved runs`);
  console.log(`  bare exceljs load:                 ${b.toFixed(2)} ms`);
  console.log(`  checkWorkbook (guard+read+rules):  ${c.toFixed(2)} ms`);
  console.log(`  the cell reader alone:             ${median(readTimes).toFixed(2)} ms`);
  console.log(`  the guard alone:                   ${median(guardTimes).toFixed(2)} ms`);
  console.log(`  plan model + rules, per plan:      ${(median(rulesTimes) * 1000).toFixed(0)} µs`);
  console.log(`  ratio: ${(c / b).toFixed(2)}× (target ≤ 1.30×)`);
}

if (import.meta.url === `file://${process.argv[1]}`) await bench();
