// Reads the cells of the sheets the guard let through, straight from their XML (sheetCells.ts), and gives the plan
// reader one normalised value per cell. exceljs used to do this step: it cost ~13 ms of CPU per plan (saxes, a style
// model per cell, jszip), almost all of a check, where reading the few hundred cells a plan has costs well under 1 ms.
// exceljs remains the writer (writePlanWorkbook.ts).
import { finding, type Finding } from '../../shared/findings';
import type { CellReader, RowHasCells } from '../../shared/plan';
import type { RawCell } from '../../shared/cells';
import { timeoutFinding, xmlProblemFinding, type GuardedWorkbook } from './guard';
import { DEFAULT_LIMITS, type ReadLimits } from './limits';
import type { DefinedName } from '../../shared/locate';
import { MalformedPart, PartOverLimit, readDateStyles, readSharedStrings, readWorksheet } from './sheetCells';

export interface ReadWorkbook {
  read: CellReader;
  /** Every sheet the workbook lists, in order. */
  sheetNames: string[];
  date1904: boolean;
  /** The workbook-wide defined names (sheet-local copies, as a copied sheet carries, are left out). */
  names: DefinedName[];
  /** Each read sheet's merged ranges. */
  merges: (sheet: string) => readonly string[];
  /** A read cell's formula text (without "="), or null when it holds none. */
  formulaAt: (sheet: string, cell: string) => string | null;
  rowHasCells: RowHasCells;
}
export type ReadOutcome = { ok: true; workbook: ReadWorkbook } | { ok: false; finding: Finding };

/**
 * Reads the cells of the guarded sheets, each up to the last row the guard was asked for, within `limits`; the time
 * is checked against `deadline` after each part, as the guard checks it. Never throws: a part that cannot be read,
 * or passes a limit, is one finding saying why.
 */
export function readWorkbook(guarded: GuardedWorkbook, limits: ReadLimits = DEFAULT_LIMITS, deadline = Infinity): ReadOutcome {
  const sheetNames = guarded.sheets.map((s) => s.name);
  const { date1904 } = guarded;
  // Which part is being read, for a finding when one passes a limit.
  let part = 'the shared strings table';
  let sheetName: string | undefined;
  try {
    const sheets = new Map<string, Map<string, RawCell>>();
    const merges = new Map<string, string[]>();
    const formulas = new Map<string, Map<string, string>>();
    const rows = new Map<string, Set<number>>();
    // Shared strings and styles matter only when there is a sheet to read (the guard inflates them only then).
    if (guarded.sheets.some((s) => s.xml)) {
      const sharedStrings = guarded.sharedStrings ? readSharedStrings(guarded.sharedStrings, limits) : [];
      if (Date.now() > deadline) return { ok: false, finding: timeoutFinding(limits) };
      part = 'the styles part';
      const dateStyles = guarded.styles ? readDateStyles(guarded.styles, limits) : [];
      for (const sheet of guarded.sheets) {
        if (!sheet.xml) continue;
        sheetName = sheet.name;
        const sheetFormulas = new Map<string, string>();
        const sheetRows = new Set<number>();
        const read = readWorksheet(sheet.xml, {
          sharedStrings, dateStyles, date1904, part: `the sheet "${sheet.name}"`, lastRow: sheet.lastRow ?? undefined,
          formulas: sheetFormulas, rows: sheetRows, limits,
        });
        sheets.set(sheet.name, read.cells);
        rows.set(sheet.name, sheetRows);
        merges.set(sheet.name, read.merges);
        formulas.set(sheet.name, sheetFormulas);
        if (Date.now() > deadline) return { ok: false, finding: timeoutFinding(limits) };
      }
    }
    const read: CellReader = (sheet, cell) => sheets.get(sheet)?.get(cell) ?? null;
    return {
      ok: true,
      workbook: {
        read, sheetNames, date1904, names: guarded.names,
        merges: (sheet) => merges.get(sheet) ?? [],
        formulaAt: (sheet, cell) => formulas.get(sheet)?.get(cell) ?? null,
        rowHasCells: (sheet, row) => rows.get(sheet)?.has(row) ?? false,
      },
    };
  } catch (err) {
    if (err instanceof PartOverLimit) return { ok: false, finding: xmlProblemFinding(err.problem, limits, part, sheetName) };
    const why = err instanceof MalformedPart ? err.message : describe(err);
    return { ok: false, finding: finding('FILE_CORRUPT', `The workbook could not be read: its contents are not valid spreadsheet XML (${why}). Open it in Excel, save it again as Excel Workbook (.xlsx), and send the new copy.`) };
  }
}

/** The first line of an error, without the stack: enough to tell a person or a log what went wrong. */
function describe(err: unknown): string {
  return String((err as Error)?.message ?? err).split('\n')[0]!.slice(0, 200);
}
