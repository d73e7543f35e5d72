import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import type { Command } from '../command';
import { printError } from '../terminal';
import { parse, UsageError } from '../command';
import { trustInstructions } from '../../server/certs';
import { isClusterWorker, runClusterWorker, startCluster } from '../../server/cluster';
import { startServer, type ServerOptions } from '../../server/serve';
import { projectFile, projectUrl } from '../../server/projectFiles';
import { DATABASE_ENV, databaseUrlOf, openStore, shownDatabase } from '../../server/store/open';

/**
 * Why the port cannot be listened on, in words with what to do, or null when it is free. Asked before starting (so
 * no process is forked and no certificate made for a port that is taken): Node's own "listen EADDRINUSE" says neither.
 */
function portProblem(host: string, port: number): Promise<string | null> {
  if (port === 0) return Promise.resolve(null);
  return new Promise((answer) => {
    const probe = createServer();
    probe.once('error', (err: NodeJS.ErrnoException) => answer(
      err.code === 'EADDRINUSE' ? `port ${port} is already in use on ${host} (another program, perhaps another naome serve, is listening there). Stop that program, or start on another port: naome serve --port ${port === 3000 ? 3001 : 3000} (or --port 0 for any free port).`
      : err.code === 'EACCES' ? `this user may not listen on port ${port} on ${host} (ports below 1024 need special rights). Choose a port from 1024 up, e.g. naome serve --port 3000, and put a proxy in front for port ${port}.`
      : err.code === 'EADDRNOTAVAIL' ? `${host} is not an address of this machine, so the service cannot listen there. Leave out --host (127.0.0.1), or give one of this machine's addresses (0.0.0.0 for all).`
      : null));
    probe.listen(port, host, () => probe.close(() => answer(null)));
  });
}

/**
 * The add-in's task pane is served from dist/addin; a checkout that was never built (or had dist/ removed) would serve
 * the pages but 404 the add-in. Building it takes a few seconds with esbuild (a dependency), so every start serves it.
 */
async function ensureAddinBuilt(): Promise<void> {
  if (existsSync(projectFile('dist/addin/taskpane.js'))) return;
  printError('naome serve: the Excel add-in is not built yet (dist/addin is missing): building it now…');
  try {
    // Loaded from the project at run time, never bundled: addin/build.js drives esbuild itself.
    const { buildAddin } = await import(projectUrl('addin/build.js').href) as { buildAddin(): Promise<unknown> };
    await buildAddin();
    printError('naome serve: the add-in is built in dist/addin.');
  } catch (err) {
    printError(`naome serve: the add-in could not be built (${err instanceof Error ? err.message : String(err)}). The pages and the API work; for the add-in run npm run build in ${projectFile('.')} and start again.`);
  }
}

const usage = `Usage: naome serve [--port N] [--host H] [--data DIR | --database URL] [--http] [--cert FILE --key FILE]

Starts the service: the submission page, the admin page, the HTTP API and the add-in's files.
  --port N       port to listen on (default 3000)
  --host H       address to listen on (default 127.0.0.1; 0.0.0.0 for every interface)
  --data DIR     where the database (SQLite) and the development certificate are kept (default ./data)
  --database URL keep every table in PostgreSQL instead (postgres://user:password@host:5432/name;
                 default ${DATABASE_ENV}); --data still holds the development certificate
  --http         plain HTTP, for running behind a TLS proxy (Office needs HTTPS for the add-in)
  --cert FILE    a real TLS certificate (PEM) and, with --key FILE, its private key;
                 or set NAOME_TLS_CERT and NAOME_TLS_KEY. Without them a development certificate is made.
  --trust-proxy  believe X-Forwarded-For from the proxy in front (rate limits per real client)
  --client-limit N  requests per minute from one client address (default 3000)
  --key-limit N     requests per minute with one key (default 1200)
  --quota-versions N  versions one organisation may store in 24 hours (default 200); past it, 429 QUOTA_EXCEEDED
  --quota-mb N        megabytes of uploads one organisation may store in 24 hours (default 200)
  --processes N     server processes sharing the port (default 1); with --data each counts rate limits on its
                    own, with --database they are counted once, in the database
  --smtp URL        send reminder e-mails through this SMTP server (smtp://user:pass@host:587 or smtps://…:465;
                    default NAOME_SMTP_URL). Without it reminders are off: the admin page offers the list as CSV.
  --mail-from ADDR  the reminders' From address (default NAOME_MAIL_FROM)
  --public-url URL  the service's address as people open it, for the link in reminders (default NAOME_PUBLIC_URL)

Stop it with Ctrl+C (or SIGTERM): requests in flight finish, then the database is closed.`;

