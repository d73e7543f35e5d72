// Entry point of a check worker thread: registers tsx (so the TypeScript worker runs without a build step, whether the
// parent was started through tsx's API or with --import tsx), then loads the worker module named in workerData.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.entry);
