// Text bound for a spreadsheet cell or a CSV field, made safe to open in Excel. Every text value of the national
// workbook and of the CSV goes through this one function, so no path can forget it.
import { MAX_CELL_CHARS } from '../../shared/plan';
import { withoutXmlIllegal } from '../../shared/unsafeText';

/** Excel (and LibreOffice, Google Sheets) start a formula when a cell's text begins with one of these. */
const FORMULA_START = /^[=+\-@\t\r]/;
/** Either of the above, or a character XML may not hold: one look that clears most text (a national collation has 1.5 million cells). */
const MAYBE_UNSAFE = /^[=+\-@\t\r]|[\u0000-\u0008\u000B\u000C\u000E-\u001F\uD800-\uDFFF\uFFFE\uFFFF]/;
/** The same look, and also a comma, a quote or a line break, which a CSV field must be quoted for: one look per CSV field. */
const MAYBE_UNSAFE_OR_QUOTED = /^[=+\-@\t\r]|[\u0000-\u0008\u000A-\u001F",\uD800-\uDFFF\uFFFE\uFFFF]/;

/**
 * The text as it should appear in an output cell: characters XML cannot hold removed, a leading apostrophe added when
 * it would otherwise be taken as a formula (OWASP's advice for CSV injection), and cut to what a cell can hold.
 */
export function inert(text: string): string {
  if (text.length <= MAX_CELL_CHARS && !MAYBE_UNSAFE.test(text)) return text;
  // Characters XML 1.0 cannot hold: one of them in a plan sent as JSON would make the whole .xlsx unreadable.
  let s = withoutXmlIllegal(text);
  if (FORMULA_START.test(s)) s = `'${s}`;
  return s.length > MAX_CELL_CHARS ? s.slice(0, MAX_CELL_CHARS) : s;
}

/** Whether text goes into a CSV field as it is: inert() would not change it, and it needs no quotes. */
export const csvPlain = (text: string) => text.length <= MAX_CELL_CHARS && !MAYBE_UNSAFE_OR_QUOTED.test(text);
