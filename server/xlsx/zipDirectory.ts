// A zip's central directory (the list of its parts), read straight from the upload's bytes in one synchronous pass.
// yauzl read it through a stream pipeline and an event-loop turn for every record it read — some forty stream objects
// and turns for an 18-part workbook, ~0.13 ms of a check's ~1.7 ms — to learn what a few dozen bytes per entry say.
// The checks and messages are yauzl's own (end record, zip64 records and fields, extra fields, stored sizes), and its
// helpers still decode and validate each name (guard.ts); test/zipDirectory.test.ts holds the two to the same answers.
import yauzl from 'yauzl';

/** One part of the archive as the central directory describes it. */
export interface ZipEntry {
  /** The name's bytes as stored; the guard decodes them (UTF-8 flag, Info-ZIP Unicode path field). */
  fileNameRaw: Buffer;
  extraFields: Array<{ id: number; data: Buffer }>;
  generalPurposeBitFlag: number;
  compressionMethod: number;
  compressedSize: number;
  uncompressedSize: number;
  relativeOffsetOfLocalHeader: number;
}

export interface ZipDirectory {
  /** How many entries the end record says there are (before any is read). */
  entryCount: number;
  /** The entries in order, each read when asked for; throws at the first damaged record. */
  entries(): Generator<ZipEntry>;
}

const EOCDR = 0x06054b50, ZIP64_EOCDL = 0x07064b50, ZIP64_EOCDR = 0x06064b50, CDFH = 0x02014b50;
const EOCDR_SIZE = 22, ZIP64_EOCDL_SIZE = 20;

/** yauzl's reading of an 8-byte size: exact up to 2^53, which no accepted upload comes near. */
const readUInt64LE = (b: Buffer, at: number) => b.readUInt32LE(at + 4) * 0x100000000 + b.readUInt32LE(at);

/** The bytes [at, at + length), or an error when the file ends first (it was cut short). */
function slice(bytes: Buffer, at: number, length: number): Buffer {
  if (at + length > bytes.length) throw new Error(`unexpected end of file: ${length} bytes wanted at offset ${at}, the file has ${bytes.length}`);
  return bytes.subarray(at, at + length);
}

/** Finds the end of central directory record (and the zip64 one). Throws, with yauzl's message, when the file is not a readable zip. */
export function openZipDirectory(bytes: Buffer): ZipDirectory {
  // The end record is followed only by its comment (at most 65,535 bytes): search backwards from the end.
  const tailStart = Math.max(0, bytes.length - (ZIP64_EOCDL_SIZE + EOCDR_SIZE + 0xffff));
  for (let i = bytes.length - EOCDR_SIZE; i >= tailStart; i--) {
    if (bytes.readUInt32LE(i) !== EOCDR) continue;
    let diskNumber = bytes.readUInt16LE(i + 4);
    let entryCount = bytes.readUInt16LE(i + 10);
    let offset = bytes.readUInt32LE(i + 16);
    const commentLength = bytes.readUInt16LE(i + 20);
    const expected = bytes.length - i - EOCDR_SIZE;
    if (commentLength !== expected) {
      throw new Error(`Invalid comment length. Expected: ${expected}. Found: ${commentLength}. Are there extra bytes at the end of the file? Or is the end of central dir signature \`PK☺☻\` in the comment?`);
    }
    const locator = i - ZIP64_EOCDL_SIZE;
    if (locator >= tailStart && bytes.readUInt32LE(locator) === ZIP64_EOCDL) {
      const record = slice(bytes, readUInt64LE(bytes, locator + 8), 56);
      if (record.readUInt32LE(0) !== ZIP64_EOCDR) throw new Error('invalid zip64 end of central directory record signature');
      diskNumber = record.readUInt32LE(16);
      entryCount = readUInt64LE(record, 32);
      offset = readUInt64LE(record, 48);
    }
    if (diskNumber !== 0) throw new Error(`multi-disk zip files are not supported: found disk number: ${diskNumber}`);
    return { entryCount, entries: () => readEntries(bytes, offset, entryCount) };
  }
  throw new Error('End of central directory record signature not found. Either not a zip file, or file is truncated.');
}

function* readEntries(bytes: Buffer, offset: number, count: number): Generator<ZipEntry> {
  let at = offset;
  for (let n = 0; n < count; n++) {
    const header = slice(bytes, at, 46);
    const signature = header.readUInt32LE(0);
    if (signature !== CDFH) throw new Error(`invalid central directory file header signature: 0x${signature.toString(16)}`);
    const generalPurposeBitFlag = header.readUInt16LE(8);
    if (generalPurposeBitFlag & 0x40) throw new Error('strong encryption is not supported');
    const nameLength = header.readUInt16LE(28);
    const extraLength = header.readUInt16LE(30);
    const variable = slice(bytes, at + 46, nameLength + extraLength + header.readUInt16LE(32));
    const extraFields = yauzl.parseExtraFields(variable.subarray(nameLength, nameLength + extraLength));
    const entry: ZipEntry = {
      fileNameRaw: variable.subarray(0, nameLength),
      extraFields,
      generalPurposeBitFlag,
      compressionMethod: header.readUInt16LE(10),
      compressedSize: header.readUInt32LE(20),
      uncompressedSize: header.readUInt32LE(24),
      relativeOffsetOfLocalHeader: header.readUInt32LE(42),
    };
    at += 46 + variable.length;
    // Sizes and offsets too large for 4 bytes are in the Zip64 extended information field, in this order.
    const zip64 = extraFields.find((f) => f.id === 0x0001)?.data;
    if (zip64) {
      let k = 0;
      for (const [field, what] of [['uncompressedSize', 'uncompressed size'], ['compressedSize', 'compressed size'], ['relativeOffsetOfLocalHeader', 'relative header offset']] as const) {
        if (entry[field] !== 0xffffffff) continue;
        if (k + 8 > zip64.length) throw new Error(`zip64 extended information extra field does not include ${what}`);
        entry[field] = readUInt64LE(zip64, k);
        k += 8;
      }
    }
    // A stored part is its own size (plus the 12-byte header of traditional encryption).
    if (entry.compressionMethod === 0 && entry.compressedSize !== entry.uncompressedSize + (generalPurposeBitFlag & 0x1 ? 12 : 0)) {
      throw new Error(`compressed/uncompressed size mismatch for stored file: ${entry.compressedSize} != ${entry.uncompressedSize}`);
    }
    yield entry;
  }
}
