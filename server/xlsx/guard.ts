// The guard in front of the cell reader. An upload is untrusted: before the reader (sheetCells.ts) sees it, this
// decides what kind of file it is, refuses anything that is not a plain .xlsx with a specific reason, and bounds the
// work — upload size, zip entries and their paths, declared AND actually inflated sizes, compression ratio, and for
// the parts it reads itself XML nesting. Only the parts a plan is read from are ever inflated, each at most to its
// limit. No part may declare a DOCTYPE. The sheets, styles and shared strings are bounded by the cell reader, which
// counts their nesting, rows, cells and strings as it reads (sheetCells.ts): scanning them here first walked every
// byte twice, and the bytes of a sheet past the rows a plan needs are never read at all.
import { inflateRawSync } from 'node:zlib';
import yauzl from 'yauzl';
import { finding, type Finding } from '../../shared/findings';
import { RATIO_FLOOR_BYTES, formatBytes, type ReadLimits } from './limits';
import type { DefinedName } from '../../shared/locate';
import { attributes, decodeXmlText, dirOf, findTags, readDefinedNames, resolvePart } from './parts';
import { sniff } from './sniff';
import { firstDeclaration, scanXml, type XmlProblem } from './xmlScan';
import { openZipDirectory, type ZipDirectory, type ZipEntry } from './zipDirectory';

/** The parts of a workbook the reader needs, inflated, checked, and named by what they are. */
export interface GuardedWorkbook {
  /** The workbook-wide defined names (workbook.xml), read once for the caller's choice of sheets and for the reader. */
  names: DefinedName[];
  styles: Buffer | null;
  sharedStrings: Buffer | null;
  /**
   * Every sheet the workbook lists, in order; `xml` only for the sheets that were asked for, with the last row the
   * reader needs of each (null: all).
   */
  sheets: Array<{ name: string; rId: string; xml: Buffer | null; lastRow: number | null }>;
  /** The workbook counts dates from 1904 (workbookPr date1904 = 1 or true). */
  date1904: boolean;
}
/** The sheets to read, each with the last row needed (null: all of them; the reader stops after it). */
export type WantedSheets = Record<string, number | null>;
/** The sheets to read, or a choice made once the sheet names and the workbook's defined names are known. */
export type ChooseSheets = WantedSheets | ((sheetNames: string[], names: DefinedName[]) => WantedSheets);
export type GuardOutcome = { ok: true; workbook: GuardedWorkbook } | { ok: false; finding: Finding };

/** Thrown inside the guard to stop at the first problem; turned into the one finding the caller gets. */
export class Refusal extends Error {
  constructor(readonly finding: Finding) {
    super(finding.message);
  }
}
const refuse = (code: Parameters<typeof finding>[0], message: string, where: Parameters<typeof finding>[2] = {}): never => {
  throw new Refusal(finding(code, message, where));
};

export const timeoutFinding = (limits: ReadLimits): Finding => finding('READ_TIMEOUT',
  `Reading the file took longer than ${limits.timeoutMs} ms, so it was stopped. An action plan reads in a few milliseconds: check that this is the action plan workbook, or save it again from Excel as .xlsx.`);

const SAVE_AS_XLSX = 'open it in Excel and use File > Save As > Excel Workbook (.xlsx), then send the .xlsx file';

/**
 * Checks an upload and inflates the workbook part, its relationships, styles, shared strings and the sheets named in
 * `wantedSheets` (sheet name → the last row the reader needs, or null for every row). Never throws: a file that is
 * refused gives one finding saying why and how to fix it.
 */
export function guardWorkbook(bytes: Buffer, limits: ReadLimits, wantedSheets: ChooseSheets, deadline = Infinity): GuardOutcome {
  try {
    return { ok: true, workbook: guard(bytes, limits, wantedSheets, deadline) };
  } catch (err) {
    if (err instanceof Refusal) return { ok: false, finding: err.finding };
    return { ok: false, finding: finding('FILE_CORRUPT', `The file is damaged or incomplete (${(err as Error).message}). Save it again from Excel as .xlsx and send the new copy.`) };
  }
}

