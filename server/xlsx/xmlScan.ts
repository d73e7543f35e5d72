// A cheap pass over an XML part before any parser sees it: no DOCTYPE (so no external entities and no entity
// expansion), bounded nesting, and a count of rows, cells and shared strings — all from the bytes, in one pass that
// stops as soon as a limit is passed. It does not check well-formedness: the real parser does that afterwards.
export interface XmlScanLimits {
  maxDepth: number;
  maxRows: number;
  maxCells: number;
}
export type XmlScan =
  | { ok: true; rows: number; cells: number; strings: number }
  | { ok: false; problem: 'doctype' | 'depth' | 'rows' | 'cells' | 'strings'; at: number };

const LT = 0x3c, GT = 0x3e, SLASH = 0x2f, BANG = 0x21, QUERY = 0x3f, COLON = 0x3a, QUOTE = 0x22, APOS = 0x27;

const isNameEnd = (b: number | undefined) => b === undefined || b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d || b === SLASH || b === GT;

/** Where the local name (after any prefix) of the tag name starting at `from` begins. */
function localNameStart(xml: Buffer, from: number): number {
  let start = from;
  for (let i = from; i < from + 64 && i < xml.length && !isNameEnd(xml[i]); i++) if (xml[i] === COLON) start = i + 1;
  return start;
}

/** True when the name at `start` is exactly `name`. */
function nameIs(xml: Buffer, start: number, name: string): boolean {
  for (let k = 0; k < name.length; k++) if (xml[start + k] !== name.charCodeAt(k)) return false;
  return isNameEnd(xml[start + name.length]);
}

/**
 * The next "<" at or after `from` (-1: none). Tags mostly follow each other closely, and Buffer.indexOf is a native
 * call dearer than a few bytes of a plain loop: the loop looks first, indexOf only past a long run of text.
 */
function nextTag(xml: Buffer, from: number): number {
  const near = Math.min(from + 32, xml.length);
  for (let i = from; i < near; i++) if (xml[i] === LT) return i;
  return near === xml.length ? -1 : xml.indexOf(LT, near);
}

export function scanXml(xml: Buffer, limits: XmlScanLimits): XmlScan {
  let depth = 0, rows = 0, cells = 0, strings = 0;
  const length = xml.length;
  let i = nextTag(xml, 0);
  while (i !== -1) {
    const next = xml[i + 1];
    if (next === BANG) {
      // Comments and CDATA are skipped whole; any declaration (<!DOCTYPE, <!ENTITY, <!ELEMENT…) is refused.
      if (xml[i + 2] === 0x2d && xml[i + 3] === 0x2d) { const end = xml.indexOf('-->', i + 4); i = end === -1 ? -1 : nextTag(xml, end + 3); continue; }
      if (xml.subarray(i + 2, i + 9).toString('latin1') === '[CDATA[') { const end = xml.indexOf(']]>', i + 9); i = end === -1 ? -1 : nextTag(xml, end + 3); continue; }
      return { ok: false, problem: 'doctype', at: i };
    }
    if (next === QUERY) { i = nextTag(xml, i + 2); continue; }
    if (next === SLASH) { depth--; i = nextTag(xml, i + 2); continue; }
    // An opening tag: find its end outside quoted attribute values, to see whether it closes itself.
    let j = i + 1;
    for (; j < length; j++) {
      const b = xml[j]!;
      if (b === GT) break;
      if (b === QUOTE || b === APOS) { j++; while (j < length && xml[j] !== b) j++; } // to the closing quote (or the end)
    }
    if (j > length) j = length;
    if (xml[j - 1] !== SLASH) {
      if (++depth > limits.maxDepth) return { ok: false, problem: 'depth', at: i };
    }
    // The prefix is stepped over once per tag, not once per name compared.
    const name = localNameStart(xml, i + 1);
    if (nameIs(xml, name, 'c')) { if (++cells > limits.maxCells) return { ok: false, problem: 'cells', at: i }; }
    else if (nameIs(xml, name, 'row')) { if (++rows > limits.maxRows) return { ok: false, problem: 'rows', at: i }; }
    else if (nameIs(xml, name, 'si')) { if (++strings > limits.maxCells) return { ok: false, problem: 'strings', at: i }; }
    i = nextTag(xml, j);
  }
  return { ok: true, rows, cells, strings };
}
