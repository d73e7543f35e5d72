// The plan schema is as strict as the workbook: a plan sent as JSON may hold only what a workbook can — the template's
// recommendations, header fields and official cells, rows inside the plan's blocks or the "More actions" rows, each row
// once, and places that could be a sheet's — and no key the plan model does not have. Every refusal is a 400 naming the
// JSON path and what is wrong. Plans the file reader builds always pass (here: our writer's workbooks; the workbooks
// LibreOffice and openpyxl restructured are checked in test/locate.test.ts).
import assert from 'node:assert/strict';
import { HttpError } from '../server/http/errors';
import { jsonPath, parsePlanJson } from '../server/http/check';
import { loadOrganisations } from '../server/organisations';
import { checkWorkbook } from '../server/xlsx/checkWorkbook';
import { writePlanWorkbook } from '../server/xlsx/writePlanWorkbook';
import { MAX_CELL_CHARS, MAX_SHEET_ROWS, type Plan } from '../shared/plan';
import { planSchema } from '../shared/planSchema';
import { fixedPlaces } from '../shared/locate';
import { currentTemplate } from '../shared/template';
import { fillWorkbook, goodPlanContent, type PlanContent } from './helpers/plans';
import { call, startTestServer } from './helpers/server';

const organisations = loadOrganisations();

/** The 400 parsePlanJson throws for a body, as { code, message }. */
async function refusal(body: unknown): Promise<{ code: string; message: string }> {
  const bytes = Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
  try {
    await parsePlanJson(bytes);
  } catch (err) {
    assert.ok(err instanceof HttpError, String(err));
    assert.equal(err.status, 400);
    return { code: err.code, message: err.message };
  }
  assert.fail('the plan was accepted');
}

