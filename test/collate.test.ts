// The national collation: the Collator fed Plan objects directly (as the service uses it), and `naome collate` run on
// a folder of real workbooks, its outputs opened with exceljs and with openpyxl.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, mkdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { promisify } from 'node:util';
import ExcelJS from 'exceljs';
import { addDays, isoDate, todayIso, type RawCell } from '../shared/cells';
import { finding, type ValidationResult } from '../shared/findings';
import { PLAN_SHEET, planLayout } from '../shared/layout';
import type { Organisation } from '../shared/organisations';
import { extractPlan, MAX_CELL_CHARS, type Plan } from '../shared/plan';
import { validatePlan } from '../shared/rules';
import { currentTemplate } from '../shared/template';
import { Collator, type CollationEntry } from '../server/collate/collator';
import { csvField, writeActionsCsv } from '../server/collate/csv';
import { inert } from '../server/collate/inert';
import type { Input } from '../server/collate/inputs';
import { readFiles } from '../server/collate/readFiles';
import { checkPoolFor, FILES_PER_WORKER, workersFor } from '../server/collate/workers';
import { writeCollationWorkbook } from '../server/collate/workbook';
import { loadOrganisations } from '../server/organisations';
import type { CheckPool } from '../server/xlsx/checkPool';
import { writePlanWorkbook } from '../server/xlsx/writePlanWorkbook';
import { contentCells, fillWorkbook, goodPlanContent, type CellInput, type PlanContent } from './helpers/plans';
import { parseCsv } from './helpers/csv';

const run = promisify(execFile);
const template = currentTemplate;
const organisations = loadOrganisations();
const today = todayIso();
const england = organisations.filter((o) => o.nation === 'England');
const wales = organisations.filter((o) => o.nation === 'Wales');
const SHEETS = ['Summary', 'Actions', 'Organisations', 'Not returned', 'Problems'];

/** A Plan as the readers build it, from content placed by the shared layout (official text intact). */
function planOf(content: PlanContent): Plan {
  const cells = new Map<string, CellInput>(planLayout(template, []).official.map((o) => [o.cell, o.text]));
  for (const { cell, value } of contentCells(content)) cells.set(cell, value);
  return extractPlan(template, (sheet, cell) => (sheet === PLAN_SHEET ? ((cells.get(cell) ?? null) as RawCell) : null));
}
const check = (plan: Plan, file: string) => validatePlan(plan, { template, organisations, today }, file);
const entryOf = (content: PlanContent, source: string, submittedAt: Date) => {
  const plan = planOf(content);
  return { source, submittedAt, result: check(plan, source), plan };
};
const unreadable = (source: string): ValidationResult => ({
  file: source, valid: false, readable: false, template: null, organisation: null,
  findings: [finding('FILE_CORRUPT', 'The file is not a complete .xlsx workbook: save it again from Excel.')],
});

// --- An independent count of what the content says, for the Summary (no shared code beyond the raw content) ---
const codeOfStatus = (s: CellInput) => (typeof s === 'string' && /^[1-5]\b/.test(s) ? Number(s[0]) : null);
const isoOf = (d: CellInput) => (d instanceof Date ? isoDate(d) : null);
interface Expected { plans: number; actions: number; status: number[]; priority: Record<string, number>; overdue: number }
function expectedTally(contents: PlanContent[], rec: number | null): Expected {
  const e: Expected = { plans: 0, actions: 0, status: [0, 0, 0, 0, 0, 0], priority: { High: 0, Medium: 0, Low: 0 }, overdue: 0 };
  for (const c of contents) {
    const acts = c.actions.filter((a) => rec === null || a.recommendation === rec);
    if (rec === null || acts.length) e.plans++;
    for (const a of acts) {
      e.actions++;
      e.status[codeOfStatus(a.status) ?? 0]!++;
      e.priority[String(a.priority)]!++;
      const d = isoOf(a.deadline);
      if (d && d < today && ![3, 4, 5].includes(codeOfStatus(a.status)!)) e.overdue++;
    }
  }
  return e;
}

/** Summary rows keyed "nation|recommendation", from header names so the test does not depend on column order. */
function summaryByKey(rows: unknown[][]) {
  const [head, ...body] = rows as [string[], ...unknown[][]];
  const at = (row: unknown[], h: string) => row[head.indexOf(h)];
  return new Map(body.map((r) => [`${at(r, 'Nation')}|${at(r, 'Recommendation')}`, (h: string) => at(r, h)]));
}
function assertSummary(get: (h: string) => unknown, e: Expected, where: string) {
  assert.equal(get('Plans returned'), e.plans, `${where}: plans`);
  assert.equal(get('Actions'), e.actions, `${where}: actions`);
  for (const s of template.statusKey.entries) {
    const h = `${s.code}. ${s.label}`;
    assert.equal(get(h), e.status[s.code], `${where}: ${h}`);
    const share = get(`${h} (share)`);
    if (e.actions === 0) assert.ok(share === null || share === undefined, `${where}: no share without actions`);
    else assert.ok(Math.abs(Number(share) - e.status[s.code]! / e.actions) < 1e-9, `${where}: ${h} share`);
  }
  for (const p of ['High', 'Medium', 'Low']) {
    assert.equal(get(`Priority ${p}`), e.priority[p], `${where}: priority ${p}`);
    if (e.actions) assert.ok(Math.abs(Number(get(`Priority ${p} (share)`)) - e.priority[p]! / e.actions) < 1e-9);
  }
  assert.equal(get('Overdue actions'), e.overdue, `${where}: overdue`);
}

