// Reminder e-mails of the round (issue 13): who is due which reminder, the message itself, and sending a batch with
// every attempt recorded. A message names the organisation, the round's deadline and (for overdue actions) the titles
// of its overdue actions — never a key and no other plan content.
import { ukDate } from '../../shared/cells';
import { isExpected } from '../../shared/organisations';
import type { Template } from '../../shared/template';
import { BOM, csvField } from '../collate/csv';
import { collatedAction, rowErrors, safeText } from '../collate/rows';
import { eachLatestSubmission } from '../store/rows';
import type { MessageTrigger, Review, RoundOrganisation, RoundStore, Store } from '../store/types';
import type { Mailer } from './mailer';

/** The kinds of reminder: a new kind is one more entry here and one more case in dueReminders(). */
export const REMINDER_KINDS = ['not-returned', 'changes-requested', 'overdue-actions'] as const;
export type ReminderKind = (typeof REMINDER_KINDS)[number];

export const KIND_LABELS: Record<ReminderKind, string> = {
  'not-returned': 'Expected, not returned',
  'changes-requested': 'Latest version sent back with changes requested',
  'overdue-actions': 'Overdue actions (a digest per organisation)',
};

export interface Reminder {
  kind: ReminderKind;
  code: string;
  name: string;
  /** Empty when the organisation has no contact: listed, never sent. */
  to: string[];
  subject: string;
  text: string;
}

export interface ReminderContext {
  store: Store;
  template: Template;
  today: string;
  /** The service's address people open (links in the message); none: the message names no link. */
  publicUrl?: string;
}

/** At most this many overdue actions are listed in one digest (the rest are counted). */
const DIGEST_MAX = 50;
const TITLE_MAX = 200;

const SIGN_OFF = ['', 'With thanks,', 'The NAoMe national team', '', 'This is an automatic reminder from the NAoMe action plan service.'];

function submitLine(publicUrl: string | undefined): string {
  return publicUrl
    ? `You can download the workbook and return it at ${publicUrl.replace(/\/+$/, '')}/ with your organisation key.`
    : 'You can return it on the submission page of the NAoMe action plan service with your organisation key.';
}

function notReturned(o: RoundOrganisation, ctx: ReminderContext, deadline: string | null): Reminder {
  const due = deadline === null ? null : deadline >= ctx.today ? `Plans are due by ${ukDate(deadline)}.` : `Plans were due by ${ukDate(deadline)}.`;
  return {
    kind: 'not-returned', code: o.code, name: o.name, to: o.contacts,
    subject: `NAoMe local action plan: not yet received from ${o.name}`,
    text: [
      'Dear colleague,', '',
      `The National Audit of Metastatic Breast Cancer (NAoMe) has not yet received the local action plan of ${o.name} (${o.code}).`,
      ...(due ? [due] : []),
      submitLine(ctx.publicUrl),
      'If you have sent it already, or you believe your organisation should not be asked for one, please reply to let us know.',
      ...SIGN_OFF,
    ].join('\n'),
  };
}

function changesRequested(o: RoundOrganisation, review: Review, ctx: ReminderContext): Reminder {
  return {
    kind: 'changes-requested', code: o.code, name: o.name, to: o.contacts,
    subject: `NAoMe local action plan: changes requested to ${o.name}'s plan`,
    text: [
      'Dear colleague,', '',
      `The national team has reviewed version ${review.version} of the local action plan of ${o.name} (${o.code}) and asks for changes:`,
      '',
      // The national team's own words (not plan content), on one bounded paragraph.
      oneLine(review.comment, 2000),
      '',
      'Please make them in your plan and return it again. ' + submitLine(ctx.publicUrl),
      ...SIGN_OFF,
    ].join('\n'),
  };
}

function overdueDigest(o: RoundOrganisation, titles: Array<{ recommendation: number; title: string }>, ctx: ReminderContext): Reminder {
  const listed = titles.slice(0, DIGEST_MAX).map((t) => `- Recommendation ${t.recommendation}: ${t.title}`);
  const more = titles.length - listed.length;
  return {
    kind: 'overdue-actions', code: o.code, name: o.name, to: o.contacts,
    subject: `NAoMe local action plan: ${titles.length} overdue action${titles.length === 1 ? '' : 's'} for ${o.name}`,
    text: [
      'Dear colleague,', '',
      `In the latest local action plan of ${o.name} (${o.code}), ${titles.length === 1 ? 'this action has' : `these ${titles.length} actions have`} passed ${titles.length === 1 ? 'its' : 'their'} deadline and ${titles.length === 1 ? 'is' : 'are'} not marked fully implemented:`,
      '',
      ...listed,
      ...(more > 0 ? [`- and ${more} more`] : []),
      '',
      'Please update their status (or agree new deadlines) in your plan and return it again. ' + submitLine(ctx.publicUrl),
      ...SIGN_OFF,
    ].join('\n'),
  };
}

