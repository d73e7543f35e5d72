// The database schema, as an ordered list of migrations applied in code. PRAGMA user_version records how many
// have run, so a data directory from an older release is brought up to date on start and never rebuilt.
import type Database from 'better-sqlite3';

export const MIGRATIONS: string[] = [
  // 1: organisations, keys (hashes only), submissions (append-only: one row per accepted version).
  `
  CREATE TABLE organisations (
    code     TEXT PRIMARY KEY,
    name     TEXT NOT NULL,
    nation   TEXT NOT NULL,
    region   TEXT NOT NULL,
    position INTEGER NOT NULL
  );
  CREATE TABLE keys (
    id         INTEGER PRIMARY KEY,
    owner      TEXT NOT NULL,          -- 'admin' or an organisation's ODS code
    sha256     TEXT NOT NULL UNIQUE,   -- hex SHA-256 of the key; the key itself is never stored
    created_at TEXT NOT NULL,
    revoked_at TEXT
  );
  CREATE INDEX keys_active ON keys (owner) WHERE revoked_at IS NULL;
  CREATE TABLE submissions (
    id           TEXT PRIMARY KEY,
    organisation TEXT NOT NULL,
    version      INTEGER NOT NULL,
    received_at  TEXT NOT NULL,
    sha256       TEXT NOT NULL,
    format       TEXT NOT NULL CHECK (format IN ('xlsx', 'json')),
    file_name    TEXT,
    bytes        BLOB NOT NULL,
    plan_json    TEXT NOT NULL,
    result_json  TEXT NOT NULL,
    UNIQUE (organisation, version)
  );
  -- Nothing submitted is ever changed or removed.
  CREATE TRIGGER submissions_no_update BEFORE UPDATE ON submissions
    BEGIN SELECT RAISE(ABORT, 'submissions are never changed'); END;
  CREATE TRIGGER submissions_no_delete BEFORE DELETE ON submissions
    BEGIN SELECT RAISE(ABORT, 'submissions are never deleted'); END;
  `,
  // 2: one row /api/health rewrites, to know that the database can still be written.
  `
  CREATE TABLE health_checks (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    checked_at TEXT NOT NULL
  );
  `,
  // 3: reviews by the national team (append-only, like submissions: a new review supersedes, nothing is changed), and
  // the Idempotency-Key each organisation sent with a submission, naming the version it produced or matched.
  `
  CREATE TABLE reviews (
    id          INTEGER PRIMARY KEY,
    submission  TEXT NOT NULL REFERENCES submissions (id),
    state       TEXT NOT NULL CHECK (state IN ('accepted', 'changes-requested')),
    comment     TEXT NOT NULL,
    reviewer    TEXT NOT NULL,
    created_at  TEXT NOT NULL
  );
  CREATE INDEX reviews_submission ON reviews (submission, id);
  CREATE TRIGGER reviews_no_update BEFORE UPDATE ON reviews
    BEGIN SELECT RAISE(ABORT, 'reviews are never changed'); END;
  CREATE TRIGGER reviews_no_delete BEFORE DELETE ON reviews
    BEGIN SELECT RAISE(ABORT, 'reviews are never deleted'); END;
  CREATE TABLE idempotency_keys (
    organisation TEXT NOT NULL,
    key          TEXT NOT NULL,
    sha256       TEXT NOT NULL,          -- of the request body the key was first sent with
    submission   TEXT NOT NULL REFERENCES submissions (id),
    created_at   TEXT NOT NULL,
    PRIMARY KEY (organisation, key)
  );
  `,
  // 4: the round (issue 13): its deadline and reminder schedule; per organisation, whether it is expected to return and
  // its contacts — kept apart from the organisations table, which a list replacement empties and refills; the
  // reminders the schedule has claimed (one row per reminder, so a restart or a second process never sends it again);
  // and every message sent or tried.
  `
  CREATE TABLE round (
    id                  INTEGER PRIMARY KEY CHECK (id = 1),
    deadline            TEXT,              -- ISO day the returns are due, or NULL when not set
    remind_days_before  INTEGER,           -- the schedule's reminder this many days before the deadline; NULL: none
    remind_weekly_after INTEGER NOT NULL DEFAULT 0  -- 1: a reminder every 7 days after the deadline
  );
  INSERT INTO round (id) VALUES (1);
  CREATE TABLE organisation_settings (
    code          TEXT PRIMARY KEY,
    expected      INTEGER NOT NULL DEFAULT 1,
    contacts_json TEXT NOT NULL DEFAULT '[]'
  );
  CREATE TABLE reminder_claims (
    key          TEXT PRIMARY KEY,         -- schedule:<occasion day>:<kind>:<ODS code>
    state        TEXT NOT NULL CHECK (state IN ('sending', 'sent', 'failed')),
    claimed_at   TEXT NOT NULL,
    finished_at  TEXT
  );
  CREATE TABLE messages (
    id           INTEGER PRIMARY KEY,
    at           TEXT NOT NULL,
    kind         TEXT NOT NULL,
    organisation TEXT NOT NULL,
    recipients   TEXT NOT NULL,
    subject      TEXT NOT NULL,
    trigger      TEXT NOT NULL,            -- manual, schedule or command line
    outcome      TEXT NOT NULL CHECK (outcome IN ('sent', 'failed')),
    error        TEXT
  );
  CREATE INDEX messages_at ON messages (at);
  `,
];

/** Applies the migrations not yet applied, each in its own transaction. */
export function migrate(db: Database.Database): void {
  const applied = db.pragma('user_version', { simple: true }) as number;
  if (applied > MIGRATIONS.length) {
    throw new Error(`The database was written by a newer release (schema ${applied}; this release knows ${MIGRATIONS.length}). Upgrade naome.`);
  }
  for (let i = applied; i < MIGRATIONS.length; i++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[i]!);
      db.pragma(`user_version = ${i + 1}`);
    })();
  }
}