/** Every sheet's cell values through exceljs: text, numbers, Dates; null for empty. */
async function readWithExceljs(source: string | Buffer) {
  const wb = new ExcelJS.Workbook();
  if (typeof source === 'string') await wb.xlsx.readFile(source);
  else await wb.xlsx.load(source as unknown as ArrayBuffer);
  const sheets = new Map<string, unknown[][]>();
  wb.eachSheet((ws) => {
    const rows: unknown[][] = [];
    for (let r = 1; r <= ws.rowCount; r++) {
      const row: unknown[] = [];
      for (let c = 1; c <= ws.columnCount; c++) row.push(ws.getRow(r).getCell(c).value ?? null);
      rows.push(row);
    }
    sheets.set(ws.name, rows);
  });
  return { wb, sheets };
}

/** The workbook (every sheet, through exceljs) and the CSV text a collator writes. */
async function collationOf(collator: Collator): Promise<{ sheets: Map<string, unknown[][]>; csv: string }> {
  const sink = new PassThrough();
  const chunks: Buffer[] = [];
  sink.on('data', (c: Buffer) => chunks.push(c));
  await writeCollationWorkbook(collator, sink);
  const csvSink = new PassThrough();
  const csvChunks: Buffer[] = [];
  csvSink.on('data', (c: Buffer) => csvChunks.push(c));
  await writeActionsCsv(collator, csvSink);
  return { sheets: (await readWithExceljs(Buffer.concat(chunks))).sheets, csv: Buffer.concat(csvChunks).toString('utf8') };
}

/** Unit tests of the collator use a few content variations on the correct plan. */
function planWith(code: string, change: (c: PlanContent) => void = () => {}): PlanContent {
  const c = goodPlanContent(code);
  change(c);
  return c;
}

