// Ticket-submission benchmark: `npx tsx bench/submit.ts` (BENCH_N=<submissions per run>, default 1000).
// Starts the real app on 127.0.0.1 (real port, real data dir in a temp folder) and, in the same
// run, a bare Fastify + better-sqlite3 server that stores the same request bytes with one durable
// insert per request (applyPragmas: WAL, synchronous=FULL, so its COMMIT fsyncs on the event loop).
// The app runs as in production: synchronous=NORMAL behind the durability barrier (the fsync of
// the -wal runs on the thread pool and every reply awaits it; docs/DECISIONS.md, durability). Client work (sealing, PoW solving) is done before the clock starts; each run then posts
// N bodies with 8 concurrent keep-alive clients. Median of 5 interleaved runs (which server goes
// first alternates, so neither always gets the warmer page cache); writes bench/submit.json.
import Database from 'better-sqlite3';
import Fastify from 'fastify';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { applyPragmas } from '../db/client';
import { teamKeys } from '../db/schema';
import { generateTeamKey, ready, toB64 } from '../protocol/index';
import { buildApp } from '../server/app';
import { loadConfig } from '../server/config';
import { prepareSubmissions, type Job } from './submissions';

const N = Number(process.env.BENCH_N ?? 1000);
const RUNS = 5;
const CONCURRENCY = 8;
const POW_DIFFICULTY = 8;
/** The architecture issue's bar: the app keeps at least this share of the bare baseline's rate. */
const TARGET_RATIO = 0.7;
const OUT = fileURLToPath(new URL(process.env.BENCH_SYNC === 'NORMAL' ? './submit-sync-normal.json' : './submit.json', import.meta.url));
// BENCH_PROFILE=<prefix>: CPU-profile each timed drive (both servers and the clients share this
// process) into <prefix>-<app|bare>-<run>.cpuprofile. Profiling slows everything, so such a run
// writes no result file.
const PROFILE = process.env.BENCH_PROFILE;

await ready();
const dataDir = mkdtempSync(join(tmpdir(), 'sealdesk-bench-'));
const bareDir = mkdtempSync(join(tmpdir(), 'sealdesk-bench-bare-'));
// The app logs one line per request at info, as in production; the lines go nowhere.
const discard = new Writable({ write: (_c, _e, done) => done() });
const config = loadConfig({ SEALDESK_DATA_DIR: dataDir, SEALDESK_POW_DIFFICULTY: String(POW_DIFFICULTY), SEALDESK_LOG_LEVEL: 'info', PORT: '0' });
// BENCH_WRITER=off runs the submission on the event loop (no writer thread) for an A/B in one run
// of the same code; such a run writes no result file.
const WRITER_OFF = process.env.BENCH_WRITER === 'off';
const app = await buildApp(config, { logStream: discard, ...(WRITER_OFF ? { writerThread: false } : {}) });
await app.listen({ host: '127.0.0.1', port: 0 });
const appUrl = `http://127.0.0.1:${(app.server.address() as { port: number }).port}/api/tickets`;

// BENCH_SYNC=NORMAL re-runs both servers with synchronous=NORMAL (an experiment: the bare server
// then acknowledges before fsync, so it shows the CPU-bound ratio). The default keeps the real pragmas.
const SYNC = process.env.BENCH_SYNC === 'NORMAL' ? 'NORMAL' : null;
if (SYNC) app.sqlite.pragma(`synchronous = ${SYNC}`);

const team = generateTeamKey();
app.db
  .insert(teamKeys)
  .values({ version: 1, boxPk: toB64(team.publicKey), createdAt: 0 })
  .run();

// Bare baseline: same pragmas, one insert of the same bytes per request.
const sqlite = new Database(join(bareDir, 'bare.db'));
applyPragmas(sqlite);
if (SYNC) sqlite.pragma(`synchronous = ${SYNC}`);
sqlite.exec('create table submissions (id text primary key, body text not null)');
const insert = sqlite.prepare('insert into submissions (id, body) values (?, ?)');
const bare = Fastify({ bodyLimit: 256 * 1024 });
bare.post('/submit', async (request, reply) => {
  const body = request.body as { ticketId: string };
  insert.run(body.ticketId, JSON.stringify(body));
  return reply.code(201).send({ ticketId: body.ticketId });
});
await bare.listen({ host: '127.0.0.1', port: 0 });
const bareUrl = `http://127.0.0.1:${(bare.server.address() as { port: number }).port}/submit`;

