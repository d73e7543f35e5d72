// The trust's own workbook given back with its findings marked: each finding with a cell becomes a cell comment (a
// comments part and its VML drawing, as Excel writes them) and a highlight (one conditional format over the cells,
// its fill a new dxf), and a "Findings" sheet lists them all, each linked to its cell. Only those parts are added or
// edited, and only by insertion: every other part of the zip is copied byte for byte (still compressed), so
// values, formulas, styles and anything else the file holds stay as they were. Call it only on a workbook the check
// could read (its parts were bounded and scanned by the guard).
import { crc32, deflateRawSync } from 'node:zlib';
import yauzl, { type Entry } from 'yauzl';
import { colIndex, parseCell } from '../../shared/a1';
import type { Finding } from '../../shared/findings';
import { attributes, dirOf, findTags, resolvePart } from './parts';

const MAIN_NS = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
const REL_NS = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
const PKG_REL_NS = 'http://schemas.openxmlformats.org/package/2006/relationships';
const COMMENTS_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml';
const SHEET_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml';
const VML_TYPE = 'application/vnd.openxmlformats-officedocument.vmlDrawing';
/** The highlight: the design system's light red behind a flagged cell. */
const HIGHLIGHT = 'FFF7D4D1';

interface Part { name: string; entry: Entry; raw: Buffer }

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : '&quot;'))
  // XML 1.0 cannot hold most control characters: shown as their code.
  .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

async function readParts(bytes: Buffer): Promise<Part[]> {
  const zip = await new Promise<yauzl.ZipFile>((ok, fail) => yauzl.fromBuffer(bytes, { lazyEntries: true }, (e, z) => (e ? fail(e) : ok(z))));
  const parts: Part[] = [];
  await new Promise<void>((ok, fail) => {
    zip.on('error', fail);
    zip.on('end', () => ok());
    zip.on('entry', (entry: Entry) => {
      try {
        // The data as stored (still deflated), to be copied unchanged; stored entries have nothing to leave compressed.
        const raw = entry.compressionMethod === 0 ? {} : { decompress: false };
        zip.openReadStream(entry, raw as yauzl.ZipFileOptions, (err, stream) => {
          if (err || !stream) return fail(err ?? new Error('no stream'));
          const chunks: Buffer[] = [];
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.on('error', fail);
          stream.on('end', () => { parts.push({ name: entry.fileName, entry, raw: Buffer.concat(chunks) }); zip.readEntry(); });
        });
      } catch (err) {
        fail(err);
      }
    });
    zip.readEntry();
  });
  return parts;
}

/** A part's text (inflated). */
async function textOf(bytes: Buffer, part: Part): Promise<string> {
  if (part.entry.compressionMethod === 0) return part.raw.toString('utf8');
  const { inflateRawSync } = await import('node:zlib');
  return inflateRawSync(part.raw).toString('utf8');
}

/** Writes a zip: parts kept as they were (raw), and parts given as text (deflated). */
function writeZip(entries: Array<{ name: string; kept?: Part; text?: string }>): Buffer {
  const chunks: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name, 'utf8');
    let method: number, crc: number, size: number, data: Buffer;
    if (e.kept) {
      ({ compressionMethod: method, crc32: crc, uncompressedSize: size } = e.kept.entry);
      data = e.kept.raw;
    } else {
      const plain = Buffer.from(e.text!, 'utf8');
      method = 8; crc = crc32(plain); size = plain.length; data = deflateRawSync(plain);
    }
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0); local.writeUInt16LE(20, 4); local.writeUInt16LE(0x0800, 6); local.writeUInt16LE(method, 8);
    local.writeUInt16LE(0, 10); local.writeUInt16LE(0x21, 12); local.writeUInt32LE(crc >>> 0, 14);
    local.writeUInt32LE(data.length, 18); local.writeUInt32LE(size, 22); local.writeUInt16LE(name.length, 26); local.writeUInt16LE(0, 28);
    const head = Buffer.alloc(46);
    head.writeUInt32LE(0x02014b50, 0); head.writeUInt16LE(20, 4); head.writeUInt16LE(20, 6); head.writeUInt16LE(0x0800, 8);
    head.writeUInt16LE(method, 10); head.writeUInt16LE(0, 12); head.writeUInt16LE(0x21, 14); head.writeUInt32LE(crc >>> 0, 16);
    head.writeUInt32LE(data.length, 20); head.writeUInt32LE(size, 24); head.writeUInt16LE(name.length, 28);
    head.writeUInt32LE(offset, 42);
    chunks.push(local, name, data);
    central.push(head, name);
    offset += 30 + name.length + data.length;
  }
  const dir = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0); end.writeUInt16LE(entries.length, 8); end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(dir.length, 12); end.writeUInt32LE(offset, 16);
  return Buffer.concat([...chunks, dir, end]);
}

