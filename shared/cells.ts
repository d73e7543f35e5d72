// Cell values as any reader sees them, normalised to text and dates the same way for every source:
// exceljs on a file from Excel, LibreOffice, openpyxl or Google Sheets, and Office.js in the add-in.
export type RawCell =
  | string
  | number
  | boolean
  | Date
  | null
  | undefined
  | { error: string }
  | { formula: string };

/** What the tidying in cellText changes: a CR, a tab or no-break space, two spaces, a space beside a line break. */
const UNTIDY = /[\r\t\u00a0]| [ \n]|\n /;

/** Text as a person would read it: trimmed, runs of spaces folded, line breaks kept; empty becomes null. */
export function cellText(v: RawCell): string | null {
  if (v === null || v === undefined) return null;
  let s: string;
  if (typeof v === 'string') s = v;
  else if (typeof v === 'number') s = Number.isInteger(v) ? String(v) : String(+v.toFixed(10));
  else if (typeof v === 'boolean') s = v ? 'TRUE' : 'FALSE';
  else if (v instanceof Date) s = isoDate(v) ?? '';
  else if ('error' in v) s = v.error;
  else s = `=${v.formula}`;
  // Most text is tidy already: one scan finds out, instead of three rewriting passes over every cell.
  if (UNTIDY.test(s)) s = s.replace(/\r\n?/g, '\n').replace(/[ \t\u00a0]+/g, ' ').replace(/ ?\n ?/g, '\n');
  s = s.trim();
  return s === '' ? null : s;
}

