// The round (issue 13) in the SQLite engine: the return deadline and reminder schedule, which organisations are
// expected to return and whom to write to, the reminders the schedule has claimed and every message sent or tried.
// Same connection as SqliteStore, kept apart so the submissions' code stays apart from it.
import type { MessageOutcome, MessageRecord, RoundOrganisation, RoundSettings, RoundStore } from '../types';
import type { SqliteStore } from './store';

export class SqliteRoundStore implements RoundStore {
  constructor(private readonly store: SqliteStore) {}

  async settings(): Promise<RoundSettings> {
    const row = this.store.sql('SELECT deadline, remind_days_before, remind_weekly_after FROM round WHERE id = 1').get() as
      { deadline: string | null; remind_days_before: number | null; remind_weekly_after: number };
    return { deadline: row.deadline, remindDaysBefore: row.remind_days_before, remindWeeklyAfter: row.remind_weekly_after === 1 };
  }

  async setSettings(s: RoundSettings): Promise<void> {
    this.store.sql('UPDATE round SET deadline = ?, remind_days_before = ?, remind_weekly_after = ? WHERE id = 1')
      .run(s.deadline, s.remindDaysBefore, s.remindWeeklyAfter ? 1 : 0);
  }

  async organisations(): Promise<RoundOrganisation[]> {
    const settings = new Map((this.store.sql('SELECT code, expected, contacts_json FROM organisation_settings').all() as
      Array<{ code: string; expected: number; contacts_json: string }>).map((r) => [r.code, r]));
    return (await this.store.organisations()).map((o) => {
      const s = settings.get(o.code);
      return { ...o, expected: s ? s.expected === 1 : true, contacts: s ? JSON.parse(s.contacts_json) as string[] : [] };
    });
  }

  async setSettingsOf(code: string, settings: { expected?: boolean; contacts?: string[] }): Promise<void> {
    const expected = this.store.sql(`INSERT INTO organisation_settings (code, expected) VALUES (?, ?)
      ON CONFLICT (code) DO UPDATE SET expected = excluded.expected`);
    const contacts = this.store.sql(`INSERT INTO organisation_settings (code, contacts_json) VALUES (?, ?)
      ON CONFLICT (code) DO UPDATE SET contacts_json = excluded.contacts_json`);
    this.store.db.transaction(() => {
      if (settings.expected !== undefined) expected.run(code, settings.expected ? 1 : 0);
      if (settings.contacts !== undefined) contacts.run(code, JSON.stringify(settings.contacts));
    })();
  }

  async firstReturns(): Promise<Array<{ code: string; at: string }>> {
    return this.store.sql('SELECT organisation AS code, received_at AS at FROM submissions WHERE version = 1 ORDER BY received_at').all() as
      Array<{ code: string; at: string }>;
  }

  /** One statement under SQLite's write lock: of several processes (or a restarted one) exactly one wins. */
  async claim(key: string, now = new Date().toISOString()): Promise<boolean> {
    return this.store.sql(`INSERT INTO reminder_claims (key, state, claimed_at) VALUES (?, 'sending', ?)
      ON CONFLICT (key) DO UPDATE SET state = 'sending', claimed_at = excluded.claimed_at, finished_at = NULL
      WHERE reminder_claims.state = 'failed'`).run(key, now).changes === 1;
  }

  async isClaimed(key: string): Promise<boolean> {
    return this.store.sql("SELECT 1 FROM reminder_claims WHERE key = ? AND state != 'failed'").get(key) !== undefined;
  }

  async finishClaim(key: string, outcome: MessageOutcome, now = new Date().toISOString()): Promise<void> {
    this.store.sql('UPDATE reminder_claims SET state = ?, finished_at = ? WHERE key = ?').run(outcome, now, key);
  }

  async record(m: MessageRecord): Promise<void> {
    this.store.sql(`INSERT INTO messages (at, kind, organisation, recipients, subject, trigger, outcome, error)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?)`)
      .run(m.at, m.kind, m.organisation, m.recipients.join('; '), m.subject, m.trigger, m.outcome, m.error);
  }

  async messages(limit = 500): Promise<MessageRecord[]> {
    const rows = this.store.sql('SELECT at, kind, organisation, recipients, subject, trigger, outcome, error FROM messages ORDER BY id DESC LIMIT ?')
      .all(limit) as Array<Omit<MessageRecord, 'recipients'> & { recipients: string }>;
    return rows.map((r) => ({ ...r, recipients: r.recipients ? r.recipients.split('; ') : [] }));
  }
}
