// What openpyxl (an application other than ours) sees in a workbook: sheets, protection, defined names, data
// validations, conditional formats, cell values, unlocked cells, print setup. Runs Debian's /usr/bin/python3
// (the pyenv python3 on PATH has no openpyxl) and returns its findings as JSON.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { colIndex, colName } from '../../shared/a1';

export interface SeenValidation {
  type: string | null;
  operator: string | null;
  sqref: string;
  formula1: string | null;
  formula2: string | null;
  errorStyle: string | null;
  showErrorMessage: boolean;
  showInputMessage: boolean;
  allowBlank: boolean;
  prompt: string | null;
  promptTitle: string | null;
  error: string | null;
  errorTitle: string | null;
}
export interface SeenSheet {
  name: string;
  state: string;
  protected: boolean;
  formatColumns: boolean;
  formatRows: boolean;
  /** Non-empty cells: A1 → value (dates as ISO yyyy-mm-dd). */
  cells: Record<string, string | number | boolean>;
  /** Every cell of the used range that is unlocked (merged-over cells included, flagged separately). */
  unlocked: string[];
  mergedOver: string[];
  merges: string[];
  validations: SeenValidation[];
  conditional: Array<{ sqref: string; formulas: string[]; fill: string | null }>;
  numberFormats: Record<string, string>;
  /** Column formats (what a cell with no format of its own shows), by column letter. */
  columns: Record<string, { numberFormat: string; locked: boolean; fill: string | null }>;
  print: { titleRows: string | null; area: string | null; orientation: string | null; paperSize: string | null; fitToPage: boolean; fitToWidth: number | null; fitToHeight: number | null };
}
export interface SeenWorkbook {
  sheets: SeenSheet[];
  active: number;
  /** Defined name → its reference text, e.g. "Lists!$D$2:$D$6". */
  names: Record<string, string>;
}

const SCRIPT = String.raw`
import json, sys, datetime, openpyxl
from openpyxl.cell.cell import MergedCell
wb = openpyxl.load_workbook(sys.argv[1])
def val(v):
    if isinstance(v, (datetime.datetime, datetime.date)): return v.strftime('%Y-%m-%d')
    return v
names = {}
dn = wb.defined_names
items = dn.items() if hasattr(dn, 'items') else [(d.name, d) for d in dn.definedName]
for name, d in items:
    if not name.startswith('_xlnm'): names[name] = d.attr_text
sheets = []
for ws in wb.worksheets:
    cells, unlocked, merged_over, numfmt = {}, [], [], {}
    for row in ws.iter_rows():
        for c in row:
            if isinstance(c, MergedCell):
                if c.protection is not None and c.protection.locked is False: merged_over.append(c.coordinate)
                continue
            if c.value is not None and c.value != '': cells[c.coordinate] = val(c.value)
            if c.protection.locked is False: unlocked.append(c.coordinate)
            if c.number_format and c.number_format != 'General': numfmt[c.coordinate] = c.number_format
    dvs = []
    for dv in ws.data_validations.dataValidation:
        dvs.append(dict(type=dv.type, operator=dv.operator, sqref=str(dv.sqref), formula1=dv.formula1, formula2=dv.formula2,
            errorStyle=dv.errorStyle, showErrorMessage=bool(dv.showErrorMessage), showInputMessage=bool(dv.showInputMessage),
            allowBlank=bool(dv.allow_blank), prompt=dv.prompt, promptTitle=dv.promptTitle, error=dv.error, errorTitle=dv.errorTitle))
    cfs = []
    for cf in ws.conditional_formatting:
        for r in cf.rules:
            fill = None
            if r.dxf is not None and r.dxf.fill is not None:
                fill = r.dxf.fill.bgColor.rgb if r.dxf.fill.bgColor is not None else None
                if not isinstance(fill, str): fill = None
            cfs.append(dict(sqref=str(cf.sqref), formulas=list(r.formula or []), fill=fill))
    columns = {}
    for cd in ws.column_dimensions.values():
        if not cd.has_style or cd.min is None: continue
        fill = cd.fill.fgColor.rgb if cd.fill is not None and cd.fill.fill_type else None
        for i in range(cd.min, (cd.max or cd.min) + 1):
            columns[openpyxl.utils.get_column_letter(i)] = dict(numberFormat=cd.number_format, locked=cd.protection.locked is not False,
                fill=fill if isinstance(fill, str) else None)
    ps = ws.page_setup
    sheets.append(dict(name=ws.title, state=ws.sheet_state, protected=bool(ws.protection.sheet),
        formatColumns=not ws.protection.formatColumns, formatRows=not ws.protection.formatRows,
        cells=cells, unlocked=unlocked, mergedOver=merged_over, merges=[str(m) for m in ws.merged_cells.ranges],
        validations=dvs, conditional=cfs, numberFormats=numfmt, columns=columns,
        print=dict(titleRows=ws.print_title_rows, area=(ws.print_area if isinstance(ws.print_area, str) or ws.print_area is None else ','.join(ws.print_area)),
            orientation=ps.orientation, paperSize=(str(ps.paperSize) if ps.paperSize is not None else None),
            fitToPage=bool(ws.sheet_properties.pageSetUpPr and ws.sheet_properties.pageSetUpPr.fitToPage),
            fitToWidth=ps.fitToWidth, fitToHeight=ps.fitToHeight)))
print(json.dumps(dict(sheets=sheets, active=wb.index(wb.active), names=names), default=str))
`;

