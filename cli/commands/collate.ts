// `naome collate`: reads every returned workbook (checked in this thread and on worker threads, entries kept in input
// order) and writes the national workbook (and CSV). The collation's own modules (the checker, the collator, the
// writers) are loaded only once the inputs are known and the workers started: Node starts the workers on the other
// cores while this thread loads them.
import { availableParallelism } from 'node:os';
import { stat } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { isIsoDate, todayIso } from '../../shared/cells';
import { collectInputs, InputError, type Input } from '../../server/collate/inputs';
import { checkPoolFor } from '../../server/collate/workers';
import { loadOrganisations } from '../../server/organisations';
import { DATABASE_ENV, databaseUrlOf, openStore } from '../../server/store/open';
import { currentTemplate } from '../../shared/template';
import { DEFAULT_LIMITS, formatBytes } from '../../server/xlsx/limits';
import { parse, UsageError, type Command } from '../command';
import { optimizeNow } from '../optimize';
import { printError, printLine } from '../terminal';

const usage = `Usage: naome collate [-o FILE] [--csv FILE] [--orgs CSV] [--today YYYY-MM-DD] [--jobs N] INPUT...
       naome collate --from-database [--data DIR | --database URL] [-o FILE] [--csv FILE] [--today YYYY-MM-DD]

Reads returned action plans and writes the national workbook: Summary, Actions, Organisations, Not returned and
Problems sheets. INPUT is a workbook or a folder; folders are searched recursively for *.xlsx, and any .xlsm, .xlsb,
.xls, .ods or .csv file there is listed under Problems with what to do about it. Where an organisation returned
several files, the newest (by file modification time) counts and the others are listed as superseded.
Only regular files are read, and one over ${formatBytes(DEFAULT_LIMITS.maxBytes)} is refused before it is read; a file or folder that cannot be
read is listed under Problems and the collation goes on.

With --from-database, the plans are the service's instead: each organisation's latest version as checked when it was
submitted, with the round's expected organisations, the national team's reviews and a Changes sheet (each latest
version against the one before it) — the same workbook as the admin page's collation. It works while the service runs.

Options:
  -o, --output FILE   the national workbook (default: naome-collation-<today>.xlsx)
      --csv FILE      also write the Actions rows as CSV (UTF-8 with BOM, for Excel)
      --orgs CSV      the organisations list to use instead of the shipped one
                      (columns ods_code, name, nation, nhs_england_region)
      --today DATE    the date deadlines are judged against (default: today in the UK)
      --jobs N        workbooks read at the same time, one per thread (default: the number of CPUs)
      --from-database read the service's stored plans instead of INPUT files
      --data DIR      with --from-database: the service's data folder (SQLite; default ./data)
      --database URL  with --from-database: the service's PostgreSQL database (postgres://…; default ${DATABASE_ENV})

Exit status: 0 when the collation is written; 2 when the command is misused or there is nothing to read.`;

/**
 * From this many files V8's optimizing compiler is turned on at once rather than after the command's first 0.2 s
 * (cli/optimize.ts). Measured on 2 cores: 10 files 0.31 s with it held back, 0.36 s without; 20 files 0.52 s, 0.47 s.
 */
const OPTIMIZE_AT_ONCE_FROM = 15;

