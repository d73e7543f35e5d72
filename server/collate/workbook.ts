// Writes the national workbook as a stream (server/collate/xlsxStream.ts): the Actions rows go out plan by plan as
// the counted plans are read, the Summary is tallied on the way and written last, so neither the workbook nor the
// plans are ever held whole (the service streams it from its store straight into the HTTP response). Between plans
// the writer gives the event loop a turn, so the service's other requests never wait for a collation.
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { Writable } from 'node:stream';
import { sourceParts, type CollationSource } from './collator';
import { openOutput } from './output';
import { SummaryTally } from './summary';
import { actionsTable, changesTable, notReturnedTable, organisationsTable, problemsTable, summaryTable, type Value } from './tables';
import { XlsxStream } from './xlsxStream';

/** The sheets in the order the workbook lists them ("Changes" only when the source has versions to compare). */
export const SHEET_ORDER = ['Summary', 'Actions', 'Changes', 'Organisations', 'Not returned', 'Problems'];

/** The rows, giving the event loop a turn every `every` rows. */
async function* yieldingEach<T>(rows: AsyncIterable<T>, every: number): AsyncGenerator<T> {
  let n = 0;
  for await (const row of rows) {
    yield row;
    if (++n % every === 0) await yieldToLoop();
  }
}

/** Writes the national workbook to a file path or a stream; resolves when the last byte is written. */
export async function writeCollationWorkbook(source: CollationSource, target: string | Writable): Promise<void> {
  const { collator, plans, changes } = sourceParts(source);
  const { stream, failed } = await openOutput(target);
  const xlsx = new XlsxStream(stream);
  const summary = new SummaryTally(collator);
  const actions = actionsTable(collator);
  async function* actionRows(): AsyncGenerator<Value[]> {
    for await (const plan of plans) {
      summary.add(plan);
      yield* actions.rowsOf(plan);
      await yieldToLoop();
    }
  }
  const write = async () => {
    await xlsx.sheet(actions.sheet, actions.columns, actionRows());
    // The other sheets need every plan read (who returned, what was superseded, the tallies): written after.
    for (const table of [organisationsTable(collator, summary), notReturnedTable(collator), problemsTable(collator), summaryTable(collator, summary)]) {
      await xlsx.sheet(table.sheet, table.columns, table.rows());
    }
    // A second pass over the store, one organisation's two versions at a time, so memory stays bounded here too.
    if (changes) {
      const table = changesTable(collator, changes);
      await xlsx.sheet(table.sheet, table.columns, yieldingEach(table.rows(), 200));
    }
    await xlsx.finish(SHEET_ORDER.filter((name) => name !== 'Changes' || changes));
  };
  await Promise.race([write(), failed]);
}
