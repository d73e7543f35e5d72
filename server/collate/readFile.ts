// One returned file, read from disk and checked, as a collation entry. Never throws: a file that cannot even be opened
// becomes an unreadable entry with one finding saying why, like any other unreadable file.
import { readFile, stat } from 'node:fs/promises';
import { finding } from '../../shared/findings';
import type { Organisation } from '../../shared/organisations';
import { checkWorkbook } from '../xlsx/checkWorkbook';
import type { CollationEntry } from './collator';

export interface ReadSetup {
  organisations: Organisation[];
  today: string;
}

/** Reads and checks one file; its modification time stands for when it was submitted. */
export async function readReturnedFile(file: string, setup: ReadSetup): Promise<CollationEntry> {
  let bytes: Buffer;
  let submittedAt: Date;
  try {
    [bytes, submittedAt] = await Promise.all([readFile(file), stat(file).then((s) => s.mtime)]);
  } catch (err) {
    return unreadableEntry(file, new Date(0), `The file could not be opened (${(err as Error).message}). Check that it exists and can be read.`);
  }
  const { result, plan } = await checkWorkbook(bytes, { file, organisations: setup.organisations, today: setup.today });
  return { source: file, submittedAt, result, plan };
}

/** An entry for a file that gave no result at all: one FILE_CORRUPT finding with the reason. */
export function unreadableEntry(file: string, submittedAt: Date, message: string): CollationEntry {
  return {
    source: file,
    submittedAt,
    result: { file, valid: false, readable: false, template: null, organisation: null, findings: [finding('FILE_CORRUPT', message)] },
    plan: null,
  };
}