/**
 * CPU seconds the main thread (which runs both servers and the client) has used, from
 * /proc/self/task/<pid>/stat (Linux; 10 ms ticks); undefined elsewhere. Unlike wall time it does
 * not grow when neighbours take the core, so it shows where a change saved work on a busy machine.
 */
function mainThreadCpuSeconds(): number | undefined {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in USER_HZ (100)
  } catch {
    return undefined;
  }
}

interface Drive {
  /** Submissions per second (wall clock). */
  rate: number;
  /** Main-thread CPU per submission, µs (client share included; same client on both sides). */
  mainCpuUs?: number;
  /** Whole-process CPU per submission, µs (all threads: worker pool, fsyncs, GC helpers). */
  processCpuUs: number;
  /** Share of the run's wall time the event loop (both servers and the client) was busy, 0–1. */
  elu: number;
}

/** The shared submission builder (bench/submissions.ts), then a pause. */
async function prepare(): Promise<Job[]> {
  const jobs = await prepareSubmissions(app, { version: 1, publicKey: team.publicKey }, N, POW_DIFFICULTY);
  // Preparing saturates the event loop; let @fastify/under-pressure's samples settle before timing,
  // or the first requests are shed with 503 (which is the server doing its job).
  await new Promise((r) => setTimeout(r, 3000));
  return jobs;
}

const inspector = PROFILE ? new Session() : undefined;
if (inspector) {
  inspector.connect();
  await inspector.post('Profiler.enable');
  await inspector.post('Profiler.setSamplingInterval', { interval: 200 });
}

/** `drive`, under the CPU profiler when BENCH_PROFILE asks for it. */
async function timed(name: string, url: string, jobs: Job[], auth: boolean): Promise<Drive> {
  if (!inspector) return drive(url, jobs, auth);
  await inspector.post('Profiler.start');
  const rate = await drive(url, jobs, auth);
  const { profile } = await inspector.post('Profiler.stop');
  writeFileSync(`${PROFILE}-${name}.cpuprofile`, JSON.stringify(profile));
  return rate;
}

