// express-rate-limit's counts kept in PostgreSQL, so that every server process on the database counts the same client
// against the same limit: one upsert per request, which starts a new window when the old one has ended.
import type { Pool } from 'pg';
import type { Options } from 'express-rate-limit';
import type { RateLimitStore } from '../types';

export class PostgresRateLimitStore implements RateLimitStore {
  readonly localKeys = false;
  private windowMs = 60_000;

  /** `bucket` names the limiter (several share the table, each counting apart). */
  constructor(private readonly pool: Pool, readonly prefix: string) {}

  init(options: Options): void {
    this.windowMs = options.windowMs;
  }

  async increment(key: string) {
    // now() is the statement's transaction time, the same for the test and the new window's end.
    const { rows } = await this.pool.query<{ hits: number; reset_at: Date }>(
      `INSERT INTO rate_limits AS r (bucket, key, hits, reset_at) VALUES ($1, $2, 1, now() + $3 * interval '1 millisecond')
       ON CONFLICT (bucket, key) DO UPDATE SET
         hits = CASE WHEN r.reset_at <= now() THEN 1 ELSE r.hits + 1 END,
         reset_at = CASE WHEN r.reset_at <= now() THEN excluded.reset_at ELSE r.reset_at END
       RETURNING hits, reset_at`,
      [this.prefix, key, this.windowMs],
    );
    return { totalHits: rows[0]!.hits, resetTime: rows[0]!.reset_at };
  }

  async get(key: string) {
    const { rows } = await this.pool.query<{ hits: number; reset_at: Date }>(
      'SELECT hits, reset_at FROM rate_limits WHERE bucket = $1 AND key = $2 AND reset_at > now()', [this.prefix, key]);
    return rows[0] && { totalHits: rows[0].hits, resetTime: rows[0].reset_at };
  }

  async decrement(key: string): Promise<void> {
    await this.pool.query('UPDATE rate_limits SET hits = GREATEST(hits - 1, 0) WHERE bucket = $1 AND key = $2 AND reset_at > now()',
      [this.prefix, key]);
  }

  async resetKey(key: string): Promise<void> {
    await this.pool.query('DELETE FROM rate_limits WHERE bucket = $1 AND key = $2', [this.prefix, key]);
  }

  async resetAll(): Promise<void> {
    await this.pool.query('DELETE FROM rate_limits WHERE bucket = $1', [this.prefix]);
  }
}

/** Forgets windows that ended (their rows would only be rewritten): run now and then by one store. */
export async function forgetEndedWindows(pool: Pool): Promise<void> {
  await pool.query("DELETE FROM rate_limits WHERE reset_at < now() - interval '1 minute'");
}