/** For comparing words: lower case, apostrophes dropped, "&" as "and", any other run of punctuation or space as one space. */
export function foldWords(s: string): string {
  let v = s.toLowerCase();
  if (APOSTROPHE_OR_AND.test(v)) v = v.replace(/['’‘`]/g, '').replace(/&/g, ' and ');
  // In ASCII text the letters and digits are A-Z, a-z and 0-9: the Unicode classes, which cost twice as much, are not needed.
  return (ASCII.test(v) ? v.replace(/[^A-Za-z0-9]+/g, ' ') : v.replace(/[^\p{L}\p{N}]+/gu, ' ')).trim();
}
const APOSTROPHE_OR_AND = /['’‘`&]/;
/** Text of ASCII characters only. */
export const ASCII = /^[\0-\x7f]*$/;

/** Compares official text ignoring how lines were wrapped and how spaces were typed. */
export function sameText(a: string | null, b: string | null): boolean {
  return a === b || foldSpaces(a ?? '') === foldSpaces(b ?? '');
}
/** Runs of white space as one space, trimmed (sameText compares texts so folded); most texts have none to fold, and are only looked at. */
export const foldSpaces = (s: string) => (SPACING.test(s) ? s.replace(/\s+/g, ' ') : s).trim();
const SPACING = /[^\S ]| {2}/;

/**
 * A text the template puts in a cell (a recommendation's text, a note), for reading the cells that should still hold
 * it, in every plan: cellText and sameText of the text itself are worked out once, so a cell holding it unchanged (the
 * usual case) costs one string comparison, not a scan.
 */
export class KnownText {
  private readonly shown: string | null;
  private readonly folded: string;
  private readonly shownSame: boolean;
  constructor(readonly text: string) {
    this.shown = cellText(text);
    this.folded = foldSpaces(text);
    this.shownSame = foldSpaces(this.shown ?? '') === this.folded;
  }
  /** cellText(v). */
  read(v: RawCell): string | null {
    return v === this.text ? this.shown : cellText(v);
  }
  /** sameText(t, text). */
  same(t: string | null): boolean {
    return t === this.text || (t === this.shown ? this.shownSame : foldSpaces(t ?? '') === this.folded);
  }
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** A Date's calendar day in UTC (exceljs and our writer keep dates at UTC midnight). */
export function isoDate(d: Date): string | null {
  if (Number.isNaN(d.getTime())) return null;
  return `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}

/** Whether an ISO yyyy-mm-dd string is a real calendar day. */
export function isIsoDate(s: string | null | undefined): s is string {
  // Character codes, not a regular expression and a Date: a national collation asks this of 100,000 deadlines, twice.
  if (!s || s.length !== 10 || s.charCodeAt(4) !== DASH || s.charCodeAt(7) !== DASH) return false;
  const year = digits(s, 0, 4);
  const month = digits(s, 5, 7);
  const day = digits(s, 8, 10);
  if (year < 0 || month < 0 || day < 0) return false;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return month >= 1 && month <= 12 && day >= 1 && day <= (month === 2 ? (leap ? 29 : 28) : DAYS_IN_MONTH[month - 1]!);
}
const DASH = 0x2d;
/** The number written by the ASCII digits s[from..to), or -1 if any is not one. */
function digits(s: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const d = s.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Excel serial day number to ISO date, in the 1900 (with its phantom 29 Feb 1900) or 1904 system. */
export function serialToIso(serial: number, date1904 = false): string | null {
  if (!Number.isFinite(serial) || serial < 1 || serial > 2958465) return null;
  const day = Math.floor(serial);
  // Excel's 1900 system counts a 29 Feb 1900 that never was: serials before it start a day later.
  const epoch = date1904 ? Date.UTC(1904, 0, 1) : day < 60 ? Date.UTC(1899, 11, 31) : Date.UTC(1899, 11, 30);
  return isoDate(new Date(epoch + day * 86400000));
}

/** An ISO date as the workbook shows it: dd/mm/yyyy. */
export function ukDate(iso: string): string {
  const [y, m, d] = iso.split('-');
  return `${d}/${m}/${y}`;
}

export function isoToSerial(iso: string): number {
  return Math.round((Date.parse(`${iso}T00:00:00Z`) - Date.UTC(1899, 11, 30)) / 86400000);
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

/** Dates typed as UK text: 31/12/2026, 31-12-2026, 31.12.26, 31 Dec 2026, 31 December 2026, 2026-12-31. */
export function parseDateText(text: string): string | null {
  const s = text.trim().toLowerCase().replace(/(\d)(st|nd|rd|th)\b/, '$1');
  let m = s.match(/^(\d{4})-(\d{1,2})-(\d{1,2})(?:[t ][\d:.]+z?)?$/);
  if (m) return ymd(+m[1]!, +m[2]!, +m[3]!);
  m = s.match(/^(\d{1,2})[/.-](\d{1,2})[/.-](\d{2}|\d{4})$/);
  if (m) return ymd(year(m[3]!), +m[2]!, +m[1]!);
  m = s.match(/^(\d{1,2})[\s/-]+([a-z]{3,9})\.?,?[\s/-]+(\d{2}|\d{4})$/);
  if (m) {
    const month = MONTHS.findIndex((name) => m![2]!.startsWith(name)) + 1;
    if (month > 0 && (m[2]!.length === 3 || fullMonth(m[2]!))) return ymd(year(m[3]!), month, +m[1]!);
  }
  return null;
}
const FULL = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december', 'sept'];
const fullMonth = (name: string) => FULL.includes(name);
const year = (y: string) => (y.length === 2 ? 2000 + +y : +y);
function ymd(y: number, m: number, d: number): string | null {
  const iso = `${pad(y, 4)}-${pad(m)}-${pad(d)}`;
  return isIsoDate(iso) ? iso : null;
}

/**
 * A deadline cell as the plan model holds it: the ISO date when the cell holds a date in any shape (a real date,
 * a serial number, UK text), otherwise its text as typed, so the rules can say what is wrong with it.
 */
export function cellDate(v: RawCell, date1904 = false): string | null {
  if (v instanceof Date) return isoDate(v) ?? cellText(v);
  if (typeof v === 'number') return serialToIso(v, date1904) ?? cellText(v);
  const text = cellText(v);
  if (text === null) return null;
  if (/^\d+(\.\d+)?$/.test(text)) return serialToIso(Number(text), date1904) ?? text;
  return parseDateText(text) ?? text;
}

/**
 * Today's date in the UK (Europe/London), ISO yyyy-mm-dd. Worked out from the UK's clock rule (British Summer Time from
 * 01:00 UTC on the last Sunday of March to 01:00 UTC on the last Sunday of October, in force since 1996) rather than
 * by an Intl formatter for Europe/London, whose first construction loads the time-zone data: 50–200 ms of every
 * command's start-up for one date.
 */
export function todayIso(now: Date = new Date()): string {
  const t = now.getTime();
  const year = now.getUTCFullYear();
  const summer = t >= lastSundayOneAm(year, 2) && t < lastSundayOneAm(year, 9);
  return isoDate(new Date(t + (summer ? 3600000 : 0)))!;
}

/** 01:00 UTC on the last Sunday of a month (0-based), in ms: when UK clocks change. */
function lastSundayOneAm(year: number, month: number): number {
  const last = new Date(Date.UTC(year, month + 1, 0));
  return Date.UTC(year, month, last.getUTCDate() - last.getUTCDay(), 1);
}

/** Adds whole days to an ISO date. */
export function addDays(iso: string, days: number): string {
  return isoDate(new Date(Date.parse(`${iso}T00:00:00Z`) + days * 86400000))!;
}
