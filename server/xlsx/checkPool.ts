// A fixed pool of worker threads running checkWorkbook: the service checks uploads on it (off the thread that answers
// HTTP) and `naome collate` reads returned files on it. Each worker checks one job at a time, and may be sent a few
// more to queue (`ahead`) so that it never waits for a busy sender. Each worker has a heap cap; a worker that dies
// (out of memory on a hostile file, or stopped by the watchdog) answers the job it was checking with a "could not be
// read" finding and is replaced; the jobs queued behind it go to its replacement.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { finding } from '../../shared/findings';
import type { Organisation } from '../../shared/organisations';
import type { Template } from '../../shared/template';
import { workerScript } from '../workerScript';
import type { CheckOptions, CheckOutcome } from './checkWorkbook';
import type { WorkerAnswer, WorkerJob, WorkerSetup } from './checkWorker';

interface Job {
  id: number;
  bytes: Buffer;
  opts: CheckOptions;
  resolve: (o: CheckOutcome) => void;
  reject: (err: Error) => void;
  watchdog?: NodeJS.Timeout;
}

interface Slot {
  worker: Worker;
  /** Whether it has loaded the checker. */
  started: boolean;
  /** Its jobs in the order sent: the first is being checked, the rest wait in the worker's queue. */
  jobs: Job[];
  /** The organisations and templates this worker holds (sent once, not with every job). */
  organisations?: Organisation[];
  templates?: Template[] | null;
  /** Set when the pool itself stopped the worker for taking too long. */
  overran?: boolean;
  dead?: boolean;
}

/** Time a worker gets beyond the reader's own wall-clock limit before it is stopped from outside. */
const WATCHDOG_GRACE_MS = 5_000;
/** Time a check whose client has gone may still take before its worker is stopped. */
const CANCEL_GRACE_MS = 300;

export const defaultPoolSize = () => Math.max(1, Math.min(8, availableParallelism()));

const closedError = () => new Error('The check pool is closed.');

export class CheckPool {
  private readonly slots: Slot[] = [];
  private readonly waiting: Array<() => void> = [];
  /** Jobs queued on a worker that died, for its replacement. */
  private readonly orphans: Job[] = [];
  private nextId = 1;
  private closed = false;

  /**
   * `memoryMb` caps each worker's heap: a plan needs a few MB; a file that needs far more is refused. `nice` (Linux)
   * lowers the workers' own CPU priority: the service passes WORKER_NICE so that, with every core busy checking
   * uploads, the main thread (HTTP, /api/health) still runs the moment it has work. `ahead`: jobs each worker may be
   * sent beyond the one it is checking (a caller busy with work of its own keeps its workers fed); the service sends
   * none, so that a check waits for the first free worker, never behind another check.
   */
  constructor(readonly size = defaultPoolSize(), private readonly memoryMb = 512, private readonly nice = 0, private readonly ahead = 0) {
    for (let i = 0; i < size; i++) this.slots.push(this.spawn());
  }

  private spawn(): Slot {
    const { script, evaluate } = workerScript('checkWorker', new URL('./checkWorker.ts', import.meta.url));
    const worker = new Worker(script, {
      eval: evaluate,
      workerData: { nice: this.nice },
      resourceLimits: { maxOldGenerationSizeMb: this.memoryMb },
      stdout: false,
      stderr: false,
    });
    worker.unref();
    const slot: Slot = { worker, started: false, jobs: [] };
    worker.on('message', (m: WorkerAnswer) => {
      if ('ready' in m) return void (slot.started = true);
      if (slot.jobs[0]?.id === m.id) this.finish(slot, m.outcome);
    });
    const died = (why: string) => {
      const index = this.slots.indexOf(slot);
      if (index < 0 || slot.dead) return;
      slot.dead = true;
      const [job, ...queued] = slot.jobs.splice(0);
      if (job) {
        clearTimeout(job.watchdog);
        const f = slot.overran
          ? finding('READ_TIMEOUT', 'Reading the file took far longer than any action plan needs, so it was stopped. Check that this is the action plan workbook, or save it again from Excel as .xlsx.')
          : finding('FILE_CORRUPT', `The file could not be read: reading it ${why}. Save it again from Excel as .xlsx and send the new copy.`);
        job.resolve({
          result: { file: job.opts.file ?? null, valid: false, readable: false, template: null, organisation: null, findings: [f] },
          plan: null,
        });
      }
      if (this.closed) {
        for (const j of queued) j.reject(closedError());
        return;
      }
      this.orphans.push(...queued);
      // A worker that could not even start would fail again at once: wait a moment rather than spin.
      const replace = () => {
        if (this.closed || this.slots[index] !== slot) return;
        const fresh = this.spawn();
        this.slots[index] = fresh;
        for (const j of this.orphans.splice(0)) this.send(fresh, j);
        this.waiting.shift()?.();
      };
      if (slot.started) replace();
      else setTimeout(replace, 1000).unref();
    };
    worker.on('error', (err) => died(err.message.includes('memory') ? 'needed more memory than any action plan does' : 'failed'));
    worker.on('exit', () => died('stopped unexpectedly'));
    return slot;
  }