/** Inserts `xml` before the first of these elements in a part (any prefix), else before its closing root tag. */
function insertBefore(part: string, xml: string, before: string[], root: string): string {
  let at = -1;
  for (const name of before) {
    const m = new RegExp(`<(?:[\\w.-]+:)?${name}[\\s/>]`).exec(part);
    if (m && (at === -1 || m.index < at)) at = m.index;
  }
  if (at === -1) at = part.search(new RegExp(`</(?:[\\w.-]+:)?${root}>\\s*$`));
  return part.slice(0, at) + xml + part.slice(at);
}

/** The namespace prefix a part's root element uses for the main namespace ("" or "x:"). */
const prefixOf = (xml: string, root: string) => new RegExp(`<([\\w.-]+:)?${root}[\\s>]`).exec(xml)?.[1] ?? '';

const AFTER_CONDITIONAL = ['conditionalFormatting', 'dataValidations', 'hyperlinks', 'printOptions', 'pageMargins', 'pageSetup', 'headerFooter',
  'rowBreaks', 'colBreaks', 'customProperties', 'cellWatches', 'ignoredErrors', 'smartTags', 'drawing', 'legacyDrawing', 'legacyDrawingHF',
  'picture', 'oleObjects', 'controls', 'webPublishItems', 'tableParts', 'extLst'];
const AFTER_LEGACY = ['legacyDrawingHF', 'picture', 'oleObjects', 'controls', 'webPublishItems', 'tableParts', 'extLst'];

