// The add-in's "Load my latest plan" and review line, run against office-addin-mock (addin/mock/excelMock.ts, the
// one stand-in for Excel): the latest plan model from the real service is built into an empty workbook in Create
// plan's three round trips, and reading it back with Check gives the same plan.
import assert from 'node:assert/strict';
import { createPlan } from '../addin/src/createPlan';
import { checkOpenWorkbook } from '../addin/src/readPlan';
import { keyOrganisation, reviewText, type LatestPlan } from '../addin/src/service';
import { ExcelWorkbookModel } from '../addin/mock/excelMock';
import { todayIso } from '../shared/cells';
import { loadOrganisations } from '../server/organisations';
import { checkWorkbook } from '../server/xlsx/checkWorkbook';
import { fillWorkbook, goodPlanContent } from './helpers/plans';
import { call, startTestServer, type TestServer } from './helpers/server';

const organisations = loadOrganisations();

describe('add-in (office-addin-mock): Load my latest plan, and the review', function () {
  this.timeout(120_000);
  let s: TestServer;
  let key: string;
  let latest: LatestPlan;
  before(async () => {
    s = await startTestServer();
    key = await s.issueKey('RGT');
    const blank = (await call(s.url, 'GET', '/template.xlsx?org=RGT')).bytes;
    const content = goodPlanContent('RGT');
    const bytes = await fillWorkbook(blank, content);
    assert.equal((await call(s.url, 'POST', '/api/submissions', { key, body: bytes })).status, 201);
    const id = (await call(s.url, 'GET', '/api/submissions', { key })).json[0].id;
    await call(s.url, 'POST', `/api/submissions/${id}/reviews`, {
      key: s.adminKey, body: JSON.stringify({ state: 'changes-requested', comment: 'Name a lead for recommendation 4.', reviewer: 'Ann Lee' }),
    });
    const res = await call(s.url, 'GET', '/api/organisations/RGT/latest', { key });
    assert.equal(res.status, 200);
    latest = res.json;
  });
  after(async () => {
    await s?.close();
  });

  it('builds the latest plan into an empty workbook in 3 round trips; Check reads back the same plan, valid', async () => {
    const model = new ExcelWorkbookModel(['Sheet1']);
    const context = model.context();
    let syncs = 0;
    const sync = context.sync.bind(context);
    context.sync = (<T>(v?: T) => { syncs++; return sync(v); }) as typeof context.sync;
    const outcome = await createPlan(context, { organisations, organisation: 'RGT', plan: latest.plan });
    assert.equal(outcome.ok, true);
    assert.equal(syncs, 3);
    const { result, plan } = await checkOpenWorkbook(model.context(), { organisations, today: todayIso() });
    assert.equal(result.valid, true, JSON.stringify(result.findings));
    assert.deepEqual(plan!.actions, latest.plan.actions);
    assert.deepEqual(plan!.header, latest.plan.header);
    // The same plan the file reader gets from the service's own workbook of it.
    const file = (await call(s.url, 'GET', '/api/organisations/RGT/plan.xlsx', { key })).bytes;
    assert.deepEqual((await checkWorkbook(file, { organisations })).plan!.actions, plan!.actions);
  });

  it('refuses to load into a workbook that already holds a plan, saying what to do', async () => {
    const model = new ExcelWorkbookModel(['Sheet1']);
    assert.equal((await createPlan(model.context(), { organisations })).ok, true);
    const again = await createPlan(model.context(), { organisations, plan: latest.plan });
    assert.equal(again.ok, false);
    assert.match((again as { message: string }).message, /open a new blank workbook/);
  });

  it('says where the latest version stands, with the comment, and reads the organisation from the key', () => {
    assert.equal(latest.reviewState, 'changes-requested');
    assert.match(reviewText(latest), /^Version 1: changes requested by the national team \(Ann Lee, .+\): “Name a lead for recommendation 4\.”$/);
    assert.equal(keyOrganisation(key), 'RGT');
    assert.equal(keyOrganisation('naome_admin_x'), null);
  });
});
