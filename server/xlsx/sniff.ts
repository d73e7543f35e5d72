// What kind of file an upload is, from its first bytes, before anything parses it. Office files come in two
// containers: a zip (.xlsx, .xlsm, .xlsb, .ods) or an OLE2 compound file (legacy .xls, and ANY password-protected
// Office file: Excel wraps an encrypted .xlsx in a compound file holding EncryptionInfo + EncryptedPackage streams).
export type FileKind = 'zip' | 'empty' | 'legacy-xls' | 'encrypted' | 'compound-other' | 'text' | 'markup' | 'other';

const CFB_MAGIC = Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);

export function sniff(bytes: Buffer): FileKind {
  if (bytes.length === 0) return 'empty';
  if (bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && [3, 5, 7].includes(bytes[2]!) && bytes[3] === bytes[2]! + 1) return 'zip';
  if (bytes.length >= 8 && bytes.subarray(0, 8).equals(CFB_MAGIC)) {
    const names = compoundStreamNames(bytes);
    if (names.has('EncryptionInfo') || names.has('EncryptedPackage')) return 'encrypted';
    if (names.has('Workbook') || names.has('Book')) return 'legacy-xls';
    return 'compound-other';
  }
  return textKind(bytes);
}

/**
 * Names in a compound file's directory. Directory entries are 128 bytes, always at 128-byte boundaries (sectors are
 * 512 or 4096 bytes), and hold a UTF-16LE name, its byte length (with the terminating NUL) and an entry type; checking
 * all three at every boundary finds them without following the FAT chains, in one bounded pass.
 */
export function compoundStreamNames(bytes: Buffer): Set<string> {
  const names = new Set<string>();
  for (let at = 512; at + 128 <= bytes.length; at += 128) {
    const nameBytes = bytes.readUInt16LE(at + 0x40);
    const type = bytes[at + 0x42]!;
    if (nameBytes < 4 || nameBytes > 64 || nameBytes % 2 !== 0 || ![1, 2, 5].includes(type)) continue;
    if (bytes.readUInt16LE(at + nameBytes - 2) !== 0) continue;
    const name = bytes.toString('utf16le', at, at + nameBytes - 2);
    if (/^[\x01-\x06]?[\x20-\x7e]+$/.test(name)) names.add(name.replace(/^[\x01-\x06]/, ''));
  }
  return names;
}

/** Plain text (CSV, tab-separated, "Unicode text") or markup (HTML, "XML Spreadsheet 2003") — or something else. */
function textKind(bytes: Buffer): FileKind {
  const head = bytes.subarray(0, 8192);
  let text: string;
  if (head[0] === 0xff && head[1] === 0xfe) text = head.toString('utf16le', 2);
  else if (head[0] === 0xfe && head[1] === 0xff) text = Buffer.from(head.subarray(2)).swap16().toString('utf16le');
  else {
    if (head.includes(0)) return 'other';
    text = head.toString('utf8').replace(/^\uFEFF/, '');
    // Control characters other than tab, CR, LF (and a cut multi-byte character at the end) mean binary.
    const controls = text.match(/[\x00-\x08\x0e-\x1f\x7f\ufffd]/g)?.length ?? 0;
    if (controls > text.length / 100 + 1) return 'other';
  }
  return /^\s*</.test(text) ? 'markup' : 'text';
}
