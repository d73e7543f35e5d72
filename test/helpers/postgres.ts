// A real PostgreSQL server for the tests: the binaries on PATH or Debian's /usr/lib/postgresql/<version>/bin, a new
// cluster in a temporary folder (initdb), listening on 127.0.0.1 at a free port, run as an unprivileged user when the
// tests run as root (postgres refuses root). One server per test process, started on first use; each suite takes a
// fresh database of its own. It is stopped and its folder removed when the process exits, also on Ctrl-C or --exit.
// It never touches a cluster the system may run (Debian's package may start one on 5432): its own port, folder, socket.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, closeSync, existsSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import pg from 'pg';

/** Why the PostgreSQL tests do not run here (printed by the suites that skip). */
export const POSTGRES_SKIP_MESSAGE =
  'SKIPPED: no PostgreSQL server here (initdb and postgres neither on PATH nor in /usr/lib/postgresql/*/bin). ' +
  "Install Debian's postgresql package (.ci/run does) to run these tests against PostgreSQL.";

const SUPERUSER = 'naome';

/** The folder holding initdb and postgres, or null: PATH first, then Debian's newest /usr/lib/postgresql/<n>/bin. */
export function postgresBinDir(): string | null {
  const has = (dir: string) => existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'postgres'));
  for (const dir of (process.env.PATH ?? '').split(delimiter)) if (dir && has(dir)) return dir;
  const debian = '/usr/lib/postgresql';
  if (!existsSync(debian)) return null;
  const versions = readdirSync(debian).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
  for (const v of versions) if (has(join(debian, v, 'bin'))) return join(debian, v, 'bin');
  return null;
}

export function postgresAvailable(): boolean {
  return postgresBinDir() !== null;
}

export interface TestPostgres {
  /** postgres://… of the server's maintenance database. */
  readonly url: string;
  readonly port: number;
  /** The binaries' folder (pg_dump, pg_restore, psql …). */
  readonly binDir: string;
  /** Creates an empty database and returns its postgres:// URL. */
  createDatabase(prefix?: string): Promise<string>;
  /** The command line that runs a PostgreSQL binary as the server's user. */
  command(bin: string, args: string[]): { command: string; args: string[] };
  /** The postmaster's process id (its backends are its children): for CPU time in the benches. */
  readonly pid: number;
}

/** The user that runs the server: ourselves, or when root, Debian's postgres user (else nobody). */
function serverUser(): { name: string; uid: number; gid: number } | null {
  if (process.getuid?.() !== 0) return null;
  for (const name of ['postgres', 'nobody']) {
    const id = spawnSync('id', ['-u', name], { encoding: 'utf8' });
    const gid = spawnSync('id', ['-g', name], { encoding: 'utf8' });
    if (id.status === 0 && gid.status === 0) return { name, uid: Number(id.stdout), gid: Number(gid.stdout) };
  }
  throw new Error('the tests run as root and neither a postgres nor a nobody user exists to run PostgreSQL as');
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

let running: Promise<TestPostgres> | undefined;

/** The test process's PostgreSQL server, started on the first call. Throws when there is none (check first). */
export function startPostgres(): Promise<TestPostgres> {
  running ??= launch();
  return running;
}

/** A fresh, empty database on the test server: its URL. */
export async function freshDatabase(prefix = 'suite'): Promise<string> {
  return (await startPostgres()).createDatabase(prefix);
}

async function launch(): Promise<TestPostgres> {
  const binDir = postgresBinDir();
  if (!binDir) throw new Error(POSTGRES_SKIP_MESSAGE);
  const user = serverUser();
  const folder = mkdtempSync(join(tmpdir(), 'naome-pg-'));
  const data = join(folder, 'data');
  if (user) chownSync(folder, user.uid, user.gid);
  const command = (bin: string, args: string[]) => user
    ? { command: 'runuser', args: ['-u', user.name, '--', join(binDir, bin), ...args] }
    : { command: join(binDir, bin), args };
  // The child's working folder is ours: the unprivileged user may not be able to enter the caller's.
  const run = (bin: string, args: string[]) => {
    const c = command(bin, args);
    return spawnSync(c.command, c.args, { cwd: folder, encoding: 'utf8' });
  };

  const cleanUp = () => {
    // Immediate shutdown (SIGQUIT to the postmaster itself, not to runuser); if it has not gone within 10 s (a
    // loaded machine), SIGKILL. Only then is its folder removed. Synchronous: this also runs in the 'exit' event.
    const postmaster = postmasterPid(data);
    const waitGone = (ms: number) => {
      const until = Date.now() + ms;
      while (Date.now() < until && postmaster !== null && alive(postmaster)) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
    };
    if (postmaster !== null && alive(postmaster)) {
      try { process.kill(postmaster, 'SIGQUIT'); } catch { /* already gone */ }
      waitGone(10_000);
      if (alive(postmaster)) {
        try { process.kill(postmaster, 'SIGKILL'); } catch { /* already gone */ }
        waitGone(2_000);
      }
    }
    rmSync(folder, { recursive: true, force: true, maxRetries: 3 });
  };
  process.once('exit', cleanUp);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      cleanUp();
      process.kill(process.pid, signal);
    });
  }

  const init = run('initdb', ['-D', data, '--auth=trust', `--username=${SUPERUSER}`, '--encoding=UTF8', '--locale=C', '--no-sync']);
  if (init.status !== 0) throw new Error(`initdb failed in ${folder}: ${init.stderr || init.stdout}`);

  let lastError = '';
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    // fsync off: the tests' data is thrown away, and the machine is shared. Never in production (docs/deploy.md).
    const c = command('postgres', [
      '-D', data, '-p', String(port), '-k', folder, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off',
      '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', '-c', 'max_connections=200',
    ]);
    // The server's log goes to a file, not a pipe: nothing of it then keeps this process's event loop alive (a bench
    // ends when its work does; the 'exit' handler stops the server).
    const logFile = join(folder, `postgres-${port}.log`);
    const logFd = openSync(logFile, 'w');
    const child: ChildProcess = spawn(c.command, c.args, { cwd: folder, stdio: ['ignore', 'ignore', logFd] });
    closeSync(logFd);
    let exited = false;
    child.once('exit', () => { exited = true; });
    const log = () => readFileSync(logFile, 'utf8');
    while (!exited && !log().includes('database system is ready to accept connections')) await new Promise((r) => setTimeout(r, 50));
    if (exited) {
      lastError = log();
      continue; // most likely the port was taken between the probe and the start
    }
    child.unref();
    const url = `postgres://${SUPERUSER}@127.0.0.1:${port}/postgres`;
    let databases = 0;
    return {
      url,
      port,
      binDir,
      command,
      pid: postmasterPid(data)!,
      async createDatabase(prefix = 'suite') {
        const name = `${prefix.replace(/[^a-z0-9_]/gi, '_').toLowerCase()}_${process.pid}_${++databases}`;
        const admin = new pg.Client({ connectionString: url });
        await admin.connect();
        try {
          await admin.query(`CREATE DATABASE ${name}`);
        } finally {
          await admin.end();
        }
        return `postgres://${SUPERUSER}@127.0.0.1:${port}/${name}`;
      },
    };
  }
  throw new Error(`PostgreSQL did not start (${binDir}/postgres): ${lastError.slice(-2000)}`);
}

function postmasterPid(data: string): number | null {
  try {
    const first = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
    return first > 0 ? first : null;
  } catch {
    return null;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
