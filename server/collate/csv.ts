// The Actions rows as CSV (RFC 4180: CRLF line ends, fields quoted when they hold a comma, quote or line break), in
// UTF-8 with a byte-order mark so Excel reads accented names correctly. Text is made inert exactly as in the workbook.
// Written plan by plan as the counted plans are read, giving the event loop a turn between plans.
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { Writable } from 'node:stream';
import { isoDate } from '../../shared/cells';
import { sourceParts, type CollationSource, type Collator, type CountedPlan } from './collator';
import { csvPlain, inert } from './inert';
import { LastValues } from './lastValues';
import { openOutput } from './output';
import { actionsTable, type Format, type Value } from './tables';

export const BOM = '\uFEFF';

/** One CSV field: text made inert, quoted when it must be. */
export function csvField(v: Value, format: Format): string {
  // Numbers and dates never hold a comma, a quote or a line break: only text is looked at.
  if (v === null) return '';
  if (typeof v === 'number') return String(v);
  if (v instanceof Date) return format === 'date' ? isoDate(v)! : `${v.toISOString().slice(0, 19)}Z`;
  if (csvPlain(v)) return v;
  const s = inert(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The CSV's first line (with the byte-order mark), and the lines of each counted plan in turn. */
export function actionsCsv(collator: Collator): { header: string; linesOf: (plan: CountedPlan) => string } {
  const table = actionsTable(collator);
  const fields = new LastValues(table.columns.length, (v, i) => csvField(v, table.columns[i]!.format));
  const line = (values: Value[]) => {
    let s = fields.get(0, values[0]!);
    for (let i = 1; i < values.length; i++) s += `,${fields.get(i, values[i]!)}`;
    return `${s}\r\n`;
  };
  return {
    header: BOM + table.columns.map((c) => csvField(c.header, 'text')).join(',') + '\r\n',
    linesOf: (plan) => table.rowsOf(plan).map(line).join(''),
  };
}

/** The header line, then one chunk of lines per counted plan. */
async function* csvChunks(source: CollationSource): AsyncGenerator<string> {
  const { collator, plans } = sourceParts(source);
  const { header, linesOf } = actionsCsv(collator);
  yield header;
  for await (const plan of plans) {
    yield linesOf(plan);
    await yieldToLoop();
  }
}

/** Writes the Actions CSV to a file path or a stream, and ends it. */
export async function writeActionsCsv(source: CollationSource, target: string | Writable): Promise<void> {
  const { stream, failed } = await openOutput(target);
  await Promise.race([pipeline(Readable.from(csvChunks(source)), stream), failed]);
}