/** Opens the file with openpyxl and reports what it sees. Throws with openpyxl's own error if it cannot open it. */
export function openpyxlSees(path: string): SeenWorkbook {
  const out = execFileSync('/usr/bin/python3', ['-c', SCRIPT, path], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return JSON.parse(out) as SeenWorkbook;
}

export function sheetSeen(wb: SeenWorkbook, name: string): SeenSheet {
  const s = wb.sheets.find((x) => x.name === name);
  if (!s) throw new Error(`openpyxl sees no sheet "${name}" (sheets: ${wb.sheets.map((x) => x.name).join(', ')})`);
  return s;
}


/** Every cell of an A1 range or space-separated list of ranges ("E22:E36 F2"), with any $ signs ignored. */
export function cellsOf(sqref: string): string[] {
  const out: string[] = [];
  for (const part of sqref.replace(/\$/g, '').split(/[\s,]+/).filter(Boolean)) {
    const [from, to = from] = part.split(':') as [string, string?];
    const m1 = from.match(/^([A-Z]+)(\d+)$/)!;
    const m2 = to!.match(/^([A-Z]+)(\d+)$/)!;
    for (let c = colIndex(m1[1]!); c <= colIndex(m2[1]!); c++) {
      for (let r = Number(m1[2]); r <= Number(m2[2]); r++) out.push(`${colName(c)}${r}`);
    }
  }
  return out;
}

/**
 * The values a list validation offers, resolved the way Excel would: through a defined name, a sheet range
 * (Excel's "Lists!$D$2:$D$6" or LibreOffice's "$Lists.$D$2:$D$6") or an inline "a,b,c" list.
 */
export function listValues(wb: SeenWorkbook, formula: string): string[] {
  let ref = formula.replace(/^=/, '').trim();
  if (/^"/.test(ref)) return ref.replace(/^"|"$/g, '').split(',');
  if (wb.names[ref] !== undefined) ref = wb.names[ref]!;
  const m = ref.match(/^\$?'?([^'!.]+)'?[!.](.+)$/);
  if (!m) throw new Error(`Cannot resolve the list source "${formula}"`);
  const sheet = sheetSeen(wb, m[1]!);
  return cellsOf(m[2]!.replace(/\$/g, '')).map((c) => sheet.cells[c]).filter((v) => v !== undefined).map(String);
}

/** Sets cells of the plan sheet with openpyxl (an application other than ours) and returns the saved bytes. */
export function setCellsWithOpenpyxl(bytes: Buffer, cells: Record<string, string>): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'naome-edit-'));
  try {
    writeFileSync(join(dir, 'in.xlsx'), bytes);
    execFileSync('/usr/bin/python3', ['-c', `
import sys, json, openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
ws = wb['Action plan']
for ref, value in json.loads(sys.argv[3]).items():
    ws[ref] = value
wb.save(sys.argv[2])
`, join(dir, 'in.xlsx'), join(dir, 'out.xlsx'), JSON.stringify(cells)], { timeout: 60_000 });
    return readFileSync(join(dir, 'out.xlsx'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A sheet's rows as openpyxl reads them (values only, dates as ISO). */
export function sheetRows(bytes: Buffer, sheet: string): unknown[][] {
  const dir = mkdtempSync(join(tmpdir(), 'naome-read-'));
  try {
    writeFileSync(join(dir, 'in.xlsx'), bytes);
    const out = execFileSync('/usr/bin/python3', ['-c', `
import sys, json, openpyxl, datetime
wb = openpyxl.load_workbook(sys.argv[1], read_only=True)
if sys.argv[2] not in wb.sheetnames:
    print(json.dumps(None)); sys.exit(0)
conv = lambda v: v.isoformat() if isinstance(v, (datetime.date, datetime.datetime)) else v
print(json.dumps([[conv(v) for v in row] for row in wb[sys.argv[2]].iter_rows(values_only=True)]))
`, join(dir, 'in.xlsx'), sheet], { timeout: 60_000 });
    return JSON.parse(String(out));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

