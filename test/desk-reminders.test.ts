// Reminder e-mails (issue 13) sent by the real service through a real SMTP server (the smtp-server package on a free
// port): exactly the expected messages arrive, to the right addresses, with no key and no plan content beyond action
// titles; every message is recorded; a stopped mail server makes the send fail visibly, nothing is recorded as sent,
// and a retry sends each once. Without SMTP, reminders are off and the list comes as CSV.
import assert from 'node:assert/strict';
import { call, startTestServer, type TestServer } from './helpers/server';
import { planFor, submitPlan } from './helpers/deskPlans';
import { startTestSmtp, type TestSmtp } from './helpers/smtp';

const CSV = [
  'ods_code,name,nation,nhs_england_region,expected,contacts',
  'RGT,Cambridge University Hospitals NHS Foundation Trust,England,East of England,yes,lead@cuh.nhs.net',
  'RDE,East Suffolk and North Essex NHS Foundation Trust,England,East of England,no,audit@esneft.nhs.uk',
  'R0A,Manchester University NHS Foundation Trust,England,North West,yes,one@mft.nhs.uk;two@mft.nhs.uk',
  '7A1,Betsi Cadwaladr University Local Health Board,Wales,,yes,plans@wales.nhs.uk',
  'RAJ,Mid and South Essex NHS Foundation Trust,England,East of England,yes,',
].join('\n');

