// The national Actions CSV from the service's store, on several threads: this one reads each organisation's latest
// version from the store, hands them in turn to two worker threads (csvWorker.ts) that parse the stored plans and
// make their lines, and writes the lines out in the order the versions were read. The same bytes as
// writeActionsCsv(storeCollation(…)), in about half the time; the workers run at the check workers' lower priority, so
// the thread that answers HTTP stays free meanwhile.
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { Worker } from 'node:worker_threads';
import type { Template } from '../../shared/template';
import type { Store } from '../store/types';
import { WORKER_NICE } from '../threadPriority';
import { workerScript } from '../workerScript';
import { openOutput } from './output';
import type { StoreCollatorOptions } from './fromStore';

/** Two: with this thread reading and writing, they keep a 2-core machine busy; more would only wait for a core. */
const WORKERS = 2;
/** Versions sent ahead of the lines that come back, per worker: every thread kept busy, little held in memory. */
const AHEAD = 8;
/**
 * Each worker's young generation, MB. A worker parses a plan, makes its lines and drops both: its objects die young,
 * and a small young generation holds them as well as V8's default (16 MB semi-spaces) did. The server's peak memory
 * over a national CSV fell from 251-255 to 229-236 MB (the CSV's time unchanged: 735-870 ms against 752-873 ms).
 */
const YOUNG_GENERATION_MB = 4;

export async function writeStoreActionsCsv(store: Store, opts: { today: string; template: Template }, target: string | Writable): Promise<void> {
  const { stream, failed } = await openOutput(target);
  const setup: StoreCollatorOptions = { organisations: await store.round.organisations(), ...opts };
  const { script, evaluate } = workerScript('csvWorker', new URL('./csvWorker.ts', import.meta.url));
  let problem: unknown;
  let wake = () => {};
  const next = () => new Promise<void>((resolve) => (wake = resolve));
  const fail = (err: unknown) => { problem ??= err; wake(); };
  // Which worker makes each next part of the CSV (the header first, by the first worker), and what each has sent back.
  const order: number[] = [0];
  const done: Uint8Array[][] = [];
  const workers = Array.from({ length: WORKERS }, (_, i) => {
    const worker = new Worker(script, {
      eval: evaluate, workerData: { ...setup, header: i === 0, nice: WORKER_NICE }, stdout: false, stderr: false,
      resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB },
    });
    done.push([]);
    worker.on('message', (bytes: Uint8Array) => {
      if (problem !== undefined) return; // stopping: nothing more is written
      done[i]!.push(bytes);
      while (order.length > 0 && done[order[0]!]!.length > 0) {
        const part = done[order.shift()!]!.shift()!;
        if (part.length > 0) stream.write(Buffer.from(part.buffer, part.byteOffset, part.length));
      }
      wake();
    });
    worker.once('error', fail);
    worker.once('exit', (code) => fail(new Error(`a CSV worker stopped (exit code ${code})`)));
    return worker;
  });
  stream.on('drain', () => wake());
  // A client that hangs up ends the response without an error: stop reading then too.
  stream.once('close', () => { if (!stream.writableFinished) fail(new Error('the output closed before the CSV was written')); });
  failed.catch(fail);
  try {
    let sent = 0;
    for await (const row of store.eachLatestSubmissionRow()) {
      while (problem === undefined && (order.length >= AHEAD * WORKERS || stream.writableNeedDrain)) await next();
      if (problem !== undefined) throw problem;
      const i = sent++ % WORKERS;
      // A plan read as bytes that it alone holds is moved to the worker, not copied.
      const plan = row.plan_json;
      workers[i]!.postMessage(row, plan instanceof Uint8Array && plan.buffer instanceof ArrayBuffer && plan.byteLength === plan.buffer.byteLength ? [plan.buffer] : []);
      order.push(i);
    }
    while (problem === undefined && order.length > 0) await next();
    if (problem !== undefined) throw problem;
    stream.end();
    await Promise.race([finished(stream), failed]);
  } finally {
    await Promise.all(workers.map((w) => { w.removeAllListeners('exit'); return w.terminate(); }));
  }
}