function guard(bytes: Buffer, limits: ReadLimits, chooseSheets: ChooseSheets, deadline: number): GuardedWorkbook {
  refuseByKind(bytes, limits);
  const zip = openZip(bytes);
  if (zip.entryCount > limits.maxEntries) {
    refuse('ZIP_TOO_MANY_ENTRIES', `The file holds ${zip.entryCount} parts; an .xlsx action plan has about 15 and at most ${limits.maxEntries} are accepted. Send the action plan workbook itself.`);
  }
  const entries = readEntries(zip, limits);
  const inflater = new Inflater(bytes, entries, limits, deadline);

  if (entries.has('mimetype') && !entries.has('[content_types].xml')) {
    const mimetype = inflater.part('mimetype', 'bytes').toString('latin1').trim();
    if (mimetype === 'application/vnd.oasis.opendocument.spreadsheet') {
      refuse('FILE_ODS', 'This is an OpenDocument spreadsheet (.ods), not an Excel workbook. In LibreOffice use File > Save As, choose "Excel 2007-365 (.xlsx)", and send the .xlsx file.');
    }
    refuse('FILE_NOT_XLSX', `This is an OpenDocument file (${mimetype.slice(0, 80)}), not an Excel workbook. Send the action plan workbook (.xlsx).`);
  }
  classifyPackage(entries);
  // The workbook part is wherever the package relationships say (Excel: xl/workbook.xml); what it is, its content type.
  const rootRels = entries.has('_rels/.rels') ? relationships(inflater.part('_rels/.rels', 'scan'), '', limits) : [];
  const workbookPath = rootRels.find((r) => /\/officeDocument$/.test(r.type))?.target ?? 'xl/workbook.xml';
  const mainType = contentTypeOf(workbookPath, inflater.part('[Content_Types].xml', 'scan').toString('utf8'));
  if (/sheet\.binary/i.test(mainType)) refuse('FILE_XLSB', `This is an Excel Binary Workbook (.xlsb), which cannot be checked: ${SAVE_AS_XLSX}.`);
  if (/macroEnabled/i.test(mainType)) refuse('FILE_MACRO_ENABLED', `This is a macro-enabled workbook (.xlsm); files with macros are not accepted. To remove the macros, ${SAVE_AS_XLSX}.`);
  if (/wordprocessingml/i.test(mainType)) refuse('FILE_NOT_XLSX', 'This is a Word document, not an Excel workbook. Send the action plan workbook (.xlsx).');
  if (/presentationml/i.test(mainType)) refuse('FILE_NOT_XLSX', 'This is a PowerPoint file, not an Excel workbook. Send the action plan workbook (.xlsx).');
  if (!/spreadsheetml\.(sheet|template)\.main/i.test(mainType) || !entries.has(workbookPath.toLowerCase())) {
    refuse('FILE_NOT_XLSX', 'This file is a zip archive but not an Excel workbook (it has no workbook part). Send the action plan workbook (.xlsx).');
  }
  const workbookXml = inflater.part(workbookPath, 'scan');
  const relsPath = `${dirOf(workbookPath)}_rels/${workbookPath.split('/').pop()}.rels`;
  const rels = entries.has(relsPath.toLowerCase()) ? relationships(inflater.part(relsPath, 'scan'), dirOf(workbookPath), limits) : [];
  // Indexed by id once, so each sheet finds its part in constant time (matching every sheet against every
  // relationship was quadratic: 40,000 of each held a worker for 20 s).
  const relById = new Map<string, Relationship>();
  for (const r of rels) if (!relById.has(r.id)) relById.set(r.id, r);
  const relOf = (suffix: string) => rels.find((r) => r.type.endsWith(suffix));
  const workbookText = workbookXml.toString('utf8');

  const sheetTags = findTags(workbookText, 'sheet');
  if (sheetTags.length > limits.maxSheets) {
    refuse('ZIP_TOO_MANY_ENTRIES', `The workbook lists ${sheetTags.length} sheets; an action plan has 3 and at most ${limits.maxSheets} are accepted. Send the action plan workbook itself.`);
  }
  const sheets: GuardedWorkbook['sheets'] = [];
  const seen = new Set<string>();
  const listed = sheetTags.map((tag) => attributes(tag));
  const names = readDefinedNames(workbookText);
  const wantedSheets = typeof chooseSheets === 'function' ? chooseSheets(listed.map((a) => decodeXmlText(a.name ?? '')), names) : chooseSheets;
  for (const a of listed) {
    const rId = Object.entries(a).find(([k]) => /(^|:)id$/.test(k))?.[1] ?? '';
    const name = decodeXmlText(a.name ?? '');
    // Excel refuses two sheets of one name; read twice, one part could be inflated once per listing.
    if (seen.has(name.toLowerCase())) refuse('FILE_CORRUPT', `The workbook lists the sheet "${name.slice(0, 40)}" twice, which Excel never writes. Save it again from Excel as .xlsx and send the new copy.`);
    seen.add(name.toLowerCase());
    const rel = relById.get(rId);
    const target = rel && /\/worksheet$/.test(rel.type) ? rel.target : undefined;
    const wanted = Object.hasOwn(wantedSheets, name) && target && entries.has(target.toLowerCase());
    const xml = wanted ? inflater.part(target, 'read', name) : null;
    sheets.push({ name, rId, xml, lastRow: wanted ? wantedSheets[name] ?? null : null });
  }
  const stylesRel = relOf('/styles');
  const stringsRel = relOf('/sharedStrings');
  // Styles (which numbers are dates) and shared strings matter only when there is a sheet to read.
  const wanted = sheets.some((s) => s.xml);
  const styles = wanted && stylesRel && entries.has(stylesRel.target.toLowerCase()) ? inflater.part(stylesRel.target, 'read') : null;
  const sharedStrings = wanted && stringsRel && entries.has(stringsRel.target.toLowerCase()) ? inflater.part(stringsRel.target, 'read') : null;
  const workbookPr = findTags(workbookText, 'workbookPr')[0];
  const date1904 = workbookPr ? /^(1|true)$/i.test(attributes(workbookPr).date1904 ?? '') : false;
  return { names, styles, sharedStrings, sheets, date1904 };
}