describe('reminders by e-mail through a real SMTP server', function () {
  this.timeout(120_000);
  let smtp: TestSmtp;
  let s: TestServer;
  const keys = new Map<string, string>();
  let rgt: { id: string; version: number };
  const admin = () => ({ key: s.adminKey });
  const send = (kind: string) => call(s.url, 'POST', '/api/admin/reminders', { ...admin(), body: JSON.stringify({ kind }) });

  before(async () => {
    smtp = await startTestSmtp();
    s = await startTestServer({ serve: { smtp: smtp.url, mailFrom: 'NAoMe <naome@audit.example>', publicUrl: 'https://naome.example', reminderEveryMs: 0 } });
    assert.equal((await call(s.url, 'PUT', '/api/admin/organisations', { ...admin(), body: CSV, type: 'text/csv' })).status, 200);
    await call(s.url, 'PUT', '/api/admin/round', { ...admin(), body: JSON.stringify({ deadline: '2099-01-29', remindDaysBefore: null, remindWeeklyAfter: false }) });
    rgt = await submitPlan(s, 'RGT', 2, keys);
    await submitPlan(s, 'RDE', 1, keys); // not expected, but it returned: its overdue digest still goes
  });
  after(async () => {
    await s?.close();
    await smtp?.stop();
  });

  it('previews who is due: expected organisations not returned, with their contacts', async () => {
    const p = await call(s.url, 'GET', '/api/admin/reminders?kind=not-returned', admin());
    assert.equal(p.status, 200);
    assert.equal(p.json.remindersOn, true);
    assert.deepEqual(p.json.reminders.map((r: { code: string; to: string[] }) => [r.code, r.to]),
      [['7A1', ['plans@wales.nhs.uk']], ['R0A', ['one@mft.nhs.uk', 'two@mft.nhs.uk']], ['RAJ', []]]);
    assert.match(p.json.reminders[0].text, /Plans are due by 29\/01\/2099/);
    assert.match(p.json.reminders[0].text, /https:\/\/naome\.example\//);
    const bad = await call(s.url, 'GET', '/api/admin/reminders?kind=everyone', admin());
    assert.equal(bad.status, 400);
    assert.match(bad.json.error.message, /kind=not-returned/);
  });

  it('sends exactly those with a contact, and records each', async () => {
    const res = await send('not-returned');
    assert.equal(res.status, 200, JSON.stringify(res.json));
    assert.deepEqual([res.json.sent, res.json.failed, res.json.skipped], [2, 0, 1]);
    assert.equal(smtp.received.length, 2);
    const byTo = new Map(smtp.received.map((m) => [m.to.join(','), m]));
    assert.deepEqual([...byTo.keys()].sort(), ['one@mft.nhs.uk,two@mft.nhs.uk', 'plans@wales.nhs.uk']);
    const welsh = byTo.get('plans@wales.nhs.uk')!;
    assert.equal(welsh.from, 'naome@audit.example');
    assert.equal(welsh.subject, 'NAoMe local action plan: not yet received from Betsi Cadwaladr University Local Health Board');
    assert.match(welsh.body, /has not yet received the local action plan of Betsi Cadwaladr University Local Health Board \(7A1\)/);
    for (const m of smtp.received) {
      assert.ok(!/naome_\w+_/i.test(m.raw), 'no key in a message');
      for (const k of keys.values()) assert.ok(!m.raw.includes(k));
    }
    const log = (await call(s.url, 'GET', '/api/admin/messages', admin())).json as Array<Record<string, unknown>>;
    assert.equal(log.length, 2);
    assert.deepEqual(log.map((m) => [m.organisation, m.kind, m.outcome, m.trigger]).sort(),
      [['7A1', 'not-returned', 'sent', 'manual'], ['R0A', 'not-returned', 'sent', 'manual']]);
    assert.deepEqual(log.find((m) => m.organisation === 'R0A')!.recipients, ['one@mft.nhs.uk', 'two@mft.nhs.uk']);
  });

  it('sends a digest of overdue actions with their titles and nothing else of the plan', async () => {
    smtp.received.length = 0;
    const res = await send('overdue-actions');
    assert.deepEqual([res.json.sent, res.json.failed], [2, 0]);
    const rgt = smtp.received.find((m) => m.to.includes('lead@cuh.nhs.net'))!;
    assert.equal(rgt.subject, 'NAoMe local action plan: 2 overdue actions for Cambridge University Hospitals NHS Foundation Trust');
    assert.match(rgt.body, /- Recommendation \d+: Overdue action 1 of RGT\n- Recommendation \d+: Overdue action 2 of RGT\n/);
    // The plan's other content (people, progress notes, other actions) is not in it.
    const plan = await planFor('RGT', 2);
    for (const a of plan.actions) {
      for (const text of [a.responsible, a.progress]) if (text) assert.ok(!rgt.body.includes(text), `"${text}" is not in the e-mail`);
      if (a.action && !a.action.startsWith('Overdue')) assert.ok(!rgt.body.includes(a.action));
    }
    for (const v of Object.values(plan.header)) if (v && v !== 'RGT') assert.ok(!rgt.body.includes(v), `header "${v}" is not in the e-mail`);
    assert.ok(smtp.received.some((m) => m.to.includes('audit@esneft.nhs.uk') && /1 overdue action for/.test(m.subject)));
  });

  it("reminds an organisation whose latest version was sent back, with the review's comment", async () => {
    const none = await call(s.url, 'GET', '/api/admin/reminders?kind=changes-requested', admin());
    assert.deepEqual(none.json.reminders, [], 'no review yet');
    const review = await call(s.url, 'POST', `/api/submissions/${rgt.id}/reviews`, { ...admin(),
      body: JSON.stringify({ state: 'changes-requested', comment: 'Recommendation 4 needs a named lead.', reviewer: 'Ann Lee' }) });
    assert.equal(review.status, 201, JSON.stringify(review.json));
    smtp.received.length = 0;
    const res = await send('changes-requested');
    assert.deepEqual([res.json.sent, res.json.failed, res.json.skipped], [1, 0, 0]);
    assert.equal(smtp.received.length, 1);
    const m = smtp.received[0]!;
    assert.deepEqual(m.to, ['lead@cuh.nhs.net']);
    assert.equal(m.subject, "NAoMe local action plan: changes requested to Cambridge University Hospitals NHS Foundation Trust's plan");
    assert.match(m.body, /reviewed version 1 of the local action plan of Cambridge University Hospitals NHS Foundation Trust \(RGT\) and asks for changes:\n\nRecommendation 4 needs a named lead\.\n/);
    // Accepted later: no longer due.
    await call(s.url, 'POST', `/api/submissions/${rgt.id}/reviews`, { ...admin(), body: JSON.stringify({ state: 'accepted', comment: '', reviewer: 'Ann Lee' }) });
    assert.deepEqual((await call(s.url, 'GET', '/api/admin/reminders?kind=changes-requested', admin())).json.reminders, []);
  });

  it('fails visibly when the SMTP server is down, records nothing as sent, and a retry sends each once', async () => {
    smtp.received.length = 0;
    const before = ((await call(s.url, 'GET', '/api/admin/messages', admin())).json as unknown[]).length;
    await smtp.stop();
    const down = await send('not-returned');
    assert.equal(down.status, 200);
    assert.deepEqual([down.json.sent, down.json.failed], [0, 2]);
    for (const o of down.json.outcomes.filter((x: { outcome: string }) => x.outcome === 'failed')) assert.match(o.error, /ECONNREFUSED|connect/i);
    const log = (await call(s.url, 'GET', '/api/admin/messages', admin())).json as Array<Record<string, unknown>>;
    assert.equal(log.length, before + 2);
    assert.deepEqual(log.slice(0, 2).map((m) => m.outcome), ['failed', 'failed'], 'recorded as failed, not sent');

    await smtp.start();
    const retry = await send('not-returned');
    assert.deepEqual([retry.json.sent, retry.json.failed], [2, 0]);
    assert.equal(smtp.received.length, 2, 'each once');
    assert.deepEqual(smtp.received.map((m) => m.to[0]).sort(), ['one@mft.nhs.uk', 'plans@wales.nhs.uk']);
  });
});

describe('reminders without SMTP', function () {
  this.timeout(60_000);
  let s: TestServer;
  before(async () => { s = await startTestServer(); });
  after(async () => { await s?.close(); });

  it('are off: sending is refused with what to do, and the list comes as CSV', async () => {
    await call(s.url, 'PUT', '/api/admin/organisations', { key: s.adminKey, body: CSV, type: 'text/csv' });
    const p = await call(s.url, 'GET', '/api/admin/reminders?kind=not-returned', { key: s.adminKey });
    assert.equal(p.json.remindersOn, false);
    const res = await call(s.url, 'POST', '/api/admin/reminders', { key: s.adminKey, body: '{"kind":"not-returned"}' });
    assert.equal(res.status, 503);
    assert.equal(res.json.error.code, 'REMINDERS_OFF');
    assert.match(res.json.error.message, /--smtp URL or NAOME_SMTP_URL/);
    assert.deepEqual((await call(s.url, 'GET', '/api/admin/messages', { key: s.adminKey })).json, []);
    const csv = await call(s.url, 'GET', '/api/admin/reminders.csv?kind=not-returned', { key: s.adminKey });
    assert.equal(csv.status, 200);
    assert.match(csv.headers.get('content-disposition')!, /naome-reminders-not-returned-\d{4}-\d\d-\d\d\.csv/);
    const lines = csv.bytes.toString('utf8').replace(/^\uFEFF/, '').trim().split('\r\n');
    assert.equal(lines[0], 'ods_code,name,kind,contacts,subject');
    assert.deepEqual(lines.slice(1).map((l) => l.split(',')[0]), ['7A1', 'R0A', 'RAJ', 'RGT']);
    assert.match(lines[2]!, /^R0A,Manchester University NHS Foundation Trust,not-returned,one@mft\.nhs\.uk; two@mft\.nhs\.uk,/);
  });
});
