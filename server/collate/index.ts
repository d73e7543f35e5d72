// The national collation, for the command line and the service: feed a Collator entries one at a time, then write
// the workbook and the CSV from it.
export { Collator, type CollationEntry, type CollatorOptions, type EntryState } from './collator';
export { writeCollationWorkbook } from './workbook';
export { writeActionsCsv } from './csv';
export { inert } from './inert';
