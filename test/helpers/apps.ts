// Other applications that fill in and save our workbook, for tests that must read their files exactly:
// openpyxl (Debian's /usr/bin/python3 — the pyenv python3 on PATH has no openpyxl) and LibreOffice headless.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { contentCells, type CellInput, type PlanContent } from './plans';

const run = promisify(execFile);
export const PYTHON = '/usr/bin/python3';

export interface OpenpyxlOptions {
  /** Save the workbook in the 1904 date system (as Excel for Mac once did): dates are written as 1904 serials. */
  date1904?: boolean;
  /** Add an Excel table on the Lists sheet: openpyxl writes its part path as absolute ("/xl/tables/table1.xml"). */
  table?: boolean;
  /** Cells of other sheets to fill as well, e.g. rows of "More actions". */
  extra?: Array<{ sheet: string; cell: string; value: CellInput }>;
}

// Values arrive as JSON: {"s": text} (text starting with "=" is a formula, as in Excel), {"n": number},
// {"d": "yyyy-mm-dd"} a date, null to clear the cell. openpyxl writes inline strings and no cached formula results.
const FILL = String.raw`
import json, sys, datetime, openpyxl
from openpyxl.utils.datetime import CALENDAR_MAC_1904
from openpyxl.worksheet.table import Table
blank, out, cells, date1904, table = sys.argv[1], sys.argv[2], json.loads(sys.stdin.read()), sys.argv[3] == '1', sys.argv[4] == '1'
wb = openpyxl.load_workbook(blank)
if date1904:
    wb.epoch = CALENDAR_MAC_1904
if table:
    wb['Lists'].add_table(Table(displayName='StatusKey', ref='D1:D6'))
for item in cells:
    ws = wb[item.get('sheet', 'Action plan')]
    v = item['value']
    if v is None: value = None
    elif 'd' in v: value = datetime.datetime.strptime(v['d'], '%Y-%m-%d')
    elif 'n' in v: value = v['n']
    else: value = v['s']
    ws[item['cell']] = value
wb.save(out)
`;

/** Fills our blank workbook with content through openpyxl and saves it to outPath. */
export async function fillWithOpenpyxl(blankPath: string, content: PlanContent, outPath: string, opts: OpenpyxlOptions = {}): Promise<void> {
  const cells = [...contentCells(content), ...(opts.extra ?? [])].map(({ cell, value, ...rest }) => ({
    ...('sheet' in rest ? { sheet: rest.sheet } : {}),
    cell,
    value: value === null || value === undefined ? null
      : value instanceof Date ? { d: value.toISOString().slice(0, 10) }
      : typeof value === 'number' ? { n: value }
      : { s: value },
  }));
  const child = run(PYTHON, ['-c', FILL, blankPath, outPath, opts.date1904 ? '1' : '0', opts.table ? '1' : '0'], { timeout: 60_000 });
  child.child.stdin!.end(JSON.stringify(cells));
  await child;
}

/**
 * Opens a workbook in LibreOffice headless and saves it again as .xlsx into outDir (which must not be the file's own
 * folder); returns the new file's path. Each run gets its own profile folder, so runs in parallel do not clash.
 */
export async function resaveWithLibreOffice(path: string, outDir: string): Promise<string> {
  const profile = await mkdtemp(join(tmpdir(), 'lo-'));
  try {
    await run('soffice', [
      '--headless', '--norestore', `-env:UserInstallation=file://${profile}`,
      '--convert-to', 'xlsx:Calc MS Excel 2007 XML', '--outdir', outDir, path,
    ], { timeout: 120_000 });
  } finally {
    await rm(profile, { recursive: true, force: true });
  }
  return join(outDir, basename(path).replace(/\.[^.]+$/, '') + '.xlsx');
}
