// Requests per second and p99 latency of POST /api/validate under 32 concurrent keep-alive clients (node:http Agent), against the real
// service started as `naome serve --http` in its own process on a loopback port (so the clients do not share its CPU
// time slice). Two bodies: a typical plan as JSON (what the add-in sends) and the same plan as its .xlsx workbook.
// Bounded by request count and by time. Target for the JSON plan: >= 300 req/s, p99 <= 50 ms, no errors.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import http from 'node:http';
import { loadOrganisations } from '../server/organisations';
import { checkWorkbook } from '../server/xlsx/checkWorkbook';
import { writePlanWorkbook } from '../server/xlsx/writePlanWorkbook';
import { fillWorkbook, goodPlanContent } from '../test/helpers/plans';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLIENTS = 32;

function post(agent: http.Agent, url: string, body: Buffer, type: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', agent, headers: { 'content-type': type, 'content-length': body.length } }, (res) => {
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

async function load(url: string, body: Buffer, type: string, maxRequests: number, maxSeconds: number): Promise<Run> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CLIENTS });
  const latencies: number[] = [];
  let errors = 0;
  let issued = 0;
  const stopAt = performance.now() + maxSeconds * 1000;
  const start = performance.now();
  const client = async () => {
    while (issued < maxRequests && performance.now() < stopAt) {
      issued++;
      const t0 = performance.now();
      try {
        const res = await post(agent, `${url}/api/validate`, body, type);
        if (res.status !== 200 || !JSON.parse(res.text).valid) errors++;
      } catch {
        errors++;
      }
      latencies.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: CLIENTS }, client));
  const seconds = (performance.now() - start) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!;
  return { requests: latencies.length, errors, seconds, rps: latencies.length / seconds, p50: at(0.5), p99: at(0.99), max: latencies.at(-1)! };
}

const show = (label: string, r: Run) =>
  console.log(`${label.padEnd(36)} ${r.rps.toFixed(0).padStart(6)} req/s  p50 ${r.p50.toFixed(1).padStart(6)} ms  p99 ${r.p99.toFixed(1).padStart(6)} ms  ` +
    `max ${r.max.toFixed(0).padStart(5)} ms  ${r.requests} requests in ${r.seconds.toFixed(1)} s, ${r.errors} errors`);

export async function bench(): Promise<void> {
  const organisations = loadOrganisations();
  const xlsx = await fillWorkbook(await writePlanWorkbook({ organisations }), goodPlanContent('RGT'));
  const { plan } = await checkWorkbook(xlsx, { organisations, limits: { timeoutMs: 30_000 } });
  const json = Buffer.from(JSON.stringify(plan));

  console.log(`POST /api/validate, ${CLIENTS} concurrent keep-alive clients on loopback, server in its own process(es); ` +
    `${availableParallelism()} CPUs (shared with the clients); plan ${plan!.actions.length} actions (JSON ${json.length} B, xlsx ${xlsx.length} B)`);
  let met = false;
  for (const processes of [1, 2]) {
    await withServer(processes, async (url) => {
      await load(url, json, 'application/json', 1000, 5); // warm-up
      const j = await load(url, json, 'application/json', 8000, 15);
      show(`JSON plan (add-in), ${processes} process${processes > 1 ? 'es' : ''}`, j);
      met ||= j.rps >= 300 && j.p99 <= 50 && j.errors === 0;
      await load(url, xlsx, 'application/octet-stream', 64, 5); // warm-up
      show(`.xlsx upload, ${processes} process${processes > 1 ? 'es' : ''}`, await load(url, xlsx, 'application/octet-stream', 1000, 15));
    });
  }
  console.log(`target (JSON plan): >= 300 req/s, p99 <= 50 ms, no errors — ${met ? 'MET' : 'NOT MET'}`);
}

/** Runs `naome serve --http --port 0 --processes N` on a fresh data directory for the duration of fn. */
async function withServer(processes: number, fn: (url: string) => Promise<void>): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'naome-bench-'));
  const child = spawn(process.execPath, ['bin/naome.js', 'serve', '--http', '--port', '0', '--data', dataDir, '--processes', String(processes),
    '--client-limit', '100000000', '--key-limit', '100000000'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let err = '';
      child.stderr!.on('data', (c) => { err += c; const m = /service: (http:\/\/\S+)/.exec(err); if (m) resolve(m[1]!.replace('localhost', '127.0.0.1')); });
      child.on('exit', (code) => reject(new Error(`naome serve exited (${code}): ${err}`)));
    });
    await fn(url);
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await bench();
