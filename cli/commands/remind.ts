import { resolve } from 'node:path';
import type { Command } from '../command';
import { parse, UsageError } from '../command';
import { isIsoDate, todayIso, ukDate } from '../../shared/cells';
import { currentTemplate } from '../../shared/template';
import { mailSettingsFrom, smtpMailer } from '../../server/desk/mailer';
import { runSchedule } from '../../server/desk/scheduler';
import { loadOrganisations } from '../../server/organisations';
import { DATABASE_ENV, databaseUrlOf, openStore } from '../../server/store/open';

const usage = `Usage: naome remind [--dry-run] [--data DIR | --database URL] [--smtp URL] [--mail-from ADDR] [--public-url URL] [--date YYYY-MM-DD]

Sends the reminders the round's schedule has due today (set on the admin page: N days before the deadline, weekly
after it), each once: one already sent by the service or an earlier run is not sent again. For running from cron.
  --dry-run         list what is due, send nothing
  --data DIR        the service's data directory (default ./data)
  --database URL    the service's PostgreSQL database instead (postgres://…; default ${DATABASE_ENV})
  --smtp URL        the SMTP server (smtp://user:pass@host:587 or smtps://…:465; default NAOME_SMTP_URL)
  --mail-from ADDR  the From address (default NAOME_MAIL_FROM)
  --public-url URL  the service's address, for the link in the e-mail (default NAOME_PUBLIC_URL)
  --date DAY        act as if today were DAY (default today, UK time)

Exit status: 0 all due reminders sent (or listed), 1 some could not be sent (they go on the next run), 2 misuse.`;

export const remind: Command = {
  usage,
  async run(args) {
    const { values } = parse(args, {
      'dry-run': { type: 'boolean' },
      data: { type: 'string' },
      database: { type: 'string' },
      smtp: { type: 'string' },
      'mail-from': { type: 'string' },
      'public-url': { type: 'string' },
      date: { type: 'string' },
    });
    if (values.date !== undefined && !isIsoDate(values.date)) throw new UsageError(`--date must be a day written YYYY-MM-DD, not "${values.date}".`);
    const today = values.date ?? todayIso();
    const mail = mailSettingsFrom(values.smtp, values['mail-from']);
    if (!mail && !values['dry-run']) throw new UsageError('give the SMTP server (--smtp URL or NAOME_SMTP_URL), or --dry-run to list what is due.');
    const store = await openStore({ data: resolve(values.data ?? 'data'), database: databaseUrlOf(values.database) });
    let mailer = null;
    try {
      mailer = mail && !values['dry-run'] ? await smtpMailer(mail) : null;
      await store.seedOrganisations(() => loadOrganisations());
      const run = await runSchedule({ store, template: currentTemplate, today, publicUrl: values['public-url'] ?? process.env.NAOME_PUBLIC_URL },
        mailer, 'command line');
      const settings = await store.round.settings();
      if (!run.occasion) {
        console.error(settings.deadline
          ? `No reminder is due on ${ukDate(today)} (deadline ${ukDate(settings.deadline)}; ${settings.remindDaysBefore === null ? 'no reminder before it' : `reminder ${settings.remindDaysBefore} days before`}; ${settings.remindWeeklyAfter ? 'weekly after it' : 'none after it'}).`
          : 'No reminder is due: the round has no deadline (set it on the admin page).');
        return 0;
      }
      const noContact = run.due.filter((r) => r.to.length === 0);
      if (values['dry-run']) {
        for (const r of run.due) console.log([r.kind, r.code, r.to.join('; ') || '(no contact)', r.subject].join('\t'));
        console.error(`${run.due.length} reminders due (${run.occasion.what}, ${ukDate(run.occasion.day)}); ${noContact.length} without a contact address. Nothing was sent (--dry-run).`);
        return 0;
      }
      for (const o of run.outcomes) console.log([o.outcome, o.kind, o.code, o.to.join('; ') || '(no contact)', o.error ?? ''].join('\t').trimEnd());
      const count = (what: string) => run.outcomes.filter((o) => o.outcome === what).length;
      console.error(`${count('sent')} sent, ${count('failed')} failed (they go on the next run), ${noContact.length} without a contact address (${run.occasion.what}, ${ukDate(run.occasion.day)}).`);
      return count('failed') ? 1 : 0;
    } finally {
      mailer?.close();
      await store.close();
    }
  },
};
