// Reads many returned files with a few worker threads, each checking one file at a time, and hands the entries back
// in input order. Parsing a workbook is CPU-bound, so time divides by the cores; memory stays bounded (each worker
// holds one file and has one queued, and its heap has a ceiling). jobs = 1 reads in this thread instead.
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { build } from 'esbuild';
import type { CollationEntry } from './collator';
import { readReturnedFile, unreadableEntry, type ReadSetup } from './readFile';

/** A worker's heap ceiling: a plan needs a few MB; a file that needs far more is refused rather than exhaust RAM. */
const WORKER_HEAP_MB = 128;
const QUEUED_PER_WORKER = 2;

/** The entries of `files`, in input order, read by up to `jobs` worker threads. */
export async function* readFiles(files: string[], setup: ReadSetup, jobs: number): AsyncGenerator<CollationEntry> {
  if (jobs <= 1 || files.length <= 1) {
    for (const file of files) yield await readReturnedFile(file, setup);
    return;
  }
  const pool = new ReadPool(files, setup);
  try {
    await pool.start(Math.min(jobs, files.length));
    for (let i = 0; i < files.length; i++) yield await pool.entry(i);
  } finally {
    await pool.stop();
  }
}

class ReadPool {
  private readonly workers: Array<{ worker: Worker; ids: number[] }> = [];
  private readonly done = new Map<number, CollationEntry>();
  private readonly waiting = new Map<number, (e: CollationEntry) => void>();
  /** Files to send: first any a crashed worker still held (other than the one that crashed it), then the rest. */
  private readonly retry: number[] = [];
  private next = 0;
  private stopped = false;

  constructor(private readonly files: string[], private readonly setup: ReadSetup) {}

  async start(n: number): Promise<void> {
    await Promise.all(Array.from({ length: n }, () => this.addWorker()));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.workers.map((w) => w.worker.terminate()));
  }

  entry(i: number): Promise<CollationEntry> {
    const e = this.done.get(i);
    if (e) {
      this.done.delete(i);
      return Promise.resolve(e);
    }
    return new Promise((resolve) => this.waiting.set(i, resolve));
  }

  private deliver(id: number, entry: CollationEntry): void {
    const waiter = this.waiting.get(id);
    if (waiter) {
      this.waiting.delete(id);
      waiter(entry);
    } else this.done.set(id, entry);
  }

  private feed(slot: { worker: Worker; ids: number[] }): void {
    while (slot.ids.length < QUEUED_PER_WORKER) {
      const id = this.retry.shift() ?? (this.next < this.files.length ? this.next++ : undefined);
      if (id === undefined) return;
      slot.ids.push(id);
      slot.worker.postMessage({ id, file: this.files[id] });
    }
  }

  private async addWorker(): Promise<void> {
    const slot = { worker: await startWorker(this.setup), ids: [] as number[] };
    // A replacement that finished starting after the pool stopped must not keep the process alive.
    if (this.stopped) return void (await slot.worker.terminate());
    this.workers.push(slot);
    slot.worker.on('message', (m: { id: number; entry: CollationEntry }) => {
      slot.ids.splice(slot.ids.indexOf(m.id), 1);
      this.deliver(m.id, m.entry);
      this.feed(slot);
    });
    slot.worker.on('error', (err) => {
      // The file it was reading (the first it holds) is reported as unreadable; the next is read again elsewhere.
      const [culprit, ...rest] = slot.ids;
      this.workers.splice(this.workers.indexOf(slot), 1);
      if (culprit !== undefined) {
        this.deliver(culprit, unreadableEntry(this.files[culprit]!, new Date(0),
          `Reading this file stopped the reader (${err.message}). Save it again from Excel as .xlsx and send the new copy.`));
      }
      this.retry.unshift(...rest);
      this.addWorker().then(() => this.workers.forEach((w) => this.feed(w)), (e: Error) => {
        for (const id of [...this.retry.splice(0), ...Array.from({ length: this.files.length - this.next }, () => this.next++)]) {
          this.deliver(id, unreadableEntry(this.files[id]!, new Date(0), `The reader could not be restarted (${e.message}).`));
        }
      });
    });
    this.feed(slot);
  }
}

/**
 * The worker's code: readWorker.ts and our modules bundled by esbuild into one script, its packages (exceljs, yauzl…)
 * required from node_modules as usual. Loading it natively, not through tsx's loader hooks, makes a worker start in a
 * fraction of the time and memory. Built once per process (~0.1 s).
 */
let workerCode: Promise<string> | null = null;
function bundledWorker(): Promise<string> {
  workerCode ??= (async () => {
    const entry = fileURLToPath(new URL('./readWorker.ts', import.meta.url));
    const out = await build({ entryPoints: [entry], bundle: true, platform: 'node', format: 'cjs', target: 'node20', packages: 'external', write: false, logLevel: 'silent' });
    // An eval'd worker resolves require() from the working directory: give it one that resolves from this folder.
    return `(function (require, module, exports) {\n${out.outputFiles[0]!.text}\n})(require('node:module').createRequire(${JSON.stringify(entry)}), { exports: {} }, {});`;
  })();
  return workerCode;
}

async function startWorker(setup: ReadSetup): Promise<Worker> {
  const worker = new Worker(await bundledWorker(), {
    eval: true,
    workerData: { setup },
    resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB },
  });
  await new Promise<void>((resolve, reject) => {
    worker.once('message', () => resolve());
    worker.once('error', reject);
  });
  return worker;
}
