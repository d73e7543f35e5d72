// Starts the service: opens (or creates) the database (SQLite under the data directory, or PostgreSQL at --database),
// loads the organisations list on first start, and listens over HTTPS (development certificate by default) or plain HTTP. close() stops accepting, lets
// requests in flight finish, then closes the database.
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { resolve } from 'node:path';
import pino, { type Logger } from 'pino';
import { DEFAULT_LIMITS, createApp, type AppOptions, type Limits } from './http/app';
import { clientGone, queuedCheck } from './http/check';
import { CheckPool, defaultPoolSize } from './xlsx/checkPool';
import { WORKER_NICE } from './threadPriority';
import { certificateFromFiles, developmentCertificate, type TlsFiles } from './certs';
import { loadOrganisations } from './organisations';
import { openStore } from './store/open';
import type { Store } from './store/types';
import { checkSmtpUrl, mailSettingsFrom, smtpMailer, type Mailer } from './desk/mailer';
import { startScheduler } from './desk/scheduler';
import { todayIso } from '../shared/cells';
import { currentTemplate } from '../shared/template';

export interface ServerOptions {
  /** Where the SQLite database (unless `database`) and the development certificate live (default ./data). */
  dataDir?: string;
  /** A PostgreSQL URL: every table there instead of SQLite (the caller resolves NAOME_DATABASE_URL). */
  database?: string;
  port?: number;
  host?: string;
  /** Plain HTTP (tests; behind a TLS proxy). */
  http?: boolean;
  /** A real certificate and key (paths); default NAOME_TLS_CERT / NAOME_TLS_KEY, else the development certificate. */
  cert?: string;
  key?: string;
  logger?: Logger;
  limits?: Partial<Limits>;
  today?: AppOptions['today'];
  trustProxy?: AppOptions['trustProxy'];
  /** Worker threads that read workbooks (default one per CPU, up to 8); 0 reads them on the main thread. */
  workers?: number;
  /** How long close() waits for requests in flight before cutting them off, ms. */
  shutdownGraceMs?: number;
  /** SMTP URL for reminders (default NAOME_SMTP_URL); none: reminders are off. */
  smtp?: string;
  /** The reminders' From address (default NAOME_MAIL_FROM, else a no-reply address). */
  mailFrom?: string;
  /** The service's address as people open it, for links in reminders (default NAOME_PUBLIC_URL). */
  publicUrl?: string;
  /** How often the reminder schedule is looked at, ms (default one hour); 0: never (no scheduler in this process). */
  reminderEveryMs?: number;
}

export interface RunningServer {
  url: string;
  port: number;
  dataDir: string;
  store: Store;
  logger: Logger;
  /** Set when serving HTTPS. */
  tls?: TlsFiles;
  close(): Promise<void>;
}

