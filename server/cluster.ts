// Several server processes on one port (node:cluster), for machines with cores to spare: HTTP parsing, routing and the
// JSON rules all run on a process's main thread, so one process tops out at one core. The primary prepares what must
// exist once (database schema, organisations, certificate), then forks the workers; each opens the same database (the
// SQLite file in WAL mode, or PostgreSQL: versions still come from one transaction each) and runs the ordinary server.
// Rate limits count per process, unless the store shares them (PostgreSQL).
import cluster, { type Worker } from 'node:cluster';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { certificateFromFiles, developmentCertificate, type TlsFiles } from './certs';
import { loadOrganisations } from './organisations';
import { startServer, type ServerOptions } from './serve';
import { openStore } from './store/open';

const CONFIG_ENV = 'NAOME_CLUSTER_OPTIONS';

/** What a cluster worker needs to start its server (JSON: no logger, no functions). */
type WorkerOptions = Omit<ServerOptions, 'logger' | 'today'>;

export interface RunningCluster {
  url: string;
  tls?: TlsFiles;
  close(): Promise<void>;
}

export async function startCluster(opts: WorkerOptions, processes: number): Promise<RunningCluster> {
  const dataDir = resolve(opts.dataDir ?? 'data');
  const store = await openStore({ data: dataDir, database: opts.database });
  try {
    await store.seedOrganisations(() => loadOrganisations());
  } finally {
    await store.close();
  }
  let tls: TlsFiles | undefined;
  if (!opts.http) {
    const cert = opts.cert ?? process.env.NAOME_TLS_CERT;
    const key = opts.key ?? process.env.NAOME_TLS_KEY;
    tls = cert && key ? certificateFromFiles(cert, key) : await developmentCertificate(dataDir);
  }
  const workerOptions: WorkerOptions = { ...opts, dataDir, workers: opts.workers ?? Math.max(1, Math.floor(availableParallelism() / processes)) };
  const env = { [CONFIG_ENV]: JSON.stringify(workerOptions) };

  let stopping = false;
  const live = new Set<Worker>();
  const fork = () =>
    new Promise<string>((ready, failed) => {
      const worker = cluster.fork(env);
      live.add(worker);
      worker.on('message', (m: { url?: string }) => { if (m.url) ready(m.url); });
      worker.on('exit', (code, signal) => {
        live.delete(worker);
        failed(new Error(`a server process stopped before it was ready (${signal ?? code})`));
        // A process that dies while serving is replaced; the others keep answering meanwhile.
        if (!stopping && code !== 0) void fork().catch(() => undefined);
      });
    });
  const urls = await Promise.all(Array.from({ length: processes }, fork));
  return {
    url: urls[0]!,
    tls,
    close: async () => {
      stopping = true;
      await Promise.all([...live].map((w) => new Promise<void>((done) => {
        w.once('exit', () => done());
        w.process.kill('SIGTERM');
      })));
    },
  };
}

/** In a forked worker: starts the server with the primary's options and reports its address. */
export async function runClusterWorker(): Promise<void> {
  const opts = JSON.parse(process.env[CONFIG_ENV] ?? '{}') as WorkerOptions;
  const server = await startServer(opts);
  process.send?.({ url: server.url });
  await new Promise<void>((done) => {
    const stop = (signal: string) => {
      server.logger.info({ signal }, 'stopping: finishing requests in flight');
      void server.close().then(done);
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  // The channel to the primary would keep this process alive.
  cluster.worker?.disconnect();
}

export const isClusterWorker = () => cluster.isWorker && process.env[CONFIG_ENV] !== undefined;
