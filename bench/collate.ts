// Collating 200 and 2,000 returned plans with the real command line (`node bin/naome.js collate`): wall time and the
// child process's peak memory (max RSS, reported by the child itself as it exits). Targets: 2,000 plans in at most
// 10 s on this 2-core machine, peak at most 300 MB. The plans are generated once into a temp folder and reused; the
// 2,000 are ten returns of each of the 200 (copies with different modification times: nothing is cached by content,
// so a copy costs exactly what a distinct file costs).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadOrganisations } from '../server/organisations';
import { writePlanWorkbook } from '../server/xlsx/writePlanWorkbook';
import { currentTemplate } from '../shared/template';
import { dateFromToday, fillWorkbook, goodPlanContent } from '../test/helpers/plans';

const NAOME = fileURLToPath(new URL('../bin/naome.js', import.meta.url));
const CACHE = join(tmpdir(), `naome-bench-collate-${currentTemplate.id}-v${currentTemplate.version}`);
/** Loaded before the CLI: writes the process's resource usage to fd 3 as it exits. */
const REPORT_USAGE = `data:text/javascript,import{writeSync}from'node:fs';process.on('exit',()=>writeSync(3,JSON.stringify(process.resourceUsage())))`;

/** 200 distinct plans (one per organisation on the list, statuses and priorities varied), then 10 returns of each. */
export async function generate(): Promise<{ distinct: string; repeated: string }> {
  const distinct = join(CACHE, '200');
  const repeated = join(CACHE, '2000');
  if (existsSync(join(CACHE, 'complete'))) return { distinct, repeated };
  await rm(CACHE, { recursive: true, force: true });
  await mkdir(distinct, { recursive: true });
  await mkdir(repeated, { recursive: true });
  const organisations = loadOrganisations();
  const blank = await writePlanWorkbook({ organisations });
  const statuses = currentTemplate.statusKey.entries;
  const priorities = currentTemplate.priorityKey.entries;
  const base = Date.UTC(2026, 0, 1);
  for (const [i, org] of organisations.slice(0, 200).entries()) {
    const content = goodPlanContent(org.code);
    content.actions.forEach((a, j) => {
      const s = statuses[(i + j) % statuses.length]!;
      a.status = `${s.code}. ${s.label}`;
      a.reason = s.code >= 4 ? 'Covered by the regional network plan this year' : a.reason;
      a.priority = priorities[(i * 7 + j) % priorities.length]!.label;
      a.deadline = dateFromToday(((i + j) % 9) * 30 - 60);
    });
    const bytes = await fillWorkbook(blank, content);
    const file = join(distinct, `${org.code}.xlsx`);
    await writeFile(file, bytes);
    for (let v = 1; v <= 10; v++) {
      const copy = join(repeated, `${org.code}-v${v}.xlsx`);
      await copyFile(file, copy);
      const t = new Date(base + (v * 200 + i) * 60000);
      await utimes(copy, t, t);
    }
  }
  await writeFile(join(CACHE, 'complete'), new Date().toISOString());
  return { distinct, repeated };
}

interface Run { wallMs: number; maxRssMb: number; userMs: number; systemMs: number; code: number | null; stdout: string }

/** Runs the command line in a child process; the child reports its own peak RSS on fd 3. */
export function runCli(args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(process.execPath, ['--import', REPORT_USAGE, NAOME, ...args], { stdio: ['ignore', 'pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let usage = '';
    child.stdout!.on('data', (c: Buffer) => (stdout += c));
    child.stderr!.resume(); // progress lines
    (child.stdio[3] as NodeJS.ReadableStream).on('data', (c: Buffer) => (usage += c));
    child.on('error', reject);
    child.on('close', (code) => {
      const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
      const u = JSON.parse(usage || '{}') as NodeJS.ResourceUsage;
      resolve({ wallMs, maxRssMb: (u.maxRSS ?? 0) / 1024, userMs: (u.userCPUTime ?? 0) / 1000, systemMs: (u.systemCPUTime ?? 0) / 1000, code, stdout });
    });
  });
}

export async function bench(): Promise<void> {
  const { distinct, repeated } = await generate();
  const out = await mkdtemp(join(tmpdir(), 'naome-bench-collate-out-'));
  try {
    // Wall time on a shared machine says little without its load: print it beside the figures.
    console.log(`machine: ${availableParallelism()} CPUs, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
    const startup = await runCli(['collate', '--help']);
    console.log(`command line start-up (naome collate --help): ${startup.wallMs.toFixed(0)} ms, ${startup.maxRssMb.toFixed(0)} MB`);
    const runs: Array<[string, string, number, string[]]> = [
      ['200 plans (200 organisations)', distinct, 200, []],
      ['2,000 plans (200 organisations x 10)', repeated, 2000, []],
      // The same in the main thread alone: on a machine busy with other work, extra threads may not help.
      ['2,000 plans, --jobs 1', repeated, 2000, ['--jobs', '1']],
    ];
    for (const [label, dir, target, extra] of runs) {
      const files = (await readdir(dir)).length;
      const r = await runCli(['collate', ...extra, '-o', join(out, 'national.xlsx'), '--csv', join(out, 'actions.csv'), dir]);
      if (r.code !== 0) throw new Error(`naome collate exited ${r.code} on ${dir}`);
      const ok = target === 2000 ? `  (targets: <= 10 s ${r.wallMs <= 10000 ? 'met' : 'MISSED'}, <= 300 MB ${r.maxRssMb <= 300 ? 'met' : 'MISSED'})` : '';
      console.log(`collate ${label}: ${files} files, wall ${(r.wallMs / 1000).toFixed(2)} s, peak RSS ${r.maxRssMb.toFixed(0)} MB, ` +
        `CPU user ${(r.userMs / 1000).toFixed(2)} s + system ${(r.systemMs / 1000).toFixed(2)} s${ok}`);
    }
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}