describe('Collator (entries given as Plan objects, as the service does)', () => {
  it('counts the newest plan of each organisation, whatever order entries arrive in, and lists the others', async () => {
    const [a, b] = england;
    const older = planWith(a!.code, (c) => { c.actions = c.actions.slice(0, 5); });
    const newer = planWith(a!.code);
    const collator = new Collator({ organisations, today });
    collator.add(entryOf(newer, 'submission 7 (v2)', new Date('2026-03-02T10:00:00Z')));
    collator.add(entryOf(older, 'submission 3 (v1)', new Date('2026-03-01T10:00:00Z')));
    collator.add(entryOf(planWith(b!.code), 'submission 4 (v1)', new Date('2026-03-01T09:00:00Z')));

    const counted = collator.counted();
    assert.deepEqual(counted.map((p) => [p.organisation.code, p.entry.source]).sort(),
      [[a!.code, 'submission 7 (v2)'], [b!.code, 'submission 4 (v1)']].sort());
    assert.equal(counted.find((p) => p.organisation.code === a!.code)!.actions.length, newer.actions.length);
    assert.deepEqual(collator.superseded(a!.code).map((e) => e.source), ['submission 3 (v1)']);
    assert.equal(collator.notReturned().length, organisations.length - 2);

    // Same received time: the one added later is the newer version.
    const tie = new Collator({ organisations, today });
    const t = new Date('2026-03-05T12:00:00Z');
    tie.add(entryOf(older, 'v1', t));
    tie.add(entryOf(newer, 'v2', t));
    assert.equal(tie.counted()[0]!.entry.source, 'v2');
  });

  it('keeps entries it cannot count, with their findings, and says why', () => {
    const collator = new Collator({ organisations, today });
    collator.add({ source: 'broken.xlsx', submittedAt: new Date(), result: unreadable('broken.xlsx'), plan: null });
    const stranger = planWith('ZZZ99');
    collator.add(entryOf(stranger, 'stranger.xlsx', new Date()));
    assert.deepEqual(collator.entries.map((e) => collator.stateOf(e)), ['no plan', 'organisation not identified']);
    assert.equal(collator.counted().length, 0);
    assert.ok(collator.entries[1]!.findings.some((f) => f.code === 'ORGANISATION_UNKNOWN'));
    assert.deepEqual(collator.counts(), { entries: 2, plans: 0, superseded: 0, noPlan: 1, unidentified: 1, notReturned: organisations.length });
  });

  it('writes a workbook whose Summary matches a count made from the content, England and Wales apart', async () => {
    const contents: Array<{ org: Organisation; content: PlanContent }> = [
      { org: england[0]!, content: planWith(england[0]!.code) },
      { org: england[1]!, content: planWith(england[1]!.code, (c) => {
        c.actions[0]!.deadline = new Date(`${addDays(today, -10)}T00:00:00Z`); // overdue, status 2
        c.actions[1]!.deadline = new Date(`${addDays(today, -5)}T00:00:00Z`); // passed, but implemented: not overdue
        c.actions.push({ recommendation: 4, action: 'Not planned this year: the service is being re-procured regionally', responsible: 'Dr Lee Wong', deadline: new Date(`${addDays(today, 30)}T00:00:00Z`), status: '4. No plan to action recommendation (state reason)', priority: 'Low', reason: 'Regional re-procurement' });
      }) },
      { org: wales[0]!, content: planWith(wales[0]!.code, (c) => { c.actions = c.actions.filter((a) => a.recommendation !== 5); }) },
    ];
    const collator = new Collator({ organisations, today });
    for (const [i, { content }] of contents.entries()) collator.add(entryOf(content, `plan-${i}.xlsx`, new Date(Date.UTC(2026, 0, 1 + i))));
    const sink = new PassThrough();
    const chunks: Buffer[] = [];
    sink.on('data', (c: Buffer) => chunks.push(c));
    await writeCollationWorkbook(collator, sink);
    const { sheets } = await readWithExceljs(Buffer.concat(chunks));
    assert.deepEqual([...sheets.keys()], SHEETS);

    const summary = summaryByKey(sheets.get('Summary')!);
    const byNation = (n: string | null) => contents.filter((c) => n === null || c.org.nation === n).map((c) => c.content);
    for (const [label, nation] of [['England', 'England'], ['Wales', 'Wales'], ['Total', null]] as const) {
      for (const rec of [1, 2, 3, 4, 5, null]) {
        const get = summary.get(`${label}|${rec ?? 'All recommendations'}`);
        assert.ok(get, `a Summary line for ${label}, recommendation ${rec}`);
        assertSummary(get, expectedTally(byNation(nation), rec), `${label} rec ${rec}`);
      }
    }
    assert.equal(sheets.get('Actions')!.length - 1, contents.reduce((n, c) => n + c.content.actions.length, 0));
    assert.equal(sheets.get('Not returned')!.length - 1, organisations.length - 3);
  });

  it('makes every text inert in the workbook and the CSV, and drops characters XML cannot hold', async () => {
    for (const [text, out] of [
      ['=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'], ['@SUM(1)', "'@SUM(1)"], ['+44 1234', "'+44 1234"],
      ['-1+2', "'-1+2"], ['\tx', "'\tx"], ['\rx', "'\rx"], ['Plain text', 'Plain text'], ['a=b', 'a=b'],
      ['\u0007=1+1', "'=1+1"], ['ok\u0000', 'ok'],
    ]) assert.equal(inert(text!), out, JSON.stringify(text));

    const hostile = '=HYPERLINK("http://x","click")';
    const content = planWith(england[0]!.code, (c) => {
      c.actions[0]!.action = hostile;
      c.actions[1]!.responsible = '@SUM(1)';
      c.actions[2]!.progress = 'Bell\u0007 rang, "quoted", comma\nsecond line';
    });
    const collator = new Collator({ organisations: organisations.map((o) => (o.code === england[1]!.code ? { ...o, name: '+cmd|calc' } : o)), today });
    collator.add(entryOf(content, '-evil.xlsx', new Date()));
    const dir = await mkdtemp(join(tmpdir(), 'naome-collate-unit-'));
    try {
      await writeCollationWorkbook(collator, join(dir, 'out.xlsx'));
      await writeActionsCsv(collator, join(dir, 'out.csv'));
      const { sheets } = await readWithExceljs(join(dir, 'out.xlsx'));
      const texts = [...sheets.values()].flat(2).filter((v): v is string => typeof v === 'string');
      assert.ok(texts.length > 100);
      for (const t of texts) assert.doesNotMatch(t, /^[=+\-@\t\r]/, `inert: ${JSON.stringify(t)}`);
      assert.ok(texts.includes(`'${hostile}`));
      assert.ok(texts.includes("'@SUM(1)"));
      assert.ok(texts.includes("'-evil.xlsx"));
      assert.ok(texts.includes("'+cmd|calc"));
      assert.ok(texts.includes('Bell rang, "quoted", comma\nsecond line'));

      const csv = await readFile(join(dir, 'out.csv'));
      assert.deepEqual([...csv.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'UTF-8 byte-order mark');
      const records = parseCsv(csv.toString('utf8').slice(1));
      assert.equal(records.length, 1 + content.actions.length);
      for (const f of records.flat()) assert.doesNotMatch(f, /^[=+\-@\t\r]/, `inert: ${JSON.stringify(f)}`);
      assert.ok(records.flat().includes(`'${hostile}`));
      assert.ok(records.flat().includes('Bell rang, "quoted", comma\nsecond line'));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('makes a CSV field of a text as inert() makes it, quoted when it holds a comma, a quote or a line break', () => {
    // csvField looks once for what either step would act on: every text of up to three of these characters, and texts
    // longer than a cell holds, must come out as the two steps make them.
    const chars = ['a', ' ', ',', '"', '\n', '\r', '\t', '=', '+', '-', '@', '\u0000', '\u0007', '\u000B', '\u001F', '\uD800', '\uDC00', '\uFFFE', '\uFFFF', '’', '🩺'];
    const texts = [''];
    for (let n = 0; n < 3; n++) texts.push(...texts.filter((t) => [...t].length === n).flatMap((t) => chars.map((c) => t + c)));
    texts.push('x'.repeat(MAX_CELL_CHARS + 1), `${'x'.repeat(MAX_CELL_CHARS - 1)},y`, `=${'x'.repeat(MAX_CELL_CHARS)}`);
    const quoted = (s: string) => (/[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
    for (const t of texts) assert.equal(csvField(t, 'text'), quoted(inert(t)), JSON.stringify(t.slice(0, 20)));
    assert.ok(texts.length > 9000, `${texts.length} texts`);
  });

  it('exports a refused value as the text typed, flagged in "Errors in row", never as a date or key value', async () => {
    const org = england[0]!;
    const content = planWith(org.code, (c) => {
      c.actions[0]!.deadline = 2027; // a year typed into the date cell: Excel shows 19/07/1905
      c.actions[1]!.status = 'Maybe';
      c.actions[2]!.priority = 'Urgent';
      c.actions[3]!.deadline = 'end of Q3';
      c.actions[4]!.status = '2\n3'; // two statuses crammed into one row
    });
    const collator = new Collator({ organisations, today });
    collator.add(entryOf(content, 'refused.xlsx', new Date()));
    const { sheets } = await collationOf(collator);
    const [head, ...rows] = sheets.get('Actions')! as [string[], ...unknown[][]];
    const at = (i: number, h: string) => rows[i]![head.indexOf(h)];
    assert.equal(rows.length, content.actions.length);

    assert.equal(at(0, 'Deadline'), '2027', 'the number typed, as text, not 19/07/1905');
    assert.equal(at(0, 'Errors in row'), 'DEADLINE_NOT_DATE');
    assert.equal(at(0, 'Overdue'), 'No');
    assert.equal(at(1, 'Status code'), null);
    assert.equal(at(1, 'Status (Key 1)'), 'Maybe');
    assert.equal(at(1, 'Errors in row'), 'STATUS_INVALID');
    assert.equal(at(2, 'Priority (Key 2)'), 'Urgent');
    assert.equal(at(2, 'Errors in row'), 'PRIORITY_INVALID');
    assert.equal(at(3, 'Deadline'), 'end of Q3');
    assert.equal(at(4, 'Status code'), null, 'a crammed status is not exported as code 2');
    assert.equal(at(4, 'Status (Key 1)'), '2\n3');
    assert.equal(at(4, 'Errors in row'), 'SEVERAL_ACTIONS_IN_ROW');
    // The rows the rules accepted go out as key values and real dates, with nothing in "Errors in row".
    assert.ok(at(5, 'Deadline') instanceof Date);
    assert.equal(at(5, 'Status code'), 2);
    assert.equal(at(5, 'Errors in row'), null);

    // The Summary counts the refused values outside the keys, as the Actions sheet shows them.
    const all = summaryByKey(sheets.get('Summary')!).get('Total|All recommendations')!;
    assert.equal(all('Status outside Key 1'), 2);
    assert.equal(all('Priority outside Key 2'), 1);
  });

  it('never exports a cell holding an NHS number, nor counts a status 4 or 5 row as overdue', async () => {
    const org = england[0]!;
    const content = planWith(org.code, (c) => {
      c.actions[0]!.progress = 'Reviewed the notes of 943 476 5919 with the CNS';
      c.header.actionPlanLead = 'Sarah Jones 9434765919';
      Object.assign(c.actions[1]!, { status: '4', reason: 'Service moves to the regional centre', deadline: new Date(`${addDays(today, -30)}T00:00:00Z`) });
      Object.assign(c.actions[2]!, { status: 'Other', reason: 'Covered by the network plan', deadline: 'N/A' });
    });
    const collator = new Collator({ organisations, today });
    collator.add(entryOf(content, 'patient.xlsx', new Date()));
    const { sheets, csv } = await collationOf(collator);
    const everything = JSON.stringify([...sheets.values()]) + csv;
    assert.doesNotMatch(everything, /5919/, 'the number is nowhere in the workbook or the CSV');
    const [head, ...rows] = sheets.get('Actions')! as [string[], ...unknown[][]];
    const at = (i: number, h: string) => rows[i]![head.indexOf(h)];
    assert.equal(at(0, 'Progress / evidence'), '[withheld: holds an NHS number]');
    assert.equal(at(0, 'Errors in row'), 'NHS_NUMBER');
    assert.equal(at(0, 'Action plan lead'), '[withheld: holds an NHS number]');
    assert.equal(at(1, 'Overdue'), 'No', 'status 4 has no agreed deadline');
    assert.equal(at(1, 'Errors in row'), null);
    assert.equal(at(2, 'Deadline'), 'N/A');
    assert.equal(at(2, 'Status code'), 5);
    assert.equal(at(2, 'Overdue'), 'No');
    const problems = sheets.get('Problems')!;
    assert.ok(problems.some((r) => r.includes('NHS_NUMBER')));
  });

  it('carries each organisation\'s audit lead and action plan lead on the Organisations sheet, the Actions sheet and the CSV', async () => {
    const [a, b] = england;
    const collator = new Collator({ organisations, today });
    collator.add(entryOf(planWith(a!.code, (c) => { c.header.auditLead = 'Dr Mei Chen'; c.header.actionPlanLead = 'Tom O\'Neill'; }), 'a.xlsx', new Date()));
    collator.add(entryOf(planWith(b!.code, (c) => { c.header.actionPlanLead = null; }), 'b.xlsx', new Date()));
    const { sheets, csv } = await collationOf(collator);
    const [orgHead, ...orgRows] = sheets.get('Organisations')! as [string[], ...unknown[][]];
    const leads = (r: unknown[]) => [r[orgHead.indexOf('Organisation code')], r[orgHead.indexOf('Audit lead')], r[orgHead.indexOf('Action plan lead')]];
    assert.deepEqual(orgRows.map(leads).sort(), [[a!.code, 'Dr Mei Chen', 'Tom O\'Neill'], [b!.code, 'Dr Priya Patel', null]].sort());
    const records = parseCsv(csv.slice(1));
    const [csvHead, ...csvRows] = records as [string[], ...string[][]];
    const csvLeads = new Set(csvRows.map((r) => [r[csvHead.indexOf('Organisation code')], r[csvHead.indexOf('Audit lead')], r[csvHead.indexOf('Action plan lead')]].join('|')));
    assert.deepEqual([...csvLeads].sort(), [`${a!.code}|Dr Mei Chen|Tom O'Neill`, `${b!.code}|Dr Priya Patel|`].sort());
  });

  it('fails with the system\'s reason, not a crash, when the output cannot be written', async () => {
    const collator = new Collator({ organisations, today });
    await assert.rejects(writeCollationWorkbook(collator, '/nonexistent-dir/x.xlsx'), /ENOENT/);
    await assert.rejects(writeActionsCsv(collator, '/nonexistent-dir/x.csv'), /ENOENT/);
  });
});

/** What openpyxl sees: every sheet's rows (dates as ISO, date-times to the second), cell types, formats, view. */
const OPENPYXL = String.raw`
import json, sys, datetime, openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
def val(v):
    if isinstance(v, datetime.datetime):
        return v.strftime('%Y-%m-%d') if v.time() == datetime.time(0) else v.strftime('%Y-%m-%dT%H:%M:%S')
    return v
out = {}
for ws in wb.worksheets:
    rows = [[val(c.value) for c in row] for row in ws.iter_rows()]
    types = sorted({c.data_type for row in ws.iter_rows() for c in row if c.value is not None})
    formats = {}
    for row in ws.iter_rows(min_row=2, max_row=2):
        for c in row: formats[c.column_letter] = c.number_format
    out[ws.title] = {'rows': rows, 'types': types, 'freeze': ws.freeze_panes, 'filter': ws.auto_filter.ref,
                     'bold': all(c.font.b for c in ws[1]), 'formats': formats,
                     'widths': {k: d.width for k, d in ws.column_dimensions.items()}}
print(json.dumps(out))
`;
interface SeenSheet { rows: unknown[][]; types: string[]; freeze: string | null; filter: string | null; bold: boolean; formats: Record<string, string>; widths: Record<string, number> }
async function readWithOpenpyxl(path: string): Promise<Record<string, SeenSheet>> {
  const { stdout } = await run('/usr/bin/python3', ['-c', OPENPYXL, path], { maxBuffer: 64 * 1024 * 1024 });
  return JSON.parse(stdout) as Record<string, SeenSheet>;
}

describe('naome collate (real workbooks in a folder, outputs read by exceljs and openpyxl)', function () {
  this.timeout(120000);
  const NAOME = join(process.cwd(), 'bin', 'naome.js');
  const HOSTILE = '=HYPERLINK("http://x")';
  let dir: string;
  let stdout: string;
  let stderr: string;
  let seen: Record<string, SeenSheet>;
  let viaExceljs: Map<string, unknown[][]>;
  const [e1, e2, e3] = england;
  const [w1, w2] = wales;
  const day = (d: number) => new Date(Date.UTC(2026, 0, d, 9, 30, 0));
  // What each file holds, and its modification time. eng2 returns twice; w2's plan has errors; notes.xlsx is no plan.
  const files: Array<{ path: string; org: Organisation | null; content: PlanContent | null; mtime: Date }> = [];
  const counted = () => files.filter((f) => f.content && !f.path.includes('eng2-old'));

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'naome-collate-'));
    const inbox = join(dir, 'inbox');
    await mkdir(join(inbox, 'wales'), { recursive: true });
    await mkdir(join(dir, 'extra'));
    const blank = await writePlanWorkbook({ organisations });
    const add = async (path: string, org: Organisation | null, content: PlanContent | null, mtime: Date, bytes?: Buffer) => {
      await writeFile(path, bytes ?? (await fillWorkbook(blank, content!)));
      await utimes(path, mtime, mtime);
      files.push({ path, org, content, mtime });
    };
    await add(join(inbox, 'eng1.xlsx'), e1!, planWith(e1!.code, (c) => {
      c.actions[0]!.action = `${HOSTILE} review the MDT pathway for every new metastatic patient`;
      c.actions[2]!.responsible = '@SUM(1) Dr Ruth Evans';
      c.actions[3]!.deadline = new Date(`${addDays(today, -20)}T00:00:00Z`); // overdue
    }), day(2));
    await add(join(inbox, 'eng2-old.xlsx'), e2!, planWith(e2!.code, (c) => { c.actions = c.actions.slice(0, 3); }), day(3));
    await add(join(inbox, 'eng2-new.xlsx'), e2!, planWith(e2!.code, (c) => {
      c.actions[4]!.status = '5. Other (provide information)';
      c.actions[4]!.reason = 'Shared with the network audit; see the regional plan';
      c.actions[5]!.priority = 'Low';
    }), day(9));
    await add(join(inbox, 'wales', 'w1.xlsx'), w1!, planWith(w1!.code), day(4));
    await add(join(inbox, 'w2-invalid.xlsx'), w2!, planWith(w2!.code, (c) => {
      delete c.actions[1]!.responsible;
      c.actions[2]!.status = 'Maybe';
    }), day(5));
    const other = new ExcelJS.Workbook();
    other.addWorksheet('Budget').getCell('A1').value = 'Not an action plan';
    await add(join(inbox, 'notes.xlsx'), null, null, day(6), Buffer.from(await other.xlsx.writeBuffer()));
    await writeFile(join(inbox, 'readme.txt'), 'not collated: folders give only .xlsx files');
    await writeFile(join(inbox, '~$eng1.xlsx'), 'Excel lock file');
    // A plan named oddly, given explicitly: read all the same.
    await add(join(dir, 'extra', 'e3-plan.dat'), e3!, planWith(e3!.code), day(7));

    ({ stdout, stderr } = await run(process.execPath, [NAOME, 'collate', '-o', join(dir, 'national.xlsx'),
      '--csv', join(dir, 'national.csv'), '--today', today, inbox, join(dir, 'extra', 'e3-plan.dat')]));
    seen = await readWithOpenpyxl(join(dir, 'national.xlsx'));
    viaExceljs = (await readWithExceljs(join(dir, 'national.xlsx'))).sheets;
  });
  after(async () => { if (dir) await rm(dir, { recursive: true, force: true }); });

  it('reads every workbook, shows progress on stderr and prints a summary', () => {
    assert.match(stderr, /^\[1\/7\] /m);
    assert.match(stderr, /^\[7\/7\] /m);
    assert.doesNotMatch(stderr, /readme|~\$/);
    assert.match(stdout, /Files read: 7/);
    assert.match(stdout, /Plans counted: 5 .*1 older file superseded/);
    assert.match(stdout, new RegExp(`Not returned: ${organisations.length - 5} of ${organisations.length}`));
    assert.deepEqual(Object.keys(seen), SHEETS);
    assert.deepEqual([...viaExceljs.keys()], SHEETS);
  });

  it('writes one Actions row per action of each counted plan, exactly as filled in', () => {
    const layout = planLayout(template, []);
    const expected: unknown[][] = [];
    for (const f of counted().sort((a, b) => (a.org!.code < b.org!.code ? -1 : 1))) {
      const next = new Map<number, number>();
      const rows = f.content!.actions.map((a, index) => {
        const i = next.get(a.recommendation) ?? 0;
        next.set(a.recommendation, i + 1);
        return { a, index, row: layout.recommendations[a.recommendation - 1]!.firstActionRow + i };
      }).sort((x, y) => x.a.recommendation - y.a.recommendation || x.row - y.row);
      // w2's plan has a row with no responsible individual (index 1) and one with status "Maybe" (index 2).
      const errorsIn = (index: number) => (f.path.includes('invalid') ? ({ 1: 'ACTION_FIELD_MISSING', 2: 'STATUS_INVALID' } as Record<number, string>)[index] ?? null : null);
      for (const { a, index, row } of rows) {
        const code = codeOfStatus(a.status);
        const deadline = isoOf(a.deadline)!;
        const text = (v: CellInput) => (v === undefined || v === null ? null : /^[=+\-@]/.test(String(v)) ? `'${v}` : String(v));
        expected.push([f.org!.code, f.org!.name, f.org!.nation, f.org!.region || null,
          text(f.content!.header.auditLead), text(f.content!.header.actionPlanLead), a.recommendation, text(a.action), text(a.responsible),
          deadline, code, code ? template.statusKey.entries[code - 1]!.label : text(a.status), text(a.priority), text(a.reason), text(a.progress),
          deadline < today && code !== 3 && code !== 5 ? 'Yes' : 'No', errorsIn(index), f.path.includes('invalid') ? 'No' : 'Yes', 'Action plan', row, f.path,
          f.mtime.toISOString().slice(0, 19)]);
      }
    }
    const [head, ...rows] = seen.Actions!.rows;
    assert.equal(head![0], 'Organisation code');
    assert.deepEqual(rows, expected);
    const deadlineAt = head!.indexOf('Deadline');
    assert.equal(seen.Actions!.formats[String.fromCharCode(65 + deadlineAt)], 'dd/mm/yyyy', 'deadline is a date cell');
    assert.ok(viaExceljs.get('Actions')!.slice(1).every((r) => r[deadlineAt] instanceof Date), 'exceljs reads every deadline as a Date');
    assert.ok(!seen.Actions!.types.includes('f'), 'no formula anywhere');
  });

  it('counts by status and priority per recommendation, England and Wales apart, as the content says', () => {
    const summary = summaryByKey(seen.Summary!.rows);
    const plans = counted();
    for (const [label, nation] of [['England', 'England'], ['Wales', 'Wales'], ['Total', null]] as const) {
      const contents = plans.filter((f) => nation === null || f.org!.nation === nation).map((f) => f.content!);
      for (const rec of [1, 2, 3, 4, 5, null]) {
        assertSummary(summary.get(`${label}|${rec ?? 'All recommendations'}`)!, expectedTally(contents, rec), `${label} ${rec}`);
      }
    }
    assert.equal(summary.get('England|All recommendations')!('Plans returned'), 3);
    assert.equal(summary.get('Wales|All recommendations')!('Plans returned'), 2);
    assert.equal(summary.get('Total|All recommendations')!('Overdue actions'), 1);
  });

  it('lists who returned (newest file counts, the older one superseded) and who did not', () => {
    const [head, ...rows] = seen.Organisations!.rows as [string[], ...unknown[][]];
    const at = (r: unknown[], h: string) => r[head.indexOf(h)];
    assert.deepEqual(rows.map((r) => at(r, 'Organisation code')), counted().map((f) => f.org!.code).sort());
    const eng2 = rows.find((r) => at(r, 'Organisation code') === e2!.code)!;
    assert.equal(at(eng2, 'Source'), join(dir, 'inbox', 'eng2-new.xlsx'));
    assert.equal(at(eng2, 'Submitted (UTC)'), day(9).toISOString().slice(0, 19));
    assert.match(String(at(eng2, 'Superseded (older returns, newest first)')), /eng2-old\.xlsx \(2026-01-03 09:30\)/);
    const w2row = rows.find((r) => at(r, 'Organisation code') === w2!.code)!;
    assert.equal(at(w2row, 'Valid'), 'No');
    assert.ok(Number(at(w2row, 'Errors')) >= 2);
    assert.equal(at(rows.find((r) => at(r, 'Organisation code') === e1!.code)!, 'Valid'), 'Yes');

    const returned = new Set(counted().map((f) => f.org!.code));
    const notReturned = seen['Not returned']!.rows.slice(1).map((r) => r[0]);
    assert.deepEqual(notReturned, organisations.filter((o) => !returned.has(o.code)).map((o) => o.code));
  });

  it('lists every finding by file and cell in Problems', () => {
    const [head, ...rows] = seen.Problems!.rows as [string[], ...unknown[][]];
    const at = (r: unknown[], h: string) => r[head.indexOf(h)];
    const of = (file: string) => rows.filter((r) => String(at(r, 'Source')).endsWith(file));
    const layout = planLayout(template, []);
    const r1 = layout.recommendations[0]!.firstActionRow;
    const missing = of('w2-invalid.xlsx').find((r) => at(r, 'Code') === 'ACTION_FIELD_MISSING')!;
    assert.ok(missing, 'the missing responsible individual is listed');
    assert.deepEqual([at(missing, 'Severity'), at(missing, 'Sheet'), at(missing, 'Cell'), at(missing, 'Recommendation'), at(missing, 'Field'), at(missing, 'Organisation code')],
      ['error', PLAN_SHEET, `C${r1 + 1}`, 1, 'responsible', w2!.code]);
    assert.ok(of('w2-invalid.xlsx').some((r) => at(r, 'Code') === 'STATUS_INVALID' && /^E\d+$/.test(String(at(r, 'Cell')))));
    const notPlan = of('notes.xlsx');
    assert.equal(notPlan.length, 1);
    assert.deepEqual([at(notPlan[0]!, 'Code'), at(notPlan[0]!, 'File state')], ['NOT_ACTION_PLAN', 'no plan']);
    assert.ok(of('eng1.xlsx').some((r) => at(r, 'Code') === 'DEADLINE_PASSED' && at(r, 'File state') === 'counted'));
    for (const r of rows) assert.ok(at(r, 'Message'), 'every finding has its message');
  });

  it('leaves no text able to run as a formula, in the workbook or the CSV', async () => {
    for (const [name, sheet] of Object.entries(seen)) {
      assert.ok(!sheet.types.includes('f'), `${name}: no formula cells`);
      for (const v of sheet.rows.flat()) if (typeof v === 'string') assert.doesNotMatch(v, /^[=+\-@\t\r]/, `${name}: ${v}`);
      assert.equal(sheet.freeze, 'A2', `${name}: header row frozen`);
      assert.ok(sheet.bold, `${name}: header bold`);
      assert.match(String(sheet.filter), /^A1:[A-Z]+\d+$/, `${name}: autofilter`);
      assert.ok(Object.values(sheet.widths).every((w) => w >= 6), `${name}: widths set`);
    }
    const texts = seen.Actions!.rows.flat().map(String);
    assert.ok(texts.some((t) => t.startsWith(`'${HOSTILE}`)));
    assert.ok(texts.includes("'@SUM(1) Dr Ruth Evans"));

    const csv = await readFile(join(dir, 'national.csv'));
    assert.deepEqual([...csv.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
    const records = parseCsv(csv.toString('utf8').slice(1));
    // The same rows as the Actions sheet, field for field (dates as ISO text).
    assert.deepEqual(records, seen.Actions!.rows.map((r) => r.map((v) => (v === null ? '' : typeof v === 'string' && /^\d{4}-\d\d-\d\dT/.test(v) ? `${v}Z` : String(v)))));
    for (const f of records.flat()) assert.doesNotMatch(f, /^[=+\-@\t\r]/);
  });

  it('gives the same entries, in input order, and the same national workbook and CSV, whether this thread checks every file or shares them with a worker', async () => {
    // Each file six times over, with a missing one among them: 43 entries in an order no thread keeps by itself.
    const paths: Input[] = Array.from({ length: 6 }, () => files.map((f) => ({ path: f.path }))).flat();
    paths.splice(20, 0, { path: join(dir, 'missing.xlsx') });
    assert.equal(workersFor(paths.length, 2), 0, 'too few files for a worker to pay for itself');
    const collate = async (pool: CheckPool | null) => {
      const entries: CollationEntry[] = [];
      const collator = new Collator({ organisations, today });
      for await (const e of readFiles(paths, { organisations, today }, pool)) {
        entries.push(e);
        collator.add(e);
      }
      const [xlsx, csv] = [new PassThrough(), new PassThrough()];
      const bytes = Promise.all([xlsx, csv].map(async (s) => Buffer.concat(await s.toArray())));
      await writeCollationWorkbook(collator, xlsx);
      await writeActionsCsv(collator, csv);
      const [workbook, actions] = await bytes;
      return { entries, workbook, actions };
    };
    // The pool a collation of FILES_PER_WORKER files starts on two cores, started before the collation so that its
    // worker takes files from the first on; every file it is given is counted.
    const pool = checkPoolFor(FILES_PER_WORKER, 2)!;
    while (!pool.takesNow()) await new Promise((r) => setTimeout(r, 10));
    let onWorker = 0;
    const check = pool.check.bind(pool);
    pool.check = (...args) => (onWorker++, check(...args));
    const [shared, alone] = [await collate(pool), await collate(null)];
    assert.ok(onWorker > 0 && onWorker < paths.length - 1, `the worker checked ${onWorker} of the ${paths.length - 1} files`);
    assert.deepEqual(shared.entries.map((e) => e.source), paths.map((p) => p.path));
    assert.equal(shared.entries[20]!.result.findings[0]!.code, 'FILE_NOT_FOUND');
    assert.deepEqual(shared.entries, alone.entries);
    assert.ok(shared.workbook.equals(alone.workbook), 'the same national workbook, byte for byte');
    assert.ok(shared.actions.equals(alone.actions), 'the same CSV, byte for byte');
  });

  it('uses the organisations list given with --orgs instead of the shipped one', async () => {
    const orgs = [e1!, w1!, { code: 'ZZ001', name: 'Example Community Trust', nation: 'England', region: 'London' }];
    const csvPath = join(dir, 'orgs.csv');
    await writeFile(csvPath, ['ods_code,name,nation,nhs_england_region', ...orgs.map((o) => `${o.code},"${o.name}",${o.nation},${o.region}`)].join('\n'));
    const out = join(dir, 'orgs.xlsx');
    const r = await run(process.execPath, [NAOME, 'collate', '--orgs', csvPath, '--jobs', '1', '-o', out, '--today', today, join(dir, 'inbox')]);
    assert.match(r.stdout, /Not returned: 1 of 3 organisations/);
    const { sheets } = await readWithExceljs(out);
    assert.deepEqual(sheets.get('Not returned')!.slice(1).map((row) => row[0]), ['ZZ001']);
    assert.deepEqual(sheets.get('Organisations')!.slice(1).map((row) => row[0]).sort(), [e1!.code, w1!.code].sort());
    // Plans of organisations missing from this list are not counted, and say why on the Problems sheet.
    const problems = sheets.get('Problems')!;
    const state = problems[0]!.indexOf('File state');
    const source = problems[0]!.indexOf('Source');
    assert.ok(problems.some((row) => String(row[source]).endsWith('eng2-new.xlsx') && row[state] === 'organisation not identified'));
  });

  it('exits 2 when misused or given nothing to read', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'naome-collate-empty-'));
    try {
      const cases = [[], [empty], [join(empty, 'missing')], ['--today', '31/12/2026', empty]];
      const outcomes = await Promise.all(cases.map((args) =>
        run(process.execPath, [NAOME, 'collate', ...args], { cwd: empty }).then(() => null, (e: { code: number; stderr: string }) => e)));
      for (const [i, r] of outcomes.entries()) {
        assert.ok(r, `naome collate ${cases[i]!.join(' ')} fails`);
        assert.equal(r.code, 2);
        assert.match(r.stderr, [/at least one workbook/, /no \.xlsx files found/, /does not exist/, /not a date/][i]!);
      }
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });
});
