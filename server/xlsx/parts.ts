// Small helpers for the package parts the guard reads before any XML parser runs: tags and attributes found by
// pattern (these parts are tiny and flat), XML entities in attribute values, and part paths inside the zip.

/** Every start tag with this local name (any namespace prefix), e.g. findTags(xml, 'sheet'). */
export function findTags(xml: string, localName: string): string[] {
  // [^<>]* rather than [^>]*: each attempt stops at the next "<", so hostile input cannot make this quadratic.
  return xml.match(new RegExp(`<(?:[\\w.-]+:)?${localName}(?=[\\s/>])[^<>]*>`, 'g')) ?? [];
}

/** A start tag's attributes by name (prefixed names keep their prefix, e.g. "r:id"). */
export function attributes(tag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of tag.matchAll(ATTRIBUTE)) out[m[1]!] = m[2] ?? m[3] ?? '';
  return out;
}
/**
 * One attribute of a tag exactly as attributes(tag)[name] reads it (the same scan of the name="value" pairs, so a
 * "name=" inside another attribute's value is not taken for it; the last wins), without building the record of all.
 */
export function attributeOf(tag: string, name: string): string | undefined {
  let value: string | undefined;
  // One shared regex, rewound (the scan is synchronous): a new RegExp per call cost more than the scan itself.
  ATTRIBUTE.lastIndex = 0;
  for (let m = ATTRIBUTE.exec(tag); m; m = ATTRIBUTE.exec(tag)) if (m[1] === name) value = m[2] ?? m[3] ?? '';
  return value;
}
// Anchored on the whitespace before each name, so a long run of name characters is scanned once, not once per start.
const ATTRIBUTE = /\s([\w.:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
export function decodeXmlText(s: string): string {
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
