// Cheap checks of an XML part before anything reads it. scanXml, for the parts the guard reads by pattern: no DOCTYPE
// (so no external entities and no entity expansion), bounded nesting, and a count of rows, cells and shared strings —
// all from the bytes, in one pass that stops as soon as a limit is passed. firstDeclaration, for the parts the cell
// reader's cursor reads, which bounds nesting and counts as it reads (sheetCells.ts): only the DOCTYPE, found by a
// native search rather than a walk over every byte. Neither checks well-formedness: the reader does that.
export interface XmlScanLimits {
  maxDepth: number;
  maxRows: number;
  maxCells: number;
}
/** What can be wrong with a part before it is parsed: a declaration, or a limit passed. */
export type XmlProblem = 'doctype' | 'depth' | 'rows' | 'cells' | 'strings';
export type XmlScan =
  | { ok: true; rows: number; cells: number; strings: number }
  | { ok: false; problem: XmlProblem; at: number };

const LT = 0x3c, GT = 0x3e, SLASH = 0x2f, BANG = 0x21, QUERY = 0x3f, COLON = 0x3a, QUOTE = 0x22, APOS = 0x27;

/**
 * The next "<" at or after `from` (-1: none). Tags mostly follow each other closely, and Buffer.indexOf is a native
 * call dearer than a few bytes of a plain loop: the loop looks first, indexOf only past a long run of text.
 */
function nextTag(xml: Buffer, from: number): number {
  const near = Math.min(from + 32, xml.length);
  for (let i = from; i < near; i++) if (xml[i] === LT) return i;
  return near === xml.length ? -1 : xml.indexOf(LT, near);
}

const DECLARATION = -2;

/**
 * At a "<!" (`lt` is its "<"): where the comment or CDATA section it opens ends, which is stepped over whole (-1: it
 * is never closed, so the rest of the part is inside it), or DECLARATION for anything else (<!DOCTYPE, <!ENTITY,
 * <!ELEMENT…), which is refused.
 */
function pastSection(xml: Buffer, lt: number): number {
  let end: number;
  if (xml[lt + 2] === 0x2d && xml[lt + 3] === 0x2d) end = xml.indexOf('-->', lt + 4);
  else if (xml.subarray(lt + 2, lt + 9).toString('latin1') === '[CDATA[') end = xml.indexOf(']]>', lt + 9);
  else return DECLARATION;
  return end === -1 ? -1 : end + 3;
}

export function scanXml(xml: Buffer, limits: XmlScanLimits): XmlScan {
  let depth = 0, rows = 0, cells = 0, strings = 0;
  const length = xml.length;
  let i = nextTag(xml, 0);
  while (i !== -1) {
    const next = xml[i + 1];
    if (next === BANG) {
      const past = pastSection(xml, i);
      if (past === DECLARATION) return { ok: false, problem: 'doctype', at: i };
      i = past === -1 ? -1 : nextTag(xml, past);
      continue;
    }
    if (next === QUERY) { i = nextTag(xml, i + 2); continue; }
    if (next === SLASH) { depth--; i = nextTag(xml, i + 2); continue; }
    // An opening tag: its name, to the first byte that ends it (or opens a quoted value), noting where the local name
    // starts (after any prefix); then on to the tag's end outside quoted values, to see whether it closes itself.
    let j = i + 1, local = j;
    for (; j < length; j++) {
      const b = xml[j]!;
      if (b > GT) continue; // a letter: most of a name
      if (b === COLON) local = j + 1;
      else if (b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d || b === SLASH || b === GT || b === QUOTE || b === APOS) break;
    }
    const nameEnd = j;
    for (; j < length; j++) {
      const b = xml[j]!;
      if (b > GT) continue;
      if (b === GT) break;
      if (b === QUOTE || b === APOS) { j++; while (j < length && xml[j] !== b) j++; } // to the closing quote (or the end)
    }
    if (j > length) j = length;
    if (xml[j - 1] !== SLASH) {
      if (++depth > limits.maxDepth) return { ok: false, problem: 'depth', at: i };
    }
    // Counted by local name, compared in place (a name a quote cuts short is no name: the parser refuses it).
    const size = xml[nameEnd] === QUOTE || xml[nameEnd] === APOS ? 0 : nameEnd - local;
    if (size === 1 && xml[local] === 0x63 /* c */) { if (++cells > limits.maxCells) return { ok: false, problem: 'cells', at: i }; }
    else if (size === 3 && xml[local] === 0x72 && xml[local + 1] === 0x6f && xml[local + 2] === 0x77 /* row */) { if (++rows > limits.maxRows) return { ok: false, problem: 'rows', at: i }; }
    else if (size === 2 && xml[local] === 0x73 && xml[local + 1] === 0x69 /* si */) { if (++strings > limits.maxCells) return { ok: false, problem: 'strings', at: i }; }
    i = nextTag(xml, j);
  }
  return { ok: true, rows, cells, strings };
}

/**
 * Where the part's first declaration (<!DOCTYPE, <!ENTITY, <!ELEMENT…) starts, -1 when it has none: every "<!" that
 * does not open a comment or a CDATA section, which are stepped over whole, as scanXml steps over them. Excel writes
 * none, and "!" is rare in a part, so this is mostly one native search for a byte (a string needle costs more).
 */
export function firstDeclaration(xml: Buffer): number {
  for (let i = xml.indexOf(BANG, 1); i !== -1; i = xml.indexOf(BANG, i)) {
    if (xml[i - 1] !== LT) { i++; continue; }
    const past = pastSection(xml, i - 1);
    if (past === DECLARATION) return i - 1;
    if (past === -1) return -1;
    i = past;
  }
  return -1;
}
