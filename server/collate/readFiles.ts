// Reads the returned files of a collation and hands back their entries in input order. Each file's bytes are read
// here (regular files only, refused by size before reading: readLocalFile) and checked on the shared check pool
// (server/xlsx/checkPool.ts), one file per worker at a time; only a few files are in flight at once (never all of
// them), so memory stays bounded however many files there are.
// Small jobs (and jobs = 1) are checked in this thread instead: starting a worker costs more than it saves there.
import { finding, type Finding } from '../../shared/findings';
import type { Organisation } from '../../shared/organisations';
import { CheckPool } from '../xlsx/checkPool';
import { checkWorkbook, type CheckOutcome } from '../xlsx/checkWorkbook';
import { readLocalFile } from '../xlsx/readLocalFile';
import type { CollationEntry } from './collator';
import type { Input } from './inputs';

export interface ReadSetup {
  organisations: Organisation[];
  today: string;
}

/** A worker's heap ceiling: a plan needs a few MB; a file that needs far more is refused rather than exhaust RAM. */
const WORKER_HEAP_MB = 128;
/** Files in flight per worker: one being checked, one read and waiting, so a worker never waits for the disk. */
const IN_FLIGHT_PER_WORKER = 2;

/**
 * Files each worker must have to pay for itself. A worker costs ~0.2 s of CPU to start (it loads the reader) and its
 * results cost this thread a copy each, which still reads the files and gathers the results: measured on 2 cores,
 * 200 plans take 1.6 s checked here and 1.8 s with two workers, 2,000 plans 6.7 s here and 4.6 s with two.
 */
export const FILES_PER_WORKER = 200;

/** How many worker threads pay for themselves on `files` files, at most `jobs`; 0 or 1 means none (this thread). */
export const workersFor = (files: number, jobs: number, filesPerWorker = FILES_PER_WORKER) => Math.min(jobs, Math.floor(files / filesPerWorker));

/**
 * The entries of `files`, in input order, checked by up to `jobs` worker threads when there are enough files
 * (`filesPerWorker` only for tests, to put a few files through the workers).
 */
export async function* readFiles(files: Input[], setup: ReadSetup, jobs: number, filesPerWorker = FILES_PER_WORKER): AsyncGenerator<CollationEntry> {
  const workers = workersFor(files.length, jobs, filesPerWorker);
  const pool = workers > 1 ? new CheckPool(workers, WORKER_HEAP_MB) : null;
  const check = (bytes: Buffer, file: string): Promise<CheckOutcome> => {
    const opts = { file, organisations: setup.organisations, today: setup.today };
    return pool ? pool.check(bytes, opts) : checkWorkbook(bytes, opts);
  };
  // Here too the next file is read while one is checked, so the disk and the checking overlap.
  const window = (pool ? workers : 1) * IN_FLIGHT_PER_WORKER;
  const inFlight: Array<Promise<CollationEntry>> = [];
  let next = 0;
  const startNext = () => { if (next < files.length) inFlight.push(readReturnedFile(files[next++]!, check)); };
  try {
    while (inFlight.length < window && next < files.length) startNext();
    while (inFlight.length > 0) {
      const entry = await inFlight.shift()!;
      startNext();
      yield entry;
    }
  } finally {
    await pool?.close();
  }
}

/** Reads and checks one file; its modification time stands for when it was submitted. Never throws. */
async function readReturnedFile(input: Input, check: (bytes: Buffer, file: string) => Promise<CheckOutcome>): Promise<CollationEntry> {
  const { path } = input;
  if (input.problem) return unreadableEntry(path, input.problem);
  const read = readLocalFile(path);
  if (!read.ok) return unreadableEntry(path, read.finding);
  try {
    const { result, plan } = await check(read.bytes, path);
    return { source: path, submittedAt: read.modified, result, plan };
  } catch (err) {
    // Only a pool closed under us (the caller stopped early) gets here.
    return unreadableEntry(path, finding('FILE_CORRUPT', `The file was not checked (${(err as Error).message}).`));
  }
}

/** An entry for a file that could not be read or checked: the one finding that says why, like any unreadable file. */
function unreadableEntry(file: string, why: Finding): CollationEntry {
  return {
    source: file,
    submittedAt: new Date(0),
    result: { file, valid: false, readable: false, template: null, organisation: null, findings: [why] },
    plan: null,
  };
}
