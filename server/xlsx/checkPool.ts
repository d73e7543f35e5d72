// A fixed pool of worker threads running checkWorkbook, one job per worker at a time: the service checks uploads on
// it (off the thread that answers HTTP) and `naome collate` reads returned files on it. Each worker has a heap cap; a
// worker that dies (out of memory on a hostile file, or stopped by the watchdog) answers its job with a "could not
// be read" finding and is replaced.
import { availableParallelism } from 'node:os';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { finding } from '../../shared/findings';
import type { Organisation } from '../../shared/organisations';
import type { Template } from '../../shared/template';
import { projectUrl, runningBuilt } from '../projectFiles';
import type { CheckOptions, CheckOutcome } from './checkWorkbook';
import type { WorkerJob, WorkerSetup } from './checkWorker';

interface Slot {
  worker: Worker;
  ready: Promise<void>;
  job?: { id: number; resolve: (o: CheckOutcome) => void; file: string | null; watchdog?: NodeJS.Timeout };
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

/**
 * The service's check workers' nice value. Not 19: on a machine shared with other nice-0 work, 19 (weight 15 against
 * 1024) would starve the genuine checks too; 10 (weight 110) still gives the main thread ~9 times the workers' share.
 */
export const WORKER_NICE = 10;

export const defaultPoolSize = () => Math.max(1, Math.min(8, availableParallelism()));

export class CheckPool {
  private readonly slots: Slot[] = [];
  private readonly waiting: Array<() => void> = [];
  private nextId = 1;
  private closed = false;

  /**
   * `memoryMb` caps each worker's heap: a plan needs a few MB; a file that needs far more is refused. `nice` (Linux)
   * lowers the workers' own CPU priority: the service passes WORKER_NICE so that, with every core busy checking
   * uploads, the main thread (HTTP, /api/health) still runs the moment it has work.
   */
  constructor(readonly size = defaultPoolSize(), private readonly memoryMb = 512, private readonly nice = 0) {
    for (let i = 0; i < size; i++) this.slots.push(this.spawn());
  }

  private spawn(): Slot {
    const { script, evaluate } = workerScript();
    const worker = new Worker(script, {
      eval: evaluate,
      workerData: { nice: this.nice },
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
        const f = slot.overran
          ? finding('READ_TIMEOUT', 'Reading the file took far longer than any action plan needs, so it was stopped. Check that this is the action plan workbook, or save it again from Excel as .xlsx.')
          : finding('FILE_CORRUPT', `The file could not be read: reading it ${why}. Save it again from Excel as .xlsx and send the new copy.`);
        this.finish(slot, {
          result: { file: slot.job.file, valid: false, readable: false, template: null, organisation: null, findings: [f] },
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

  /**
   * Checks a workbook on a free worker (waiting for one when all are busy). Never throws for a bad workbook. When
   * `signal` aborts (its client has gone), a waiting check leaves the line and a running one is stopped by replacing
   * its worker; either way the promise rejects with the signal's reason.
   */
  async check(bytes: Buffer, opts: CheckOptions, signal?: AbortSignal): Promise<CheckOutcome> {
    if (this.closed) throw new Error('The check pool is closed.');
    const free = () => this.slots.find((s) => !s.job && !s.dead);
    let slot = free();
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
      if (this.closed) throw new Error('The check pool is closed.');
      slot = free();
    }
    signal?.throwIfAborted();
    const id = this.nextId++;
    const file = opts.file ?? null;
    const done = new Promise<CheckOutcome>((resolve) => { slot!.job = { id, resolve, file }; });
    // A worker that dies before it is ready answers the job itself (see died()).
    await Promise.race([slot.ready, done]);
    if (slot.job?.id !== id) return done;
    // Organisations and templates go to a worker only when they differ from what it holds (a new list, say): cloning
    // them with every job cost more than the check, and defeated the worker's per-template caches.
    const templates = opts.templates ?? null;
    if (slot.organisations !== opts.organisations || slot.templates !== templates) {
      const setup: WorkerSetup = { kind: 'setup', organisations: opts.organisations, templates: opts.templates };
      slot.worker.postMessage(setup);
      slot.organisations = opts.organisations;
      slot.templates = templates;
    }
    // A copy of the bytes is moved (not cloned again) to the worker; the caller keeps its own (the service stores it).
    const copy = new Uint8Array(bytes);
    const job: WorkerJob = { kind: 'job', id, bytes: copy, file, today: opts.today, limits: opts.limits };
    slot.worker.postMessage(job, [copy.buffer]);
    // The reader's own timer cannot fire while its thread is stuck in a loop: stop such a worker from here.
    const limit = (opts.limits?.timeoutMs ?? 10_000) + WATCHDOG_GRACE_MS;
    const s = slot;
    s.job!.watchdog = setTimeout(() => { s.overran = true; void s.worker.terminate(); }, limit);
    s.job!.watchdog.unref();
    if (!signal) return done;
    // A worker busy in a synchronous read cannot take a message: stopping it is the one way to cancel, and a fresh
    // worker takes its place. Starting one costs about as much as a whole check within the limits, so a check is
    // given CANCEL_GRACE_MS to finish first (most do); one still running then is stopped.
    const cancel = () => {
      const stop = setTimeout(() => { if (s.job?.id === id) void s.worker.terminate(); }, CANCEL_GRACE_MS);
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
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}

/**
 * The worker's script. From the build: dist/node/checkWorker.js, built JavaScript like the rest. From the TypeScript
 * sources (tests, benches): checkWorker.ts and our modules bundled by esbuild into one script, its packages (yauzl,
 * zod…) required from node_modules as usual; loaded natively rather than through tsx's loader hooks, a worker starts
 * in a fraction of the time and memory. Bundled once per process, synchronously (~0.1 s), so the pool starts its
 * workers at once.
 */
let bundled: string | undefined;
function workerScript(): { script: URL | string; evaluate: boolean } {
  if (runningBuilt) return { script: projectUrl('dist/node/checkWorker.js'), evaluate: false };
  if (!bundled) {
    const entry = fileURLToPath(new URL('./checkWorker.ts', import.meta.url));
    // esbuild only where TypeScript is run from source: the built product never loads it.
    const { buildSync } = createRequire(import.meta.url)('esbuild') as typeof import('esbuild');
    const out = buildSync({ entryPoints: [entry], bundle: true, platform: 'node', format: 'cjs', target: 'node20', packages: 'external', write: false, logLevel: 'silent' });
    // An eval'd worker resolves require() from the working directory: give it one that resolves from this folder.
    bundled = `(function (require, module, exports) {\n${out.outputFiles[0]!.text}\n})(require('node:module').createRequire(${JSON.stringify(entry)}), { exports: {} }, {});`;
  }
  return { script: bundled, evaluate: true };
}
