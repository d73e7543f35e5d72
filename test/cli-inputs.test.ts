// `naome collate` and `naome validate` read what they are given as warily as the service reads an upload: regular
// files only (a FIFO, /dev/zero, a folder named x.xlsx refused before opening, never a hang), refused by size before
// reading, one unreadable folder or file a Problem row and never an abort, spreadsheets of the wrong kind named on
// the Problems sheet; and everything they print shows control and bidi characters as codes. Real CLI processes.
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, symlink, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { todayIso } from '../shared/cells';
import { loadOrganisations } from '../server/organisations';
import { writePlanWorkbook } from '../server/xlsx/writePlanWorkbook';
import { XLSM_MAIN, contentTypes, workbookWithSheet, sheetXml, zip } from './helpers/hostile';
import { PYTHON } from './helpers/apps';
import { fillWorkbook, goodPlanContent } from './helpers/plans';
import { editZip } from './helpers/zipParts';

const NAOME = join(process.cwd(), 'bin', 'naome.js');
const today = todayIso();
/** Root reads any folder, so as root the commands run as "nobody" for a folder and a file it may not read. */
const asRoot = process.getuid?.() === 0;
const NOBODY = 65534;
/** Whether a folder and a file can be made that the commands may not read: always as a user; as root only where
 *  "nobody" can reach the checkout (not in a 0700 home folder such as /root, where the unreadable cases are skipped). */
const canLock = !asRoot || spawnSync(process.execPath, [NAOME, '--help'], { uid: NOBODY, gid: NOBODY }).status === 0;

interface Run { code: number; stdout: string; stderr: string }
function naome(args: string[], cwd: string): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [NAOME, ...args], { cwd, timeout: 120_000, ...(asRoot && canLock ? { uid: NOBODY, gid: NOBODY } : {}) },
      (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr }));
  });
}

/** A compound file whose directory names a "Workbook" stream: what an Excel 97-2003 .xls looks like from outside. */
function legacyXls(): Buffer {
  const b = Buffer.alloc(1024);
  Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]).copy(b);
  const name = Buffer.from('Workbook\0', 'utf16le');
  name.copy(b, 512);
  b.writeUInt16LE(name.length, 512 + 0x40);
  b[512 + 0x42] = 2;
  return b;
}

const ESCAPES = '_x001B_[2J_x202E_';
const EVIL_NAME = 'evil\u001b[31mred\u202exslx.xlsx';
const RAW_CONTROL = /[\u001b\u202e\u0007]/;

