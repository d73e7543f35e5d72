// Writes the national workbook with exceljs's streaming writer: rows go out as they are made, so the workbook is
// never held whole in memory (the service streams it straight into the HTTP response).
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { Writable } from 'node:stream';
import ExcelJS from 'exceljs';
import type { Collator } from './collator';
import { inert } from './inert';
import { openOutput } from './output';
import { collationTables, type Format, type Table, type Value } from './tables';

const NUMBER_FORMATS: Partial<Record<Format, string>> = {
  integer: '0',
  share: '0.0%',
  date: 'dd/mm/yyyy',
  datetime: 'dd/mm/yyyy hh:mm',
};

/** A value as it goes into a cell: every text made inert, in one place. */
export function cellValue(v: Value): string | number | Date | null {
  return typeof v === 'string' ? inert(v) : v;
}

/** Writes the national workbook to a file path or a stream; resolves when the last byte is written. */
export async function writeCollationWorkbook(collator: Collator, target: string | Writable): Promise<void> {
  const { stream, failed } = await openOutput(target);
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream, useStyles: true, useSharedStrings: false });
  workbook.creator = 'naome collate';
  const write = async () => {
    for (const table of collationTables(collator)) await writeSheet(workbook, table);
    await workbook.commit();
  };
  await Promise.race([write(), failed]);
}

async function writeSheet(workbook: ExcelJS.stream.xlsx.WorkbookWriter, table: Table): Promise<void> {
  const ws = workbook.addWorksheet(table.sheet, { views: [{ state: 'frozen', ySplit: 1, xSplit: 0 }] });
  ws.columns = table.columns.map((c) => ({
    width: c.width,
    style: NUMBER_FORMATS[c.format] ? { numFmt: NUMBER_FORMATS[c.format] } : {},
  }));
  const head = ws.addRow(table.columns.map((c) => inert(c.header)));
  head.font = { bold: true };
  head.alignment = { vertical: 'top', wrapText: true };
  // Tall enough for the longest wrapped heading (Key 1 labels are long), since not every reader fits rows itself.
  head.height = 15 * Math.max(1, ...table.columns.map((c) => Math.ceil((c.header.length * 1.1) / c.width)));
  head.commit();
  let last = 1;
  for (const values of table.rows()) {
    ws.addRow(values.map(cellValue)).commit();
    // Let the zip stream drain now and then, so a large sheet is not buffered whole.
    if (++last % 2000 === 0) await yieldToLoop();
  }
  ws.autoFilter = { from: { row: 1, column: 1 }, to: { row: last, column: table.columns.length } };
  ws.commit();
}
