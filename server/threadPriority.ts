// The service's worker threads (upload checks, the national CSV) run at a lower CPU priority than the thread that
// answers HTTP: with every core busy, /api/health and JSON checks still run the moment they have work.
import { setPriority } from 'node:os';

/**
 * The service's workers' nice value. Not 19: on a machine shared with other nice-0 work, 19 (weight 15 against 1024)
 * would starve the genuine checks too; 10 (weight 110) still gives the main thread ~9 times the workers' share.
 */
export const WORKER_NICE = 10;

/**
 * Lowers the calling worker thread to `nice`. On Linux setpriority(PRIO_PROCESS, 0) applies to the calling thread
 * alone; elsewhere it would lower the whole process, so it is done on Linux only. Failing to lower it is harmless.
 */
export function lowerThisThread(nice: number): void {
  if (nice <= 0 || process.platform !== 'linux') return;
  try { setPriority(nice); } catch { /* keep the inherited priority */ }
}
