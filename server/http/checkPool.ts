// A fixed pool of worker threads running checkWorkbook, one job per worker at a time. A worker that dies (say, out of
// its memory cap on a hostile file) answers its job with a "could not be read" finding and is replaced.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { finding } from '../../shared/findings';
import type { CheckOptions, CheckOutcome } from '../xlsx/checkWorkbook';
import type { CheckJob } from './checkWorker';

const BOOT = new URL('./workerBoot.mjs', import.meta.url);
const ENTRY = new URL('./checkWorker.ts', import.meta.url).href;

interface Slot {
  worker: Worker;
  ready: Promise<void>;
  job?: { id: number; resolve: (o: CheckOutcome) => void; opts: CheckOptions; watchdog?: NodeJS.Timeout };
  /** Set when the pool itself stopped the worker for taking too long. */
  overran?: boolean;
  dead?: boolean;
}

/** Time a worker gets beyond the reader's own wall-clock limit before it is stopped from outside. */
const WATCHDOG_GRACE_MS = 5_000;

export const defaultPoolSize = () => Math.max(1, Math.min(8, availableParallelism()));

export class CheckPool {
  private readonly slots: Slot[] = [];
  private readonly waiting: Array<() => void> = [];
  private nextId = 1;
  private closed = false;

  constructor(readonly size = defaultPoolSize(), private readonly memoryMb = 512) {
    for (let i = 0; i < size; i++) this.slots.push(this.spawn());
  }

  private spawn(): Slot {
    const worker = new Worker(BOOT, {
      workerData: { entry: ENTRY },
      resourceLimits: { maxOldGenerationSizeMb: this.memoryMb },
      stdout: false,
      stderr: false,
    });
    worker.unref();
    let markReady!: () => void;
    let started = false;
    const slot: Slot = { worker, ready: new Promise((r) => (markReady = r)) };
    worker.on('message', (m: { ready?: true; id?: number; outcome?: CheckOutcome }) => {
      if (m.ready) { started = true; return markReady(); }
      if (slot.job && m.id === slot.job.id) this.finish(slot, m.outcome!);
    });
    const died = (why: string) => {
      const index = this.slots.indexOf(slot);
      if (index < 0 || slot.dead) return;
      slot.dead = true;
      if (slot.job) {
        const { opts } = slot.job;
        const f = slot.overran
          ? finding('READ_TIMEOUT', 'Reading the file took far longer than any action plan needs, so it was stopped. Check that this is the action plan workbook, or save it again from Excel as .xlsx.')
          : finding('FILE_CORRUPT', `The file could not be read: reading it ${why}. Save it again from Excel as .xlsx and send the new copy.`);
        this.finish(slot, {
          result: { file: opts.file ?? null, valid: false, readable: false, template: null, organisation: null, findings: [f] },
          plan: null,
        });
      }
      if (this.closed) return;
      // A worker that could not even start would fail again at once: wait a moment rather than spin.
      const replace = () => {
        if (this.closed || this.slots[index] !== slot) return;
        this.slots[index] = this.spawn();
        this.waiting.shift()?.();
      };
      if (started) replace();
      else setTimeout(replace, 1000).unref();
    };
    worker.on('error', (err) => died(err.message.includes('memory') ? 'needed more memory than any action plan does' : 'failed'));
    worker.on('exit', () => died('stopped unexpectedly'));
    return slot;
  }

  private finish(slot: Slot, outcome: CheckOutcome): void {
    const job = slot.job!;
    clearTimeout(job.watchdog);
    slot.job = undefined;
    job.resolve(outcome);
    this.waiting.shift()?.();
  }

  /** Checks a workbook on a free worker (waiting for one when all are busy). */
  async check(bytes: Buffer, opts: CheckOptions): Promise<CheckOutcome> {
    if (this.closed) throw new Error('The check pool is closed.');
    const free = () => this.slots.find((s) => !s.job && !s.dead);
    let slot = free();
    while (!slot) {
      await new Promise<void>((r) => this.waiting.push(r));
      slot = free();
    }
    const id = this.nextId++;
    const done = new Promise<CheckOutcome>((resolve) => { slot!.job = { id, resolve, opts }; });
    // A worker that dies before it is ready answers the job itself (see died()).
    await Promise.race([slot.ready, done]);
    if (slot.job?.id !== id) return done;
    const job: CheckJob = { id, bytes: new Uint8Array(bytes), opts };
    slot.worker.postMessage(job);
    // The reader's own timer cannot fire while its thread is stuck in a loop: stop such a worker from here.
    const limit = (opts.limits?.timeoutMs ?? 2_000) + WATCHDOG_GRACE_MS;
    const s = slot;
    if (s.job?.id === id) {
      s.job.watchdog = setTimeout(() => { s.overran = true; void s.worker.terminate(); }, limit);
      s.job.watchdog.unref();
    }
    return done;
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}
