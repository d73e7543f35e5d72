// Writes the blank (or organisation-pre-filled) plan workbook with exceljs, cell for cell from the shared layout and
// the shared workbook spec, so it matches what the add-in builds and what the readers expect.
import ExcelJS from 'exceljs';
import { LISTS_SHEET, PLAN_SHEET, columnOf, definedNames, planLayout, type PlanLayout } from '../../shared/layout';
import { organisationLabel, type Organisation } from '../../shared/organisations';
import { currentTemplate, type Template } from '../../shared/template';
import {
  BASE_FONT, BORDER_COLOR, COLUMN_WIDTHS, DEADLINE_NUMBER_FORMAT, PROTECTION, STYLES, freezePanes, listsSheetCells,
  overdueRule, pageBreaksAfter, printSetup, validationsFor, type CellStyle, type StyleName, type ValidationSpec,
} from '../../shared/workbookSpec';

export interface WritePlanOptions {
  template?: Template;
  organisations: Organisation[];
  /** ODS code of the organisation to pre-fill; an unknown code throws. */
  organisation?: string;
}

const argb = (hex: string) => ({ argb: `FF${hex}` });

function cellStyle(s: CellStyle): Partial<ExcelJS.Style> {
  const side: Partial<ExcelJS.Border> = { style: 'thin', color: argb(BORDER_COLOR) };
  return {
    font: {
      name: BASE_FONT.name,
      size: s.font.size ?? BASE_FONT.size,
      bold: s.font.bold,
      italic: s.font.italic,
      ...(s.font.color ? { color: argb(s.font.color) } : {}),
    },
    ...(s.fill ? { fill: { type: 'pattern', pattern: 'solid', fgColor: argb(s.fill) } as ExcelJS.Fill } : {}),
    alignment: { wrapText: s.wrap, horizontal: s.horizontal, vertical: s.vertical === 'center' ? 'middle' : 'top' },
    ...(s.border === 'thin' ? { border: { top: side, left: side, bottom: side, right: side } } : {}),
  };
}

function dataValidation(v: ValidationSpec): ExcelJS.DataValidation {
  const common = {
    allowBlank: v.allowBlank,
    showInputMessage: true,
    showErrorMessage: true,
    errorStyle: v.errorStyle,
    promptTitle: v.promptTitle,
    prompt: v.prompt,
    errorTitle: v.errorTitle,
    error: v.error,
  };
  if (v.kind === 'list') return { ...common, type: 'list', formulae: [v.source!.replace(/^=/, '')] };
  const day = (iso: string) => new Date(`${iso}T00:00:00Z`);
  return { ...common, type: 'date', operator: 'between', formulae: [day(v.from!), day(v.to!)] };
}

/** The ODS code's dropdown label; throws naming the code when it is not in the organisations list. */
function organisationValue(code: string, organisations: Organisation[]): string {
  const wanted = code.trim().toUpperCase();
  const org = organisations.find((o) => o.code === wanted);
  if (!org) {
    throw new Error(`Unknown organisation code ${code}: it is not in the organisations list (${organisations.length} organisations). `
      + 'Give the ODS code of an NHS trust or Welsh health board, e.g. RGT.');
  }
  return organisationLabel(org);
}

