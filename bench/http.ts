// Requests per second and p99 latency of POST /api/validate under 32 concurrent keep-alive clients (node:http Agent),
// each from a loopback address of its own, against the real service started as `naome serve --http` in its own process
// on a loopback port (so the clients do not share its CPU time slice). Two bodies: a typical plan as JSON (what the
// add-in sends) and the same plan as its .xlsx workbook.
// Each body is first sent for a few seconds unmeasured (warm-up: the JIT, the check pool's workers, the caches), then
// measured, bounded by request count and by time. Beside the figures: the server's own CPU time per request (from
// /proc, so it holds on a machine busy with other work). Target (issue 4): >= 300 req/s, p99 <= 50 ms, no errors.
// Then the same with the data in PostgreSQL (naome serve --database, a real server started as the tests start it):
// there every request's rate-limit count is an upsert in the database and the organisations list a query.
// With 32 clients each waiting for its answer before sending again, mean latency = 32 / throughput (Little's law), and
// p99 comes out about twice the mean: a p99 within 50 ms needs ~1,300 req/s, so CPU per request decides both figures.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import http from 'node:http';
import { loadOrganisations } from '../server/organisations';
import { checkWorkbook } from '../server/xlsx/checkWorkbook';
import { writePlanWorkbook } from '../server/xlsx/writePlanWorkbook';
import { fillWorkbook, goodPlanContent } from '../test/helpers/plans';
import { source } from './sources';
import { postgresAvailable, POSTGRES_SKIP_MESSAGE, startPostgres } from '../test/helpers/postgres';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLIENTS = 32;

