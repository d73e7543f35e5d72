// Starts the real service for a test: plain HTTP on a free loopback port, a fresh data directory (real SQLite file)
// in the system temp dir, the seeded organisations list, and an admin key. close() stops it and removes the data.
// NAOME_TEST_ENGINE=postgres runs the same suites on a fresh database of the test PostgreSQL server instead
// (test/helpers/postgres.ts); suites that open the SQLite file themselves are SQLite's own.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import type { Limits } from '../../server/http/app';
import { issueKey } from '../../server/keys';
import { startServer, type RunningServer, type ServerOptions } from '../../server/serve';
import { freshDatabase } from './postgres';

export interface TestServerOptions {
  limits?: Partial<Limits>;
  /** Today's date for the rules and collation (ISO); default the real today. */
  today?: string;
  /** Use this data directory (kept on close) instead of a fresh temp one. */
  dataDir?: string;
  /** More of the server's options (e.g. smtp). */
  serve?: Partial<ServerOptions>;
}

export interface TestServer {
  url: string;
  dataDir: string;
  /** The naome command line's flags for this server's store (--data DIR, or --database URL on PostgreSQL). */
  storeFlags: string[];
  adminKey: string;
  /** Issues (or replaces) an organisation's key through the admin API and returns it. */
  issueKey(code: string): Promise<string>;
  /** Every log line the server wrote, as parsed JSON. */
  logs: Array<Record<string, unknown>>;
  server: RunningServer;
  close(): Promise<void>;
}

export async function startTestServer(opts: TestServerOptions = {}): Promise<TestServer> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'naome-server-'));
  const database = process.env.NAOME_TEST_ENGINE === 'postgres' && !opts.dataDir ? await freshDatabase('http') : undefined;
  const logs: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split('\n')) if (line.trim()) logs.push(JSON.parse(line));
      done();
    },
  });
  const server = await startServer({
    dataDir,
    database,
    http: true,
    host: '127.0.0.1',
    port: 0,
    logger: pino({ level: 'info' }, sink),
    limits: { perClient: 100_000, perKey: 100_000, ...opts.limits },
    today: opts.today ? () => opts.today! : undefined,
    ...opts.serve,
  });
  const url = server.url.replace('localhost', '127.0.0.1');
  const adminKey = await issueKey(server.store, 'admin');
  return {
    url,
    dataDir,
    storeFlags: database ? ['--database', database] : ['--data', dataDir],
    adminKey,
    logs,
    server,
    async issueKey(code: string) {
      const res = await fetch(`${url}/api/admin/organisations/${encodeURIComponent(code)}/key`, {
        method: 'POST',
        headers: { authorization: `Bearer ${adminKey}` },
      });
      if (res.status !== 201) throw new Error(`issuing a key for ${code}: HTTP ${res.status} ${await res.text()}`);
      return ((await res.json()) as { key: string }).key;
    },
    async close() {
      await server.close();
      if (!opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

export interface CallOptions {
  key?: string;
  body?: Buffer | string | FormData;
  /** Content-Type; default by body: JSON text → application/json, Buffer → the xlsx type. */
  type?: string;
  headers?: Record<string, string>;
}

/** One HTTP call to a test server; the response with its body read as bytes (and JSON when it is JSON). */
export async function call(base: string, method: string, path: string, opts: CallOptions = {}) {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.key !== undefined) headers.authorization = `Bearer ${opts.key}`;
  if (opts.body !== undefined && !(opts.body instanceof FormData)) {
    headers['content-type'] = opts.type ?? (typeof opts.body === 'string' ? 'application/json' : XLSX_TYPE);
  }
  const send = () => fetch(`${base}${path}`, { method, headers, body: opts.body as BodyInit | undefined });
  // A kept-alive connection the server closed as idle (after its 5 s keep-alive) while this process was too busy to
  // notice is reset on reuse, before any response: HTTP's keep-alive race, which real clients retry on a new one.
  const res = await send().catch((err: Error & { cause?: { code?: string } }) => {
    if (err.cause?.code === 'ECONNRESET' || err.cause?.code === 'UND_ERR_SOCKET') return send();
    throw err;
  });
  const bytes = Buffer.from(await res.arrayBuffer());
  const isJson = (res.headers.get('content-type') ?? '').includes('application/json');
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const json: any = isJson && bytes.length ? JSON.parse(bytes.toString('utf8')) : undefined;
  return { status: res.status, headers: res.headers, bytes, json };
}
