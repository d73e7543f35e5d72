// A worker thread that checks workbooks: the CPU work of reading an upload runs here, off the thread that answers
// HTTP, so health checks, JSON plans and downloads stay quick while workbooks are read.
import { parentPort } from 'node:worker_threads';
import { checkWorkbook, type CheckOptions } from '../xlsx/checkWorkbook';

export interface CheckJob {
  id: number;
  bytes: Uint8Array;
  opts: CheckOptions;
}

parentPort!.on('message', async (job: CheckJob) => {
  const bytes = Buffer.from(job.bytes.buffer, job.bytes.byteOffset, job.bytes.byteLength);
  const outcome = await checkWorkbook(bytes, job.opts);
  parentPort!.postMessage({ id: job.id, outcome });
});
parentPort!.postMessage({ ready: true });
