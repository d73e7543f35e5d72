// The national workbook's own streaming writer (server/collate/xlsxStream.ts over zipStream.ts), read back cell for
// cell by openpyxl (an application other than ours): values and their types, number formats, the heading, frozen
// pane, autofilter and widths, sheets listed in the order asked for whatever order they were written in, a side sheet
// filled while another is written; and an output that closes early stops the writer with an error instead of leaving
// it waiting.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { promisify } from 'node:util';
import { openOutput } from '../server/collate/output';
import type { Column, Value } from '../server/collate/tables';
import { XlsxStream } from '../server/collate/xlsxStream';

const run = promisify(execFile);

const READ = String.raw`
import json, sys, datetime, openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
def val(v):
    if isinstance(v, datetime.datetime): return 'datetime:' + v.isoformat()
    if isinstance(v, datetime.date): return 'date:' + v.isoformat()
    return v
out = []
for ws in wb.worksheets:
    out.append({'name': ws.title, 'freeze': ws.freeze_panes, 'filter': ws.auto_filter.ref,
        'widths': {k: d.width for k, d in ws.column_dimensions.items()},
        'bold': [bool(c.font.b) for c in ws[1]],
        'cells': [[{'v': val(c.value), 't': c.data_type, 'f': c.number_format} for c in row] for row in ws.iter_rows()]})
print(json.dumps(out))
`;

interface SeenCell { v: unknown; t: string; f: string }
interface Seen { name: string; freeze: string | null; filter: string | null; widths: Record<string, number>; bold: boolean[]; cells: SeenCell[][] }

