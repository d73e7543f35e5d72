// The files a collation reads: files named on the command line (whatever their extension, so a misnamed workbook is
// still read and reported) and every .xlsx under the folders named, recursively, in a stable order.
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** Excel's "owner file" left beside a workbook that is open (~$Plan.xlsx): never a workbook, so never collated. */
const isExcelLockFile = (name: string) => name.startsWith('~$');

export class InputError extends Error {}

export async function collectInputs(inputs: string[]): Promise<string[]> {
  const files: string[] = [];
  for (const input of inputs) {
    const info = await stat(input).catch(() => null);
    if (!info) throw new InputError(`"${input}" does not exist: give a workbook or a folder of workbooks.`);
    if (info.isDirectory()) files.push(...(await workbooksUnder(input)));
    else files.push(input);
  }
  return [...new Set(files)];
}

async function workbooksUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const out: string[] = [];
  for (const e of entries) {
    const path = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await workbooksUnder(path)));
    else if (e.isFile() && /\.xlsx$/i.test(e.name) && !isExcelLockFile(e.name)) out.push(path);
  }
  return out;
}