describe('naome collate and validate: inputs read safely, terminal output escaped', function () {
  this.timeout(300_000);
  let dir: string;
  let inbox: string;
  const runs: Record<string, Run> = {};

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'naome-inputs-'));
    inbox = join(dir, 'inbox');
    await mkdir(inbox);
    await mkdir(join(dir, 'out'));
    await mkdir(join(dir, 'folder.xlsx'));
    const blank = await writePlanWorkbook({ organisations: loadOrganisations() });
    const good = await fillWorkbook(blank, goodPlanContent('RGT'));
    await writeFile(join(inbox, 'good.xlsx'), good);
    if (canLock) {
      await mkdir(join(inbox, 'locked'));
      await writeFile(join(inbox, 'locked', 'hidden.xlsx'), good);
      await writeFile(join(inbox, 'secret.xlsx'), good);
      await chmod(join(inbox, 'locked'), 0o000);
      await chmod(join(inbox, 'secret.xlsx'), 0o000);
    }
    // A status cell whose text, once Excel's _xHHHH_ escapes are decoded, clears the screen and reverses the line.
    const content = goodPlanContent('RTH');
    content.actions[0]!.status = 'ZZESCZZMaybe';
    await writeFile(join(inbox, EVIL_NAME), editZip(await fillWorkbook(blank, content), { replace: { 'xl/sharedStrings.xml': [['ZZESCZZ', ESCAPES]] } }));
    execFileSync('mkfifo', [join(inbox, 'pipe.xlsx')]);
    await symlink('/dev/zero', join(inbox, 'zero.xlsx'));
    await writeFile(join(inbox, 'huge.xlsx'), '');
    await truncate(join(inbox, 'huge.xlsx'), 1536 * 1024 * 1024); // sparse: 1.5 GB that costs no disk
    await writeFile(join(inbox, 'old.xls'), legacyXls());
    await writeFile(join(inbox, 'plan.csv'), 'organisation,action\nRGT,Review the dashboard\n');
    await writeFile(join(inbox, 'plan.xlsm'), workbookWithSheet({ data: sheetXml('') }, [], XLSM_MAIN));
    await writeFile(join(inbox, 'plan.xlsb'), zip([
      { name: '[Content_Types].xml', data: contentTypes('application/vnd.ms-excel.sheet.binary.macroEnabled.main') },
      { name: 'xl/workbook.bin', data: 'binary' },
    ]));
    await writeFile(join(inbox, 'plan.ods'), zip([
      { name: 'mimetype', data: 'application/vnd.oasis.opendocument.spreadsheet' },
      { name: 'content.xml', data: '<office:document-content/>' },
    ]));
    await writeFile(join(inbox, 'readme.txt'), 'not a spreadsheet: not listed');
    if (asRoot && canLock) {
      await chmod(dir, 0o755);
      await chmod(join(dir, 'out'), 0o777);
    }

    const collate = ['collate', '--today', today, '--jobs', '2', '-o', join(dir, 'out', 'national.xlsx'), inbox];
    const validate = ['validate', '--time-limit', '60', '--today', today];
    const jobs: Record<string, string[]> = {
      collate,
      missingOut: ['collate', '-o', join(dir, 'nowhere', 'national.xlsx'), inbox],
      missingCsv: ['collate', '-o', join(dir, 'out', 'x.xlsx'), '--csv', join(dir, 'nowhere', 'a.csv'), inbox],
      help: ['collate', '--help'],
      validate: [...validate, join(inbox, 'pipe.xlsx'), join(inbox, 'zero.xlsx'), '/dev/zero', join(dir, 'folder.xlsx'), join(inbox, 'huge.xlsx'), ...(canLock ? [join(inbox, 'secret.xlsx')] : []), join(inbox, EVIL_NAME)],
      validateJson: [...validate, '--json', join(inbox, EVIL_NAME), join(inbox, 'pipe.xlsx')],
    };
    const queue = Object.keys(jobs);
    const worker = async () => {
      for (let name = queue.shift(); name !== undefined; name = queue.shift()) runs[name] = await naome(jobs[name]!, dir);
    };
    await Promise.all([worker(), worker()]);
  });
  after(async () => {
    if (!dir) return;
    await chmod(join(inbox, 'locked'), 0o755).catch(() => {});
    await rm(dir, { recursive: true, force: true });
  });

  /** The Problems sheet of the national workbook, read by openpyxl: source file name → [code, message]. */
  function problems(): Map<string, [string, string]> {
    const out = execFileSync(PYTHON, ['-c', String.raw`
import json, sys, openpyxl
ws = openpyxl.load_workbook(sys.argv[1], read_only=True)['Problems']
rows = list(ws.iter_rows(values_only=True))
h = rows[0]
print(json.dumps([[r[h.index('Source')], r[h.index('Code')], r[h.index('Message')]] for r in rows[1:]]))`, join(dir, 'out', 'national.xlsx')], { encoding: 'utf8' });
    return new Map((JSON.parse(out) as string[][]).map(([source, code, message]) => [source!.slice(inbox.length + 1), [code!, message!]]));
  }

  it('collates the good plan and lists every input it could not use under Problems, with the specific reason', () => {
    const run = runs.collate!;
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, new RegExp(`^Plans counted: 2 .*\\nUnreadable: ${canLock ? 10 : 8}$`, 'm')); // good.xlsx and the evil-named RTH plan
    const seen = problems();
    const codes = Object.fromEntries([...seen].filter(([, [code]]) => code.startsWith('FILE_')).map(([source, [code]]) => [source, code]));
    assert.deepEqual(codes, {
      ...(canLock ? { locked: 'FILE_UNREADABLE', 'secret.xlsx': 'FILE_UNREADABLE' } : {}), 'pipe.xlsx': 'FILE_UNREADABLE', 'zero.xlsx': 'FILE_UNREADABLE',
      'huge.xlsx': 'FILE_TOO_LARGE', 'old.xls': 'FILE_LEGACY_XLS', 'plan.csv': 'FILE_CSV', 'plan.xlsm': 'FILE_MACRO_ENABLED',
      'plan.xlsb': 'FILE_XLSB', 'plan.ods': 'FILE_ODS',
    });
    assert.match(seen.get('pipe.xlsx')![1], /is not a regular file/);
    assert.match(seen.get('huge.xlsx')![1], /The file is 1\.5 GB; files are limited to 10 MB/);
    assert.ok(!seen.has('readme.txt'), 'a text file that is not a spreadsheet is not an input');
  });

  it('names a folder and a file it may not read as permission denied, in collate and in validate', function () {
    if (!canLock) this.skip(); // root, in a checkout "nobody" cannot reach: nothing can be made unreadable to root
    const seen = problems();
    assert.match(seen.get('locked')![1], /The folder ".*locked" cannot be read \(permission denied\)/);
    assert.match(seen.get('secret.xlsx')![1], /cannot be opened \(permission denied\)/);
    assert.match(runs.validate!.stdout, /FILE_UNREADABLE +".*secret\.xlsx" cannot be opened \(permission denied\)/);
  });

  it('fails at once, before reading anything, when an output folder is missing', () => {
    for (const [name, option] of [['missingOut', '-o'], ['missingCsv', '--csv']] as const) {
      const run = runs[name]!;
      assert.equal(run.code, 2, name);
      assert.match(run.stderr, new RegExp(`^naome collate: cannot write .*nowhere.* the folder .*nowhere does not exist\\. Create it first, or give ${option} a file in an existing folder\\. Nothing was read\\.$`, 'm'));
      assert.doesNotMatch(run.stderr, /^\[1\//m, 'no file was read');
      assert.doesNotMatch(run.stderr, /ENOENT|Usage:/);
    }
  });

  it('names --jobs in the collate usage line', () => {
    assert.match(runs.help!.stdout, /^Usage: naome collate .*\[--jobs N\] INPUT\.\.\.$/m);
  });

  it('validate refuses a FIFO, /dev/zero, a folder named .xlsx and a 1.5 GB file without reading them', () => {
    const run = runs.validate!;
    assert.equal(run.code, 2);
    const heads = run.stdout.split('\n').filter((l) => /^\S/.test(l));
    assert.equal(heads.filter((l) => l.endsWith('cannot be read as an action plan')).length, canLock ? 6 : 5, run.stdout);
    assert.match(run.stdout, /pipe\.xlsx: cannot be read.*\n +- +error +FILE_UNREADABLE +".*pipe\.xlsx" is not a regular file/);
    assert.match(run.stdout, /^\/dev\/zero: cannot be read.*\n +- +error +FILE_UNREADABLE +"\/dev\/zero" is not a regular file/m);
    assert.match(run.stdout, /FILE_UNREADABLE +".*folder\.xlsx" is a folder, not a file/);
    assert.match(run.stdout, /FILE_TOO_LARGE +The file is 1\.5 GB/);
  });

  it('prints control and bidi characters from file names and cells as codes, never raw', () => {
    for (const name of ['collate', 'validate', 'validateJson']) {
      const run = runs[name]!;
      assert.doesNotMatch(run.stdout + run.stderr, RAW_CONTROL, `${name}: no raw control character reaches the terminal`);
    }
    assert.match(runs.collate!.stderr, /^\[\d+\/\d+\] evil\\u001b\[31mred\\u202exslx\.xlsx$/m);
    const v = runs.validate!.stdout;
    assert.match(v, /evil\\u001b\[31mred\\u202exslx\.xlsx: 1 error/);
    assert.match(v, /STATUS_INVALID +Status "\\u001b\[2J\\u202eMaybe"/);
    // --json stays valid JSON, and parses back to the very characters the cell and the name hold.
    const [evil, pipe] = JSON.parse(runs.validateJson!.stdout) as Array<{ file: string; findings: Array<{ code: string; message: string }> }>;
    assert.equal(evil!.file, join(inbox, EVIL_NAME));
    assert.ok(evil!.findings.some((f) => f.code === 'STATUS_INVALID' && f.message.includes('"\u001b[2J\u202eMaybe"')));
    assert.equal(pipe!.findings[0]!.code, 'FILE_UNREADABLE');
    assert.match(runs.validateJson!.stderr, /^naome validate: ".*pipe\.xlsx" is not a regular file/m);
  });

  it('shows control and bidi characters of file names as codes in the national workbook too: Source columns and messages', () => {
    const out = execFileSync(PYTHON, ['-c', String.raw`
import json, sys, openpyxl
wb = openpyxl.load_workbook(sys.argv[1], read_only=True)
cells = []
for ws in wb.worksheets:
    rows = list(ws.iter_rows(values_only=True))
    if not rows: continue
    h = [str(x) for x in rows[0]]
    for col in ('Source', 'Sources', 'Message'):
        if col in h:
            cells += [[ws.title, col, r[h.index(col)]] for r in rows[1:] if isinstance(r[h.index(col)], str)]
print(json.dumps(cells))`, join(dir, 'out', 'national.xlsx')], { encoding: 'utf8' });
    const cells = JSON.parse(out) as Array<[string, string, string]>;
    const evil = cells.filter(([, , v]) => v.includes('evil'));
    assert.ok(evil.length >= 1, 'the evil file is listed');
    for (const [sheet, col, value] of cells) assert.doesNotMatch(value, RAW_CONTROL, `${sheet} ${col}: ${JSON.stringify(value)}`);
    assert.ok(evil.some(([, col, v]) => col.startsWith('Source') && v.includes('evil\\u001b[31mred\\u202exslx.xlsx')), JSON.stringify(evil));
  });
});

describe('naome keys and naome serve: what they print shows control and bidi characters as codes', function () {
  this.timeout(120_000);
  let dir: string;
  before(async () => { dir = await mkdtemp(join(tmpdir(), 'naome-print-')); });
  after(async () => { if (dir) await rm(dir, { recursive: true, force: true }); });

  it('naome keys names a code given with control and bidi characters, escaped', async () => {
    const run = await new Promise<Run>((resolve) => execFile(process.execPath, [NAOME, 'keys', 'issue', 'R\u202eG\u001b[2JT', '--data', dir], { timeout: 60_000 },
      (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr })));
    assert.equal(run.code, 2);
    assert.doesNotMatch(run.stdout + run.stderr, RAW_CONTROL);
    assert.match(run.stderr, /"R\\u202eG\\u001b\[2JT" is not an organisation on the list/);
  });

  it('naome serve prints a data folder named with control and bidi characters, escaped', async () => {
    const data = join(dir, 'da\u202eta\u0007');
    const child = spawn(process.execPath, [NAOME, 'serve', '--http', '--port', '0', '--data', data], { stdio: ['ignore', 'ignore', 'pipe'] });
    try {
      const stderr = await new Promise<string>((resolve, reject) => {
        let text = '';
        child.stderr!.on('data', (c) => { text += c; if (text.includes('Press Ctrl+C')) resolve(text); });
        child.on('exit', (code) => reject(new Error(`naome serve exited (${code}): ${text}`)));
      });
      assert.doesNotMatch(stderr, RAW_CONTROL);
      assert.match(stderr, /data: +.*da\\u202eta\\u0007 \(\d+ organisations/);
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  });
});
