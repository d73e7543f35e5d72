// `naome validate`: checks returned action plans one file at a time, with the same rules as the add-in and the service.
import { isIsoDate, todayIso } from '../../shared/cells';
import { type Finding, type ValidationResult } from '../../shared/findings';
import { PLAN_SHEET } from '../../shared/layout';
import { loadOrganisations } from '../../server/organisations';
import { checkWorkbook } from '../../server/xlsx/checkWorkbook';
import { DEFAULT_LIMITS } from '../../server/xlsx/limits';
import { readLocalFile } from '../../server/xlsx/readLocalFile';
import { parse, UsageError, type Command } from '../command';
import { print, printError, printLine } from '../terminal';

const usage = `Usage: naome validate [--json] [--today YYYY-MM-DD] [--orgs CSV] [--time-limit SECONDS] [--annotate DIR] FILE...

Checks each returned action plan (.xlsx) against the national rules and lists every finding by file and cell.
See docs/findings.md for what each finding code means and how to fix it.

Options:
  --json                 Print one JSON array: an object per file
                         {file, valid, readable, template, organisation, findings}.
  --annotate DIR         Also write each readable workbook into DIR as NAME-checked.xlsx, its findings marked: a
                         comment and a highlight at each cell, and a Findings sheet linking to them (nothing else
                         in the workbook is changed).
  --today YYYY-MM-DD     Check deadlines as if today were this date (default: today in the UK).
  --orgs CSV             The organisations list (columns ods_code, name, nation, nhs_england_region;
                         default: the list shipped with naome).
  --time-limit SECONDS   Stop reading a file after this long (default ${DEFAULT_LIMITS.timeoutMs / 1000}; a plan takes
                         well under a second).
  -h, --help             Show this help.

Exit status: 0 every file is valid (warnings allowed), 1 some file has errors,
2 some file cannot be read as an action plan, or the command was misused.`;

export const validate: Command = {
  usage,
  async run(args) {
    const { values, positionals } = parse(args, {
      json: { type: 'boolean', default: false },
      annotate: { type: 'string' },
      today: { type: 'string' },
      orgs: { type: 'string' },
      'time-limit': { type: 'string' },
    }, true);
    if (positionals.length === 0) throw new UsageError('give at least one .xlsx file to check.');
    const today = values.today ?? todayIso();
    if (!isIsoDate(today)) throw new UsageError(`--today "${today}" is not a date: give it as YYYY-MM-DD, e.g. 2026-03-31.`);
    const seconds = values['time-limit'] === undefined ? undefined : Number(values['time-limit']);
    if (seconds !== undefined && !(seconds > 0 && seconds <= 3600)) {
      throw new UsageError(`--time-limit "${values['time-limit']}" is not a number of seconds between 0 and 3600.`);
    }
    const limits = seconds === undefined ? {} : { timeoutMs: Math.round(seconds * 1000) };
    let organisations;
    try {
      organisations = values.orgs ? loadOrganisations(values.orgs) : loadOrganisations();
    } catch (err) {
      throw new UsageError(`cannot use the organisations list${values.orgs ? ` "${values.orgs}"` : ''}: ${err instanceof Error ? err.message : String(err)}`);
    }

    const results: ValidationResult[] = [];
    for (const file of positionals) {
      // One file at a time: only one workbook's bytes are held in memory.
      const read = readLocalFile(file);
      const result = read.ok
        ? (await checkWorkbook(read.bytes, { file, organisations, today, limits })).result
        : unreadable(file, read.finding);
      if (values.annotate && read.ok && result.readable) await writeAnnotated(values.annotate, file, read.bytes, result.findings);
      if (!values.json) print(`${results.length ? '\n' : ''}${describe(result)}`);
      else if (!read.ok) printError(`naome validate: ${read.finding.message}`);
      results.push(result);
    }
    if (values.json) printLine(JSON.stringify(results, null, 2));
    else if (results.length > 1) print(`\n${summary(results)}\n`);
    if (results.some((r) => !r.readable)) return 2;
    return results.every((r) => r.valid) ? 0 : 1;
  },
};

/** The workbook with its findings marked, as DIR/NAME-checked.xlsx (annotate.ts loaded only when asked for). */
async function writeAnnotated(dir: string, file: string, bytes: Buffer, findings: Finding[]): Promise<void> {
  const { annotateWorkbook } = await import('../../server/xlsx/annotate');
  const { mkdirSync, writeFileSync } = await import('node:fs');
  const { basename, join } = await import('node:path');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${basename(file).replace(/\.xlsx$/i, '')}-checked.xlsx`), await annotateWorkbook(bytes, findings, PLAN_SHEET));
}

function unreadable(file: string, why: Finding): ValidationResult {
  return { file, valid: false, readable: false, template: null, organisation: null, findings: [why] };
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** The closing line for several files: how many are valid, have errors, cannot be read. */
function summary(results: ValidationResult[]): string {
  const valid = results.filter((r) => r.valid).length;
  const unreadable = results.filter((r) => !r.readable).length;
  return `${plural(results.length, 'file')}: ${valid} valid, ${results.length - valid - unreadable} with errors, ${unreadable} unreadable.`;
}

/** One file's findings as readable lines: a summary line, then one line per finding in sheet order. */
export function describe(result: ValidationResult): string {
  const errors = result.findings.filter((f) => f.severity === 'error').length;
  const warnings = result.findings.length - errors;
  const name = result.file ?? '(plan)';
  const head = !result.readable
    ? `${name}: cannot be read as an action plan`
    : result.valid
      ? `${name}: valid${warnings ? `, ${plural(warnings, 'warning')}` : ''}`
      : `${name}: ${plural(errors, 'error')}, ${plural(warnings, 'warning')}`;
  const where = (f: Finding) => (f.cell ? (f.sheet && f.sheet !== PLAN_SHEET ? `'${f.sheet}'!${f.cell}` : f.cell) : '-');
  const width = Math.max(0, ...result.findings.map((f) => where(f).length));
  const codeWidth = Math.max(0, ...result.findings.map((f) => f.code.length));
  const lines = result.findings.map((f) => `  ${where(f).padEnd(width)}  ${f.severity.padEnd(7)}  ${f.code.padEnd(codeWidth)}  ${f.message}`);
  return [head, ...lines, ''].join('\n');
}
