// Small helpers for the package parts the guard reads before any XML parser runs: tags and attributes found by
// pattern (these parts are tiny and flat), XML entities in attribute values, and part paths inside the zip.

/** Every start tag with this local name (any namespace prefix), e.g. findTags(xml, 'sheet'). */
export function findTags(xml: string, localName: string): string[] {
  let pattern = TAG_PATTERNS.get(localName);
  // [^<>]* rather than [^>]*: each attempt stops at the next "<", so hostile input cannot make this quadratic.
  if (!pattern) TAG_PATTERNS.set(localName, (pattern = new RegExp(`<(?:[\\w.-]+:)?${localName}(?=[\\s/>])[^<>]*>`, 'g')));
  return xml.match(pattern) ?? [];
}
/** One pattern per tag name, made once (match() with a global pattern starts from 0 and leaves it there). */
const TAG_PATTERNS = new Map<string, RegExp>();

/** A start tag's attributes by name (prefixed names keep their prefix, e.g. "r:id"). */
export function attributes(tag: string): Record<string, string> {
  const out: Record<string, string> = {};
  // exec on the one shared pattern, rewound (the scan is synchronous): matchAll's iterator cost more than the scan.
  ATTRIBUTE.lastIndex = 0;
  for (let m = ATTRIBUTE.exec(tag); m; m = ATTRIBUTE.exec(tag)) out[m[1]!] = m[2] ?? m[3] ?? '';
  return out;
}
// Anchored on the whitespace before each name, so a long run of name characters is scanned once, not once per start.
const ATTRIBUTE = /\s([\w.:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
export function decodeXmlText(s: string): string {
  if (!s.includes('&')) return s; // most values have no entity at all
  return s.replace(/&(#x[0-9a-f]+|#\d+|\w+);/gi, (m, e: string) => {
    if (e[0] === '#') {
      const code = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : m;
    }
    return ENTITIES[e] ?? m;
  });
}

/** The folder of a part, with its trailing slash ("xl/workbook.xml" → "xl/"). */
export function dirOf(path: string): string {
  return path.slice(0, path.lastIndexOf('/') + 1);
}

/**
 * A relationship target as a part path inside the zip: relative to the source part's folder, or absolute from the
 * package root ("/xl/tables/table1.xml", as openpyxl writes it). Percent-escapes are decoded; ".." is resolved and
 * cannot climb above the root.
 */
export function resolvePart(baseDir: string, target: string): string {
  let t = target;
  try { t = decodeURIComponent(target); } catch { /* keep it as written */ }
  const parts = (t.startsWith('/') ? t.slice(1) : baseDir + t).split('/');
  const out: string[] = [];
  for (const p of parts) {
    if (p === '..') out.pop();
    else if (p !== '.' && p !== '') out.push(p);
  }
  return out.join('/');
}

/**
 * The workbook-wide defined names (workbook.xml <definedName>), each with its formula text, in order. Sheet-local
 * names (localSheetId: print titles, the copies a copied sheet carries) are left out, as the Excel API's
 * workbook.names leaves them out.
 */
export function readDefinedNames(workbookXml: string): Array<{ name: string; formula: string }> {
  const out: Array<{ name: string; formula: string }> = [];
  // [^<>]* and [^<]*: each match stops at the next tag, so a hostile part cannot make this quadratic.
  for (const m of workbookXml.matchAll(/<(?:[\w.-]+:)?definedName(\s[^<>]*)?>([^<]*)<\/(?:[\w.-]+:)?definedName>/g)) {
    const a = attributes(m[1] ?? '');
    if (!a.name || a.localSheetId !== undefined) continue;
    out.push({ name: decodeXmlText(a.name), formula: decodeXmlText(m[2]!) });
  }
  return out;
}
