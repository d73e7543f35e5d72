// The national Actions CSV as the service writes it from its store, on worker threads (server/collate/csvThread.ts):
// byte for byte what the one-thread writer makes from the same store, on each engine; and a client that hangs up
// midway stops it and gives the store's connection back; its workers run at the check workers' lower priority; a
// SQLite database kept in UTF-16 is read as text. The same stores also give each latest version with the plan of the
// version before it, in one pass (the national workbook's Changes sheet).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Writable } from 'node:stream';
import { createHash } from 'node:crypto';
import type { RawCell } from '../shared/cells';
import { PLAN_SHEET, planLayout } from '../shared/layout';
import { extractPlan } from '../shared/plan';
import { validatePlan } from '../shared/rules';
import { currentTemplate as template } from '../shared/template';
import { writeActionsCsv } from '../server/collate/csv';
import { writeStoreActionsCsv } from '../server/collate/csvThread';
import { storeCollation } from '../server/collate/fromStore';
import { loadOrganisations } from '../server/organisations';
import { planOf, storedOf } from '../server/store/rows';
import { SqliteStore } from '../server/store/sqlite/store';
import type { Store } from '../server/store/types';
import { WORKER_NICE } from '../server/threadPriority';
import { ENGINES, skipUnlessAvailable, type TestDatabase } from './helpers/engines';
import { contentCells, goodPlanContent, type CellInput, type PlanContent } from './helpers/plans';

const organisations = loadOrganisations();
const today = '2026-12-03';

/** What a stream is sent, as text. */
function collect(): { stream: Writable; text: () => string } {
  const chunks: Buffer[] = [];
  return {
    stream: new Writable({ write(c: Buffer, _e, done) { chunks.push(c); done(); } }),
    text: () => Buffer.concat(chunks).toString('utf8'),
  };
}

/** The nice value of each thread of this process (Linux), by thread id. */
function threadNices(): Map<number, number> {
  const nices = new Map<number, number>();
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      // Field 19 of stat is the nice value; the fields after the command's closing parenthesis start at field 3.
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      nices.set(Number(tid), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]));
    } catch { /* the thread ended */ }
  }
  return nices;
}

/** Stores a version of `code`'s plan made from `content`, checked as the service checks it. */
async function store(s: Store, code: string, content: PlanContent, n: number): Promise<void> {
  const cells = new Map<string, CellInput>(planLayout(template, []).official.map((o) => [o.cell, o.text]));
  for (const { cell, value } of contentCells(content)) cells.set(cell, value);
  const plan = extractPlan(template, (sheet, cell) => (sheet === PLAN_SHEET ? ((cells.get(cell) ?? null) as RawCell) : null));
  const result = validatePlan(plan, { template, organisations, today }, null);
  const bytes = Buffer.from(JSON.stringify(plan));
  await s.addSubmission({
    organisation: result.organisation ?? { code, name: code }, receivedAt: new Date(Date.UTC(2026, 0, 1, 0, n)).toISOString(),
    sha256: createHash('sha256').update(bytes).digest('hex'), format: 'json', fileName: null, bytes, plan, result,
  });
}