describe('plan schema: as strict as the workbook', function () {
  this.timeout(60_000);
  let plan: Plan;
  const copy = (): Plan => structuredClone(plan);

  before(async () => {
    const blank = await writePlanWorkbook({ organisations });
    const { plan: read } = await checkWorkbook(await fillWorkbook(blank, goodPlanContent('RGT')), { organisations });
    plan = read!;
  });

  it('accepts every plan the file reader builds from our workbooks: blank, good, every row of every block filled', async () => {
    const blank = await writePlanWorkbook({ organisations });
    const good = goodPlanContent('RGT');
    const full: PlanContent = { header: good.header, actions: [] };
    for (const rec of currentTemplate.recommendations) {
      for (let index = 0; index < 15; index++) full.actions.push({ ...good.actions[0]!, recommendation: rec.number, index });
    }
    const odd: PlanContent = { header: { organisation: 'not on the list', auditLead: 'x'.repeat(5000) }, actions: [{ recommendation: 2, index: 14, status: 'Done', deadline: 'next week' }] };
    for (const content of [null, good, full, odd]) {
      const bytes = content ? await fillWorkbook(blank, content) : blank;
      const { plan: read } = await checkWorkbook(bytes, { organisations });
      const parsed = planSchema.safeParse(read);
      assert.ok(parsed.success, JSON.stringify(parsed.error?.issues.slice(0, 3)));
      await assert.doesNotReject(parsePlanJson(Buffer.from(JSON.stringify(read))));
    }
  });

  it('refuses a key the plan model does not have, at any level, naming its JSON path', async () => {
    const cases: Array<[(p: Record<string, any>) => void, RegExp]> = [
      [(p) => { p.extra = 1; }, /\(body\): a key the plan does not have \("extra"\)/],
      [(p) => { p.template.build = 'x'; }, /template: a key the plan does not have \("build"\)/],
      [(p) => { p.actions[2].owner = 'x'; }, /actions\[2\]: a key the plan does not have \("owner"\)/],
      [(p) => { p.official[0].note = 'x'; }, /official\[0\]: a key/],
      [(p) => { p.places = { ...fixedPlaces(currentTemplate), colour: 'red' }; }, /places: a key the plan does not have \("colour"\)/],
    ];
    for (const [edit, expected] of cases) {
      const p = copy() as unknown as Record<string, any>;
      edit(p);
      const r = await refusal(p);
      assert.equal(r.code, 'NOT_A_PLAN');
      assert.match(r.message, expected);
    }
  });

  it('refuses an object of 150,000 keys (1.7 MB) before parsing it, and unknown keys with a short message that counts them', async () => {
    const p = copy() as unknown as Record<string, any>;
    for (let i = 0; i < 150_000; i++) p.actions[0][`k${i}`] = 0;
    const body = JSON.stringify(p);
    assert.ok(body.length < 2 * 1024 * 1024);
    const r = await refusal(body);
    assert.equal(r.code, 'BAD_JSON');
    assert.match(r.message, /an object with more than 100 keys/);
    // Over HTTP it is refused as the body arrives.
    const s = await startTestServer();
    try {
      const res = await call(s.url, 'POST', '/api/validate', { body });
      assert.equal(res.status, 400);
      assert.match(res.json.error.message, /more than 100 keys/);
    } finally {
      await s.close();
    }
    // Fewer keys than that reach the schema, which names the first few and counts the rest.
    const some = copy() as unknown as Record<string, any>;
    for (let i = 0; i < 80; i++) some.actions[0][`k${i}`] = 0;
    const named = await refusal(some);
    assert.equal(named.code, 'NOT_A_PLAN');
    assert.match(named.message, /actions\[0\]: keys the plan does not have \("k0", "k1", "k2", "k3", "k4" and 75 more\); remove them/);
    assert.ok(named.message.length < 1000, `${named.message.length} characters`);
  });

  it('refuses recommendation numbers the template does not have, and 0 outside the "More actions" sheet', async () => {
    const p = copy();
    p.actions[1]!.recommendation = 99;
    const last = currentTemplate.recommendations.length;
    assert.match((await refusal(p)).message, new RegExp(`actions\\[1\\]\\.recommendation: 99 is not a recommendation of template "naome-2025" \\(1 to ${last}\\)`));
    const z = copy();
    z.actions[0]!.recommendation = 0;
    assert.match((await refusal(z)).message, /actions\[0\]\.recommendation: 0 is only for a row of the "More actions" sheet/);
    // A "More actions" row that names no recommendation is what the reader builds: accepted, for the rules to name.
    const more = copy();
    more.actions.push({ ...more.actions[0]!, recommendation: 0, row: 4, sheet: 'More actions', recommendationText: '9' });
    assert.equal((await parsePlanJson(Buffer.from(JSON.stringify(more)))).actions.length, plan.actions.length + 1);
  });

  it('refuses rows outside the plan\'s blocks or the "More actions" rows, another sheet, and a row given twice', async () => {
    const first = fixedPlaces(currentTemplate).blocks[0]!;
    const outside = copy();
    outside.actions[0]!.row = first.lastRow + 1;
    assert.match((await refusal(outside)).message, new RegExp(`actions\\[0\\]\\.row: row ${first.lastRow + 1} is not one of recommendation 1's rows \\(${first.firstRow} to ${first.lastRow}\\)`));
    const far = copy();
    far.actions[0]!.row = MAX_SHEET_ROWS + 1;
    assert.match((await refusal(far)).message, /actions\[0\]\.row: /);
    const sheet = copy();
    sheet.actions[0] = { ...sheet.actions[0]!, sheet: 'Lists' };
    assert.match((await refusal(sheet)).message, /actions\[0\]\.sheet: "Lists" is not the "More actions" sheet/);
    const moreRow = copy();
    moreRow.actions.push({ ...moreRow.actions[0]!, sheet: 'More actions', row: 1 });
    // The "More actions" rows read: the named rows 3–202 and the rows typed just below them on the unprotected sheet.
    const more = fixedPlaces(currentTemplate).more!;
    assert.match((await refusal(moreRow)).message, new RegExp(`row 1 is not one of the "More actions" rows \\(${more.firstRow} to ${more.lastRow}\\)`));
    const twice = copy();
    twice.actions.push({ ...twice.actions[0]! });
    assert.match((await refusal(twice)).message, new RegExp(`actions\\[${plan.actions.length}\\]\\.row: row ${plan.actions[0]!.row} is given twice`));
  });

  it('refuses header keys and official cells the template does not have', async () => {
    const h = copy();
    h.header.favouriteColour = 'blue';
    assert.match((await refusal(h)).message, /header\.favouriteColour: not a header field of template "naome-2025" \(its fields: "organisation", "auditLead", "actionPlanLead"\)/);
    const o = copy();
    o.official.push({ cell: 'Z9', text: 'x' });
    assert.match((await refusal(o)).message, /official\[\d+\]\.cell: Z9 is not an official text cell of this plan/);
    const d = copy();
    d.official.push({ ...d.official[0]! });
    assert.match((await refusal(d)).message, /is given twice/);
    const big = copy();
    big.official[0]!.cell = 'ZZZ1';
    assert.match((await refusal(big)).message, /official\[0\]\.cell: a cell past the last row or column a sheet has/);
  });

  it('refuses places that no sheet could have: blocks out of order or overlapping, missing, fields sharing a column', async () => {
    const fixed = fixedPlaces(currentTemplate);
    const withPlaces = (edit: (p: ReturnType<typeof fixedPlaces>) => void) => {
      const p = copy();
      p.places = structuredClone(fixed);
      edit(p.places);
      return p;
    };
    await assert.doesNotReject(parsePlanJson(Buffer.from(JSON.stringify(withPlaces(() => undefined)))), 'the fixed places themselves');
    assert.match((await refusal(withPlaces((p) => { p.blocks[1]!.firstRow = p.blocks[0]!.lastRow; }))).message, /places\.blocks\[1\]\.firstRow: overlaps or comes before the block before it/);
    assert.match((await refusal(withPlaces((p) => { p.blocks.reverse(); }))).message, /places\.blocks: must be one block for each recommendation, in order: 1, 2, 3/);
    assert.match((await refusal(withPlaces((p) => { p.blocks.pop(); }))).message, /places\.blocks: must be one block for each recommendation/);
    assert.match((await refusal(withPlaces((p) => { p.blocks[0]!.lastRow = p.blocks[0]!.firstRow - 5; }))).message, /places\.blocks\[0\]\.lastRow: ends/);
    assert.match((await refusal(withPlaces((p) => { p.columns.status = p.columns.action; }))).message, /places\.columns: two action fields share one column/);
    assert.match((await refusal(withPlaces((p) => { p.header = { organisation: 'C5' }; }))).message, /places\.header: the cell of header field "auditLead" is missing/);
    assert.match((await refusal(withPlaces((p) => { p.more = { sheet: p.sheet, firstRow: 3, lastRow: 2, numberCol: 'B', columns: p.columns }; }))).message,
      /places\.more\.sheet: .*; places\.more\.lastRow: ends \(row 2\) before it starts \(row 3\); places\.more\.columns: two fields share one column/);
  });

  it('over HTTP: a 400 NOT_A_PLAN naming the path, on /api/validate and /api/submissions alike', async () => {
    const s = await startTestServer();
    try {
      const key = await s.issueKey('RGT');
      const p = copy() as unknown as Record<string, any>;
      p.actions[0].recommendation = 42;
      for (const [path, auth] of [['/api/validate', undefined], ['/api/submissions', key]] as const) {
        const res = await call(s.url, 'POST', path, { body: JSON.stringify(p), key: auth });
        assert.equal(res.status, 400, path);
        assert.equal(res.json.error.code, 'NOT_A_PLAN');
        assert.match(res.json.error.message, /actions\[0\]\.recommendation: 42 is not a recommendation/);
      }
      // The same plan without the mistake is checked and stored.
      const ok = await call(s.url, 'POST', '/api/submissions', { body: JSON.stringify(plan), key });
      assert.equal(ok.status, 201, JSON.stringify(ok.json));
    } finally {
      await s.close();
    }
  });

  it('CELL_TOO_LONG: a workbook cell over 32,767 characters is an error naming the cell, on the file path as on the JSON path', async () => {
    const blank = await writePlanWorkbook({ organisations });
    const good = goodPlanContent('RGT');
    const content: PlanContent = {
      header: { ...good.header, auditLead: `Dr ${'a'.repeat(MAX_CELL_CHARS)}` },
      actions: [{ ...good.actions[0]!, progress: 'p'.repeat(40_000) }, { ...good.actions[1]!, action: 'x'.repeat(MAX_CELL_CHARS) }, ...good.actions.slice(2)],
    };
    const bytes = await fillWorkbook(blank, content);
    const { result, plan: read } = await checkWorkbook(bytes, { organisations });
    const long = result.findings.filter((f) => f.code === 'CELL_TOO_LONG');
    // Exactly at the limit is fine; one over it, or far over, is named by its cell.
    assert.deepEqual(long.map((f) => `${f.sheet}!${f.cell}:${f.field}`), ['Action plan!C6:auditLead', 'Action plan!H22:progress']);
    assert.equal(long[0]!.severity, 'error');
    assert.match(long[1]!.message, /The cell H22 on the "Action plan" sheet/);
    assert.match(long[1]!.message, /holds 40,000 characters; a cell can hold at most 32,767/);
    assert.equal(result.valid, false);
    // The plan model holds the text cut to the limit, so it still fits the schema; being invalid, it is never stored.
    assert.equal(read!.actions[0]!.progress!.length, MAX_CELL_CHARS);
    assert.ok(planSchema.safeParse(read).success);
    const s = await startTestServer();
    try {
      const key = await s.issueKey('RGT');
      const res = await call(s.url, 'POST', '/api/submissions', { body: bytes, key });
      assert.equal(res.status, 422);
      assert.ok(res.json.result.findings.some((f: { code: string; cell: string }) => f.code === 'CELL_TOO_LONG' && f.cell === 'H22'));
      assert.equal((await call(s.url, 'GET', '/api/submissions', { key })).json.length, 0, 'nothing stored');
      // JSON: the same limit, a 400 naming the path.
      const json = copy();
      json.actions[0]!.progress = 'p'.repeat(MAX_CELL_CHARS + 1);
      const refused = await call(s.url, 'POST', '/api/validate', { body: JSON.stringify(json) });
      assert.equal(refused.status, 400);
      assert.match(refused.json.error.message, /actions\[0\]\.progress: longer than 32,767 characters, the most one cell holds/);
    } finally {
      await s.close();
    }
  });

  it('names JSON paths as a person writes them', () => {
    assert.equal(jsonPath([]), '(body)');
    assert.equal(jsonPath(['actions', 3, 'row']), 'actions[3].row');
    assert.equal(jsonPath(['header', 'a b']), 'header["a b"]');
  });
});