/** Everyone due a reminder of this kind today, in ODS code order. */
export async function dueReminders(kind: ReminderKind, ctx: ReminderContext): Promise<Reminder[]> {
  const organisations = await ctx.store.round.organisations();
  const { deadline } = await ctx.store.round.settings();
  if (kind === 'not-returned') {
    const returned = await ctx.store.latestReceipts();
    return organisations.filter((o) => isExpected(o) && !returned.has(o.code)).sort(byCode).map((o) => notReturned(o, ctx, deadline));
  }
  const byCodeMap = new Map(organisations.map((o) => [o.code, o]));
  if (kind === 'changes-requested') {
    const out: Reminder[] = [];
    for (const [code, review] of await ctx.store.latestReviews()) {
      const o = byCodeMap.get(code);
      if (o && review.state === 'changes-requested') out.push(changesRequested(o, review, ctx));
    }
    return out.sort(byCode);
  }
  const out: Reminder[] = [];
  for await (const s of eachLatestSubmission(ctx.store)) {
    const o = byCodeMap.get(s.receipt.organisation.code);
    if (!o) continue; // no longer on the list: nobody to write to
    const errors = rowErrors(s.result.findings);
    const titles = s.plan.actions
      .filter((a) => collatedAction(ctx.template, ctx.today, a, errors).overdue)
      .sort((a, b) => a.recommendation - b.recommendation || a.row - b.row)
      .map((a) => ({ recommendation: a.recommendation, title: oneLine(safeText(a.action) ?? '(no title)') }));
    if (titles.length) out.push(overdueDigest(o, titles, ctx));
  }
  return out.sort(byCode);
}

const byCode = (a: { code: string }, b: { code: string }) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0);
/** Text on one line of bounded length. */
const oneLine = (s: string, max = TITLE_MAX) => {
  const flat = s.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
};

export interface SendOutcome {
  code: string;
  kind: ReminderKind;
  to: string[];
  /** sent; failed (the error says why); skipped: no contact, or (scheduled) already sent or being sent. */
  outcome: 'sent' | 'failed' | 'skipped';
  error?: string;
}

export interface SendOptions {
  trigger: MessageTrigger;
  /** A scheduled reminder's unique key: claimed before sending, so it goes once whoever else tries. */
  claimKey?: (r: Reminder) => string;
  now?: () => Date;
}

/**
 * Sends the reminders one after the other, recording every attempt (to, when, kind, outcome). A failure is recorded
 * as failed, never as sent, and does not stop the others; a failed scheduled reminder may be claimed and sent again.
 */
export async function sendReminders(reminders: Reminder[], mailer: Mailer, round: RoundStore, opts: SendOptions): Promise<SendOutcome[]> {
  const now = () => (opts.now?.() ?? new Date()).toISOString();
  const out: SendOutcome[] = [];
  for (const r of reminders) {
    const base = { code: r.code, kind: r.kind, to: r.to };
    if (r.to.length === 0) {
      out.push({ ...base, outcome: 'skipped', error: 'no contact address' });
      continue;
    }
    const key = opts.claimKey?.(r);
    if (key !== undefined && !await round.claim(key, now())) {
      out.push({ ...base, outcome: 'skipped', error: 'already sent' });
      continue;
    }
    let error: string | null = null;
    try {
      await mailer.send({ to: r.to, subject: r.subject, text: r.text });
    } catch (err) {
      error = (err instanceof Error ? err.message : String(err)).slice(0, 300);
    }
    const outcome = error === null ? 'sent' : 'failed';
    await round.record({ at: now(), kind: r.kind, organisation: r.code, recipients: r.to, subject: r.subject, trigger: opts.trigger, outcome, error });
    if (key !== undefined) await round.finishClaim(key, outcome, now());
    out.push({ ...base, outcome, ...(error === null ? {} : { error }) });
  }
  return out;
}

/** A CSV of reminders (for sending by hand when SMTP is off): code, name, kind, addresses, subject. */
export function remindersCsv(reminders: Reminder[]): string {
  const line = (values: string[]) => `${values.map((v) => csvField(v, 'text')).join(',')}\r\n`;
  return BOM + line(['ods_code', 'name', 'kind', 'contacts', 'subject'])
    + reminders.map((r) => line([r.code, r.name, r.kind, r.to.join('; '), r.subject])).join('');
}
