// The reminder schedule of the round: N days before the deadline, the expected organisations that have not returned
// are reminded; from the day after the deadline, once a week, they are reminded again, so is every organisation whose
// latest version was sent back with changes requested, and every organisation with overdue actions gets its digest.
// Each reminder has a unique key (occasion day, kind, organisation) claimed in the database before it is sent
// (RoundStore.claim), so however many server processes tick, and however often the service restarts, each goes once. The service ticks every hour; `naome remind` ticks once, for cron.
import { addDays } from '../../shared/cells';
import type { MessageTrigger, RoundSettings } from '../store/types';
import type { Mailer } from './mailer';
import { dueReminders, sendReminders, type Reminder, type ReminderContext, type ReminderKind, type SendOutcome } from './reminders';

export interface Occasion {
  /** The day the occasion falls on (ISO). */
  day: string;
  what: 'before the deadline' | 'weekly after the deadline';
  kinds: ReminderKind[];
}

/**
 * The occasion current today, if any: the "before" one from its day until the deadline; each weekly one (the day
 * after the deadline, then every 7 days) for its week. A service that was down on the day still sends it later that
 * week, never an old week's.
 */
export function currentOccasion(s: RoundSettings, today: string): Occasion | null {
  if (!s.deadline) return null;
  if (today <= s.deadline) {
    if (s.remindDaysBefore === null) return null;
    const day = addDays(s.deadline, -s.remindDaysBefore);
    return today >= day ? { day, what: 'before the deadline', kinds: ['not-returned'] } : null;
  }
  if (!s.remindWeeklyAfter) return null;
  const daysAfter = Math.round((Date.parse(today) - Date.parse(s.deadline)) / 86_400_000);
  const day = addDays(s.deadline, 1 + 7 * Math.floor((daysAfter - 1) / 7));
  return { day, what: 'weekly after the deadline', kinds: ['not-returned', 'changes-requested', 'overdue-actions'] };
}

export const claimKeyOf = (occasion: Occasion) => (r: Reminder) => `schedule:${occasion.day}:${r.kind}:${r.code}`;

export interface ScheduleRun {
  occasion: Occasion | null;
  /** The reminders due and not yet sent (what a dry run lists). */
  due: Reminder[];
  /** What happened to each (empty in a dry run). */
  outcomes: SendOutcome[];
}

/**
 * Works out today's occasion and sends its reminders not yet sent (or, without a mailer, only lists them). Reminders
 * to organisations with no contact are listed but never claimed, so they go once a contact is added.
 */
export async function runSchedule(ctx: ReminderContext, mailer: Mailer | null, trigger: MessageTrigger, now: () => Date = () => new Date()): Promise<ScheduleRun> {
  const { round } = ctx.store;
  const occasion = currentOccasion(await round.settings(), ctx.today);
  if (!occasion) return { occasion, due: [], outcomes: [] };
  const key = claimKeyOf(occasion);
  const due: Reminder[] = [];
  for (const kind of occasion.kinds) {
    for (const r of await dueReminders(kind, ctx)) if (!await round.isClaimed(key(r))) due.push(r);
  }
  if (!mailer) return { occasion, due, outcomes: [] };
  const outcomes = await sendReminders(due, mailer, round, { trigger, claimKey: key, now });
  return { occasion, due, outcomes };
}

export interface SchedulerOptions {
  /** A fresh context each tick (today's date, the store). */
  context: () => ReminderContext;
  mailer: Mailer;
  /** How often to look, ms (default one hour). */
  everyMs?: number;
  /** The first look, ms after start (default 10 s: not during start-up). */
  firstMs?: number;
  onError?: (err: unknown) => void;
  onRun?: (run: ScheduleRun) => void;
}

/** Ticks runSchedule on a timer, one tick at a time; stop() waits for a tick in flight. */
export function startScheduler(opts: SchedulerOptions): { stop(): Promise<void> } {
  let running: Promise<void> | null = null;
  let stopped = false;
  const tick = () => {
    if (running || stopped) return;
    running = runSchedule(opts.context(), opts.mailer, 'schedule')
      .then((run) => opts.onRun?.(run), (err) => opts.onError?.(err))
      .finally(() => { running = null; });
  };
  const first = setTimeout(tick, opts.firstMs ?? 10_000);
  const every = setInterval(tick, opts.everyMs ?? 3_600_000);
  first.unref();
  every.unref();
  return {
    async stop() {
      stopped = true;
      clearTimeout(first);
      clearInterval(every);
      await running;
    },
  };
}
