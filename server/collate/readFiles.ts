// Reads the returned files of a collation and hands back their entries in input order. Each file's bytes are read
// here (regular files only, refused by size before reading: readLocalFile) and checked on the shared check pool
// (server/xlsx/checkPool.ts), one file per worker at a time, and in this thread; only a few files are in flight at
// once (never all of them), so memory stays bounded however many files there are.
// Small jobs (and jobs = 1) are checked in this thread alone: starting a worker costs more than it saves there.
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
 * Files each checking thread must have to pay for itself. This thread checks too, with `threads - 1` workers beside
 * it: a worker's start (~0.2 s of CPU: it loads the reader) then runs on another core while this thread is already
 * checking, instead of delaying the first results. Per thread, on 2 cores, loaded (CPU, s): 200 plans here alone
 * 1.4-1.9, with one worker 0.9-1.4 here and 0.6-0.9 there; 2,000 plans with two workers 4.0-4.8 each + 1.5-1.7 here
 * + 2.9 of V8's helper threads (12.7-14 in all), with one worker 4.0 there and 4.7-4.9 here + 2.7 (11.3-11.6).
 */
export const FILES_PER_WORKER = 50;

/** How many threads check `files` files, this one included, at most `jobs`; 0 or 1 means this thread alone. */
export const workersFor = (files: number, jobs: number, filesPerWorker = FILES_PER_WORKER) => Math.min(jobs, Math.floor(files / filesPerWorker));

/**
 * The entries of `files`, in input order, checked in this thread and, when there are enough files, by up to
 * `jobs - 1` worker threads beside it (`filesPerWorker` only for tests, to put a few files through the workers).
 */
export async function* readFiles(files: Input[], setup: ReadSetup, jobs: number, filesPerWorker = FILES_PER_WORKER): AsyncGenerator<CollationEntry> {
  const workers = Math.max(0, workersFor(files.length, jobs, filesPerWorker) - 1);
  const pool = workers > 0 ? new CheckPool(workers, WORKER_HEAP_MB) : null;
  let pooled = 0;
  // A file goes to the workers while they have room for it, else it is checked here.
  const check = (bytes: Buffer, file: string): Promise<CheckOutcome> => {
    const opts = { file, organisations: setup.organisations, today: setup.today };
    if (!pool || pooled >= workers * IN_FLIGHT_PER_WORKER) return checkWorkbook(bytes, opts);
    pooled++;
    return pool.check(bytes, opts).finally(() => { pooled--; });
  };
  // Here too the next file is read while one is checked, so the disk and the checking overlap.
  const window = (workers + 1) * IN_FLIGHT_PER_WORKER;
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
