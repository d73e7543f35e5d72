// A worker thread of the check pool (checkPool.ts): checks the workbooks it is sent, one at a time in the order sent,
// and sends back each outcome (result and plan model; the bytes never go back). The organisations and templates arrive
// in a setup message only when they change, and stay here: the per-template caches of the reader and the rules (keyed
// by the very object) then hit on every job, instead of missing on a fresh structured-cloned copy each time.
import { parentPort, workerData } from 'node:worker_threads';
import { lowerThisThread } from '../threadPriority';
import type { Organisation } from '../../shared/organisations';
import type { Template } from '../../shared/template';
import type { CheckOptions, CheckOutcome } from './checkWorkbook';

export interface WorkerSetup {
  kind: 'setup';
  organisations: Organisation[];
  templates?: Template[];
}
export interface WorkerJob {
  kind: 'job';
  id: number;
  bytes: Uint8Array;
  file: CheckOptions['file'];
  today: CheckOptions['today'];
  limits: CheckOptions['limits'];
}
/** What a worker sends back: that it has loaded the checker, or a job's outcome. */
export type WorkerAnswer = { ready: true } | { id: number; outcome: CheckOutcome };

lowerThisThread((workerData as { nice?: number } | null)?.nice ?? 0);

// The checker is loaded only now, at the lowered priority: a static import would run first, at the inherited one,
// and its ~100 ms of loading would compete with the main thread answering its first requests on a small machine.
const checker = import('./checkWorkbook');

let setup: WorkerSetup = { kind: 'setup', organisations: [] };
// Jobs queued here (the pool may send a few ahead) are checked one after another, each with the setup sent before it.
let queue = Promise.resolve();
parentPort!.on('message', (m: WorkerSetup | WorkerJob) => {
  if (m.kind === 'setup') return void (setup = m);
  const { organisations, templates } = setup;
  queue = queue.then(async () => {
    const { checkWorkbook } = await checker;
    const bytes = Buffer.from(m.bytes.buffer, m.bytes.byteOffset, m.bytes.byteLength);
    const outcome = await checkWorkbook(bytes, { file: m.file, today: m.today, limits: m.limits, organisations, templates });
    parentPort!.postMessage({ id: m.id, outcome } satisfies WorkerAnswer);
  });
});
void checker.then(() => parentPort!.postMessage({ ready: true } satisfies WorkerAnswer));
