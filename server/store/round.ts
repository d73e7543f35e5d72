// The round as the national team runs it (issue 13), in the service's SQLite file: the return deadline and reminder
// schedule, which organisations are expected to return and whom to write to, the reminders the schedule has claimed
// and every message sent or tried. Kept beside Store (same connection) so submissions' code stays apart from it.
import type { Organisation } from '../../shared/organisations';
import type { Store } from './store';
import type { MessageOutcome, MessageRecord, RoundOrganisation, RoundSettings } from './types';

export type { MessageOutcome, MessageRecord, MessageTrigger, RoundOrganisation, RoundSettings } from './types';

export class RoundStore {
  constructor(private readonly store: Store) {}

  private get db() {
    return this.store.db;
  }

  settings(): RoundSettings {
    const row = this.db.prepare('SELECT deadline, remind_days_before, remind_weekly_after FROM round WHERE id = 1').get() as
      { deadline: string | null; remind_days_before: number | null; remind_weekly_after: number };
    return { deadline: row.deadline, remindDaysBefore: row.remind_days_before, remindWeeklyAfter: row.remind_weekly_after === 1 };
  }

  setSettings(s: RoundSettings): void {
    this.db.prepare('UPDATE round SET deadline = ?, remind_days_before = ?, remind_weekly_after = ? WHERE id = 1')
      .run(s.deadline, s.remindDaysBefore, s.remindWeeklyAfter ? 1 : 0);
  }

  /** The organisations list with each one's expected flag and contacts. */
  organisations(): RoundOrganisation[] {
    const settings = new Map((this.db.prepare('SELECT code, expected, contacts_json FROM organisation_settings').all() as
      Array<{ code: string; expected: number; contacts_json: string }>).map((r) => [r.code, r]));
    return this.store.organisations().map((o) => {
      const s = settings.get(o.code);
      return { ...o, expected: s ? s.expected === 1 : true, contacts: s ? JSON.parse(s.contacts_json) as string[] : [] };
    });
  }

  setExpected(code: string, expected: boolean): void {
    this.db.prepare(`INSERT INTO organisation_settings (code, expected) VALUES (?, ?)
      ON CONFLICT (code) DO UPDATE SET expected = excluded.expected`).run(code, expected ? 1 : 0);
  }

  setContacts(code: string, contacts: string[]): void {
    this.db.prepare(`INSERT INTO organisation_settings (code, contacts_json) VALUES (?, ?)
      ON CONFLICT (code) DO UPDATE SET contacts_json = excluded.contacts_json`).run(code, JSON.stringify(contacts));
  }

  /** When each organisation first returned a plan (its version 1), oldest first. */
  firstReturns(): Array<{ code: string; at: string }> {
    return this.db.prepare('SELECT organisation AS code, received_at AS at FROM submissions WHERE version = 1 ORDER BY received_at').all() as
      Array<{ code: string; at: string }>;
  }

  /**
   * Claims a scheduled reminder for sending: true when this caller may send it. The claim is one statement in
   * SQLite's write lock, so of several processes (or a restarted one) exactly one wins; a reminder whose sending
   * failed may be claimed again, one that is being sent or was sent never.
   */
  claim(key: string, now = new Date().toISOString()): boolean {
    return this.db.prepare(`INSERT INTO reminder_claims (key, state, claimed_at) VALUES (?, 'sending', ?)
      ON CONFLICT (key) DO UPDATE SET state = 'sending', claimed_at = excluded.claimed_at, finished_at = NULL
      WHERE reminder_claims.state = 'failed'`).run(key, now).changes === 1;
  }

  /** Whether a scheduled reminder was sent or is being sent (a failed one is not: it may go again). */
  isClaimed(key: string): boolean {
    return this.db.prepare("SELECT 1 FROM reminder_claims WHERE key = ? AND state != 'failed'").get(key) !== undefined;
  }

  finishClaim(key: string, outcome: MessageOutcome, now = new Date().toISOString()): void {
    this.db.prepare('UPDATE reminder_claims SET state = ?, finished_at = ? WHERE key = ?').run(outcome, now, key);
  }

  record(m: MessageRecord): void {
    this.db.prepare(`INSERT INTO messages (at, kind, organisation, recipients, subject, trigger, outcome, error)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?)`)
      .run(m.at, m.kind, m.organisation, m.recipients.join('; '), m.subject, m.trigger, m.outcome, m.error);
  }

  /** The newest messages first, at most `limit`. */
  messages(limit = 500): MessageRecord[] {
    const rows = this.db.prepare('SELECT at, kind, organisation, recipients, subject, trigger, outcome, error FROM messages ORDER BY id DESC LIMIT ?')
      .all(limit) as Array<Omit<MessageRecord, 'recipients'> & { recipients: string }>;
    return rows.map((r) => ({ ...r, recipients: r.recipients ? r.recipients.split('; ') : [] }));
  }
}
