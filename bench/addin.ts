// The task pane's size and its round trips to Excel: the bundle (raw and gzip) as served, and the context.sync()
// calls and queued commands of Create plan and Check, counted on the office-addin-mock model of the Excel API.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildAddin } from '../addin/build';
import { createPlan } from '../addin/src/createPlan';
import { checkOpenWorkbook } from '../addin/src/readPlan';
import { ExcelWorkbookModel } from '../addin/mock/excelMock';
import { todayIso } from '../shared/cells';
import { PLAN_SHEET } from '../shared/layout';
import { loadOrganisations } from '../server/organisations';
import { contentCells, goodPlanContent } from '../test/helpers/plans';

export async function bench(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'naome-addin-bench-'));
  try {
    const { bytes, gzip } = await buildAddin(dir);
    console.log(`task-pane bundle taskpane.js: ${(bytes / 1024).toFixed(1)} KB raw, ${(gzip / 1024).toFixed(1)} KB gzip`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  const organisations = loadOrganisations();
  const model = new ExcelWorkbookModel();
  let t = performance.now();
  await createPlan(model.context(), { organisations, organisation: 'RGT' });
  console.log(`Create plan: ${model.syncs} context.sync() calls, ${model.commands} queued commands (${(performance.now() - t).toFixed(0)} ms in the mock)`);

  for (const { cell, value } of contentCells(goodPlanContent('RGT'))) model.setCell(PLAN_SHEET, cell, value);
  const [syncs, commands] = [model.syncs, model.commands];
  t = performance.now();
  const { plan, result } = await checkOpenWorkbook(model.context(), { organisations, today: todayIso() });
  console.log(`Check: ${model.syncs - syncs} context.sync() calls, ${model.commands - commands} queued commands, `
    + `${plan?.actions.length ?? 0} actions, ${result.findings.length} findings (${(performance.now() - t).toFixed(0)} ms in the mock)`);
}