export const collate: Command = {
  usage,
  async run(args) {
    const { values, positionals } = parse(args, {
      output: { type: 'string', short: 'o' },
      csv: { type: 'string' },
      orgs: { type: 'string' },
      today: { type: 'string' },
      jobs: { type: 'string' },
      'from-database': { type: 'boolean' },
      data: { type: 'string' },
      database: { type: 'string' },
    }, true);
    const today = values.today ?? todayIso();
    if (!isIsoDate(today)) throw new UsageError(`--today "${today}" is not a date: write it as YYYY-MM-DD, e.g. 2026-03-31.`);
    if (values['from-database']) {
      if (positionals.length) throw new UsageError(`--from-database reads the service's plans: leave out "${positionals.join(' ')}", or leave out --from-database to collate files.`);
      if (values.orgs || values.jobs) throw new UsageError(`--from-database uses the service's own organisations list and reads no files: leave out ${values.orgs ? '--orgs' : '--jobs'}.`);
      return collateStore({ data: values.data, database: databaseUrlOf(values.database) }, today, values.output, values.csv);
    }
    if (values.data || values.database) throw new UsageError('--data and --database go with --from-database (collating the service\'s plans).');
    if (positionals.length === 0) throw new UsageError('give at least one workbook or folder to collate (or --from-database for the service\'s plans).');
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
    if (files.length >= OPTIMIZE_AT_ONCE_FROM) await optimizeNow();

    // Started before the checker loads here: ~130 ms after the process starts rather than ~170 ms, so the worker
    // takes a few more of the files (200 files: 0.69 -> 0.68 s median, within the noise of this machine).
    const pool = checkPoolFor(files.length, jobs);
    const [{ readFiles }, { Collator, writeCollationWorkbook, writeActionsCsv }] = await Promise.all([
      import('../../server/collate/readFiles'), import('../../server/collate'),
    ]);
    const collator = new Collator({ organisations, today });
    let unreadable = 0;
    let i = 0;
    // Each workbook is read here and checked here or on a worker; only its result and plan come back from a worker.
    for await (const entry of readFiles(files, { organisations, today }, pool)) {
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

/** The national workbook from the service's store, as /api/collation.xlsx makes it. */
async function collateStore(where: { data?: string; database?: string }, today: string, output = `naome-collation-${today}.xlsx`, csv?: string): Promise<number> {
  await checkOutputPath('-o', output);
  if (csv) await checkOutputPath('--csv', csv);
  const dataDir = resolve(where.data ?? 'data');
  const { DATABASE_FILE } = await import('../../server/store/sqlite/store');
  // A mistyped --data must not quietly collate a new, empty database.
  if (!where.database && !existsSync(join(dataDir, DATABASE_FILE))) {
    printError(`naome collate: there is no service database in ${dataDir} (no ${DATABASE_FILE}). Give the folder naome serve --data uses (default ./data), or --database URL.`);
    return 2;
  }
  const store = await openStore({ data: dataDir, database: where.database });
  // A national collation is a long batch, as a folder of many plans is.
  await optimizeNow();
  try {
    const [{ storeCollation }, { writeCollationWorkbook, writeActionsCsv }] = await Promise.all([
      import('../../server/collate/fromStore'), import('../../server/collate'),
    ]);
    // Each output is one pass over the store (the CSV's own, as the admin page's two downloads are).
    const source = await storeCollation(store, { today, template: currentTemplate });
    await writeCollationWorkbook(source, output);
    if (csv) await writeActionsCsv(await storeCollation(store, { today, template: currentTemplate }), csv);
    const n = source.collator.counts();
    printLine([
      `Plans counted: ${n.plans} (each organisation's latest version)`,
      `Not returned: ${n.notReturned} of ${source.collator.expectedCount()} organisations expected to return`,
      `Wrote ${output}` + (csv ? ` and ${csv}` : ''),
    ].join('\n'));
    return 0;
  } finally {
    await store.close();
  }
}

/** Throws a plain message when an output cannot be written where it is asked for: its folder is missing, or it is one. */
async function checkOutputPath(option: string, file: string): Promise<void> {
  const folder = dirname(resolve(file));
  const [self, parent] = await Promise.all([stat(file).catch(() => null), stat(folder).catch(() => null)]);
  if (!parent?.isDirectory()) {
    throw new Error(`cannot write ${file}: the folder ${folder} does not exist. Create it first, or give ${option} a file in an existing folder. Nothing was read.`);
  }
  if (self?.isDirectory()) throw new Error(`cannot write ${file}: it is a folder. Give ${option} a file name, e.g. ${option} ${file.replace(/[\\/]+$/, '')}/national.xlsx. Nothing was read.`);
}