function commentsXml(notes: Array<{ cell: string; text: string }>): string {
  return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<comments xmlns="${MAIN_NS}"><authors><author>NAoMe check</author></authors><commentList>`
    + notes.map((n) => `<comment ref="${n.cell}" authorId="0"><text><r><t xml:space="preserve">${esc(n.text)}</t></r></text></comment>`).join('')
    + '</commentList></comments>';
}

function vmlXml(notes: Array<{ cell: string }>, idmap: number): string {
  const shapes = notes.map((n, i) => {
    const { col, row } = parseCell(n.cell);
    const c = colIndex(col);
    return `<v:shape id="_x0000_s${idmap * 1024 + i + 1}" type="#_x0000_t202" style="position:absolute;margin-left:80pt;margin-top:2pt;width:220pt;height:90pt;z-index:${i + 1};visibility:hidden" fillcolor="#ffffe1" o:insetmode="auto">`
      + '<v:fill color2="#ffffe1"/><v:shadow on="t" color="black" obscured="t"/><v:path o:connecttype="none"/>'
      + '<v:textbox style="mso-direction-alt:auto"><div style="text-align:left"></div></v:textbox>'
      + `<x:ClientData ObjectType="Note"><x:MoveWithCells/><x:SizeWithCells/><x:Anchor>${c + 1}, 15, ${row - 1}, 2, ${c + 4}, 15, ${row + 4}, 16</x:Anchor>`
      + `<x:AutoFill>False</x:AutoFill><x:Row>${row - 1}</x:Row><x:Column>${c}</x:Column></x:ClientData></v:shape>`;
  });
  return '<xml xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" xmlns:x="urn:schemas-microsoft-com:office:excel">'
    + `<o:shapelayout v:ext="edit"><o:idmap v:ext="edit" data="${idmap}"/></o:shapelayout>`
    + '<v:shapetype id="_x0000_t202" coordsize="21600,21600" o:spt="202" path="m,l,21600r21600,l21600,xe"><v:stroke joinstyle="miter"/><v:path gradientshapeok="t" o:connecttype="rect"/></v:shapetype>'
    + `${shapes.join('')}</xml>`;
}

function findingsSheetXml(findings: Finding[], sheetOf: (f: Finding) => string | null): string {
  const head = ['Severity', 'Code', 'Cell', 'Recommendation', 'Field', 'Message'];
  const cell = (ref: string, v: string | number | null) => v === null || v === '' ? ''
    : typeof v === 'number' ? `<c r="${ref}"><v>${v}</v></c>` : `<c r="${ref}" t="inlineStr"><is><t xml:space="preserve">${esc(v)}</t></is></c>`;
  const rows = [`<row r="1">${head.map((h, i) => cell(`${'ABCDEF'[i]}1`, h)).join('')}</row>`];
  const links: string[] = [];
  findings.forEach((f, i) => {
    const r = i + 2;
    const sheet = sheetOf(f);
    const where = f.cell && sheet ? `'${sheet.replace(/'/g, "''")}'!${f.cell}` : null;
    rows.push(`<row r="${r}">${cell(`A${r}`, f.severity === 'error' ? 'Error' : 'Warning')}${cell(`B${r}`, f.code)}${cell(`C${r}`, where)}`
      + `${cell(`D${r}`, f.recommendation)}${cell(`E${r}`, f.field)}${cell(`F${r}`, f.message)}</row>`);
    if (where) links.push(`<hyperlink ref="C${r}" location="${esc(where)}" display="${esc(where)}"/>`);
  });
  return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="${MAIN_NS}" xmlns:r="${REL_NS}">`
    + '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/></sheetView></sheetViews>'
    + '<cols><col min="1" max="1" width="10" customWidth="1"/><col min="2" max="2" width="26" customWidth="1"/><col min="3" max="3" width="22" customWidth="1"/>'
    + '<col min="4" max="4" width="9" customWidth="1"/><col min="5" max="5" width="12" customWidth="1"/><col min="6" max="6" width="100" customWidth="1"/></cols>'
    + `<sheetData>${rows.join('')}</sheetData>${links.length ? `<hyperlinks>${links.join('')}</hyperlinks>` : ''}</worksheet>`;
}

const unusedName = (taken: Set<string>, make: (n: number) => string) => {
  for (let n = 1; ; n++) if (!taken.has(make(n).toLowerCase())) return make(n);
};

/**
 * The workbook's bytes with the findings marked. Findings whose cell is on a sheet of the workbook get a comment and a
 * highlight there (several at one cell share one comment); every finding is listed on the Findings sheet.
 */
export async function annotateWorkbook(bytes: Buffer, findings: Finding[], planSheet: string): Promise<Buffer> {
  const parts = await readParts(bytes);
  const byName = new Map(parts.map((p) => [p.name.toLowerCase(), p]));
  const taken = new Set(byName.keys());
  const text = async (name: string) => { const p = byName.get(name.toLowerCase()); return p ? textOf(bytes, p) : null; };
  const edited = new Map<string, string>();
  const added: Array<{ name: string; text: string }> = [];
  const get = async (name: string) => edited.get(name) ?? (await text(name));

  let types = (await text('[Content_Types].xml'))!;
  const workbookPath = resolvePart('', attributes(findTags((await text('_rels/.rels'))!, 'Relationship')
    .find((t) => attributes(t).Type?.endsWith('/officeDocument'))!).Target!);
  const wbRelsPath = `${dirOf(workbookPath)}_rels/${workbookPath.slice(dirOf(workbookPath).length)}.rels`;
  let workbook = (await text(workbookPath))!;
  let wbRels = (await text(wbRelsPath))!;
  const relTargets = new Map(findTags(wbRels, 'Relationship').map((t) => [attributes(t).Id!, resolvePart(dirOf(workbookPath), attributes(t).Target!)]));
  const sheets = findTags(workbook, 'sheet').map((t) => ({ name: attributes(t).name!, part: relTargets.get(attributes(t)['r:id']!)! }));
  const sheetOf = (f: Finding) => (f.cell ? f.sheet ?? planSheet : null);

  // Comments and highlights, sheet by sheet.
  const stylesPath = resolvePart(dirOf(workbookPath), attributes(findTags(wbRels, 'Relationship').find((t) => attributes(t).Type?.endsWith('/styles')) ?? '<x Target="styles.xml">').Target!);
  let styles = await get(stylesPath);
  let dxfId = -1;
  if (styles !== null) {
    const dxfs = /<((?:[\w.-]+:)?)dxfs(\s[^<>]*)?(\/?)>/.exec(styles);
    const p = prefixOf(styles, 'styleSheet');
    const dxf = `<${p}dxf><${p}fill><${p}patternFill patternType="solid"><${p}bgColor rgb="${HIGHLIGHT}"/></${p}patternFill></${p}fill></${p}dxf>`;
    if (dxfs && dxfs[3] !== '/') {
      dxfId = findTags(styles.slice(dxfs.index, styles.indexOf(`</${dxfs[1]}dxfs>`)), 'dxf').length;
      const close = styles.indexOf(`</${dxfs[1]}dxfs>`);
      styles = styles.slice(0, close) + dxf + styles.slice(close);
    } else {
      dxfId = 0;
      styles = dxfs ? styles.replace(dxfs[0], `<${p}dxfs count="1">${dxf}</${p}dxfs>`)
        : insertBefore(styles, `<${p}dxfs count="1">${dxf}</${p}dxfs>`, ['tableStyles', 'colors', 'extLst'], 'styleSheet');
    }
    styles = styles.replace(/(<(?:[\w.-]+:)?dxfs\b[^<>]*?)\scount="\d+"/, `$1 count="${dxfId + 1}"`);
    edited.set(stylesPath, styles);
  }
  let idmap = 0;
  for (const sheet of sheets) {
    const mine = findings.filter((f) => sheetOf(f) === sheet.name);
    if (mine.length === 0 || !sheet.part) continue;
    let xml = await get(sheet.part);
    if (xml === null) continue;
    const p = prefixOf(xml, 'worksheet');
    const cells = [...new Set(mine.map((f) => f.cell!))];
    if (dxfId >= 0) {
      const priorities = [...xml.matchAll(/\spriority="(\d+)"/g)].map((m) => Number(m[1]));
      const cf = `<${p}conditionalFormatting sqref="${cells.join(' ')}"><${p}cfRule type="expression" dxfId="${dxfId}" priority="${Math.max(0, ...priorities) + 1}"><${p}formula>TRUE</${p}formula></${p}cfRule></${p}conditionalFormatting>`;
      xml = insertBefore(xml, cf, AFTER_CONDITIONAL, 'worksheet');
    }
    const relsPath = `${dirOf(sheet.part)}_rels/${sheet.part.slice(dirOf(sheet.part).length)}.rels`;
    let rels = await get(relsPath);
    // A sheet that already has comments keeps them; its findings are still highlighted and listed.
    if (!rels || !/\/comments"/.test(rels)) {
      idmap++;
      const commentsName = unusedName(taken, (n) => `xl/comments${n}.xml`);
      const vmlName = unusedName(taken, (n) => `xl/drawings/vmlDrawing${n}.vml`);
      taken.add(commentsName.toLowerCase()); taken.add(vmlName.toLowerCase());
      const notes = cells.map((cell) => ({
        cell,
        text: mine.filter((f) => f.cell === cell).map((f) => `${f.severity === 'error' ? 'Error' : 'Warning'} ${f.code}: ${f.message}`).join('\n\n'),
      }));
      added.push({ name: commentsName, text: commentsXml(notes) }, { name: vmlName, text: vmlXml(notes, idmap) });
      rels ??= `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="${PKG_REL_NS}"></Relationships>`;
      const ids = new Set(findTags(rels, 'Relationship').map((t) => attributes(t).Id));
      const idC = unusedName(new Set([...ids].map((i) => String(i).toLowerCase())), (n) => `rIdNaomeC${n}`);
      const idV = unusedName(new Set([...ids].map((i) => String(i).toLowerCase())), (n) => `rIdNaomeV${n}`);
      const rel = (id: string, type: string, target: string) => `<Relationship Id="${id}" Type="${REL_NS}/${type}" Target="/${target}"/>`;
      rels = rels.replace(/<\/([\w.-]+:)?Relationships>\s*$/, (m) => rel(idC, 'comments', commentsName) + rel(idV, 'vmlDrawing', vmlName) + m);
      edited.set(relsPath, rels);
      xml = insertBefore(xml, `<${p}legacyDrawing xmlns:r="${REL_NS}" r:id="${idV}"/>`, AFTER_LEGACY, 'worksheet');
      types = types.replace(/<\/([\w.-]+:)?Types>\s*$/, (m) => `<Override PartName="/${commentsName}" ContentType="${COMMENTS_TYPE}"/>${m}`);
    }
    edited.set(sheet.part, xml);
  }
  if (!/Extension="vml"/i.test(types) && idmap > 0) types = types.replace(/<\/([\w.-]+:)?Types>\s*$/, (m) => `<Default Extension="vml" ContentType="${VML_TYPE}"/>${m}`);

  // The Findings sheet, last in the workbook.
  const sheetPart = unusedName(taken, (n) => `xl/worksheets/sheet${n}.xml`);
  const names = new Set(sheets.map((s) => s.name.toLowerCase()));
  const sheetName = ['Findings', 'Findings (NAoMe check)'].find((n) => !names.has(n.toLowerCase())) ?? unusedName(names, (n) => `Findings ${n}`);
  added.push({ name: sheetPart, text: findingsSheetXml(findings, sheetOf) });
  const relIds = new Set(findTags(wbRels, 'Relationship').map((t) => String(attributes(t).Id).toLowerCase()));
  const relId = unusedName(relIds, (n) => `rIdNaomeF${n}`);
  wbRels = wbRels.replace(/<\/([\w.-]+:)?Relationships>\s*$/, (m) => `<Relationship Id="${relId}" Type="${REL_NS}/worksheet" Target="/${sheetPart}"/>${m}`);
  const sheetIds = findTags(workbook, 'sheet').map((t) => Number(attributes(t).sheetId) || 0);
  const wp = prefixOf(workbook, 'workbook');
  workbook = workbook.replace(/<\/([\w.-]+:)?sheets>/, (m) => `<${wp}sheet xmlns:r="${REL_NS}" name="${esc(sheetName)}" sheetId="${Math.max(0, ...sheetIds) + 1}" r:id="${relId}"/>${m}`);
  types = types.replace(/<\/([\w.-]+:)?Types>\s*$/, (m) => `<Override PartName="/${sheetPart}" ContentType="${SHEET_TYPE}"/>${m}`);
  edited.set(workbookPath, workbook);
  edited.set(wbRelsPath, wbRels);
  edited.set('[Content_Types].xml', types);

  const editedLower = new Map([...edited].map(([k, v]) => [k.toLowerCase(), v]));
  const out: Array<{ name: string; kept?: Part; text?: string }> = parts.map((p) => {
    const changed = editedLower.get(p.name.toLowerCase());
    return changed !== undefined ? { name: p.name, text: changed } : { name: p.name, kept: p };
  });
  for (const [name, value] of edited) if (!byName.has(name.toLowerCase())) out.push({ name, text: value });
  out.push(...added);
  return writeZip(out);
}