describe('the streaming .xlsx writer of the national workbook, read back by openpyxl', function () {
  this.timeout(60_000);
  let dir: string;
  before(() => { dir = mkdtempSync(join(tmpdir(), 'naome-xlsx-')); });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('writes every kind of value exactly, with its number format, heading, pane, filter and widths', async () => {
    const columns: Column[] = [
      { header: 'Text & "quotes" <tags>', width: 30, format: 'text' },
      { header: 'Whole', width: 8, format: 'integer' },
      { header: 'Share', width: 9, format: 'share' },
      { header: 'Day', width: 12, format: 'date' },
      { header: 'When (UTC)', width: 17, format: 'datetime' },
    ];
    const long = 'x'.repeat(40_000);
    const rows: Value[][] = [
      ['a & b < c > d "e" \'f\'', 3, 0.125, new Date('2026-03-31T00:00:00Z'), new Date('2026-01-02T09:30:00Z')],
      ['  padded  ', -7, 1, new Date('1999-12-31T00:00:00Z'), new Date('2026-06-30T23:59:00Z')],
      ['line one\nline two', 0, 0, 'not a date, as typed', null],
      ['=HYPERLINK("http://x")', null, null, null, null],
      ['bell\u0001 gone, emoji 😀 kept, ünïcödé', 123456789, 0.3333333333333333, null, null],
      [long, null, null, null, null],
      [null, null, null, null, null],
    ];
    const path = join(dir, 'out.xlsx');
    const { stream } = await openOutput(path);
    const xlsx = new XlsxStream(stream);
    // Written Data first, listed second: the order of the parts is not the order of the sheets.
    await xlsx.sheet('Data', columns, (async function* () { yield* rows; })());
    await xlsx.sheet("Trust's notes", [{ header: 'Note', width: 20, format: 'text' }], [['+1 is not a formula']]);
    await xlsx.finish(["Trust's notes", 'Data']);

    const { stdout } = await run('/usr/bin/python3', ['-c', READ, path], { maxBuffer: 16 * 1024 * 1024 });
    const [notes, data] = JSON.parse(stdout) as Seen[];
    assert.equal(notes!.name, "Trust's notes");
    assert.deepEqual(notes!.cells.map((r) => r.map((c) => c.v)), [['Note'], ["'+1 is not a formula"]]);
    assert.equal(data!.name, 'Data');
    assert.equal(data!.freeze, 'A2');
    assert.equal(data!.filter, 'A1:E8');
    assert.deepEqual(data!.widths, { A: 30, B: 8, C: 9, D: 12, E: 17 });
    assert.deepEqual(data!.bold, [true, true, true, true, true]);

    const [head, ...body] = data!.cells;
    assert.deepEqual(head!.map((c) => c.v), columns.map((c) => c.header));
    const expected: unknown[][] = [
      ['a & b < c > d "e" \'f\'', 3, 0.125, 'datetime:2026-03-31T00:00:00', 'datetime:2026-01-02T09:30:00'],
      ['  padded  ', -7, 1, 'datetime:1999-12-31T00:00:00', 'datetime:2026-06-30T23:59:00'],
      ['line one\nline two', 0, 0, 'not a date, as typed', null],
      ["'=HYPERLINK(\"http://x\")", null, null, null, null],
      ['bell gone, emoji 😀 kept, ünïcödé', 123456789, 0.3333333333333333, null, null],
      ['x'.repeat(32_767), null, null, null, null],
    ];
    assert.equal(body.length, 6, 'an empty row writes no cells (it still counts in the filter range)');
    body.forEach((row, r) => {
      row.forEach((cell, c) => {
        const want = expected[r]![c];
        if (typeof want === 'number' && !Number.isInteger(want)) assert.ok(Math.abs(Number(cell.v) - want) < 1e-12, `row ${r + 2} col ${c + 1}`);
        else assert.deepEqual(cell.v, want, `row ${r + 2} col ${c + 1}`);
      });
    });
    // Types: text as strings, numbers and dates as numbers with the column's format.
    assert.deepEqual(body[0]!.map((c) => c.t), ['s', 'n', 'n', 'd', 'd']);
    assert.deepEqual(body[0]!.map((c) => c.f), ['General', '0', '0.0%', 'dd/mm/yyyy', 'dd/mm/yyyy hh:mm']);
    assert.equal(body[2]![3]!.t, 's', 'text in a date column stays text');
  });

  it('writes a side sheet whose rows come while another sheet is written, and leaves no temporary file', async () => {
    // As the service writes the Changes sheet during the Actions pass: rows pushed in between, many deflate chunks.
    const spillDir = mkdtempSync(join(dir, 'tmp-'));
    const before = process.env.TMPDIR;
    process.env.TMPDIR = spillDir;
    const path = join(dir, 'side.xlsx');
    const edges = [' leading space', 'trailing line break\n', '\tstarts with a tab', 'tab\tinside', 'plain'];
    try {
      const { stream } = await openOutput(path);
      const xlsx = new XlsxStream(stream);
      const side = await xlsx.sideSheet('Side', [{ header: 'Text', width: 20, format: 'text' }, { header: 'n', width: 6, format: 'integer' }]);
      assert.equal(readdirSync(spillDir).length, 1, 'the side sheet is kept in a temporary folder meanwhile');
      await xlsx.sheet('Main', [{ header: 'n', width: 6, format: 'integer' }], (async function* () {
        for (let i = 0; i < 5000; i++) {
          await side.row([`${edges[i % edges.length]} ${i}${' filler'.repeat(i % 7)}`, i]);
          yield [i];
        }
      })());
      await xlsx.finish(['Main', 'Side']);
      await xlsx.dispose();
      assert.deepEqual(readdirSync(spillDir), [], 'the temporary folder is removed');
    } finally {
      if (before === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = before;
    }
    const { stdout } = await run('/usr/bin/python3', ['-c', READ, path], { maxBuffer: 64 * 1024 * 1024 });
    const [main, side] = JSON.parse(stdout) as Seen[];
    assert.deepEqual([main!.name, side!.name], ['Main', 'Side']);
    assert.equal(side!.filter, 'A1:B5001');
    assert.deepEqual(side!.bold, [true, true]);
    assert.deepEqual(side!.cells[0]!.map((c) => c.v), ['Text', 'n']);
    assert.equal(side!.cells.length, 5001);
    assert.equal(main!.cells.length, 5001);
    for (let i = 0; i < 5000; i++) {
      const text = `${edges[i % edges.length]} ${i}${' filler'.repeat(i % 7)}`;
      // A text starting with a tab would start a formula in some readers: it goes out behind an apostrophe.
      assert.deepEqual(side!.cells[i + 1]!.map((c) => c.v), [text.startsWith('\t') ? `'${text}` : text, i], `side row ${i + 2}`);
      assert.equal(main!.cells[i + 1]![0]!.v, i);
    }
  });

  it('deflates a sheet many chunks long into one entry that reads back whole', async () => {
    // ~6 MB of XML: over 20 chunks, written while the ones before are still being deflated.
    const path = join(dir, 'long.xlsx');
    const text = (i: number) => `row ${i} ${'ünïcödé 😀 '.repeat(i % 13)}${(i * 7919) % 104729}`;
    const { stream } = await openOutput(path);
    const xlsx = new XlsxStream(stream);
    await xlsx.sheet('Long', [{ header: 'Text', width: 20, format: 'text' }, { header: 'n', width: 6, format: 'integer' }],
      (function* () { for (let i = 0; i < 40_000; i++) yield [text(i), i] as Value[]; })());
    await xlsx.finish(['Long']);
    await xlsx.dispose();
    const check = 'import sys, zipfile, openpyxl\nassert zipfile.ZipFile(sys.argv[1]).testzip() is None\n' +
      'ws = openpyxl.load_workbook(sys.argv[1], read_only=True).worksheets[0]\nfor r in ws.iter_rows(min_row=2, values_only=True): print(f"{r[1]}\\t{r[0]}")';
    const { stdout } = await run('/usr/bin/python3', ['-c', check, path], { maxBuffer: 64 * 1024 * 1024 });
    const lines = stdout.split('\n').filter(Boolean);
    assert.equal(lines.length, 40_000);
    lines.forEach((line, i) => assert.equal(line, `${i}\t${text(i)}`));
  });

  it('stops with an error when the output closes before the workbook is complete', async () => {
    const sink = new PassThrough({ highWaterMark: 1024 });
    const xlsx = new XlsxStream(sink);
    // Nobody reads the sink, so it fills; then it is closed, as a response is when its client goes away.
    const many = (function* () { for (let i = 0; i < 100_000; i++) yield [`row ${i} ${'text '.repeat(20)}${Math.random()}`] as Value[]; })();
    const writing = xlsx.sheet('Data', [{ header: 'A', width: 10, format: 'text' }], many);
    setTimeout(() => sink.destroy(), 50);
    await assert.rejects(writing, /closed before the workbook was complete/);
  });

  it('removes a side sheet\'s temporary file when the output closes before the workbook is complete', async () => {
    const spillDir = mkdtempSync(join(dir, 'tmp-'));
    const before = process.env.TMPDIR;
    process.env.TMPDIR = spillDir;
    try {
      const sink = new PassThrough({ highWaterMark: 1024 });
      const xlsx = new XlsxStream(sink);
      const side = await xlsx.sideSheet('Side', [{ header: 'A', width: 10, format: 'text' }]);
      const many = (async function* () {
        for (let i = 0; i < 100_000; i++) {
          await side.row([`side ${i} ${Math.random()}`]);
          yield [`row ${i} ${'text '.repeat(20)}${Math.random()}`] as Value[];
        }
      })();
      const writing = xlsx.sheet('Data', [{ header: 'A', width: 10, format: 'text' }], many);
      setTimeout(() => sink.destroy(), 50);
      await assert.rejects(writing, /closed before the workbook was complete/);
      assert.equal(readdirSync(spillDir).length, 1);
      await xlsx.dispose();
      assert.deepEqual(readdirSync(spillDir), []);
    } finally {
      if (before === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = before;
    }
  });
});
