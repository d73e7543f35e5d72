// The reminder schedule (issue 13) with a fake clock, a real database (each engine: test/helpers/engines.ts) and a real
// SMTP server: reminders fire on the
// right days (N days before the deadline; the day after it and every 7 days after), once each — ticking again the
// same day or the same week, after a restart, from two server processes and from two `naome remind` processes run at
// once; a failed scheduled send is not recorded as sent and goes once on the next tick.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import pino from 'pino';
import { addDays } from '../shared/cells';
import { currentTemplate } from '../shared/template';
import { currentOccasion, runSchedule } from '../server/desk/scheduler';
import { smtpMailer, type Mailer } from '../server/desk/mailer';
import { startServer } from '../server/serve';
import { ENGINES, skipUnlessAvailable, type TestDatabase } from './helpers/engines';
import { call, startTestServer } from './helpers/server';
import { submitPlan } from './helpers/deskPlans';
import { startTestSmtp, type TestSmtp } from './helpers/smtp';

const ROOT = join(import.meta.dirname, '..');
const DEADLINE = '2027-03-10';
const CSV = [
  'ods_code,name,nation,nhs_england_region,expected,contacts',
  'RGT,Cambridge University Hospitals NHS Foundation Trust,England,East of England,yes,lead@cuh.nhs.net',
  'RDE,East Suffolk and North Essex NHS Foundation Trust,England,East of England,no,audit@esneft.nhs.uk',
  'R0A,Manchester University NHS Foundation Trust,England,North West,yes,one@mft.nhs.uk',
  '7A1,Betsi Cadwaladr University Local Health Board,Wales,,yes,plans@wales.nhs.uk',
  'RAJ,Mid and South Essex NHS Foundation Trust,England,East of England,yes,',
].join('\n');
/** Not returned, expected, with a contact: R0A and 7A1 (RAJ has no contact; RDE is not expected). */
const NOT_RETURNED = ['one@mft.nhs.uk', 'plans@wales.nhs.uk'];
/** Overdue digests: RGT (returned with overdue actions). */
const DIGESTS = ['lead@cuh.nhs.net'];

