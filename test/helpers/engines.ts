// The store's engines as the tests open them: SQLite always (a temporary data folder), PostgreSQL when a server binary
// is found (test/helpers/postgres.ts starts one). A suite over the Store interface runs once per entry; a new engine is
// one more entry here.
import { mkdtempSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { PostgresStore } from '../../server/store/postgres/store';
import { DATABASE_FILE, SqliteStore } from '../../server/store/sqlite/store';
import type { Store } from '../../server/store/types';
import { freshDatabase, postgresAvailable, POSTGRES_SKIP_MESSAGE } from './postgres';

/** A fresh, empty database of one engine. */
export interface TestDatabase {
  /** The naome command line's flags that select it (serve, keys, remind). */
  flags: string[];
  /** startServer's options that select it. */
  server: { dataDir?: string; database?: string };
  /** A new Store on it each call: another "process", with connections of its own. */
  open(): Promise<Store>;
  /** One SQL statement on a connection of its own, outside the Store (what the database itself refuses). */
  sql(text: string): Promise<void>;
  /** How many connections to the database this process holds open, where the engine can tell (SQLite: files). */
  connections?(): number;
  drop(): Promise<void>;
}

export interface Engine {
  name: string;
  engine: Store['engine'];
  /** Why it cannot run here, or null. */
  skip(): string | null;
  fresh(): Promise<TestDatabase>;
}

/** In a suite's before(): skips the suite, saying why, when `engine` cannot run here. */
export function skipUnlessAvailable(suite: Mocha.Context, engine: Engine): void {
  const why = engine.skip();
  if (why) {
    console.log(`      ${why}`);
    suite.skip();
  }
}

export const ENGINES: Engine[] = [
  {
    name: 'SQLite',
    engine: 'sqlite',
    skip: () => null,
    async fresh() {
      const dir = mkdtempSync(join(tmpdir(), 'naome-store-'));
      const path = join(dir, DATABASE_FILE);
      return {
        flags: ['--data', dir],
        server: { dataDir: dir },
        open: async () => new SqliteStore(dir),
        async sql(text) {
          const db = new Database(path);
          try {
            db.exec(text);
          } finally {
            db.close();
          }
        },
        // Each better-sqlite3 connection holds the database file open once.
        connections: () => readdirSync('/proc/self/fd').filter((fd) => {
          try { return readlinkSync(`/proc/self/fd/${fd}`) === path; } catch { return false; }
        }).length,
        drop: async () => rmSync(dir, { recursive: true, force: true }),
      };
    },
  },
  {
    name: 'PostgreSQL',
    engine: 'postgres',
    skip: () => (postgresAvailable() ? null : POSTGRES_SKIP_MESSAGE),
    async fresh() {
      const url = await freshDatabase('store');
      return {
        flags: ['--database', url],
        server: { database: url },
        open: () => PostgresStore.open(url),
        async sql(text) {
          const c = new pg.Client(url);
          await c.connect();
          try {
            await c.query(text);
          } finally {
            await c.end();
          }
        },
        drop: async () => undefined,
      };
    },
  },
];