function post(agent: http.Agent, url: string, body: Buffer, type: string, localAddress: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', agent, localAddress, headers: { 'content-type': type, 'content-length': body.length } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { text += c; });
      res.on('end', () => resolve({ status: res.statusCode!, text }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

interface Run { requests: number; errors: number; seconds: number; rps: number; p50: number; p99: number; max: number }

async function load(agent: http.Agent, url: string, body: Buffer, type: string, maxRequests: number, maxSeconds: number): Promise<Run> {
  const latencies: number[] = [];
  let errors = 0;
  let issued = 0;
  const stopAt = performance.now() + maxSeconds * 1000;
  const start = performance.now();
  // Each client from an address of its own, as trusts are: from one address the fair queue's few places would fill.
  const client = async (_: unknown, c: number) => {
    while (issued < maxRequests && performance.now() < stopAt) {
      issued++;
      const t0 = performance.now();
      try {
        const res = await post(agent, `${url}/api/validate`, body, type, source(c));
        if (res.status !== 200 || !JSON.parse(res.text).valid) errors++;
      } catch {
        errors++;
      }
      latencies.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: CLIENTS }, client));
  const seconds = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!;
  return { requests: latencies.length, errors, seconds, rps: latencies.length / seconds, p50: at(0.5), p99: at(0.99), max: latencies.at(-1)! };
}

/** CPU time (ms) used so far by a process and its child processes (the cluster's workers), all threads; null off Linux. */
function cpuMs(pid: number): number | null {
  try {
    const stats = readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map((d) => {
      try { return readFileSync(`/proc/${d}/stat`, 'utf8'); } catch { return ''; }
    });
    let ticks = 0;
    for (const stat of stats) {
      // Fields after the command name (which may hold spaces): state ppid ... utime(14) stime(15).
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const id = Number(stat.slice(0, stat.indexOf(' ')));
      if (id === pid || Number(f[1]) === pid) ticks += Number(f[11]) + Number(f[12]);
    }
    return ticks * 10; // USER_HZ is 100 on Linux
  } catch {
    return null;
  }
}

const show = (label: string, r: Run, serverCpuMs: number | null) =>
  console.log(`${label.padEnd(36)} ${r.rps.toFixed(0).padStart(6)} req/s  p50 ${r.p50.toFixed(1).padStart(6)} ms  p99 ${r.p99.toFixed(1).padStart(6)} ms  ` +
    `max ${r.max.toFixed(0).padStart(5)} ms  ${r.requests} requests in ${r.seconds.toFixed(1)} s, ${r.errors} errors` +
    (serverCpuMs === null ? '' : `; server CPU ${(serverCpuMs / r.requests).toFixed(2)} ms/request`) +
    `  — target ${meets(r) ? 'met' : 'NOT met'}`);

const meets = (r: Run) => r.rps >= 300 && r.p99 <= 50 && r.errors === 0;

export async function bench(): Promise<void> {
  const organisations = loadOrganisations();
  const xlsx = await fillWorkbook(await writePlanWorkbook({ organisations }), goodPlanContent('RGT'));
  const { plan } = await checkWorkbook(xlsx, { organisations, limits: { timeoutMs: 30_000 } });
  const json = Buffer.from(JSON.stringify(plan));

  console.log(`POST /api/validate, ${CLIENTS} concurrent keep-alive clients on loopback, server in its own process(es); ` +
    `${availableParallelism()} CPUs (shared with the clients), load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}; ` +
    `plan ${plan!.actions.length} actions (JSON ${json.length} B, xlsx ${xlsx.length} B). ` +
    'Each body is warmed up unmeasured first (JSON 3 s, .xlsx 3 s), then measured.');
  const bodies: Array<[string, Buffer, string, number]> = [
    ['JSON plan (add-in)', json, 'application/json', 8000],
    ['.xlsx upload', xlsx, 'application/octet-stream', 3000],
  ];
  const met = new Map<string, boolean>();
  if (!postgresAvailable()) console.log(`PostgreSQL: ${POSTGRES_SKIP_MESSAGE}`);
  for (const engine of postgresAvailable() ? ['SQLite', 'PostgreSQL'] : ['SQLite']) for (const processes of [1, 2]) {
    const pg = engine === 'PostgreSQL' ? await startPostgres() : undefined;
    const postmaster = pg?.pid;
    await withServer(processes, await pg?.createDatabase('bench'), async (url, pid) => {
      // The clients' connections are opened during the warm-up and kept for the measured run, as keep-alive clients do.
      const agent = new http.Agent({ keepAlive: true, maxSockets: CLIENTS });
      for (const [label, body, type, requests] of bodies) {
        await load(agent, url, body, type, 100_000, 3); // warm-up, not measured
        const before = cpuMs(pid);
        const dbBefore = postmaster ? cpuMs(postmaster) : null;
        const r = await load(agent, url, body, type, requests, 15);
        const after = cpuMs(pid);
        const dbAfter = postmaster ? cpuMs(postmaster) : null;
        show(`${label}, ${engine}, ${processes} process${processes > 1 ? 'es' : ''}`, r, before === null || after === null ? null : after - before);
        if (dbBefore !== null && dbAfter !== null) console.log(`  and the PostgreSQL server's CPU: ${((dbAfter - dbBefore) / r.requests).toFixed(2)} ms/request`);
        if (engine === 'SQLite') met.set(label, (met.get(label) ?? false) || meets(r));
      }
      agent.destroy();
    });
  }
  for (const [label] of bodies) console.log(`target (>= 300 req/s, p99 <= 50 ms, no errors), ${label}: ${met.get(label) ? 'MET' : 'NOT MET'}`);
  // The test server's PostgreSQL stops with this process (test/helpers/postgres.ts).
}

/**
 * Runs `naome serve --http --port 0 --processes N` on a fresh data directory (and, given one, a fresh PostgreSQL
 * database) for the duration of fn.
 */
async function withServer(processes: number, database: string | undefined, fn: (url: string, pid: number) => Promise<void>): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'naome-bench-'));
  const child = spawn(process.execPath, ['bin/naome.js', 'serve', '--http', '--port', '0', '--data', dataDir, '--processes', String(processes),
    '--client-limit', '100000000', '--key-limit', '100000000', ...(database ? ['--database', database] : [])],
  { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let err = '';
      child.stderr!.on('data', (c) => { err += c; const m = /service: (http:\/\/\S+)/.exec(err); if (m) resolve(m[1]!.replace('localhost', '127.0.0.1')); });
      child.on('exit', (code) => reject(new Error(`naome serve exited (${code}): ${err}`)));
    });
    await fn(url, child.pid!);
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await bench();