/** Everything that can be told from the first bytes: empty, too big, not a zip (and then what it is). */
function refuseByKind(bytes: Buffer, limits: ReadLimits): void {
  if (bytes.length > limits.maxBytes) {
    refuse('FILE_TOO_LARGE', `The file is ${formatBytes(bytes.length)}; uploads are limited to ${formatBytes(limits.maxBytes)} and an action plan is well under 1 MB. Check that you chose the action plan workbook.`);
  }
  switch (sniff(bytes)) {
    case 'zip': return;
    case 'empty': return refuse('FILE_EMPTY', 'The file is empty (0 bytes). Save the action plan in Excel and send the .xlsx file again.');
    case 'encrypted': return refuse('FILE_ENCRYPTED', 'This workbook is protected with a password to open, so it cannot be read. Open it in Excel, remove the password (File > Info > Protect Workbook > Encrypt with Password, then clear the password), and save it again as .xlsx.');
    case 'legacy-xls': return refuse('FILE_LEGACY_XLS', `This is an old-format Excel 97-2003 workbook (.xls): ${SAVE_AS_XLSX}.`);
    case 'compound-other': return refuse('FILE_NOT_XLSX', 'This is an old-format Office file (not an Excel workbook). Send the action plan workbook (.xlsx).');
    case 'text': return refuse('FILE_CSV', 'This is a CSV or text file, not an Excel workbook: the action plan must be sent as the .xlsx workbook it was issued as (a CSV loses the layout the checks rely on).');
    case 'markup': return refuse('FILE_NOT_XLSX', `This is an HTML or XML file (e.g. saved as "Web Page" or "XML Spreadsheet 2003"), not an Excel workbook: ${SAVE_AS_XLSX}.`);
    default: return refuse('FILE_NOT_XLSX', 'This file is not an Excel workbook (.xlsx). Send the action plan workbook.');
  }
}

