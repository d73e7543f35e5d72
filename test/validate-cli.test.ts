// `naome validate` end to end: the real command line (node bin/naome.js) on real .xlsx files written by our writer and
// filled through exceljs, a non-xlsx file, a missing file. Exit status, readable output and the --json shape.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { todayIso } from '../shared/cells';
import { planLayout } from '../shared/layout';
import { currentTemplate } from '../shared/template';
import { loadOrganisations } from '../server/organisations';
import { writePlanWorkbook } from '../server/xlsx/writePlanWorkbook';
import { fillWorkbook, goodPlanContent } from './helpers/plans';

const BIN = fileURLToPath(new URL('../bin/naome.js', import.meta.url));
const R1 = planLayout(currentTemplate, []).recommendations[0]!.firstActionRow;

interface Run { code: number; stdout: string; stderr: string }
function naome(args: string[], cwd: string): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd, timeout: 120_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

describe('naome validate (command line)', function () {
  this.timeout(300_000); // the before hook runs 8 processes; generous for a loaded machine
  let dir: string;
  // The good plan's deadlines are relative to today; the command is told the same today.
  const today = todayIso();
  // The reader stops after 2 s of wall time by default; on a busy test machine that can cut off a real plan, and this
  // file tests what validate says, not how fast it is, so the limit is raised.
  const slow = ['--time-limit', '60'];
  const ARGS: Record<string, (dir: string) => string[]> = {
    good: () => ['validate', ...slow, '--today', today, 'good.xlsx'],
    bad: () => ['validate', ...slow, '--today', today, 'bad.xlsx'],
    patient: () => ['validate', ...slow, '--today', today, 'patient.xlsx'],
    json: () => ['validate', ...slow, '--json', '--today', today, 'bad.xlsx', 'good.xlsx'],
    csv: () => ['validate', ...slow, '--json', 'plan.csv', 'big.xlsx'],
    missing: (d) => ['validate', ...slow, '--today', today, 'good.xlsx', 'missing.xlsx', d],
    help: () => ['validate', '--help'],
    none: () => ['validate'],
    badToday: () => ['validate', '--today', '31/12/2026', 'good.xlsx'],
    badLimit: () => ['validate', '--time-limit', 'soon', 'good.xlsx'],
  };
  const runs: Record<string, Run> = {};

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'naome-validate-'));
    const blank = await writePlanWorkbook({ organisations: loadOrganisations() });
    await writeFile(join(dir, 'good.xlsx'), await fillWorkbook(blank, goodPlanContent('RGT')));
    const bad = goodPlanContent('RGT');
    Object.assign(bad.actions[0]!, { status: '7', deadline: 'end of Q3', responsible: 'Breast team' });
    bad.header.auditLead = null;
    await writeFile(join(dir, 'bad.xlsx'), await fillWorkbook(blank, bad));
    const patient = goodPlanContent('RGT');
    patient.actions[0]!.progress = 'Reviewed with the notes of 943 476 5919';
    await writeFile(join(dir, 'patient.xlsx'), await fillWorkbook(blank, patient));
    await writeFile(join(dir, 'plan.csv'), 'organisation,action\nRGT,Review the dashboard\n');
    await writeFile(join(dir, 'big.xlsx'), '');
    await truncate(join(dir, 'big.xlsx'), 11 * 1024 * 1024); // sparse: past the 10 MB limit, refused before reading
    // The runs go two at a time (one per core of the CI machine); the tests below look at their results.
    const queue = Object.keys(ARGS);
    const worker = async () => {
      for (let name = queue.shift(); name !== undefined; name = queue.shift()) runs[name] = await naome(ARGS[name]!(dir), dir);
    };
    await Promise.all([worker(), worker()]);
  });
  after(async () => { await rm(dir, { recursive: true, force: true }); });

  it('says a correct plan is valid and exits 0', () => {
    const run = runs.good!;
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout.trim(), 'good.xlsx: valid');
  });

  it('lists errors by cell and exits 1', () => {
    const run = runs.bad!;
    assert.equal(run.code, 1, run.stderr);
    const lines = run.stdout.trim().split('\n');
    assert.equal(lines[0], 'bad.xlsx: 3 errors, 1 warning');
    assert.match(lines[1]!, /^ {2}C6 +error +LEAD_MISSING +The Audit lead in C6 is empty/);
    assert.match(lines[2]!, new RegExp(`^  C${R1} +warning +RESPONSIBLE_NOT_NAMED +The responsible "Breast team" in C${R1}`));
    assert.match(lines[3]!, new RegExp(`^  D${R1} +error +DEADLINE_NOT_DATE +The deadline "end of Q3" in D${R1} is not a date`));
    assert.match(lines[4]!, new RegExp(`^  E${R1} +error +STATUS_INVALID +Status "7" in E${R1} is not in Key 1`));
    assert.equal(lines.length, 5);
  });

  it('refuses an NHS number in a cell by the same rule as the add-in and the service, never printing it', () => {
    const run = runs.patient!;
    assert.equal(run.code, 1, run.stderr);
    const lines = run.stdout.trim().split('\n');
    assert.equal(lines[0], 'patient.xlsx: 1 error, 0 warnings');
    assert.match(lines[1]!, new RegExp(`^  H${R1} +error +NHS_NUMBER +The progress / evidence in H${R1} holds what looks like an NHS number`));
    assert.doesNotMatch(run.stdout + run.stderr, /5919/);
  });

  it('--json prints one array of results in exactly the documented shape', () => {
    const run = runs.json!;
    assert.equal(run.code, 1, run.stderr);
    const results = JSON.parse(run.stdout) as Array<Record<string, unknown>>;
    assert.equal(results.length, 2);
    for (const r of results) assert.deepEqual(Object.keys(r), ['file', 'valid', 'readable', 'template', 'organisation', 'findings']);
    const [bad, good] = results as Array<{ file: string; valid: boolean; readable: boolean; findings: Array<Record<string, unknown>> }>;
    assert.deepEqual({ ...bad!, findings: undefined }, {
      file: 'bad.xlsx', valid: false, readable: true,
      template: { id: 'naome-2025', version: 1 },
      organisation: { code: 'RGT', name: 'Cambridge University Hospitals NHS Foundation Trust' },
      findings: undefined,
    });
    for (const f of bad!.findings) assert.deepEqual(Object.keys(f), ['code', 'severity', 'sheet', 'cell', 'recommendation', 'field', 'message']);
    assert.deepEqual(bad!.findings.map((f) => [f.code, f.severity, f.sheet, f.cell, f.recommendation, f.field]), [
      ['LEAD_MISSING', 'error', 'Action plan', 'C6', null, 'auditLead'],
      ['RESPONSIBLE_NOT_NAMED', 'warning', 'Action plan', `C${R1}`, 1, 'responsible'],
      ['DEADLINE_NOT_DATE', 'error', 'Action plan', `D${R1}`, 1, 'deadline'],
      ['STATUS_INVALID', 'error', 'Action plan', `E${R1}`, 1, 'status'],
    ]);
    assert.deepEqual({ ...good!, findings: good!.findings.length }, {
      file: 'good.xlsx', valid: true, readable: true,
      template: { id: 'naome-2025', version: 1 },
      organisation: { code: 'RGT', name: 'Cambridge University Hospitals NHS Foundation Trust' },
      findings: 0,
    });
  });

  it('refuses a file that is not an .xlsx, or is too large, with its reason, exit 2', () => {
    const run = runs.csv!;
    assert.equal(run.code, 2, run.stderr);
    const results = JSON.parse(run.stdout) as Array<{ file: string; readable: boolean; valid: boolean; template: unknown; findings: Array<{ code: string; message: string }> }>;
    assert.deepEqual(results.map((r) => [r.file, r.readable, r.valid, r.template, r.findings.map((f) => f.code)]), [
      ['plan.csv', false, false, null, ['FILE_CSV']],
      ['big.xlsx', false, false, null, ['FILE_TOO_LARGE']],
    ]);
    assert.match(results[1]!.findings[0]!.message, /The file is 11 MB; files are limited to 10 MB/);
  });

  it('names a missing file, goes on with the others, and exits 2', () => {
    const run = runs.missing!;
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stdout, /^good\.xlsx: valid$/m);
    assert.match(run.stdout, /^missing\.xlsx: cannot be read as an action plan\n {2}- +error +FILE_NOT_FOUND +There is no file "missing\.xlsx"/m);
    assert.match(run.stdout, /FILE_UNREADABLE +".*" is a folder, not a file/);
    assert.match(run.stdout, /^3 files: 1 valid, 0 with errors, 2 unreadable\.$/m);
  });

  it('shows its help, and treats no file, a bad --today or --time-limit as misuse (exit 2)', () => {
    const help = runs.help!;
    assert.equal(help.code, 0);
    assert.match(help.stdout, /^Usage: naome validate \[--json\] \[--today YYYY-MM-DD\]/);
    const none = runs.none!;
    assert.equal(none.code, 2);
    assert.match(none.stderr, /give at least one \.xlsx file/);
    const badToday = runs.badToday!;
    assert.equal(badToday.code, 2);
    assert.match(badToday.stderr, /--today "31\/12\/2026" is not a date/);
    assert.equal(runs.badLimit!.code, 2);
    assert.match(runs.badLimit!.stderr, /--time-limit "soon" is not a number of seconds/);
  });
});
