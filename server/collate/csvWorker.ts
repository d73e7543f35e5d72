// A worker thread of csvThread.ts: it is sent some of the store's latest versions as stored rows, one at a time, and
// sends back each one's CSV lines ('' when its plan does not count), the first worker the header line before them.
// Parsing the stored JSON and making the lines is most of a national CSV's work; here it runs beside the thread that
// reads the store and answers HTTP.
import { parentPort, workerData } from 'node:worker_threads';
import { storedOf, type SubmissionRow } from '../store/rows';
import { lowerThisThread } from '../threadPriority';
import { actionsCsv } from './csv';
import { addStored, storeCollator, type StoreCollatorOptions } from './fromStore';

const { header: sendsHeader, nice, ...setup } = workerData as StoreCollatorOptions & { header: boolean; nice: number };
lowerThisThread(nice);
const collator = storeCollator(setup);
const { header, linesOf } = actionsCsv(collator);
// Sent as UTF-8 bytes, moved rather than copied: the other thread writes them out as they are.
const utf8 = new TextEncoder();
const send = (text: string) => {
  const bytes = utf8.encode(text);
  parentPort!.postMessage(bytes, [bytes.buffer]);
};
if (sendsHeader) send(header);
parentPort!.on('message', (row: SubmissionRow) => {
  const plan = addStored(collator, storedOf(row));
  send(plan ? linesOf(plan) : '');
});