/** What the entry names alone reveal: OpenDocument, binary workbook, macros. */
function classifyPackage(entries: Map<string, ZipEntry>): void {
  const names = [...entries.keys()];
  if (entries.has('xl/workbook.bin')) refuse('FILE_XLSB', `This is an Excel Binary Workbook (.xlsb), which cannot be checked: ${SAVE_AS_XLSX}.`);
  if (names.some((n) => n.endsWith('vbaproject.bin'))) {
    refuse('FILE_MACRO_ENABLED', `This is a macro-enabled workbook (.xlsm); files with macros are not accepted. To remove the macros, ${SAVE_AS_XLSX}.`);
  }
  if (!entries.has('[content_types].xml')) refuse('FILE_NOT_XLSX', 'This file is a zip archive but not an Excel workbook. Send the action plan workbook (.xlsx).');
}

function openZip(bytes: Buffer): ZipDirectory {
  try {
    return openZipDirectory(bytes);
  } catch (err) {
    return refuse('FILE_CORRUPT', `The file is damaged or incomplete: it looks like an .xlsx (a zip) but cannot be opened (${(err as Error).message}). It may have been cut short while uploading or copying; save it again from Excel and send the new copy.`);
  }
}

/** Reads the central directory: names (no escaping the package), declared sizes and ratios, before inflating anything. */
function readEntries(zip: ZipDirectory, limits: ReadLimits): Map<string, ZipEntry> {
  const entries = new Map<string, ZipEntry>();
  let declaredTotal = 0;
  // A damaged record throws a plain Error: guardWorkbook turns it into FILE_CORRUPT, after any refusal of an entry before it.
  for (const entry of zip.entries()) {
    const name = yauzl.getFileNameLowLevel(entry.generalPurposeBitFlag, entry.fileNameRaw, entry.extraFields, true);
    const unsafe = yauzl.validateFileName(name);
    if (unsafe) refuse('ZIP_UNSAFE_PATH', `The file contains a part with an unsafe path ("${name.slice(0, 120)}": ${unsafe.replace(/:.*$/, '')}). Excel never writes such paths: the file has been tampered with or was not made by a spreadsheet program.`);
    const key = name.toLowerCase();
    if (entries.has(key)) refuse('ZIP_UNSAFE_PATH', `The file contains the part "${name.slice(0, 120)}" twice, so it is ambiguous which one a program would read. Save the workbook again from Excel.`);
    checkSize(name, entry.uncompressedSize, entry.compressedSize, limits, 'declares');
    declaredTotal += entry.uncompressedSize;
    if (declaredTotal > limits.maxTotalBytes) {
      refuse('ZIP_TOO_LARGE_UNCOMPRESSED', `The file's parts add up to more than ${formatBytes(limits.maxTotalBytes)} once uncompressed (an action plan is under 1 MB). Send the action plan workbook itself.`);
    }
    if (!name.endsWith('/')) entries.set(key, entry);
  }
  return entries;
}

function checkSize(name: string, size: number, compressed: number, limits: ReadLimits, verb: 'declares' | 'inflates to'): void {
  if (size > RATIO_FLOOR_BYTES && size / Math.max(1, compressed) > limits.maxRatio) {
    refuse('ZIP_COMPRESSION_RATIO', `The part "${name}" ${verb} ${formatBytes(size)} from ${formatBytes(compressed)} (a ratio of ${Math.round(size / Math.max(1, compressed))}:1, over the ${limits.maxRatio}:1 accepted). This is how a "zip bomb" is made; an action plan never compresses like this.`);
  }
  if (size > limits.maxEntryBytes) {
    refuse('ZIP_TOO_LARGE_UNCOMPRESSED', `The part "${name}" ${verb} more than ${formatBytes(limits.maxEntryBytes)} uncompressed (an action plan's largest is under 1 MB). Send the action plan workbook itself.`);
  }
}

/** The largest output buffer zlib is given at once: a plan's parts are each under 100 KB. */
const INFLATE_CHUNK_MAX = 1024 * 1024;

/**
 * What is checked of a part once inflated: `scan`, an XML part the guard reads by pattern (scanXml); `read`, an XML
 * part the cell reader reads, which bounds it as it goes (only declarations are refused here); `bytes`, not XML.
 */
type PartCheck = 'scan' | 'read' | 'bytes';