for (const engine of ENGINES) {
  describe(`National CSV on worker threads: ${engine.name}`, function () {
    this.timeout(120_000);
    let db: TestDatabase;
    let s: Store;

    before(async function () {
      skipUnlessAvailable(this, engine);
      db = await engine.fresh();
      s = await db.open();
      await s.seedOrganisations(() => organisations);
      const codes = organisations.filter((o) => o.nation === 'England').slice(0, 40).map((o) => o.code);
      for (const [i, code] of codes.entries()) {
        const content = goodPlanContent(code);
        const a = content.actions[i % content.actions.length]!;
        // Refused key values, text Excel would take for a formula, quotes, commas and line breaks, a deadline as text.
        if (i % 5 === 1) a.status = 'maybe later';
        if (i % 5 === 2) a.action = '=HYPERLINK("http://example.com", "click")';
        if (i % 5 === 3) a.progress = 'Agreed, "in principle";\nreview in May';
        if (i % 5 === 4) a.deadline = 'end of Q2';
        // Text beyond ASCII: SQLite hands the plan over as UTF-8 bytes, which a worker decodes.
        if (i % 5 === 0) a.responsible = 'Siân O’Neill – Ysbyty Gwynedd 🩺';
        await store(s, code, content, i);
        // A second version for some: only the latest counts.
        if (i % 7 === 0) await store(s, code, { ...content, actions: content.actions.slice(1) }, 100 + i);
      }
      // A plan that names no organisation on the list: it does not count, and writes no line.
      await store(s, 'ZZZ9', goodPlanContent('ZZZ9'), 200);
    });
    after(async () => {
      await s?.close();
      await db?.drop();
    });

    it('writes the same bytes as the one-thread writer', async () => {
      const one = collect();
      await writeActionsCsv(await storeCollation(s, { today, template }), one.stream);
      const two = collect();
      await writeStoreActionsCsv(s, { today, template }, two.stream);
      assert.equal(two.text(), one.text());
      const lines = one.text().split('\r\n');
      assert.ok(lines.length > 40 * 5, `${lines.length} lines`);
      assert.ok(one.text().includes(`"'=HYPERLINK(""http://example.com"", ""click"")"`), 'a formula made inert and quoted');
      assert.ok(one.text().includes(',Siân O’Neill – Ysbyty Gwynedd 🩺,'), 'text beyond ASCII as it was typed');
    });

    it('reads each latest version with the plan of the version before it in one pass (none for a first version)', async () => {
      let withBefore = 0;
      let first = 0;
      for await (const row of s.eachLatestSubmissionRow({ previous: true })) {
        assert.deepEqual(storedOf(row), await s.submissionByVersion(row.organisation, row.version), row.organisation);
        const before = await s.submissionByVersion(row.organisation, row.version - 1);
        assert.deepEqual(row.previous_plan_json ? planOf(row.previous_plan_json) : null, before?.plan ?? null, row.organisation);
        if (before) withBefore++;
        else first++;
      }
      assert.deepEqual([withBefore, first], [6, 35]);
    });

    it('its two workers run at the check workers\' lower priority (nice 10), the thread answering HTTP at its own', async function () {
      if (process.platform !== 'linux') this.skip();
      let lowered = 0;
      let main = NaN;
      const watching = new Writable({
        write(_c, _e, done) {
          const nices = threadNices();
          lowered = Math.max(lowered, [...nices.values()].filter((n) => n === WORKER_NICE).length);
          main = nices.get(process.pid)!;
          done();
        },
      });
      await writeStoreActionsCsv(s, { today, template }, watching);
      assert.equal(lowered, 2);
      assert.equal(main, 0);
    });

    it('stops when the client hangs up midway, and gives the store\'s connection back', async () => {
      const before = db.connections?.();
      let parts = 0;
      const hangsUp = new Writable({
        write(_c, _e, done) {
          if (++parts === 3) this.destroy();
          done();
        },
      });
      await assert.rejects(writeStoreActionsCsv(s, { today, template }, hangsUp), /closed before the CSV was written|destroyed|premature/i);
      if (before !== undefined) assert.equal(db.connections!(), before);
      // The store still answers, and a whole CSV can be written again.
      const again = collect();
      await writeStoreActionsCsv(s, { today, template }, again.stream);
      assert.ok(again.text().startsWith('\uFEFFOrganisation code,'));
    });
  });
}

describe('National CSV on worker threads: a SQLite database in UTF-16', function () {
  this.timeout(60_000);
  it('reads a SQLite database kept in UTF-16 as text, not as bytes taken for UTF-8', async () => {
    // A database made elsewhere in UTF-16 (SQLite fixes the encoding when the first table is made): a plan handed over
    // as its bytes would be UTF-16 there, which a worker reading UTF-8 would turn into other text.
    const dir = await mkdtemp(join(tmpdir(), 'naome-utf16-'));
    try {
      const made = new Database(join(dir, 'naome.sqlite'));
      made.pragma("encoding = 'UTF-16le'");
      made.exec('CREATE TABLE made_elsewhere (x)');
      made.close();
      const utf16 = new SqliteStore(dir);
      try {
        assert.equal(utf16.db.pragma('encoding', { simple: true }), 'UTF-16le');
        await utf16.seedOrganisations(() => organisations);
        const code = organisations.find((o) => o.nation === 'Wales')!.code;
        const content = goodPlanContent(code);
        content.actions[0]!.responsible = 'Siân O’Neill – Ysbyty Gwynedd 🩺';
        await store(utf16, code, content, 0);
        const out = collect();
        await writeStoreActionsCsv(utf16, { today, template }, out.stream);
        assert.ok(out.text().includes(',Siân O’Neill – Ysbyty Gwynedd 🩺,'), out.text().slice(0, 600));
      } finally {
        await utf16.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
