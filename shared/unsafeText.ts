// Characters that must not pass through as they are, in one place: those XML 1.0 cannot hold (one of them in an .xlsx
// part makes the whole workbook unreadable), and control and bidirectional-formatting characters, which make a
// terminal run commands or show a file name other than it is ("invoice\u202Eslx.exe" shows as "invoiceexe.xlsx").

const LONE_SURROGATE = '[\\uD800-\\uDBFF](?![\\uDC00-\\uDFFF])|(?<![\\uD800-\\uDBFF])[\\uDC00-\\uDFFF]';
/** C0 controls but tab, line feed and carriage return; U+FFFE, U+FFFF; lone surrogates. */
const XML_ILLEGAL = `[\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\uFFFE\\uFFFF]|${LONE_SURROGATE}`;
/** Every C0 and C1 control and DEL, the bidirectional marks, embeddings, overrides and isolates, and XML_ILLEGAL. */
const CONTROL = `[\\u0000-\\u001F\\u007F-\\u009F\\u061C\\u200E\\u200F\\u202A-\\u202E\\u2066-\\u2069\\uFFFE\\uFFFF]|${LONE_SURROGATE}`;

/** A first look without lookarounds, much cheaper: most text holds none of these and is returned as it is. */
const MAYBE_XML_ILLEGAL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uD800-\uDFFF\uFFFE\uFFFF]/;

/** The text without the characters XML cannot hold. */
export function withoutXmlIllegal(text: string): string {
  return MAYBE_XML_ILLEGAL.test(text) ? text.replace(new RegExp(XML_ILLEGAL, 'g'), '') : text;
}

/** The text without any control or bidirectional-formatting character (for a name shown back to people). */
export function withoutControls(text: string): string {
  return text.replace(new RegExp(CONTROL, 'g'), '');
}

/** The first control, bidirectional-formatting or XML-illegal character in the text, or null. Tab is allowed. */
export function firstControl(text: string): { index: number; char: string } | null {
  const re = new RegExp(CONTROL, 'g');
  for (let m = re.exec(text); m; m = re.exec(text)) if (m[0] !== '\t') return { index: m.index, char: m[0] };
  return null;
}

/** A character as code, e.g. "\u001b", "\u202e". */
export const escapedChar = (char: string) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;

/**
 * The text fit for a terminal: every control and bidirectional-formatting character written as its code (ESC as
 * \u001b), except line feed and tab, which lay the output out. JSON text stays valid JSON: its own escapes are ASCII,
 * and the characters escaped here can only occur inside its strings, where \uXXXX means the same character.
 */
export function escapeControls(text: string): string {
  return text.replace(new RegExp(CONTROL, 'g'), (c) => (c === '\n' || c === '\t' ? c : escapedChar(c)));
}

/**
 * A name (a file path, a source) as one line of a table or a terminal: every control and bidirectional-formatting
 * character written as its code, line feed and tab too, so "plan\u202Exslx.exe" can never show as "planexe.xlsx".
 */
export function nameShown(name: string): string {
  return name.replace(new RegExp(CONTROL, 'g'), escapedChar);
}