/** Inflates parts one at a time, counting the bytes really produced and stopping the moment a limit is passed. */
class Inflater {
  private total = 0;
  constructor(
    private readonly bytes: Buffer,
    private readonly entries: Map<string, ZipEntry>,
    private readonly limits: ReadLimits,
    private readonly deadline: number,
  ) {}

  part(path: string, check: PartCheck, sheet?: string): Buffer {
    if (Date.now() > this.deadline) throw new Refusal(timeoutFinding(this.limits));
    const entry = this.entries.get(path.toLowerCase());
    if (!entry) return refuse('FILE_CORRUPT', `The workbook refers to a part "${path}" that is missing. Save it again from Excel as .xlsx and send the new copy.`);
    if (entry.generalPurposeBitFlag & 0x1) refuse('FILE_ENCRYPTED', 'The parts of this zip are encrypted, so it cannot be read. Save the workbook again from Excel as .xlsx without a password.');
    const raw = this.bytes.subarray(...fileData(this.bytes, entry));
    const room = Math.min(this.limits.maxEntryBytes, this.limits.maxTotalBytes - this.total);
    let data: Buffer;
    if (entry.compressionMethod === 0) data = raw;
    else if (entry.compressionMethod === 8) {
      try {
        // maxOutputLength makes zlib stop (and throw) as soon as the output passes the limit: a lying header cannot
        // make us inflate more than `room` bytes. The output buffer is sized for what the header declares (up to
        // 1 MB, so a lie cannot make it allocate much before a byte is inflated): a part then comes out in one piece,
        // not in 16 KB pieces joined afterwards (~30 % of inflating a plan's parts).
        const chunkSize = Math.max(64, Math.min(entry.uncompressedSize + 1, room + 1, INFLATE_CHUNK_MAX));
        data = inflateRawSync(raw, { maxOutputLength: room + 1, chunkSize });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
          return refuse('ZIP_TOO_LARGE_UNCOMPRESSED', `The part "${path}" inflates to more than ${formatBytes(room)} although its header says ${formatBytes(entry.uncompressedSize)}: the file's size records are false, as in a "zip bomb". Send the action plan workbook itself.`);
        }
        return refuse('FILE_CORRUPT', `The part "${path}" is damaged and cannot be decompressed (${(err as Error).message}). Save the workbook again from Excel as .xlsx and send the new copy.`);
      }
    } else return refuse('FILE_CORRUPT', `The part "${path}" uses a compression method (${entry.compressionMethod}) that spreadsheet programs do not write. Save the workbook again from Excel as .xlsx.`);
    checkSize(path, data.length, entry.compressedSize, this.limits, 'inflates to');
    if (data.length !== entry.uncompressedSize) {
      refuse('FILE_CORRUPT', `The part "${path}" inflates to ${data.length} bytes but its header says ${entry.uncompressedSize}: the file is damaged. Save it again from Excel as .xlsx.`);
    }
    this.total += data.length;
    const part = check === 'bytes' ? data : checkXml(path, toUtf8(data), check === 'scan', this.limits, sheet);
    // Checked after the work too: the last part's inflating and scanning count against the limit as well.
    if (Date.now() > this.deadline) throw new Refusal(timeoutFinding(this.limits));
    return part;
  }
}

/** Where an entry's data lies: after its local header, whose name and extra field lengths may differ from the directory's. */
function fileData(bytes: Buffer, entry: ZipEntry): [number, number] {
  const at = entry.relativeOffsetOfLocalHeader;
  if (at + 30 > bytes.length || bytes.readUInt32LE(at) !== 0x04034b50) {
    refuse('FILE_CORRUPT', 'The file is damaged: a part\'s header is missing. Save it again from Excel as .xlsx and send the new copy.');
  }
  const start = at + 30 + bytes.readUInt16LE(at + 26) + bytes.readUInt16LE(at + 28);
  if (start + entry.compressedSize > bytes.length) {
    refuse('FILE_CORRUPT', 'The file is damaged or incomplete: a part runs past the end of the file (it may have been cut short while uploading or copying). Save it again from Excel and send the new copy.');
  }
  return [start, start + entry.compressedSize];
}

