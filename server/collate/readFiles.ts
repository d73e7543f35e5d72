// Reads the returned files of a collation and hands back their entries in input order. Each file's bytes are read
// here (regular files only, refused by size before reading: readLocalFile) and checked either here or on a worker of
// the check pool (workers.ts): this thread checks whatever the workers cannot take at once, so every thread checks.
// Only a few files are in flight at once (never all of them), so memory stays bounded however many files there are.
import { finding, type Finding } from '../../shared/findings';
import type { Organisation } from '../../shared/organisations';
import type { CheckPool } from '../xlsx/checkPool';
import { checkWorkbook, type CheckOutcome } from '../xlsx/checkWorkbook';
import { readLocalFile } from '../xlsx/readLocalFile';
import type { CollationEntry } from './collator';
import type { Input } from './inputs';

export interface ReadSetup {
  organisations: Organisation[];
  today: string;
}

/** Entries in flight per thread (checked or being checked, not yet handed back in order): bounds the memory. */
const IN_FLIGHT_PER_THREAD = 8;

/** One file in flight: its entry once checked. */
interface Pending {
  done: Promise<CollationEntry>;
  entry?: CollationEntry;
}

/**
 * The entries of `files`, in input order, checked by this thread and by the workers of `pool` (workers.ts
 * checkPoolFor), which is closed when they are all read.
 */
export async function* readFiles(files: Input[], setup: ReadSetup, pool: CheckPool | null): AsyncGenerator<CollationEntry> {
  const options = (file: string) => ({ file, organisations: setup.organisations, today: setup.today });
  const onWorker = (bytes: Buffer, file: string) => pool!.check(bytes, options(file));
  const here = (bytes: Buffer, file: string) => checkWorkbook(bytes, options(file));
  const window = ((pool?.size ?? 0) + 1) * IN_FLIGHT_PER_THREAD;
  const inFlight: Pending[] = [];
  let next = 0;
  const start = (check: Checker) => {
    const pending: Pending = { done: readReturnedFile(files[next++]!, check) };
    void pending.done.then((entry) => (pending.entry = entry));
    inFlight.push(pending);
    return pending.done;
  };
  try {
    while (inFlight.length > 0 || next < files.length) {
      // Workers first: whatever they take, this thread need not check.
      while (pool?.takesNow() && next < files.length && inFlight.length < window) start(onWorker);
      while (inFlight[0]?.entry) yield inFlight.shift()!.entry!;
      if (next < files.length && inFlight.length < window) {
        await start(here);
        // A check here runs to its end without giving the event loop a turn: take the workers' answers now.
        await new Promise(setImmediate);
      } else if (inFlight.length > 0) {
        await inFlight[0]!.done;
      }
    }
  } finally {
    await pool?.close();
  }
}

type Checker = (bytes: Buffer, file: string) => Promise<CheckOutcome>;

/** Reads and checks one file; its modification time stands for when it was submitted. Never throws. */
async function readReturnedFile(input: Input, check: Checker): Promise<CollationEntry> {
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
