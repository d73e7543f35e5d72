// How many worker threads check a collation's files besides the thread that reads them, and their pool. Kept apart
// from the checker (readFiles.ts loads it): `naome collate` starts the workers before it loads the checker itself,
// so that Node starts them on the other cores while this thread is still loading.
import { CheckPool } from '../xlsx/checkPool';

/** A worker's heap ceiling: a plan needs a few MB; a file that needs far more is refused rather than exhaust RAM. */
const WORKER_HEAP_MB = 128;
/**
 * Files a worker is sent beyond the one it is checking: this thread hands out files only between its own checks
 * (a few ms each), and a worker with files queued need not wait for it.
 */
const AHEAD = 2;

/**
 * Files a worker must have to pay for itself. A worker costs ~0.25 s of CPU to start (Node's own modules, then the
 * checker), taken on another core while this thread checks from the first file on; until it is ready, this thread
 * checks alone.
 */
export const FILES_PER_WORKER = 100;

/** How many worker threads, besides this one, pay for themselves on `files` files with `jobs` threads in all. */
export const workersFor = (files: number, jobs: number) => Math.max(0, Math.min(jobs - 1, Math.floor(files / FILES_PER_WORKER)));

/** The check pool for `files` files with `jobs` threads in all, or null when this thread is to check them alone. */
export function checkPoolFor(files: number, jobs: number): CheckPool | null {
  const workers = workersFor(files, jobs);
  return workers > 0 ? new CheckPool(workers, WORKER_HEAP_MB, 0, AHEAD) : null;
}
