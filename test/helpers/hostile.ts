// Hostile files made byte by byte, shared by the reader's tests (hostile.test.ts) and the service's (server-safety):
// a zip written by hand, so its headers can say whatever a test needs; deflated zeros for bombs; and a minimal
// workbook around one sheet part.
import { constants, crc32, deflateRawSync } from 'node:zlib';
import { PLAN_SHEET } from '../../shared/layout';

export const MB = 1024 * 1024;

export interface ZipEntry {
  name: string;
  /** Uncompressed content (deflated here), or `deflated` with the size the header should declare. */
  data?: Buffer | string;
  deflated?: { raw: Buffer; declaredSize: number };
}

/** An 8-byte little-endian number, as zip64 fields hold them. */
const writeUInt64 = (b: Buffer, v: number, at: number) => { b.writeUInt32LE(v % 0x100000000, at); b.writeUInt32LE(Math.floor(v / 0x100000000), at + 4); };

/**
 * A zip written by hand, so headers can say whatever the test needs (sizes that lie, names that escape). With `zip64`,
 * the central directory's sizes and offsets and the end record are in zip64 fields, as a writer puts them past 4 GB.
 */
export function zip(entries: ZipEntry[], { zip64 = false } = {}): Buffer {
  const chunks: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name, 'utf8');
    const data = e.data === undefined ? null : Buffer.from(e.data);
    const raw = e.deflated?.raw ?? deflateRawSync(data!, { level: 1 });
    const size = e.deflated?.declaredSize ?? data!.length;
    const crc = data ? crc32(data) : 0;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0); local.writeUInt16LE(20, 4); local.writeUInt16LE(8, 8);
    local.writeUInt32LE(crc, 14); local.writeUInt32LE(raw.length, 18); local.writeUInt32LE(size, 22); local.writeUInt16LE(name.length, 26);
    const extra = Buffer.alloc(zip64 ? 28 : 0);
    if (zip64) { extra.writeUInt16LE(0x0001, 0); extra.writeUInt16LE(24, 2); writeUInt64(extra, size, 4); writeUInt64(extra, raw.length, 12); writeUInt64(extra, offset, 20); }
    const dir = Buffer.alloc(46);
    dir.writeUInt32LE(0x02014b50, 0); dir.writeUInt16LE(20, 4); dir.writeUInt16LE(20, 6); dir.writeUInt16LE(8, 10);
    dir.writeUInt32LE(crc, 16); dir.writeUInt32LE(zip64 ? 0xffffffff : raw.length, 20); dir.writeUInt32LE(zip64 ? 0xffffffff : size, 24);
    dir.writeUInt16LE(name.length, 28); dir.writeUInt16LE(extra.length, 30); dir.writeUInt32LE(zip64 ? 0xffffffff : offset, 42);
    chunks.push(local, name, raw);
    central.push(dir, name, extra);
    offset += 30 + name.length + raw.length;
  }
  const directorySize = central.reduce((n, b) => n + b.length, 0);
  const zip64End: Buffer[] = [];
  if (zip64) {
    const record = Buffer.alloc(56);
    record.writeUInt32LE(0x06064b50, 0); writeUInt64(record, 44, 4); record.writeUInt16LE(45, 12); record.writeUInt16LE(45, 14);
    writeUInt64(record, entries.length, 24); writeUInt64(record, entries.length, 32); writeUInt64(record, directorySize, 40); writeUInt64(record, offset, 48);
    const locator = Buffer.alloc(20);
    locator.writeUInt32LE(0x07064b50, 0); writeUInt64(locator, offset + directorySize, 8); locator.writeUInt32LE(1, 16);
    zip64End.push(record, locator);
  }
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0); end.writeUInt16LE(zip64 ? 0xffff : entries.length, 8); end.writeUInt16LE(zip64 ? 0xffff : entries.length, 10);
  end.writeUInt32LE(zip64 ? 0xffffffff : directorySize, 12); end.writeUInt32LE(zip64 ? 0xffffffff : offset, 16);
  return Buffer.concat([...chunks, ...central, ...zip64End, end]);
}

/**
 * Deflated zeros, `mb` megabytes of them, built without ever holding or compressing them: one megabyte compressed
 * with a full flush (which empties the history and ends on a byte boundary) can be repeated as often as wanted,
 * then one empty final block ends the stream.
 */
export function deflatedZeros(mb: number): Buffer {
  const oneMb = deflateRawSync(Buffer.alloc(MB), { level: 9, finishFlush: constants.Z_FULL_FLUSH });
  return Buffer.concat([...Array<Buffer>(mb).fill(oneMb), Buffer.from([0x03, 0x00])]);
}

export const XLSX_MAIN = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml';
export const XLSM_MAIN = 'application/vnd.ms-excel.sheet.macroEnabled.main+xml';
/** [Content_Types].xml naming `main` as the workbook's type. */
export const contentTypes = (main = XLSX_MAIN) => `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/><Override PartName="/xl/workbook.xml" ContentType="${main}"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>`;
const ROOT_RELS = `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`;
const WORKBOOK = `<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="${PLAN_SHEET}" sheetId="1" r:id="rId1"/><sheet name="Lists" sheetId="2" r:id="rId1"/></sheets></workbook>`;
const WORKBOOK_RELS = `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`;

/** Worksheet XML around the given sheetData rows, with an optional prolog (a DOCTYPE, say) after the declaration. */
export const sheetXml = (rows: string, prolog = '') =>
  `<?xml version="1.0" encoding="UTF-8"?>${prolog}<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>${rows}</sheetData></worksheet>`;

/** A minimal workbook whose one sheet part (read as the plan sheet) is the given entry; `main` is its content type. */
export function workbookWithSheet(sheet: Omit<ZipEntry, 'name'>, extra: ZipEntry[] = [], main = XLSX_MAIN): Buffer {
  return zip([
    { name: '[Content_Types].xml', data: contentTypes(main) },
    { name: '_rels/.rels', data: ROOT_RELS },
    { name: 'xl/workbook.xml', data: WORKBOOK },
    { name: 'xl/_rels/workbook.xml.rels', data: WORKBOOK_RELS },
    { name: 'xl/worksheets/sheet1.xml', ...sheet },
    ...extra,
  ]);
}