export const serve: Command = {
  usage,
  async run(args) {
    const { values } = parse(args, {
      port: { type: 'string' },
      host: { type: 'string' },
      data: { type: 'string' },
      database: { type: 'string' },
      http: { type: 'boolean' },
      cert: { type: 'string' },
      key: { type: 'string' },
      'trust-proxy': { type: 'boolean' },
      'client-limit': { type: 'string' },
      'key-limit': { type: 'string' },
      'quota-versions': { type: 'string' },
      'quota-mb': { type: 'string' },
      processes: { type: 'string' },
      smtp: { type: 'string' },
      'mail-from': { type: 'string' },
      'public-url': { type: 'string' },
    });
    if (isClusterWorker()) {
      await runClusterWorker();
      return 0;
    }
    const count = (flag: 'client-limit' | 'key-limit' | 'quota-versions' | 'quota-mb', what: string) => {
      const value = values[flag];
      if (value === undefined) return undefined;
      const n = Number(value);
      if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${flag} must be a whole number of ${what}, not "${value}".`);
      return n;
    };
    const quotaMb = count('quota-mb', 'megabytes a day');
    const limits = {
      windowMs: 60_000,
      perClient: count('client-limit', 'requests per minute'),
      perKey: count('key-limit', 'requests per minute'),
      quotaVersionsPerDay: count('quota-versions', 'versions a day'),
      quotaBytesPerDay: quotaMb === undefined ? undefined : quotaMb * 1024 * 1024,
    };
    const port = values.port === undefined ? 3000 : Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be a whole number from 0 to 65535, not "${values.port}".`);
    if (Boolean(values.cert) !== Boolean(values.key)) throw new UsageError('--cert and --key go together.');
    if (values.http && values.cert) throw new UsageError('--http serves plain HTTP; leave out --cert and --key, or leave out --http.');
    const dataDir = resolve(values.data ?? 'data');
    const database = databaseUrlOf(values.database);

    const processes = values.processes === undefined ? 1 : Number(values.processes);
    if (!Number.isInteger(processes) || processes < 1 || processes > 64) throw new UsageError(`--processes must be a whole number from 1 to 64, not "${values.processes}".`);
    const problem = await portProblem(values.host ?? '127.0.0.1', port);
    if (problem) {
      printError(`naome serve: ${problem}`);
      return 2;
    }
    await ensureAddinBuilt();
    const options: ServerOptions = {
      dataDir, database, port, host: values.host, http: values.http, cert: values.cert, key: values.key, trustProxy: values['trust-proxy'] ? 1 : false,
      limits: Object.fromEntries(Object.entries(limits).filter(([, v]) => v !== undefined)),
      smtp: values.smtp, mailFrom: values['mail-from'], publicUrl: values['public-url'],
    };
    const single = processes === 1 ? await startServer(options) : undefined;
    const server = single ?? (await startCluster(options, processes));
    const store = single?.store ?? await openStore({ data: dataDir, database });
    const hasAdmin = await store.activeKeyHash('admin') !== undefined;
    const organisationCount = (await store.organisations()).length;
    if (!single) await store.close();
    // The database flag is given again only when it was on the command line (an environment variable stays set).
    const dataFlag = values.database ? ' --database URL' : values.data ? ` --data ${values.data}` : '';
    const lines = [
      '',
      `NAoMe action plan service: ${server.url}`,
      `  data:            ${database ? `PostgreSQL ${shownDatabase(database)}` : dataDir} (${organisationCount} organisations${processes > 1 ? `; ${processes} server processes` : ''})`,
      `  submission page: ${server.url}/`,
      `  admin page:      ${server.url}/admin`,
      `  blank workbook:  ${server.url}/template.xlsx  (pre-filled: ${server.url}/template.xlsx?org=ODS_CODE)`,
      `  API:             ${server.url}/api/openapi.json`,
      `  reminders:       ${options.smtp ?? process.env.NAOME_SMTP_URL ? 'on (SMTP set; the schedule is set on the admin page)' : 'off (no --smtp / NAOME_SMTP_URL)'}`,
    ];
    if (server.tls?.caPath) {
      lines.push('', `HTTPS uses a development certificate${server.tls.generated ? ' made just now' : ''}. Its CA is ${server.tls.caPath}.`,
        'Trust that CA once on each machine that opens these pages or the add-in:', ...trustInstructions(server.tls.caPath),
        'For a real deployment give --cert and --key (or NAOME_TLS_CERT / NAOME_TLS_KEY).');
    }
    lines.push('', 'Next:');
    if (!hasAdmin) lines.push(`  - make the admin key (shown once):        npx naome keys admin${dataFlag}`);
    lines.push(
      `  - give each organisation its key:         npx naome keys issue ODS_CODE${dataFlag}  (or on the admin page)`,
      `  - organisations download their workbook:  ${server.url}/template.xlsx?org=ODS_CODE`,
      `  - the Excel add-in: npx naome manifest --base-url ${server.url} -o manifest.xml (after npm run build:addin),`,
      '    then sideload manifest.xml in Excel (Home > Add-ins > More add-ins > My add-ins > Upload My Add-in)',
      '',
      'Press Ctrl+C to stop.',
      '',
    );
    printError(lines.join('\n'));

    await new Promise<void>((done) => {
      const stop = (signal: string) => {
        if (single) single.logger.info({ signal }, 'stopping: finishing requests in flight');
        else printError(`naome serve: ${signal}: finishing requests in flight, then stopping.`);
        void server.close().then(done);
      };
      process.once('SIGTERM', () => stop('SIGTERM'));
      process.once('SIGINT', () => stop('SIGINT'));
    });
    return 0;
  },
};
