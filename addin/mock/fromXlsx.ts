// Opens an .xlsx file "in Excel" for the tests: its sheets and cell values, as the Excel API would report them
// (dates as serial numbers with their number format, formulas as their results), ready for ExcelWorkbookModel.
// Node only (exceljs); used by test/addin-*.test.ts.
import ExcelJS from 'exceljs';
import { isoDate, isoToSerial } from '../../shared/cells';
import type { CellValue } from './excelMock';
import { guardWorkbook } from '../../server/xlsx/guard';
import { DEFAULT_LIMITS } from '../../server/xlsx/limits';
import { readMerges } from '../../server/xlsx/sheetCells';

export interface OpenedSheet {
  name: string;
  visibility: 'Visible' | 'Hidden';
  merges: string[];
  /** value null: a formula with no saved result. */
  cells: Array<{ cell: string; value: CellValue | null; numberFormat?: string; formula?: string }>;
}

function apiValue(v: ExcelJS.CellValue, date1904: boolean): CellValue | null {
  if (v === null || v === undefined) return null;
  if (v instanceof Date) return isoToSerial(isoDate(v)!) - (date1904 ? 1462 : 0);
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  if ('richText' in v) return v.richText.map((r) => r.text).join('');
  if ('error' in v) return v.error;
  if ('result' in v) return v.result === undefined ? null : apiValue(v.result as ExcelJS.CellValue, date1904);
  if ('text' in v) return String(v.text);
  return null;
}

/** The file's workbook-wide defined names as Excel lists them (read from workbook.xml: exceljs drops broken ones). */
function namesAndMerges(bytes: Buffer): { names: Array<{ name: string; formula: string }>; merges: Map<string, string[]> } {
  const guarded = guardWorkbook(bytes, DEFAULT_LIMITS, (sheets) => Object.fromEntries(sheets.map((s) => [s, null])));
  if (!guarded.ok) return { names: [], merges: new Map() };
  const names = guarded.workbook.names.map((n) => ({ name: n.name, formula: `=${n.formula}` }));
  return { names, merges: new Map(guarded.workbook.sheets.map((s) => [s.name, s.xml ? readMerges(s.xml) : []])) };
}

export async function openXlsx(bytes: Buffer): Promise<{ date1904: boolean; names: Array<{ name: string; formula: string }>; sheets: OpenedSheet[] }> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(bytes as unknown as ArrayBuffer);
  const { names, merges: mergesOf } = namesAndMerges(bytes);
  const date1904 = !!(wb.properties as { date1904?: boolean }).date1904;
  const sheets = wb.worksheets.map((ws) => {
    const cells: OpenedSheet['cells'] = [];
    ws.eachRow((row) => row.eachCell((c) => {
      if (c.type === ExcelJS.ValueType.Merge) return;
      const value = apiValue(c.value, date1904);
      const formula = c.type === ExcelJS.ValueType.Formula ? c.formula : undefined;
      if ((value !== null && value !== '') || formula) {
        cells.push({ cell: c.address, value: value === '' ? null : value, ...(c.numFmt ? { numberFormat: c.numFmt } : {}), ...(formula ? { formula } : {}) });
      }
    }));
    const merges = mergesOf.get(ws.name) ?? [];
    return { name: ws.name, visibility: ws.state === 'visible' ? 'Visible' as const : 'Hidden' as const, merges, cells };
  });
  return { date1904, names, sheets };
}