/** Posts every job with CONCURRENCY workers; returns submissions per second and CPU. Any non-201 aborts. */
async function drive(url: string, jobs: Job[], auth: boolean): Promise<Drive> {
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const job = jobs[next++]!;
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(auth ? { authorization: `Bearer ${job.token}` } : {}) },
        body: job.body,
      });
      const text = await res.text();
      if (res.status !== 201) throw new Error(`${url} answered ${res.status}: ${text}`);
    }
  };
  const elu0 = performance.eventLoopUtilization();
  const cpu0 = process.cpuUsage();
  const main0 = mainThreadCpuSeconds();
  const t0 = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const seconds = (performance.now() - t0) / 1000;
  const main1 = mainThreadCpuSeconds();
  const cpu = process.cpuUsage(cpu0);
  const elu = performance.eventLoopUtilization(elu0).utilization;
  return {
    elu: Number(elu.toFixed(3)),
    rate: jobs.length / seconds,
    mainCpuUs: main0 === undefined || main1 === undefined ? undefined : Math.round(((main1 - main0) * 1e6) / jobs.length),
    processCpuUs: Math.round((cpu.user + cpu.system) / jobs.length),
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const medianOf = (xs: (number | undefined)[]) => (xs.every((x) => x !== undefined) ? median(xs as number[]) : undefined);
const runs: { app: number; bare: number; ratio: number; mainCpuUs: { app?: number; bare?: number }; processCpuUs: { app: number; bare: number }; loadAverage: number }[] = [];
let bodyBytes = 0;
try {
  // Warm-up (JIT, SQLite page cache) on both paths, not counted.
  const warm = await prepare();
  await drive(appUrl, warm.slice(0, Math.min(200, N)), true);
  await drive(bareUrl, warm.slice(0, Math.min(200, N)), false);
  for (let r = 0; r < RUNS; r++) {
    const jobs = await prepare();
    bodyBytes = Buffer.byteLength(jobs[0]!.body);
    let appRun: Drive;
    let bareRun: Drive;
    const loadAverage = Number(loadavg()[0]!.toFixed(2));
    if (r % 2 === 0) {
      appRun = await timed(`app-${r + 1}`, appUrl, jobs, true);
      bareRun = await timed(`bare-${r + 1}`, bareUrl, jobs, false);
    } else {
      bareRun = await timed(`bare-${r + 1}`, bareUrl, jobs, false);
      appRun = await timed(`app-${r + 1}`, appUrl, jobs, true);
    }
    const [appRate, bareRate] = [appRun.rate, bareRun.rate];
    runs.push({
      app: Math.round(appRate),
      bare: Math.round(bareRate),
      ratio: Number((appRate / bareRate).toFixed(3)),
      mainCpuUs: { app: appRun.mainCpuUs, bare: bareRun.mainCpuUs },
      processCpuUs: { app: appRun.processCpuUs, bare: bareRun.processCpuUs },
      loadAverage,
    });
    console.log(
      `run ${r + 1}: app ${appRate.toFixed(0)}/s, bare ${bareRate.toFixed(0)}/s (ratio ${(appRate / bareRate).toFixed(2)}); main-thread CPU µs/submission app ${appRun.mainCpuUs ?? '?'}, bare ${bareRun.mainCpuUs ?? '?'}; process CPU app ${appRun.processCpuUs}, bare ${bareRun.processCpuUs}; loop busy app ${(appRun.elu * 100).toFixed(0)}%, bare ${(bareRun.elu * 100).toFixed(0)}%; load ${loadAverage}`,
    );
  }
  const appMedian = median(runs.map((x) => x.app));
  const bareMedian = median(runs.map((x) => x.bare));
  const ratio = appMedian / bareMedian;
  const result = {
    benchmark: 'ticket submissions per second (POST /api/tickets) vs bare Fastify + better-sqlite3 insert of the same bytes',
    submissionsPerRun: N,
    concurrency: CONCURRENCY,
    powDifficulty: POW_DIFFICULTY,
    synchronous: SYNC ? `${SYNC} (both, experiment)` : { app: 'NORMAL + durability barrier (production)', bare: 'FULL' },
    bodyBytes,
    runs,
    // The bare server is bound by its on-loop fsync (one per request), the app mostly by CPU; disk
    // and neighbour noise is large run to run, so the per-run ratio (same minute) is the steadier figure.
    median: { appPerSecond: appMedian, barePerSecond: bareMedian, ratio: Number(ratio.toFixed(3)), ratioOfRuns: median(runs.map((x) => x.ratio)) },
    // CPU per submission (µs, median of runs): steadier than rates on a shared machine. The main
    // thread runs both servers and the one client; the process figure adds the other threads.
    cpuMedianUs: {
      mainThread: { app: medianOf(runs.map((x) => x.mainCpuUs.app)), bare: medianOf(runs.map((x) => x.mainCpuUs.bare)) },
      process: { app: median(runs.map((x) => x.processCpuUs.app)), bare: median(runs.map((x) => x.processCpuUs.bare)) },
    },
    loadAverageAtRuns: runs.map((x) => x.loadAverage),
    target: `ratio >= ${TARGET_RATIO}`,
    targetRatio: TARGET_RATIO,
    node: process.version,
    at: new Date().toISOString(),
  };
  const written = !PROFILE && !WRITER_OFF;
  if (written) writeFileSync(OUT, `${JSON.stringify(result, null, 2)}\n`);
  console.log(
    `median: app ${appMedian}/s, bare ${bareMedian}/s, ratio ${(ratio * 100).toFixed(1)}%, median per-run ratio ${(median(runs.map((x) => x.ratio)) * 100).toFixed(1)}% (target ≥ ${TARGET_RATIO * 100}%) → ${written ? OUT : 'no result file (experiment)'}`,
  );
} finally {
  await app.close();
  await bare.close();
  sqlite.close();
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(bareDir, { recursive: true, force: true });
}
