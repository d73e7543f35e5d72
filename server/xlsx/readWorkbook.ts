// Reads the parts the guard let through with exceljs, and gives the plan reader one normalised value per cell.
// exceljs fails on some files other applications write (shared/notes/exceljs.md); rather than patch it, the reader
// hands it a clean package: only the workbook, its styles and shared strings and the wanted sheets, under the names
// exceljs expects, with no sheet relationships (so openpyxl's absolute table paths, drawings, comments and hyperlink
// targets cannot crash it) and with LibreOffice's date1904="true" rewritten as 1.
import ExcelJS from 'exceljs';
import { finding, type Finding } from '../../shared/findings';
import type { CellReader } from '../../shared/plan';
import type { RawCell } from '../../shared/cells';
import type { GuardedWorkbook } from './guard';
import { storedZip } from './storedZip';

export interface ReadWorkbook {
  read: CellReader;
  /** Every sheet the workbook lists, in order. */
  sheetNames: string[];
  date1904: boolean;
}
export type ReadOutcome = { ok: true; workbook: ReadWorkbook } | { ok: false; finding: Finding };

/**
 * Worksheet parts that carry no cell values. Skipping them keeps exceljs fast and safe: validations or conditional
 * formats on whole columns take it seconds and hundreds of MB (and we check values against our own lists, never the
 * file's validations); merges over huge ranges create a cell object per merged cell; the rest need relationships.
 */
export const IGNORED_SHEET_NODES = [
  'dataValidations', 'conditionalFormatting', 'mergeCells', 'hyperlinks', 'cols', 'autoFilter', 'rowBreaks',
  'pageMargins', 'pageSetup', 'headerFooter', 'printOptions', 'picture', 'drawing', 'sheetProtection', 'tableParts', 'extLst',
];

const MAIN_NS = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
const REL_NS = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
const EMPTY_STYLES = Buffer.from(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<styleSheet xmlns="${MAIN_NS}"/>`);
const escapeAttr = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

/** The package exceljs is given: standard part names, only what the plan is read from. */
export function cleanPackage(guarded: GuardedWorkbook): Buffer {
  const parts: Array<{ name: string; data: Buffer }> = [{ name: 'xl/workbook.xml', data: guarded.workbookXml }];
  const rels: string[] = [];
  guarded.sheets.forEach((sheet, i) => {
    if (!sheet.xml) return;
    const name = `worksheets/sheet${i + 1}.xml`;
    parts.push({ name: `xl/${name}`, data: sheet.xml });
    rels.push(`<Relationship Id="${escapeAttr(sheet.rId)}" Type="${REL_NS}/worksheet" Target="${name}"/>`);
  });
  parts.push({ name: 'xl/styles.xml', data: guarded.styles ?? EMPTY_STYLES });
  rels.push(`<Relationship Id="naomeStyles" Type="${REL_NS}/styles" Target="styles.xml"/>`);
  if (guarded.sharedStrings) {
    parts.push({ name: 'xl/sharedStrings.xml', data: guarded.sharedStrings });
    rels.push(`<Relationship Id="naomeSharedStrings" Type="${REL_NS}/sharedStrings" Target="sharedStrings.xml"/>`);
  }
  const relsXml = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">${rels.join('')}</Relationships>`;
  parts.push({ name: 'xl/_rels/workbook.xml.rels', data: Buffer.from(relsXml, 'utf8') });
  return storedZip(parts);
}

/** Loads the guarded parts with exceljs. Never throws: a failure is one finding saying why. */
export async function readWorkbook(guarded: GuardedWorkbook): Promise<ReadOutcome> {
  const sheetNames = guarded.sheets.map((s) => s.name);
  // None of the sheets a plan is read from: every cell is blank, and exceljs need not run at all.
  if (!guarded.sheets.some((s) => s.xml)) return { ok: true, workbook: { read: () => null, sheetNames, date1904: guarded.date1904 } };
  const wb = new ExcelJS.Workbook();
  try {
    await wb.xlsx.load(cleanPackage(guarded) as unknown as ArrayBuffer, { ignoreNodes: IGNORED_SHEET_NODES } as never);
  } catch (err) {
    return { ok: false, finding: finding('FILE_CORRUPT', `The workbook could not be read: its contents are not valid spreadsheet XML (${describe(err)}). Open it in Excel, save it again as Excel Workbook (.xlsx), and send the new copy.`) };
  }
  const sheets = new Map(wb.worksheets.map((ws) => [ws.name, ws]));
  const read: CellReader = (sheet, cell) => {
    const ws = sheets.get(sheet) as unknown as { findCell(a1: string): ExcelJS.Cell | undefined } | undefined;
    return normaliseValue(ws?.findCell(cell)?.value);
  };
  return { ok: true, workbook: { read, sheetNames, date1904: guarded.date1904 } };
}

/** The first line of an error, without the stack: enough to tell a person or a log what went wrong. */
function describe(err: unknown): string {
  return String((err as Error)?.message ?? err).split('\n')[0]!.slice(0, 200);
}

/** exceljs's many value shapes as one RawCell: text, number, boolean, Date, {error} or {formula} (no cached result). */
export function normaliseValue(value: unknown): RawCell {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' || value instanceof Date) return value;
  if (typeof value !== 'object') return null;
  const v = value as Record<string, unknown>;
  if (Array.isArray(v.richText)) return (v.richText as Array<{ text?: unknown }>).map((run) => (typeof run.text === 'string' ? run.text : '')).join('');
  if ('error' in v) return { error: String(v.error) };
  if ('formula' in v || 'sharedFormula' in v) {
    // A cached result is what the cell shows; without one (openpyxl never writes them) all we have is the formula.
    if (v.result !== undefined && v.result !== null) return normaliseValue(v.result);
    return { formula: String(v.formula ?? v.sharedFormula ?? '') };
  }
  if ('text' in v) return normaliseValue(v.text); // a hyperlink: {text, hyperlink}, where text may be rich text
  return null;
}
