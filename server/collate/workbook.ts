// Writes the national workbook as a stream (server/collate/xlsxStream.ts): the Actions rows go out plan by plan as
// the counted plans are read, the Summary is tallied on the way and written last, so neither the workbook nor the
// plans are ever held whole (the service streams it from its store straight into the HTTP response). Between plans
// the writer gives the event loop a turn, so the service's other requests never wait for a collation.
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { Writable } from 'node:stream';
import { sourceParts, type CollationSource, type LatestVersion } from './collator';
import { collatedActions } from './rows';
import { openOutput } from './output';
import { SummaryTally } from './summary';
import { actionsTable, changesTable, notReturnedTable, organisationsTable, problemsTable, summaryTable, type Value } from './tables';
import { XlsxStream } from './xlsxStream';

/** The sheets in the order the workbook lists them ("Changes" only when the source has versions to compare). */
export const SHEET_ORDER = ['Summary', 'Actions', 'Changes', 'Organisations', 'Not returned', 'Problems'];

/** Writes the national workbook to a file path or a stream; resolves when the last byte is written. */
export async function writeCollationWorkbook(source: CollationSource, target: string | Writable): Promise<void> {
  const { collator, plans, versions } = sourceParts(source);
  const { stream, failed } = await openOutput(target);
  const xlsx = new XlsxStream(stream);
  const summary = new SummaryTally(collator);
  const actions = actionsTable(collator);
  const changes = changesTable(collator);
  async function* latest(): AsyncGenerator<LatestVersion> {
    if (versions) yield* versions();
    else for await (const plan of plans) yield { plan, change: null };
  }
  const write = async () => {
    // The Changes rows come in the same pass as the Actions rows (one read of the store), kept aside until the end.
    const changesSheet = versions ? await xlsx.sideSheet(changes.sheet, changes.columns) : null;
    async function* actionRows(): AsyncGenerator<Value[]> {
      for await (const { plan, change } of latest()) {
        if (change) for (const row of changes.rowsOf(change)) await changesSheet!.row(row);
        if (plan) {
          const collated = collatedActions(collator, plan);
          summary.add(plan, collated);
          yield* actions.rowsOf(plan, collated);
        }
        await yieldToLoop();
      }
    }
    await xlsx.sheet(actions.sheet, actions.columns, actionRows());
    // The other sheets need every plan read (who returned, what was superseded, the tallies): written after.
    for (const table of [organisationsTable(collator, summary), notReturnedTable(collator), problemsTable(collator), summaryTable(collator, summary)]) {
      await xlsx.sheet(table.sheet, table.columns, table.rows());
    }
    await xlsx.finish(SHEET_ORDER.filter((name) => name !== 'Changes' || versions));
  };
  try {
    await Promise.race([write(), failed]);
  } finally {
    await xlsx.dispose();
  }
}