  /** Sends a job to a worker, behind the jobs it already has. */
  private send(slot: Slot, job: Job): void {
    // Organisations and templates go to a worker only when they differ from what it holds (a new list, say): cloning
    // them with every job cost more than the check, and defeated the worker's per-template caches.
    const templates = job.opts.templates ?? null;
    if (slot.organisations !== job.opts.organisations || slot.templates !== templates) {
      const setup: WorkerSetup = { kind: 'setup', organisations: job.opts.organisations, templates: job.opts.templates };
      slot.worker.postMessage(setup);
      slot.organisations = job.opts.organisations;
      slot.templates = templates;
    }
    // A copy of the bytes is moved (not cloned again) to the worker; the caller keeps its own (the service stores it).
    const copy = new Uint8Array(job.bytes);
    const { file = null, today, limits } = job.opts;
    const message: WorkerJob = { kind: 'job', id: job.id, bytes: copy, file, today, limits };
    slot.worker.postMessage(message, [copy.buffer]);
    slot.jobs.push(job);
    if (slot.jobs.length === 1) this.watch(slot);
  }

  /** Starts the watchdog of the job the worker is now checking. */
  private watch(slot: Slot): void {
    const job = slot.jobs[0];
    if (!job) return;
    // The reader looks at its deadline only between the parts it inflates: a worker stuck in a loop is stopped from here.
    const limit = (job.opts.limits?.timeoutMs ?? 10_000) + WATCHDOG_GRACE_MS;
    job.watchdog = setTimeout(() => { slot.overran = true; void slot.worker.terminate(); }, limit);
    job.watchdog.unref();
  }

  private finish(slot: Slot, outcome: CheckOutcome): void {
    const job = slot.jobs.shift()!;
    clearTimeout(job.watchdog);
    this.watch(slot);
    job.resolve(outcome);
    this.waiting.shift()?.();
  }

  /** A live worker with room for a job: a started one first, then the least busy. */
  private free(): Slot | undefined {
    const rank = (s: Slot) => s.jobs.length + (s.started ? 0 : this.ahead + 1);
    let best: Slot | undefined;
    for (const s of this.slots) if (!s.dead && s.jobs.length <= this.ahead && (!best || rank(s) < rank(best))) best = s;
    return best;
  }

  /** Whether a started worker would take a check at once (a caller that can check itself need not wait for one). */
  takesNow(): boolean {
    return !this.closed && this.slots.some((s) => s.started && !s.dead && s.jobs.length <= this.ahead);
  }

  /**
   * Checks a workbook on a free worker (waiting for one when all are busy). Never throws for a bad workbook. When
   * `signal` aborts (its client has gone), a waiting check leaves the line and a running one is stopped by replacing
   * its worker; either way the promise rejects with the signal's reason.
   */
  async check(bytes: Buffer, opts: CheckOptions, signal?: AbortSignal): Promise<CheckOutcome> {
    if (this.closed) throw closedError();
    let slot = this.free();
    while (!slot) {
      signal?.throwIfAborted();
      await new Promise<void>((resolve, reject) => {
        const wake = () => { signal?.removeEventListener('abort', leave); resolve(); };
        const leave = () => {
          const at = this.waiting.indexOf(wake);
          if (at >= 0) this.waiting.splice(at, 1);
          reject(signal!.reason);
        };
        signal?.addEventListener('abort', leave, { once: true });
        this.waiting.push(wake);
      });
      if (this.closed) throw closedError();
      slot = this.free();
    }
    signal?.throwIfAborted();
    const id = this.nextId++;
    // Sent at once, before the worker is ready: it takes its messages in order once it is. One that dies first
    // answers the job itself (see died()).
    const done = new Promise<CheckOutcome>((resolve, reject) => this.send(slot, { id, bytes, opts, resolve, reject }));
    if (!signal) return done;
    // A worker busy in a synchronous read cannot take a message: stopping it is the one way to cancel, and a fresh
    // worker takes its place. Starting one costs about as much as a whole check within the limits, so a check is
    // given CANCEL_GRACE_MS to finish first (most do); one still running then is stopped. (A job queued behind
    // another, with `ahead`, is left to run: stopping its worker would stop the other.)
    const s = slot;
    const cancel = () => {
      const stop = setTimeout(() => { if (s.jobs[0]?.id === id) void s.worker.terminate(); }, CANCEL_GRACE_MS);
      stop.unref();
    };
    signal.addEventListener('abort', cancel, { once: true });
    if (signal.aborted) cancel();
    try {
      const outcome = await done;
      signal.throwIfAborted();
      return outcome;
    } finally {
      signal.removeEventListener('abort', cancel);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const wake of this.waiting.splice(0)) wake();
    for (const j of this.orphans.splice(0)) j.reject(closedError());
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}
