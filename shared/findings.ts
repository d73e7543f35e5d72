// Findings: what the checks say about a workbook or a plan. Every code is listed here once, with its severity;
// docs/findings.md documents each one (a test keeps the two in step).
export type Severity = 'error' | 'warning';

export interface Finding {
  code: string;
  severity: Severity;
  sheet: string | null;
  cell: string | null;
  recommendation: number | null;
  field: string | null;
  message: string;
}

/** Findings about the file itself: it could not be read as an action plan at all. */
export const FILE_CODES = {
  FILE_EMPTY: 'error',
  FILE_TOO_LARGE: 'error',
  FILE_NOT_XLSX: 'error',
  FILE_LEGACY_XLS: 'error',
  FILE_XLSB: 'error',
  FILE_ODS: 'error',
  FILE_CSV: 'error',
  FILE_ENCRYPTED: 'error',
  FILE_MACRO_ENABLED: 'error',
  FILE_CORRUPT: 'error',
  ZIP_TOO_MANY_ENTRIES: 'error',
  ZIP_UNSAFE_PATH: 'error',
  ZIP_TOO_LARGE_UNCOMPRESSED: 'error',
  ZIP_COMPRESSION_RATIO: 'error',
  XML_UNSAFE: 'error',
  XML_TOO_DEEP: 'error',
  SHEET_TOO_LARGE: 'error',
  READ_TIMEOUT: 'error',
  NOT_ACTION_PLAN: 'error',
  UNKNOWN_TEMPLATE: 'error',
  // Added for `naome validate`: a named file that is not there, or cannot be opened (a folder, no permission).
  FILE_NOT_FOUND: 'error',
  FILE_UNREADABLE: 'error',
  // Added with locating (shared/locate.ts): the plan sheet's layout changed past recognition, or the plan sheet is empty
  // while a copy of it holds the entries. Either way nothing from the workbook reaches the national data.
  PLAN_STRUCTURE_CHANGED: 'error',
  PLAN_ON_OTHER_SHEET: 'error',
} as const satisfies Record<string, Severity>;

/** Findings about the plan's content. */
export const PLAN_CODES = {
  OFFICIAL_TEXT_CHANGED: 'error',
  ORGANISATION_MISSING: 'error',
  ORGANISATION_UNKNOWN: 'error',
  LEAD_MISSING: 'error',
  RECOMMENDATION_NO_ACTIONS: 'error',
  ACTION_FIELD_MISSING: 'error',
  DEADLINE_NOT_DATE: 'error',
  STATUS_INVALID: 'error',
  PRIORITY_INVALID: 'error',
  REASON_MISSING: 'error',
  ACTION_VAGUE: 'warning',
  RESPONSIBLE_NOT_NAMED: 'warning',
  DEADLINE_PASSED: 'warning',
  DEADLINE_FAR_AHEAD: 'warning',
  EVIDENCE_MISSING: 'warning',
  // Added with the rules: a lead that names a role or team ("Breast team"), not a person.
  LEAD_NOT_NAMED: 'warning',
  // Added with value forgiveness (issue 8): a value that could name two organisations; several actions in one row;
  // a patient identifier in a free-text cell.
  ORGANISATION_AMBIGUOUS: 'error',
  SEVERAL_ACTIONS_IN_ROW: 'error',
  NHS_NUMBER: 'error',
  // Added with locating: the lists sheet (template mark) deleted, the plan recognised by its title and official text.
  TEMPLATE_MARK_MISSING: 'warning',
  // Added with the "More actions" sheet: a row there that does not name one of the plan's recommendations.
  MORE_ACTION_NO_RECOMMENDATION: 'error',
  // Added with formula reading (shared/formulas.ts): input cells hold values, not formulas.
  FORMULA_NOT_CALCULATED: 'error',
  FORMULA_IN_INPUT: 'error',
  DEADLINE_MOVES_DAILY: 'warning',
  // Added with one cell length limit on every path (shared/cellLength.ts): a cell over Excel's 32,767 characters.
  CELL_TOO_LONG: 'error',
  // Added with rows inserted below the last block: text typed where no recommendation's rows are.
  ACTION_OUTSIDE_PLAN_ROWS: 'error',
  // Added with carrying a plan into a newer template version (shared/carryPlan.ts): a value with no place in it.
  NOT_CARRIED: 'warning',
} as const satisfies Record<string, Severity>;

export const ALL_CODES = { ...FILE_CODES, ...PLAN_CODES };
export type FindingCode = keyof typeof ALL_CODES;

export function finding(
  code: FindingCode,
  message: string,
  where: { sheet?: string | null; cell?: string | null; recommendation?: number | null; field?: string | null } = {},
): Finding {
  return {
    code,
    severity: ALL_CODES[code],
    sheet: where.sheet ?? null,
    cell: where.cell ?? null,
    recommendation: where.recommendation ?? null,
    field: where.field ?? null,
    message,
  };
}

export const hasErrors = (findings: Finding[]) => findings.some((f) => f.severity === 'error');

/** The result of checking one workbook or plan: the shape `naome validate --json` and the service return. */
export interface ValidationResult {
  file: string | null;
  valid: boolean;
  readable: boolean;
  template: { id: string; version: number } | null;
  organisation: { code: string; name: string } | null;
  findings: Finding[];
}
