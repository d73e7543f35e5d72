// `naome collate`: reads every returned workbook (checked on worker threads, entries kept in input order) and writes
// the national workbook (and CSV).
import { availableParallelism } from 'node:os';
import { stat } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { isIsoDate, todayIso } from '../../shared/cells';
import { Collator } from '../../server/collate/collator';
import { writeActionsCsv } from '../../server/collate/csv';
import { collectInputs, InputError, type Input } from '../../server/collate/inputs';
import { writeCollationWorkbook } from '../../server/collate/workbook';
import { readFiles } from '../../server/collate/readFiles';
import { loadOrganisations } from '../../server/organisations';
import { DEFAULT_LIMITS, formatBytes } from '../../server/xlsx/limits';
import { parse, UsageError, type Command } from '../command';
import { printError, printLine } from '../terminal';

const usage = `Usage: naome collate [-o FILE] [--csv FILE] [--orgs CSV] [--today YYYY-MM-DD] [--jobs N] INPUT...

Reads returned action plans and writes the national workbook: Summary, Actions, Organisations, Not returned and
Problems sheets. INPUT is a workbook or a folder; folders are searched recursively for *.xlsx, and any .xlsm, .xlsb,
.xls, .ods or .csv file there is listed under Problems with what to do about it. Where an organisation returned
several files, the newest (by file modification time) counts and the others are listed as superseded.
Only regular files are read, and one over ${formatBytes(DEFAULT_LIMITS.maxBytes)} is refused before it is read; a file or folder that cannot be
read is listed under Problems and the collation goes on.

Options:
  -o, --output FILE   the national workbook (default: naome-collation-<today>.xlsx)
      --csv FILE      also write the Actions rows as CSV (UTF-8 with BOM, for Excel)
      --orgs CSV      the organisations list to use instead of the shipped one
                      (columns ods_code, name, nation, nhs_england_region)
      --today DATE    the date deadlines are judged against (default: today in the UK)
      --jobs N        workbooks read at the same time, one per thread (default: the number of CPUs)

Exit status: 0 when the collation is written; 2 when the command is misused or there is nothing to read.`;

export const collate: Command = {
  usage,
  async run(args) {
    const { values, positionals } = parse(args, {
      output: { type: 'string', short: 'o' },
      csv: { type: 'string' },
      orgs: { type: 'string' },
      today: { type: 'string' },
      jobs: { type: 'string' },
    }, true);
    if (positionals.length === 0) throw new UsageError('give at least one workbook or folder to collate.');
    const today = values.today ?? todayIso();
    if (!isIsoDate(today)) throw new UsageError(`--today "${today}" is not a date: write it as YYYY-MM-DD, e.g. 2026-03-31.`);
    const jobs = values.jobs === undefined ? availableParallelism() : Number(values.jobs);
    if (!Number.isInteger(jobs) || jobs < 1 || jobs > 64) throw new UsageError(`--jobs "${values.jobs}" is not a number from 1 to 64.`);
    const organisations = loadOrganisations(values.orgs);

    const output = values.output ?? `naome-collation-${today}.xlsx`;
    // Before any reading: a missing output folder found after an hour's collation would waste the hour.
    await checkOutputPath('-o', output);
    if (values.csv) await checkOutputPath('--csv', values.csv);

    let files: Input[];
    try {
      files = await collectInputs(positionals);
    } catch (err) {
      if (err instanceof InputError) throw new UsageError(err.message);
      throw err;
    }
    if (files.length === 0) {
      printError(`naome collate: no .xlsx files found in ${positionals.join(', ')}.`);
      return 2;
    }

    const collator = new Collator({ organisations, today });
    let unreadable = 0;
    let i = 0;
    // Each workbook is read here and checked on a worker, one at a time per worker; only its result and plan come back.
    for await (const entry of readFiles(files, { organisations, today }, jobs)) {
      printError(`[${++i}/${files.length}] ${basename(entry.source)}`);
      if (!entry.result.readable) unreadable++;
      collator.add(entry);
    }

    await writeCollationWorkbook(collator, output);
    if (values.csv) await writeActionsCsv(collator, values.csv);

    const n = collator.counts();
    const lines = [
      `Files read: ${n.entries}`,
      `Plans counted: ${n.plans} (one per organisation; ${n.superseded} older ${n.superseded === 1 ? 'file' : 'files'} superseded)`,
      `Unreadable: ${unreadable}` + (n.noPlan > unreadable ? `; not an action plan: ${n.noPlan - unreadable}` : ''),
      ...(n.unidentified ? [`Plans with no organisation on the list: ${n.unidentified} (see the Problems sheet)`] : []),
      `Not returned: ${n.notReturned} of ${collator.expectedCount()} organisations expected to return`,
      `Wrote ${output}` + (values.csv ? ` and ${values.csv}` : ''),
    ];
    printLine(lines.join('\n'));
    return 0;
  },
};

/** Throws a plain message when an output cannot be written where it is asked for: its folder is missing, or it is one. */
async function checkOutputPath(option: string, file: string): Promise<void> {
  const folder = dirname(resolve(file));
  const [self, parent] = await Promise.all([stat(file).catch(() => null), stat(folder).catch(() => null)]);
  if (!parent?.isDirectory()) {
    throw new Error(`cannot write ${file}: the folder ${folder} does not exist. Create it first, or give ${option} a file in an existing folder. Nothing was read.`);
  }
  if (self?.isDirectory()) throw new Error(`cannot write ${file}: it is a folder. Give ${option} a file name, e.g. ${option} ${file.replace(/[\\/]+$/, '')}/national.xlsx. Nothing was read.`);
}
