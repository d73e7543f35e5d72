// The files a collation reads: files named on the command line (whatever their extension, so a misnamed workbook is
// still read and reported) and, under the folders named, recursively and in a stable order, every file a returned
// plan could be: .xlsx, and the spreadsheet kinds people send by mistake (.xlsm, .xlsb, .xls, .ods, .csv), which the
// checker then names precisely on the Problems sheet instead of their being skipped in silence. A folder that cannot
// be read is an input too, carrying the finding that says why, so one bad folder never stops the collation.
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { finding, type Finding } from '../../shared/findings';

/** Excel's "owner file" left beside a workbook that is open (~$Plan.xlsx): never a workbook, so never collated. */
const isExcelLockFile = (name: string) => name.startsWith('~$');
/** What a returned plan may be saved as. */
const SPREADSHEET = /\.(xlsx|xlsm|xlsb|xls|ods|csv)$/i;

export class InputError extends Error {}

/** A file to read, or a path that could not be listed, with its finding. */
export interface Input {
  path: string;
  problem?: Finding;
}

export async function collectInputs(inputs: string[]): Promise<Input[]> {
  const found: Input[] = [];
  for (const input of inputs) {
    const info = await stat(input).catch(() => null);
    if (!info) throw new InputError(`"${input}" does not exist: give a workbook or a folder of workbooks.`);
    if (info.isDirectory()) found.push(...(await workbooksUnder(input)));
    else found.push({ path: input });
  }
  const seen = new Set<string>();
  return found.filter((f) => !seen.has(f.path) && seen.add(f.path));
}

async function workbooksUnder(dir: string): Promise<Input[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'EACCES' || code === 'EPERM' ? 'permission denied' : (err as Error).message;
    return [{ path: dir, problem: finding('FILE_UNREADABLE', `The folder "${dir}" cannot be read (${why}), so any plans in it were not collated: check its permissions and collate again.`) }];
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const out: Input[] = [];
  for (const e of entries) {
    const path = join(dir, e.name);
    // Folders are followed, links to folders are not (a link can loop); anything else with a spreadsheet's name is
    // read, and the reader refuses what is not a regular file.
    if (e.isDirectory()) out.push(...(await workbooksUnder(path)));
    else if (SPREADSHEET.test(e.name) && !isExcelLockFile(e.name)) out.push({ path });
  }
  return out;
}
