// The guard's reader of a zip's central directory (server/xlsx/zipDirectory.ts) against yauzl, the reader it
// replaces: on real archives written by spreadsheet programs, by Python's zipfile (a comment, stored parts) and by
// hand (zip64 fields and records), and on thousands of damaged copies of them (cut short anywhere, any byte of the
// directory or end records changed), both must list the same entries and refuse the same files at the same entry.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yauzl from 'yauzl';
import { openZipDirectory, type ZipEntry } from '../server/xlsx/zipDirectory';
import { loadOrganisations } from '../server/organisations';
import { writePlanWorkbook } from '../server/xlsx/writePlanWorkbook';
import { PYTHON } from './helpers/apps';
import { zip } from './helpers/hostile';
import { fillWorkbook, goodPlanContent } from './helpers/plans';

const CORPUS = join(import.meta.dirname, 'fixtures', 'corpus', 'sheetjs-test-files');

/** What a reader made of an archive: the entries it gave, and where it stopped (null: it read them all). */
interface Reading {
  entries: Array<Omit<ZipEntry, 'fileNameRaw' | 'extraFields'> & { name: string; extra: string }>;
  failed: null | 'open' | 'entry';
  message?: string;
}

const describeEntry = (e: ZipEntry) => ({
  name: e.fileNameRaw.toString('latin1'),
  extra: e.extraFields.map((f) => `${f.id}:${f.data.toString('hex')}`).join(' '),
  generalPurposeBitFlag: e.generalPurposeBitFlag,
  compressionMethod: e.compressionMethod,
  compressedSize: e.compressedSize,
  uncompressedSize: e.uncompressedSize,
  relativeOffsetOfLocalHeader: e.relativeOffsetOfLocalHeader,
});

function ours(bytes: Buffer): Reading {
  let directory;
  try {
    directory = openZipDirectory(bytes);
  } catch (err) {
    return { entries: [], failed: 'open', message: (err as Error).message };
  }
  const entries: Reading['entries'] = [];
  try {
    for (const e of directory.entries()) entries.push(describeEntry(e));
  } catch (err) {
    return { entries, failed: 'entry', message: (err as Error).message };
  }
  return { entries, failed: null };
}

function theirs(bytes: Buffer): Promise<Reading> {
  return new Promise((resolve) => {
    yauzl.fromBuffer(bytes, { lazyEntries: true, decodeStrings: false, validateEntrySizes: true }, (err, z) => {
      if (err) return resolve({ entries: [], failed: 'open', message: err.message });
      const entries: Reading['entries'] = [];
      z.on('entry', (e: yauzl.Entry) => { entries.push(describeEntry(e as unknown as ZipEntry)); z.readEntry(); });
      z.on('end', () => resolve({ entries, failed: null }));
      z.on('error', (e: Error) => resolve({ entries, failed: 'entry', message: e.message }));
      z.readEntry();
    });
  });
}

/** Both readers agree; their messages too, but for running out of bytes, which each words its own way. */
async function assertSame(bytes: Buffer, what: string): Promise<Reading> {
  const [a, b] = [ours(bytes), await theirs(bytes)];
  assert.deepEqual(a.entries, b.entries, `${what}: entries`);
  assert.equal(a.failed, b.failed, `${what}: where it failed (ours: ${a.message}; yauzl: ${b.message})`);
  const outOfBytes = /unexpected end of file/.test(a.message ?? '') && /not enough bytes|unexpected EOF/.test(b.message ?? '');
  if (!outOfBytes) assert.equal(a.message, b.message, `${what}: message`);
  return a;
}

const ZIP64_PARTS = [{ name: '[Content_Types].xml', data: '<Types/>' }, { name: 'xl/workbook.xml', data: '<workbook/>'.repeat(50) }];

