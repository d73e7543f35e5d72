// Text bound for a spreadsheet cell or a CSV field, made safe to open in Excel. Every text value of the national
// workbook and of the CSV goes through this one function, so no path can forget it.
import { MAX_CELL_CHARS } from '../../shared/plan';
import { withoutXmlIllegal } from '../../shared/unsafeText';

/** Excel (and LibreOffice, Google Sheets) start a formula when a cell's text begins with one of these. */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * The text as it should appear in an output cell: characters XML cannot hold removed, a leading apostrophe added when
 * it would otherwise be taken as a formula (OWASP's advice for CSV injection), and cut to what a cell can hold.
 */
export function inert(text: string): string {
  // Characters XML 1.0 cannot hold: one of them in a plan sent as JSON would make the whole .xlsx unreadable.
  let s = withoutXmlIllegal(text);
  if (FORMULA_START.test(s)) s = `'${s}`;
  return s.length > MAX_CELL_CHARS ? s.slice(0, MAX_CELL_CHARS) : s;
}
