// A worker thread of the read pool: checks the files it is sent strictly one at a time and sends back each entry
// (result and plan model only; the file's bytes never leave this thread).
import { parentPort, workerData } from 'node:worker_threads';
import { readReturnedFile, type ReadSetup } from './readFile';

const setup = workerData.setup as ReadSetup;
let queue = Promise.resolve();
parentPort!.on('message', ({ id, file }: { id: number; file: string }) => {
  queue = queue.then(async () => parentPort!.postMessage({ id, entry: await readReturnedFile(file, setup) }));
});
parentPort!.postMessage({ ready: true });
