// Moving a service's data between engines (naome db copy): every table, row for row, ids and order kept, into an
// empty target in one transaction, checked before it commits — the same rows (a SHA-256 of each table's rows on both
// sides) and every stored file's bytes matching the SHA-256 recorded when it was received. The source is read from one
// snapshot, so it may stay in use meanwhile.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { PostgresStore } from './postgres/store';
import { DATABASE_FILE, SqliteStore } from './sqlite/store';

/** Where data lives: a data folder holding SQLite's file, or a PostgreSQL database. */
export type Endpoint = { engine: 'sqlite'; dir: string } | { engine: 'postgres'; url: string };

/** sqlite:DIR or postgres://… (postgresql://…); throws a clear Error for anything else. */
export function parseEndpoint(text: string): Endpoint {
  if (/^postgres(ql)?:\/\//i.test(text)) return { engine: 'postgres', url: text };
  const m = /^sqlite:(.+)$/i.exec(text);
  if (m) return { engine: 'sqlite', dir: resolve(m[1]!) };
  throw new Error(`"${text}" is neither sqlite:DIR (the data folder of naome serve --data DIR) nor a postgres://user:password@host:5432/name URL.`);
}

type Value = string | number | Buffer | null;

interface Table {
  name: string;
  columns: string[];
  /** ORDER BY per engine: the same order on both (PostgreSQL compares text in the "C" collation, as SQLite does). */
  order: Record<Endpoint['engine'], string>;
}

/**
 * What is copied, parents before children. Not copied: health_checks (rewritten by every health check) and
 * PostgreSQL's rate_limits (counts that end within a minute).
 */
export const TABLES: Table[] = [
  { name: 'organisations', columns: ['code', 'name', 'nation', 'region', 'position'], order: { sqlite: 'code', postgres: 'code' } },
  { name: 'keys', columns: ['id', 'owner', 'sha256', 'created_at', 'revoked_at'], order: { sqlite: 'id', postgres: 'id' } },
  {
    name: 'submissions',
    columns: ['id', 'organisation', 'version', 'received_at', 'sha256', 'format', 'file_name', 'bytes', 'plan_json', 'result_json'],
    order: { sqlite: 'rowid', postgres: 'seq' }, // the order they were stored in: "newest first" lists stay the same
  },
  { name: 'reviews', columns: ['id', 'submission', 'state', 'comment', 'reviewer', 'created_at'], order: { sqlite: 'id', postgres: 'id' } },
  {
    name: 'idempotency_keys', columns: ['organisation', 'key', 'sha256', 'submission', 'created_at'],
    order: { sqlite: 'organisation, key', postgres: 'organisation, key COLLATE "C"' },
  },
  { name: 'round', columns: ['id', 'deadline', 'remind_days_before', 'remind_weekly_after'], order: { sqlite: 'id', postgres: 'id' } },
  { name: 'organisation_settings', columns: ['code', 'expected', 'contacts_json'], order: { sqlite: 'code', postgres: 'code' } },
  { name: 'reminder_claims', columns: ['key', 'state', 'claimed_at', 'finished_at'], order: { sqlite: 'key', postgres: 'key COLLATE "C"' } },
  {
    name: 'messages', columns: ['id', 'at', 'kind', 'organisation', 'recipients', 'subject', 'trigger', 'outcome', 'error'],
    order: { sqlite: 'id', postgres: 'id' },
  },
];

/** Tables whose id the target must go on counting from (PostgreSQL identity columns). */
const IDENTITIES = ['keys', 'reviews', 'messages'];

const select = (t: Table, engine: Endpoint['engine']) => `SELECT ${t.columns.map((c) => `"${c}"`).join(', ')} FROM ${t.name} ORDER BY ${t.order[engine]}`;

/** One side's connection, read and written in one transaction. */
interface Side {
  rows(t: Table): AsyncIterable<Value[]>;
  insert(t: Table, row: Value[]): Promise<void>;
  /** Rows in the tables a fresh database leaves empty (its round row is there from the start, with nothing set). */
  used(): Promise<number>;
  /** After the rows: what the engine needs to go on from them. */
  finishWrites(): Promise<void>;
  exec(sql: string): Promise<void>;
  commit(): Promise<void>;
  rollback(): Promise<void>;
}

const USED = `SELECT (${TABLES.filter((t) => t.name !== 'round').map((t) => `(SELECT count(*) FROM ${t.name})`).join(' + ')})
  + (SELECT count(*) FROM round WHERE deadline IS NOT NULL OR remind_days_before IS NOT NULL OR remind_weekly_after <> 0) AS n`;

async function openSqlite(dir: string, role: 'source' | 'target'): Promise<Side> {
  const path = join(dir, DATABASE_FILE);
  if (role === 'source' && !existsSync(path)) throw new Error(`there is no database in ${dir} (no ${DATABASE_FILE}): give the folder naome serve --data uses.`);
  await new SqliteStore(dir).close(); // made, or migrated from an older release, as naome serve would (its file readable by us only)
  const db = new Database(path);
  db.pragma('busy_timeout = 5000');
  db.exec(role === 'source' ? 'BEGIN' : 'BEGIN IMMEDIATE');
  return {
    async *rows(t) {
      for (const row of db.prepare(select(t, 'sqlite')).raw().iterate()) yield row as Value[];
    },
    async insert(t, row) {
      db.prepare(`INSERT INTO ${t.name} (${t.columns.map((c) => `"${c}"`).join(', ')}) VALUES (${t.columns.map(() => '?').join(', ')})`).run(...row);
    },
    async used() {
      return (db.prepare(USED).get() as { n: number }).n;
    },
    async finishWrites() {
      // Nothing: an INTEGER PRIMARY KEY goes on from the largest id there is.
    },
    async exec(sql) {
      db.exec(sql);
    },
    async commit() {
      db.exec('COMMIT');
      db.close();
    },
    async rollback() {
      if (db.inTransaction) db.exec('ROLLBACK');
      db.close();
    },
  };
}

async function openPostgres(url: string, role: 'source' | 'target'): Promise<Side> {
  await (await PostgresStore.open(url)).close(); // migrated (under the migration lock) as naome serve would
  const client = new pg.Client({ connectionString: url, application_name: 'naome db copy' });
  await client.connect();
  await client.query(role === 'source' ? 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY' : 'BEGIN');
  return {
    async *rows(t) {
      // A cursor, so that only a batch of stored files is in memory at a time.
      await client.query(`DECLARE copy_rows NO SCROLL CURSOR FOR ${select(t, 'postgres')}`);
      for (;;) {
        const { rows } = await client.query<Value[]>({ text: 'FETCH 100 FROM copy_rows', rowMode: 'array' });
        if (rows.length === 0) break;
        yield* rows;
      }
      await client.query('CLOSE copy_rows');
    },
    async insert(t, row) {
      await client.query({
        name: `copy_${t.name}`,
        text: `INSERT INTO ${t.name} (${t.columns.map((c) => `"${c}"`).join(', ')}) VALUES (${t.columns.map((_, i) => `$${i + 1}`).join(', ')})`,
        values: row,
      });
    },
    async used() {
      return Number((await client.query<{ n: string }>(USED)).rows[0]!.n);
    },
    async finishWrites() {
      for (const t of IDENTITIES) {
        await client.query(`SELECT setval(pg_get_serial_sequence('${t}', 'id'), COALESCE(MAX(id), 0) + 1, false) FROM ${t}`);
      }
    },
    async exec(sql) {
      await client.query(sql);
    },
    async commit() {
      await client.query('COMMIT');
      await client.end();
    },
    async rollback() {
      await client.query('ROLLBACK').catch(() => undefined);
      await client.end();
    },
  };
}

const open = (e: Endpoint, role: 'source' | 'target') => (e.engine === 'sqlite' ? openSqlite(e.dir, role) : openPostgres(e.url, role));

export const describeEndpoint = (e: Endpoint): string => {
  if (e.engine === 'sqlite') return `SQLite ${join(e.dir, DATABASE_FILE)}`;
  const u = new URL(e.url);
  if (u.password) u.password = '***';
  return `PostgreSQL ${u.toString()}`;
};

/** One table's figures: rows, and a SHA-256 of them all in order (each value typed, a file as its own SHA-256). */
export interface TableFigures {
  table: string;
  rows: number;
  sha256: string;
}

export interface CopyFigures {
  tables: TableFigures[];
  files: { count: number; bytes: number };
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/**
 * Reads every table of a side, folding each into its figures; every stored file's bytes are checked against the
 * SHA-256 recorded with them. `each` sees every row (to copy it on).
 */
async function figuresOf(side: Side, each?: (t: Table, row: Value[]) => Promise<void>): Promise<CopyFigures> {
  const figures: CopyFigures = { tables: [], files: { count: 0, bytes: 0 } };
  for (const t of TABLES) {
    const digest = createHash('sha256');
    let rows = 0;
    const bytesAt = t.columns.indexOf('bytes');
    for await (const row of side.rows(t)) {
      rows++;
      digest.update(JSON.stringify(row.map((v) => (Buffer.isBuffer(v) ? { sha256: sha(v) } : v))) + '\n');
      if (bytesAt >= 0) {
        const bytes = row[bytesAt] as Buffer;
        const recorded = row[t.columns.indexOf('sha256')];
        if (sha(bytes) !== recorded) throw new Error(`stored file of submission ${row[0]} does not match its SHA-256 (${recorded}): nothing was copied.`);
        figures.files.count++;
        figures.files.bytes += bytes.length;
      }
      await each?.(t, row);
    }
    figures.tables.push({ table: t.name, rows, sha256: digest.digest('hex') });
  }
  return figures;
}

/**
 * Copies everything from `from` into `to`, which must hold no data (a new database, or one only migrated). The
 * target's transaction commits only when its rows read back equal the source's; else nothing is kept. Returns the
 * figures both sides agree on.
 */
export async function copyData(from: Endpoint, to: Endpoint): Promise<CopyFigures> {
  if (JSON.stringify(from) === JSON.stringify(to)) throw new Error('the source and the target are the same database.');
  const source = await open(from, 'source');
  let target: Side | undefined;
  try {
    target = await open(to, 'target');
    const used = await target.used();
    if (used > 0) throw new Error(`the target ${describeEndpoint(to)} already holds data (${used} rows): copy only into an empty database. Nothing was copied.`);
    const writer = target;
    await writer.exec('DELETE FROM round'); // a fresh database's row, with nothing set: the source's replaces it
    const copied = await figuresOf(source, (t, row) => writer.insert(t, row));
    await writer.finishWrites();
    const readBack = await figuresOf(writer);
    const differs = readBack.tables.filter((t, i) => t.rows !== copied.tables[i]!.rows || t.sha256 !== copied.tables[i]!.sha256);
    if (differs.length > 0 || readBack.files.count !== copied.files.count || readBack.files.bytes !== copied.files.bytes) {
      throw new Error(`the copy read back differs from the source in ${differs.map((t) => t.table).join(', ') || 'its files'}: nothing was kept.`);
    }
    await writer.commit();
    target = undefined;
    return copied;
  } finally {
    await target?.rollback();
    await source.rollback(); // a read-only transaction: nothing to undo, only closed
  }
}
