// Carrying a plan from an older template version into the current one (shared/carryPlan.ts), and `naome upgrade`
// (the built command line) on a real workbook made on the fixture template v0, whose header fields are in another
// order: everything arrives in its place in the current template, and what has no place is reported.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { carryPlan } from '../shared/carryPlan';
import { planLayout } from '../shared/layout';
import { currentTemplate, type Template } from '../shared/template';
import { parseTemplate } from '../shared/templateSchema';
import { loadOrganisations } from '../server/organisations';
import { checkWorkbook } from '../server/xlsx/checkWorkbook';
import { writePlanWorkbook } from '../server/xlsx/writePlanWorkbook';
import { fillWorkbook, goodPlanContent } from './helpers/plans';

const BIN = fileURLToPath(new URL('../bin/naome.js', import.meta.url));
const V0_PATH = fileURLToPath(new URL('./fixtures/naome-2025-v0.json', import.meta.url));
const v0: Template = parseTemplate(JSON.parse(readFileSync(V0_PATH, 'utf8')));
const organisations = loadOrganisations();

const naome = (args: string[]) => new Promise<{ code: number; stdout: string; stderr: string }>((done) => {
  execFile(process.execPath, [BIN, ...args], { timeout: 120_000 }, (err, stdout, stderr) => done({ code: err ? Number(err.code) : 0, stdout, stderr }));
});

/** A correct plan made on template v0, as a workbook and as read back. */
async function v0Workbook() {
  const blank = await writePlanWorkbook({ template: v0, organisations, organisation: 'RGT' });
  const bytes = await fillWorkbook(blank, goodPlanContent('RGT', v0), v0);
  const { plan, result } = await checkWorkbook(bytes, { organisations, templates: [currentTemplate, v0] });
  assert.equal(result.valid, true, JSON.stringify(result.findings));
  return { bytes, plan: plan! };
}

describe('carrying a plan into the current template', function () {
  this.timeout(120_000);

  it('the fixture v0 has one field moved: the leads are in each other\'s cells', () => {
    const cell = (t: Template, id: string) => planLayout(t, []).header.find((h) => h.id === id)!.cell;
    assert.equal(v0.version, 0);
    assert.equal(cell(v0, 'auditLead'), cell(currentTemplate, 'actionPlanLead'));
    assert.equal(cell(v0, 'actionPlanLead'), cell(currentTemplate, 'auditLead'));
  });

  it('naome upgrade carries a v0 workbook into the current template with nothing lost', async () => {
    const { bytes, plan } = await v0Workbook();
    const dir = mkdtempSync(join(tmpdir(), 'naome-upgrade-'));
    try {
      writeFileSync(join(dir, 'old.xlsx'), bytes);
      const run = await naome(['upgrade', join(dir, 'old.xlsx'), '-o', join(dir, 'new.xlsx'), '--from', V0_PATH]);
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, /naome-2025 version 0\) → .*new\.xlsx \(naome-2025 version 1\): 6 actions carried, nothing left out\./);
      const { result, plan: carried } = await checkWorkbook(readFileSync(join(dir, 'new.xlsx')), { organisations });
      assert.equal(result.valid, true, JSON.stringify(result.findings));
      assert.deepEqual(carried!.template, { id: currentTemplate.id, version: currentTemplate.version });
      assert.deepEqual(carried!.header, plan.header, 'each lead in its own field, though the cells moved');
      const strip = (p: typeof plan) => p.actions.map(({ row: _row, ...rest }) => rest);
      assert.deepEqual(strip(carried!), strip(plan));
      // Without the old template the workbook is not known: said, and nothing written.
      const unknown = await naome(['upgrade', join(dir, 'old.xlsx'), '-o', join(dir, 'other.xlsx')]);
      assert.equal(unknown.code, 2);
      assert.match(unknown.stderr, /UNKNOWN_TEMPLATE/);
      assert.throws(() => readFileSync(join(dir, 'other.xlsx')));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reports each value with no place in the new template (NOT_CARRIED) and carries the rest', async () => {
    const { plan } = await v0Workbook();
    const older: Template = { ...v0, headerFields: [...v0.headerFields, { id: 'clinicalDirector', label: 'Clinical director', kind: 'person' }] };
    const extra = structuredClone(plan);
    extra.header.clinicalDirector = 'Dr Ann Lee';
    const rec1 = extra.actions.find((a) => a.recommendation === 1)!;
    for (let i = 0; i < 15; i++) extra.actions.push({ ...rec1, row: 100 + i, action: `Extra action number ${i + 1} for recommendation one` });
    extra.actions.push({ ...rec1, recommendation: 9, row: 300, action: 'An action for a recommendation that is gone' });
    const { plan: carried, findings } = carryPlan(extra, older, currentTemplate);
    assert.deepEqual(findings.map((f) => [f.code, f.severity, f.field ?? f.recommendation]), [
      ['NOT_CARRIED', 'warning', 'clinicalDirector'],
      ['NOT_CARRIED', 'warning', 1],
      ['NOT_CARRIED', 'warning', 1],
      ['NOT_CARRIED', 'warning', 9],
    ]);
    assert.match(findings[0]!.message, /"Clinical director" \(Dr Ann Lee\) .* was not carried over/);
    assert.equal(carried.actions.filter((a) => a.recommendation === 1).length, 15);
    assert.equal(carried.header.clinicalDirector, undefined);
    assert.equal(carried.actions.length, extra.actions.length - 3);
  });
});
