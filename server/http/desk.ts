// The national team's desk (issue 13), all behind the admin key: the round (deadline, reminder schedule), each
// organisation's expected flag and contacts, the dashboard's figures, and reminders (preview, CSV, send, the record
// of every message). docs/api.md describes each route.
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import type { Logger } from 'pino';
import type { z } from 'zod';
import { parseContacts } from '../../shared/organisations';
import type { Template } from '../../shared/template';
import { Collator } from '../collate/collator';
import { roundFigures } from '../collate/figures';
import type { Mailer } from '../desk/mailer';
import { dueReminders, remindersCsv, sendReminders, type ReminderContext } from '../desk/reminders';
import { eachLatestSubmission } from '../store/rows';
import type { Store } from '../store/types';
import { HttpError } from './errors';
import {
  dashboardSchema, messageSchema, organisationRoundSchema, organisationSettingsSchema, reminderKindSchema, reminderPreviewSchema,
  roundSchema, roundSettingsSchema, sendRemindersSchema, sendResultSchema,
} from './deskSchemas';
import { odsCodeSchema } from './schemas';

export interface DeskOptions {
  store: Store;
  admin: RequestHandler[];
  today: () => string;
  template: Template;
  logger: Logger;
  /** The mailer, made on first use; undefined: reminders are off (no SMTP server set). */
  mailer?: () => Promise<Mailer>;
  publicUrl?: string;
}

const reply = <T>(res: Response, status: number, schema: z.ZodType<T>, body: T) => { res.status(status).json(schema.parse(body)); };
const asyncRoute = (fn: (req: Request, res: Response) => Promise<void>) => (req: Request, res: Response, next: NextFunction) => {
  fn(req, res).catch(next);
};

/** A body checked against its schema, or a 400 that names the first problem. */
function bodyOf<T>(schema: z.ZodType<T>, body: unknown, what: string): T {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const where = issue.path.length ? ` (${issue.path.join('.')})` : '';
  throw new HttpError(400, 'BAD_REQUEST', `${what}: ${issue.message}${where}.`);
}

export function deskRouter(opts: DeskOptions): express.Router {
  const { store, admin, logger } = opts;
  const { round } = store;
  const router = express.Router();
  const json = express.json({ limit: '200kb' });
  const context = (): ReminderContext => ({ store, template: opts.template, today: opts.today(), publicUrl: opts.publicUrl });
  const kindOf = (raw: unknown) => {
    const parsed = reminderKindSchema.safeParse(raw);
    if (!parsed.success) throw new HttpError(400, 'BAD_KIND', `Say which reminders: ?kind=${reminderKindSchema.options.join(' or ?kind=')}.`);
    return parsed.data;
  };

  router.get('/api/admin/round', ...admin, asyncRoute(async (_req, res) => {
    reply(res, 200, roundSchema, { ...await round.settings(), remindersOn: opts.mailer !== undefined });
  }));

  router.put('/api/admin/round', ...admin, json, asyncRoute(async (req, res) => {
    const settings = bodyOf(roundSettingsSchema, req.body, 'The round');
    await round.setSettings(settings);
    logger.info({ deadline: settings.deadline }, 'round settings changed');
    reply(res, 200, roundSchema, { ...await round.settings(), remindersOn: opts.mailer !== undefined });
  }));

  router.patch('/api/admin/organisations/:code', ...admin, json, asyncRoute(async (req, res) => {
    const parsedCode = odsCodeSchema.safeParse(req.params.code);
    const code = parsedCode.success ? parsedCode.data.toUpperCase() : '';
    if (!code || !await store.organisation(code)) throw new HttpError(404, 'UNKNOWN_ORGANISATION', `"${String(req.params.code).slice(0, 20)}" is not an organisation on the list.`);
    const body = bodyOf(organisationSettingsSchema, req.body, `The settings of ${code}`);
    let contacts: string[] | undefined;
    if (body.contacts !== undefined) {
      try {
        contacts = parseContacts(Array.isArray(body.contacts) ? body.contacts.join(';') : body.contacts);
      } catch (err) {
        throw new HttpError(400, 'BAD_CONTACTS', `The contacts of ${code}: ${(err as Error).message}`);
      }
    }
    await round.setSettingsOf(code, { expected: body.expected, contacts });
    const o = (await round.organisations()).find((x) => x.code === code)!;
    reply(res, 200, organisationRoundSchema, { code, expected: o.expected, contacts: o.contacts });
  }));

  router.get('/api/dashboard', ...admin, asyncRoute(async (_req, res) => {
    const collator = new Collator({ organisations: await round.organisations(), today: opts.today(), template: opts.template, keepActions: false });
    async function* plans() {
      for await (const s of eachLatestSubmission(store)) {
        const counted = collator.add({ source: `submission ${s.receipt.id} (v${s.receipt.version})`, submittedAt: new Date(s.receipt.receivedAt), result: s.result, plan: s.plan });
        if (counted) yield counted;
      }
    }
    const figures = await roundFigures({ collator, plans: plans() }, await round.firstReturns(), (await round.settings()).deadline);
    reply(res, 200, dashboardSchema, figures);
  }));

  router.get('/api/admin/reminders', ...admin, asyncRoute(async (req, res) => {
    const kind = kindOf(req.query.kind);
    reply(res, 200, reminderPreviewSchema, { kind, remindersOn: opts.mailer !== undefined, reminders: await dueReminders(kind, context()) });
  }));

  router.get('/api/admin/reminders.csv', ...admin, asyncRoute(async (req, res) => {
    const kind = kindOf(req.query.kind);
    const csv = remindersCsv(await dueReminders(kind, context()));
    res.status(200).type('text/csv; charset=utf-8').attachment(`naome-reminders-${kind}-${opts.today()}.csv`).send(csv);
  }));

  // One send at a time per process: a second click while the first batch goes out is refused, not sent twice.
  let sending = false;
  router.post('/api/admin/reminders', ...admin, json, asyncRoute(async (req, res) => {
    const body = bodyOf(sendRemindersSchema, req.body, 'The reminders to send');
    if (!opts.mailer) {
      throw new HttpError(503, 'REMINDERS_OFF', 'Reminders are off: the service has no SMTP server (start it with --smtp URL or NAOME_SMTP_URL). Download the list as CSV, or use the mailto links, to send them yourself.');
    }
    if (sending) throw new HttpError(409, 'ALREADY_SENDING', 'Reminders are being sent already: wait for that to finish, then look at the record of messages.');
    sending = true;
    try {
      let due = await dueReminders(body.kind, context());
      if (body.codes) {
        const wanted = new Set(body.codes.map((c) => c.toUpperCase()));
        due = due.filter((r) => wanted.has(r.code));
      }
      const mailer = await opts.mailer();
      const outcomes = await sendReminders(due, mailer, round, { trigger: 'manual' });
      const count = (o: string) => outcomes.filter((x) => x.outcome === o).length;
      logger.info({ kind: body.kind, sent: count('sent'), failed: count('failed') }, 'reminders sent');
      reply(res, 200, sendResultSchema, { sent: count('sent'), failed: count('failed'), skipped: count('skipped'), outcomes });
    } finally {
      sending = false;
    }
  }));

  router.get('/api/admin/messages', ...admin, asyncRoute(async (_req, res) => {
    reply(res, 200, messageSchema.array(), await round.messages());
  }));

  return router;
}
