// Picks the store's engine: PostgreSQL for a postgres:// URL (--database or NAOME_DATABASE_URL), else SQLite in the
// data folder. Each engine is imported only when chosen, so SQLite users never load PostgreSQL's client, and a command
// that only might open a store (naome collate) loads neither until it does.
import { resolve } from 'node:path';
import type { Store } from './types';

export interface StoreOptions {
  /** The data folder (SQLite's file lives there); default ./data. */
  data?: string;
  /** A postgres:// or postgresql:// URL: every table in that database instead. */
  database?: string;
}

export const DATABASE_ENV = 'NAOME_DATABASE_URL';

const isPostgresUrl = (url: string) => /^postgres(ql)?:\/\//i.test(url);

/** The database URL given, else the environment's (an empty value counts as none). */
export const databaseUrlOf = (given?: string): string | undefined => given || process.env[DATABASE_ENV] || undefined;

/** A database URL fit to print: the password is never shown. */
export function shownDatabase(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url.replace(/\/\/[^@/]*@/, '//***@');
  }
}

/** Opens (and migrates) the store; throws a clear Error for a URL that is not PostgreSQL's or an engine not built. */
export async function openStore(options: StoreOptions = {}): Promise<Store> {
  const url = options.database;
  if (url !== undefined) {
    if (!isPostgresUrl(url)) {
      // Only the scheme is repeated: the rest may hold a password.
      const scheme = /^[a-z][a-z0-9+.-]*:/i.exec(url)?.[0] ?? 'that';
      throw new Error(`--database (or ${DATABASE_ENV}) takes a PostgreSQL URL (postgres://user:password@host:5432/name), not a ${scheme} one. Leave it out to keep the data in SQLite under --data.`);
    }
    const { openPostgresStore } = await import('./postgres/store');
    return openPostgresStore(url);
  }
  const { SqliteStore } = await import('./sqlite/store');
  return new SqliteStore(resolve(options.data ?? 'data'));
}