describe('the reminder schedule', function () {
  this.timeout(180_000);

  it('knows the occasion of each day', () => {
    const s = { deadline: DEADLINE, remindDaysBefore: 3, remindWeeklyAfter: true };
    const day = (offset: number) => currentOccasion(s, addDays(DEADLINE, offset))?.day ?? null;
    assert.deepEqual([-4, -3, -1, 0, 1, 7, 8, 14, 15, 22].map(day),
      [null, '2027-03-07', '2027-03-07', '2027-03-07', '2027-03-11', '2027-03-11', '2027-03-18', '2027-03-18', '2027-03-25', '2027-04-01']);
    assert.deepEqual(currentOccasion(s, '2027-03-11')!.kinds, ['not-returned', 'changes-requested', 'overdue-actions']);
    assert.deepEqual(currentOccasion(s, '2027-03-08')!.kinds, ['not-returned']);
    assert.equal(currentOccasion({ ...s, remindWeeklyAfter: false }, '2027-03-11'), null);
    assert.equal(currentOccasion({ ...s, remindDaysBefore: null }, '2027-03-09'), null);
    assert.equal(currentOccasion({ ...s, deadline: null }, '2027-03-09'), null);
  });

  for (const engine of ENGINES) describe(`with a real database (${engine.name}) and SMTP server`, () => {
    let smtp: TestSmtp;
    let database: TestDatabase;
    let mailer: Mailer;

    before(async function () {
      skipUnlessAvailable(this, engine);
      smtp = await startTestSmtp();
      database = await engine.fresh();
      const s = await startTestServer({ dataDir: database.server.dataDir, serve: { reminderEveryMs: 0, database: database.server.database } });
      try {
        assert.equal((await call(s.url, 'PUT', '/api/admin/organisations', { key: s.adminKey, body: CSV, type: 'text/csv' })).status, 200);
        await call(s.url, 'PUT', '/api/admin/round', { key: s.adminKey, body: JSON.stringify({ deadline: DEADLINE, remindDaysBefore: 3, remindWeeklyAfter: true }) });
        await submitPlan(s, 'RGT', 2); // its actions are overdue from well before 2027
      } finally {
        await s.close();
      }
      mailer = await smtpMailer({ url: smtp.url });
    });
    after(async () => {
      mailer?.close();
      await smtp?.stop();
      await database?.drop();
    });

    /** One tick of the schedule on a given day, through a fresh connection to the database (as a restarted service). */
    async function tick(today: string) {
      const store = await database.open();
      try {
        return await runSchedule({ store, template: currentTemplate, today }, mailer, 'schedule');
      } finally {
        await store.close();
      }
    }
    const receivedSince = (n: number) => smtp.received.slice(n).map((m) => m.to.join(',')).sort();

    it('fires on the right days, once each, across restarts', async () => {
      let seen = smtp.received.length;
      const expectDay = async (today: string, to: string[]) => {
        await tick(today);
        assert.deepEqual(receivedSince(seen), [...to].sort(), today);
        seen = smtp.received.length;
      };
      await expectDay(addDays(DEADLINE, -4), []);
      await expectDay(addDays(DEADLINE, -3), NOT_RETURNED);
      await expectDay(addDays(DEADLINE, -3), []); // the same day again
      await expectDay(addDays(DEADLINE, -1), []); // the same occasion
      await expectDay(DEADLINE, []);
      await expectDay(addDays(DEADLINE, 1), [...NOT_RETURNED, ...DIGESTS]);
      await expectDay(addDays(DEADLINE, 5), []);
      await expectDay(addDays(DEADLINE, 8), [...NOT_RETURNED, ...DIGESTS]);
      const digest = smtp.received.at(-1)!.to[0] === 'lead@cuh.nhs.net' ? smtp.received.at(-1)! : smtp.received.find((m) => m.to[0] === 'lead@cuh.nhs.net')!;
      assert.match(digest.subject, /2 overdue actions/);
      // Each went once, and each is recorded with its trigger.
      const store = await database.open();
      try {
        const log = await store.round.messages();
        assert.equal(log.length, 2 + 3 + 3);
        assert.ok(log.every((m) => m.trigger === 'schedule' && m.outcome === 'sent'));
      } finally {
        await store.close();
      }
    });

    it('sends each once from two servers on the same database ticking together (each its own connection, as --processes 2)', async () => {
      const today = addDays(DEADLINE, 15);
      const seen = smtp.received.length;
      const servers = await Promise.all([0, 1].map(() => startServer({
        ...database.server, http: true, port: 0, workers: 0, smtp: smtp.url, today: () => today, reminderEveryMs: 50,
        logger: pino({ level: 'silent' }),
      })));
      try {
        // Both tick every 50 ms; wait until the occasion's reminders are all in, then a while longer.
        const want = NOT_RETURNED.length + DIGESTS.length;
        const until = Date.now() + 30_000;
        while (smtp.received.length - seen < want && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
        await new Promise((r) => setTimeout(r, 500));
      } finally {
        await Promise.all(servers.map((s) => s.close()));
      }
      assert.deepEqual(receivedSince(seen), [...NOT_RETURNED, ...DIGESTS].sort());
    });

    it('sends each once from two `naome remind` processes run at once, and lists what is due with --dry-run', async () => {
      const today = addDays(DEADLINE, 22);
      const run = (...args: string[]) => new Promise<{ code: number | null; out: string; err: string }>((done) => {
        const child = spawn(process.execPath, [join(ROOT, 'bin', 'naome.js'), 'remind', ...database.flags, '--date', today, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '', err = '';
        child.stdout.on('data', (c) => { out += c; });
        child.stderr.on('data', (c) => { err += c; });
        child.on('close', (code) => done({ code, out, err }));
      });
      const dry = await run('--dry-run');
      assert.equal(dry.code, 0, dry.err);
      assert.deepEqual(dry.out.trim().split('\n').map((l) => l.split('\t').slice(0, 2).join(' ')).sort(),
        ['not-returned 7A1', 'not-returned R0A', 'not-returned RAJ', 'overdue-actions RGT']);
      assert.match(dry.err, /4 reminders due \(weekly after the deadline, 01\/04\/2027\); 1 without a contact address\. Nothing was sent/);

      const seen = smtp.received.length;
      const [a, b] = await Promise.all([run('--smtp', smtp.url), run('--smtp', smtp.url)]);
      assert.equal(a.code, 0, a.err);
      assert.equal(b.code, 0, b.err);
      assert.deepEqual(receivedSince(seen), [...NOT_RETURNED, ...DIGESTS].sort());
      const sentLines = (a.out + b.out).split('\n').filter((l) => l.startsWith('sent\t'));
      assert.equal(sentLines.length, 3, 'three sent between the two runs');

      const misuse = await run();
      assert.equal(misuse.code, 2);
      assert.match(misuse.err, /give the SMTP server \(--smtp URL or NAOME_SMTP_URL\), or --dry-run/);
    });

    it('does not record a failed scheduled send as sent, and sends it once on the next tick', async () => {
      const today = addDays(DEADLINE, 29);
      await smtp.stop();
      const down = await tick(today);
      assert.deepEqual(down.outcomes.filter((o) => o.outcome === 'failed').map((o) => o.code).sort(), ['7A1', 'R0A', 'RGT']);
      await smtp.start();
      const seen = smtp.received.length;
      const retry = await tick(today);
      assert.deepEqual(retry.outcomes.filter((o) => o.outcome === 'sent').map((o) => o.code).sort(), ['7A1', 'R0A', 'RGT']);
      await tick(today);
      assert.deepEqual(receivedSince(seen), [...NOT_RETURNED, ...DIGESTS].sort());
    });
  });
});