describe('the zip central directory reader', () => {
  const archives: Array<{ what: string; bytes: Buffer }> = [];
  let dir: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'naome-zipdir-'));
    archives.push({ what: 'a plan written by the template writer', bytes: await fillWorkbook(await writePlanWorkbook({ organisations: loadOrganisations() }), goodPlanContent('RGT')) });
    for (const f of ['Attendance.xlsx', '1904_1904.xlsx', 'BlankSheetTypes.xlsm']) archives.push({ what: `corpus ${f}`, bytes: readFileSync(join(CORPUS, f)) });
    archives.push({ what: 'a zip written by hand', bytes: zip([{ name: '[Content_Types].xml', data: '<Types/>' }, { name: 'xl/workbook.xml', data: '<workbook/>' }]) });
    archives.push({ what: 'a zip64 archive (sizes, offsets and the end record in zip64 fields)', bytes: zip(ZIP64_PARTS, { zip64: true }) });
    // Python's zipfile: a comment, stored and deflated parts, a UTF-8 name.
    const py = join(dir, 'py.zip');
    execFileSync(PYTHON, ['-c', `
import zipfile, sys
with zipfile.ZipFile(sys.argv[1], 'w') as z:
    z.comment = b'made by python'
    with z.open(zipfile.ZipInfo('[Content_Types].xml'), 'w') as f: f.write(b'<Types/>')
    i = zipfile.ZipInfo('xl/w\\u00f6rkbook.xml'); i.compress_type = zipfile.ZIP_DEFLATED
    with z.open(i, 'w') as f: f.write(b'<workbook/>' * 100)
    z.writestr('stored.txt', b'plain')
`, py]);
    archives.push({ what: 'a Python zipfile archive with a comment', bytes: readFileSync(py) });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('lists the same entries as yauzl for archives from several writers, zip64 ones among them', async () => {
    for (const { what, bytes } of archives) {
      const reading = await assertSame(bytes, what);
      assert.equal(reading.failed, null, `${what} reads whole`);
      assert.ok(reading.entries.length >= 2, `${what} has entries`);
    }
    // The zip64 fields say what the 4-byte fields of the same archive without them say.
    const big = ours(archives.find((a) => a.what.startsWith('a zip64'))!.bytes);
    const plain = ours(zip(ZIP64_PARTS));
    const sizes = (r: Reading) => r.entries.map((e) => [e.relativeOffsetOfLocalHeader, e.compressedSize, e.uncompressedSize]);
    assert.deepEqual(sizes(big), sizes(plain));
    assert.ok(big.entries[1]!.relativeOffsetOfLocalHeader > 0 && big.entries[1]!.uncompressedSize === 550);
  });

  it('refuses exactly the damaged copies yauzl refuses, at the same entry', async () => {
    let refused = 0, copies = 0;
    for (const { what, bytes } of archives) {
      const start = bytes.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
      assert.ok(start > 0, `${what} has a central directory`);
      // Cut short at every byte from the directory on, and at a spread of places before it.
      for (let end = 0; end < bytes.length; end += end < start ? Math.max(1, Math.floor(start / 50)) : 1) {
        const r = await assertSame(bytes.subarray(0, end), `${what} cut to ${end} bytes`);
        copies++; if (r.failed) refused++;
      }
      // Every byte of the directory and end records changed, in turn: inverted, and in the small archives (the zip64
      // one among them) each of its bits flipped too, so that sizes and lengths come out a little short or long.
      const changes = bytes.length < 2048 ? [0xff, 1, 2, 4, 8, 16, 32, 64, 128] : [0xff];
      for (let at = start; at < bytes.length; at++) {
        for (const change of changes) {
          const copy = Buffer.from(bytes);
          copy[at]! ^= change;
          const r = await assertSame(copy, `${what} with byte ${at} changed (xor ${change})`);
          copies++; if (r.failed) refused++;
        }
      }
    }
    assert.ok(copies > 2000 && refused > 1000, `${copies} copies, ${refused} refused`);
  });
});