function writePlanSheet(wb: ExcelJS.Workbook, layout: PlanLayout, organisation: string | null): ExcelJS.Worksheet {
  const freeze = freezePanes(layout);
  const print = printSetup(layout);
  // Opens on the first header field, where filling in starts.
  const activeCell = layout.header[0]?.cell ?? 'A1';
  const ws = wb.addWorksheet(PLAN_SHEET, {
    properties: { defaultRowHeight: 15 },
    views: [freeze ? { state: 'frozen', xSplit: freeze.cols, ySplit: freeze.rows, activeCell } : { state: 'normal', activeCell }],
    pageSetup: {
      paperSize: print.paperSizeCode as ExcelJS.PaperSize,
      orientation: print.orientation,
      fitToPage: true,
      fitToWidth: print.fitToWidth,
      fitToHeight: print.fitToHeight,
      printArea: print.printArea,
      printTitlesRow: print.titleRows.replace(/\$/g, ''),
      margins: print.margins,
      horizontalCentered: true,
    },
    headerFooter: { oddFooter: print.footer },
  });
  ws.columns = COLUMN_WIDTHS.map((c) => ({ key: c.col, width: c.width }));

  // One style object per kind of cell, never mutated once assigned: exceljs shares a style object between the cells
  // given it, so setting e.g. numFmt on one cell afterwards would change them all.
  const styles = new Map<string, Partial<ExcelJS.Style>>();
  const styleFor = (name: StyleName, input: boolean, date: boolean) => {
    const key = `${name}|${input}|${date}`;
    if (!styles.has(key)) {
      styles.set(key, {
        ...cellStyle(STYLES[name]),
        ...(input ? { protection: { locked: false } } : {}),
        ...(date ? { numFmt: DEADLINE_NUMBER_FORMAT } : {}),
      });
    }
    return styles.get(key)!;
  };
  const deadlineCol = columnOf('deadline');
  for (const row of layout.rows) {
    if (row.height) ws.getRow(row.row).height = row.height;
    for (const c of row.cells) {
      if (c.mergeTo) ws.mergeCells(`${c.cell}:${c.mergeTo}${row.row}`);
      const cell = ws.getCell(c.cell);
      if (c.value !== undefined) cell.value = c.value;
      cell.style = styleFor(c.style, !!c.input, row.kind === 'action' && c.cell === `${deadlineCol}${row.row}`);
    }
  }
  for (const row of pageBreaksAfter(layout)) ws.getRow(row).addPageBreak();
  const orgField = layout.header.find((h) => h.kind === 'organisation');
  if (orgField && organisation) ws.getCell(orgField.cell).value = organisation;

  // exceljs's typings lack DataValidations.add; one call per block range keeps the sqref exactly that range.
  const validations = (ws as unknown as { dataValidations: unknown }).dataValidations as { add(range: string, rule: ExcelJS.DataValidation): void };
  for (const v of validationsFor(layout)) validations.add(v.range, dataValidation(v));

  for (const rule of overdueRule(layout)) {
    ws.addConditionalFormatting({
      ref: rule.range,
      rules: [{
        type: 'expression',
        priority: 1,
        formulae: [rule.formula],
        style: {
          fill: { type: 'pattern', pattern: 'solid', bgColor: argb(rule.fill) },
          font: { bold: rule.font.bold, color: argb(rule.font.color) },
        },
      }],
    });
  }
  return ws;
}

function writeListsSheet(wb: ExcelJS.Workbook, layout: PlanLayout): ExcelJS.Worksheet {
  const ws = wb.addWorksheet(LISTS_SHEET, { state: 'hidden' });
  ws.getColumn('A').width = 18;
  ws.getColumn('B').width = 14;
  for (const list of Object.values(layout.lists)) ws.getColumn(list.col).width = Math.min(80, Math.max(20, ...list.values.map((v) => v.length)));
  for (const { cell, value } of listsSheetCells(layout)) ws.getCell(cell).value = value;
  for (const cell of ['A1', 'A2', ...Object.values(layout.lists).map((l) => `${l.col}1`)]) ws.getCell(cell).font = { bold: true };
  return ws;
}

/** The plan workbook as .xlsx bytes: the plan sheet first and active, the hidden lists sheet second. */
export async function writePlanWorkbook(opts: WritePlanOptions): Promise<Buffer> {
  const template = opts.template ?? currentTemplate;
  const organisation = opts.organisation !== undefined ? organisationValue(opts.organisation, opts.organisations) : null;
  const layout = planLayout(template, opts.organisations.map(organisationLabel));

  const wb = new ExcelJS.Workbook();
  wb.creator = 'naome';
  wb.title = template.title;
  wb.subject = `${template.id} version ${template.version}`;
  wb.created = wb.modified = new Date();
  // Naming the active tab keeps the plan sheet in front after LibreOffice and Excel round trips.
  wb.views = [{ x: 0, y: 0, width: 28000, height: 16000, firstSheet: 0, activeTab: 0, visibility: 'visible' }];

  const plan = writePlanSheet(wb, layout, organisation);
  const lists = writeListsSheet(wb, layout);
  for (const { name, ref } of definedNames(layout)) wb.definedNames.add(ref, name);

  await plan.protect('', { ...PROTECTION });
  await lists.protect('', { ...PROTECTION, formatColumns: false, formatRows: false });
  return Buffer.from(await wb.xlsx.writeBuffer());
}