/** XML parts may be UTF-16 (with a byte order mark); the scan and the reader both read UTF-8. */
function toUtf8(data: Buffer): Buffer {
  if (data[0] === 0xff && data[1] === 0xfe) return Buffer.from(data.toString('utf16le', 2), 'utf8');
  if (data[0] === 0xfe && data[1] === 0xff) return Buffer.from(Buffer.from(data.subarray(2)).swap16().toString('utf16le'), 'utf8');
  return data;
}

function checkXml(path: string, xml: Buffer, scan: boolean, limits: ReadLimits, sheet?: string): Buffer {
  if (scan) {
    const scanned = scanXml(xml, { maxDepth: limits.maxXmlDepth, maxRows: limits.maxRows, maxCells: limits.maxCells });
    if (!scanned.ok) throw new Refusal(xmlProblemFinding(scanned.problem, limits, `the part "${path}"`, sheet));
  } else if (firstDeclaration(xml) !== -1) throw new Refusal(xmlProblemFinding('doctype', limits, `the part "${path}"`, sheet));
  return xml;
}

/**
 * The finding for a part refused before it was parsed (here) or as it was read (the cell reader): `part` says which
 * ("the part "xl/styles.xml""), unless it is the sheet `sheet`.
 */
export function xmlProblemFinding(problem: XmlProblem, limits: ReadLimits, part: string, sheet?: string): Finding {
  const where = sheet ? { sheet } : {};
  const what = sheet ? `the sheet "${sheet}"` : part;
  const What = what[0]!.toUpperCase() + what.slice(1);
  switch (problem) {
    case 'doctype':
      return finding('XML_UNSAFE', `${What} contains a DOCTYPE or ENTITY declaration. Excel never writes these; they are used to read files from the server (XXE) or to exhaust memory ("billion laughs"), so the file is refused. Save the workbook again from Excel.`, where);
    case 'depth':
      return finding('XML_TOO_DEEP', `${What} nests its XML more than ${limits.maxXmlDepth} levels deep (a workbook needs fewer than 10), so it was not parsed. Save the workbook again from Excel.`, where);
    case 'rows':
      return finding('SHEET_TOO_LARGE', `${What} has more than ${limits.maxRows.toLocaleString('en-GB')} rows; an action plan's sheets have about 200. Delete the extra rows (or send the action plan workbook itself).`, where);
    case 'cells':
      return finding('SHEET_TOO_LARGE', `${What} has more than ${limits.maxCells.toLocaleString('en-GB')} cells; an action plan's sheets have about 2,000. Delete the extra rows and columns (or send the action plan workbook itself).`, where);
    default:
      return finding('SHEET_TOO_LARGE', `The workbook holds more than ${limits.maxCells.toLocaleString('en-GB')} different texts; an action plan has a few hundred. Send the action plan workbook itself.`);
  }
}

/** A part's content type: its Override in [Content_Types].xml, else the Default for its extension. */
function contentTypeOf(path: string, types: string): string {
  const all = [...findTags(types, 'Override'), ...findTags(types, 'Default')].map((t) => attributes(t));
  const override = all.find((a) => a.PartName !== undefined && resolvePart('', decodeXmlText(a.PartName)).toLowerCase() === path.toLowerCase());
  const ext = path.slice(path.lastIndexOf('.') + 1).toLowerCase();
  return (override ?? all.find((a) => (a.Extension ?? '').toLowerCase() === ext))?.ContentType ?? '';
}

interface Relationship { id: string; type: string; target: string }
function relationships(xml: Buffer, baseDir: string, limits: ReadLimits): Relationship[] {
  const tags = findTags(xml.toString('utf8'), 'Relationship');
  if (tags.length > limits.maxRelationships) {
    refuse('ZIP_TOO_MANY_ENTRIES', `The workbook holds ${tags.length} relationships between its parts; an action plan has about 10 and at most ${limits.maxRelationships} are accepted. Send the action plan workbook itself.`);
  }
  return tags
    .map((tag) => attributes(tag))
    .filter((a) => (a.TargetMode ?? '').toLowerCase() !== 'external' && a.Target)
    .map((a) => ({ id: a.Id ?? '', type: a.Type ?? '', target: resolvePart(baseDir, decodeXmlText(a.Target!)) }));
}