export async function startServer(opts: ServerOptions = {}): Promise<RunningServer> {
  const dataDir = resolve(opts.dataDir ?? 'data');
  // Log lines written asynchronously: a synchronous write per request cost the thread that answers HTTP ~0.1 ms each
  // under load (a tenth of its time in the attack bench). While a write is in flight the next lines wait and go out
  // together; on a quiet server each line still goes at once, and pino flushes what is left when the process exits.
  const logger = opts.logger ?? pino({ level: 'info' }, pino.destination({ dest: 1, sync: false }));
  const store = await openStore({ data: dataDir, database: opts.database });
  let pool: CheckPool | undefined;
  try {
    await store.seedOrganisations(() => loadOrganisations());
    let tls: TlsFiles | undefined;
    if (!opts.http) {
      const certPath = opts.cert ?? process.env.NAOME_TLS_CERT;
      const keyPath = opts.key ?? process.env.NAOME_TLS_KEY;
      if (Boolean(certPath) !== Boolean(keyPath)) throw new Error('Give both a certificate and its key (--cert and --key, or NAOME_TLS_CERT and NAOME_TLS_KEY).');
      tls = certPath && keyPath ? certificateFromFiles(certPath, keyPath) : await developmentCertificate(dataDir);
    }
    const workers = opts.workers ?? defaultPoolSize();
    const limits: Limits = { ...DEFAULT_LIMITS, ...opts.limits };
    const queue = { ...limits, concurrency: Math.max(1, workers) };
    // The pool's workers start once the server listens: on a small machine they would otherwise take the CPU the
    // start-up needs (no request can reach the pool before then).
    const check = workers > 0
      ? queuedCheck(async (upload, o, request) => {
          try {
            return await pool!.check(upload.bytes, { file: upload.fileName, organisations: o.organisations, today: o.today, templates: o.templates, limits: o.readLimits }, request?.signal);
          } catch (err) {
            if (request?.signal?.aborted) throw clientGone();
            throw err;
          }
        }, queue)
      : queuedCheck(undefined, queue);
    const mail = mailSettingsFrom(opts.smtp, opts.mailFrom);
    if (mail) checkSmtpUrl(mail.url);
    let mailerMade: Promise<Mailer> | undefined;
    const mailer = mail ? () => (mailerMade ??= smtpMailer(mail)) : undefined;
    const publicUrl = opts.publicUrl ?? process.env.NAOME_PUBLIC_URL;
    const app = createApp({ store, logger, limits, today: opts.today, trustProxy: opts.trustProxy, check, mailer, publicUrl });
    const server = tls
      ? https.createServer({ cert: tls.cert, key: tls.key, handshakeTimeout: limits.handshakeTimeoutMs }, app)
      : http.createServer(app);
    server.requestTimeout = limits.requestTimeoutMs;
    server.headersTimeout = limits.headersTimeoutMs;
    server.keepAliveTimeout = limits.keepAliveTimeoutMs;
    server.maxConnections = limits.maxConnections;

    // Track which connections are mid-request, so close() can drop idle keep-alive ones at once and wait for the rest;
    // and count them per address, so one address cannot hold every file descriptor.
    const sockets = new Set<Socket>();
    const perAddress = new Map<string, number>();
    server.on('connection', (s: Socket) => {
      const address = s.remoteAddress ?? '';
      const open = (perAddress.get(address) ?? 0) + 1;
      if (open > limits.maxConnectionsPerClient) return void s.destroy();
      perAddress.set(address, open);
      sockets.add(s);
      s.on('close', () => {
        sockets.delete(s);
        const left = (perAddress.get(address) ?? 1) - 1;
        if (left > 0) perAddress.set(address, left);
        else perAddress.delete(address);
      });
      // A connection that never sends a request is closed like one that is slow to send its headers.
      const silent = setTimeout(() => { if (s.bytesRead === 0) s.destroy(); }, limits.headersTimeoutMs);
      silent.unref();
      s.once('close', () => clearTimeout(silent));
    });

    const host = opts.host ?? '127.0.0.1';
    await new Promise<void>((ok, fail) => {
      server.once('error', fail);
      server.listen(opts.port ?? 3000, host, () => { server.off('error', fail); ok(); });
    });
    if (workers > 0) pool = new CheckPool(workers, undefined, WORKER_NICE);
    // Every process runs the schedule: the claims in the database make each reminder go once (server/desk/scheduler.ts).
    const scheduler = mailer && opts.reminderEveryMs !== 0
      ? startScheduler({
          context: () => ({ store, template: currentTemplate, today: opts.today?.() ?? todayIso(), publicUrl }),
          mailer: { send: async (m) => (await mailer()).send(m), close: () => undefined },
          everyMs: opts.reminderEveryMs,
          onRun: (run) => { if (run.outcomes.length) logger.info({ occasion: run.occasion?.day, sent: run.outcomes.filter((o) => o.outcome === 'sent').length, failed: run.outcomes.filter((o) => o.outcome === 'failed').length }, 'scheduled reminders'); },
          onError: (err) => logger.error({ err: { message: String((err as Error)?.message ?? err).slice(0, 200) } }, 'scheduled reminders failed'),
        })
      : undefined;
    const port = (server.address() as AddressInfo).port;
    const shownHost = host === '127.0.0.1' || host === '::1' || host === '0.0.0.0' || host === '::' ? 'localhost' : host;
    const url = `${tls ? 'https' : 'http'}://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${port}`;

    let closing: Promise<void> | undefined;
    const close = () => (closing ??= new Promise<void>((done) => {
      const grace = setTimeout(() => { for (const s of sockets) s.destroy(); }, opts.shutdownGraceMs ?? 10_000);
      grace.unref();
      server.close(async () => {
        clearTimeout(grace);
        await scheduler?.stop();
        if (mailerMade) (await mailerMade.catch(() => undefined))?.close();
        await store.close();
        void (pool?.close() ?? Promise.resolve()).then(done);
      });
      // Idle keep-alive connections would hold close() open; busy ones are closed once their response is sent.
      server.closeIdleConnections();
    }));
    return { url, port, dataDir, store, logger, tls, close };
  } catch (err) {
    await pool?.close();
    await store.close();
    throw err;
  }
}
