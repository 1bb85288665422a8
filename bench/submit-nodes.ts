// Submit throughput on several nodes (issue 14): `npx tsx bench/submit-nodes.ts` (BENCH_N=<submissions
// per run>, default 400; BENCH_RUNS, default 5). In one run, the desk as real server processes
// (server/server.ts through tsx, started by test/helpers/process.ts like every process test):
//   sqlite-1  one node on the embedded SQLite file (production pragmas, durability barrier),
//   pg-1      one node on PostgreSQL,
//   pg-2      two nodes on one PostgreSQL database, the load split round-robin between them,
// on a throwaway PostgreSQL cluster (test/helpers/postgres.ts) started DURABLE: fsync,
// synchronous_commit and full_page_writes on, the server's defaults (the test cluster turns them off).
// This process is the one load generator: the same requesters and bodies as bench/submit.ts
// (bench/submissions.ts, built before the clock starts through an app on each desk's database,
// then closed), N bodies per run with 8 keep-alive clients over 127.0.0.1. The runs interleave the
// configurations (the first one rotates), so none always gets the quietest minute; a run ends
// after BENCH_RUN_SECONDS (default 8) even if not all N were posted, to bound the bench's time. Per run: the
// rate, CPU per submission of the server processes and of PostgreSQL (from /proc), the load.
// After the run every node is stopped and each database is counted: every acknowledged ticket must
// be stored exactly once (one first message, two key wraps), nothing unacknowledged, no 5xx.
// Writes bench/submit-nodes.json. Everything it starts it stops, by PID, and checks it is gone.
import Database from 'better-sqlite3';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { generateTeamKey, ready, toB64 } from '../protocol/index';
import { buildApp, dbFilePath } from '../server/app';
import { loadConfig } from '../server/config';
import { tables } from '../server/services/data';
import { adminQuery, databaseUrl, startPgCluster, type PgCluster } from '../test/helpers/postgres';
import { startServer, type ServerChild } from '../test/helpers/process';
import { prepareSubmissions, type Job } from './submissions';

// Small runs: the whole bench must stay within about three minutes on a shared 2-core machine.
const N = Number(process.env.BENCH_N ?? 100);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const WARM_UP = Math.min(30, N);
/** A run also ends after this long (a slow configuration then posts fewer than N); the warm-up after half. */
const RUN_SECONDS = Number(process.env.BENCH_RUN_SECONDS ?? 8);
const CONCURRENCY = 8;
const POW_DIFFICULTY = 8;
// BENCH_NODE_LOGS=<dir>: keep each node's whole output (a JSON line per request) in <dir>/<name>-<k>.log
// (default: in a temp dir, read for the server's errors and removed).
const NODE_LOGS = process.env.BENCH_NODE_LOGS;
// BENCH_EXPERIMENT=no-counts-trigger: drop the ticket_counts triggers on the PostgreSQL desks
// after seeding (their queue counts go wrong) to see what the one hot counter row costs
// submissions (docs/DECISIONS.md, "Submit on several nodes"). An experiment writes no result file.
const EXPERIMENT = process.env.BENCH_EXPERIMENT;
if (EXPERIMENT !== undefined && EXPERIMENT !== 'no-counts-trigger') throw new Error(`unknown BENCH_EXPERIMENT ${EXPERIMENT}`);
const OUT = fileURLToPath(new URL('./submit-nodes.json', import.meta.url));
/** USER_HZ: /proc/<pid>/stat counts CPU time in these ticks (100 on Linux). */
const TICKS_PER_SECOND = 100;

type Name = 'sqlite-1' | 'pg-1' | 'pg-2';

interface Drive {
  perSecond: number;
  /** Submissions posted (fewer than N when the run hit RUN_SECONDS). */
  posted: number;
  /** CPU per acknowledged submission, µs: the node processes, PostgreSQL (all its processes), this load generator. */
  cpuUs: { servers: number; postgres: number; loadGenerator: number };
  loadAverage: number;
}

interface Setup {
  name: Name;
  label: string;
  dataDir: string;
  /** SEALDESK_DATABASE_URL for the PostgreSQL desks. */
  databaseUrl?: string;
  nodeCount: number;
  warmUp: Job[];
  runJobs: Job[][];
  nodes: ServerChild[];
  acknowledged: Set<string>;
  /** Submissions posted, every run and the warm-up. */
  posted: number;
  /** Every answer's status (503s a client retried counted too), and a few non-201 bodies. */
  statuses: Record<string, number>;
  errors: string[];
  /** Each node's whole output (kept in memory by process.ts only as a tail). */
  logFiles: string[];
  runs: Drive[];
}

// ---------------------------------------------------------------- CPU from /proc

interface ProcStat {
  pid: number;
  ppid: number;
  pgrp: number;
  /** utime + stime + cutime + cstime: its own CPU and that of its children it has reaped. */
  ticks: number;
}

function procStat(pid: number): ProcStat | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { pid, ppid: Number(f[1]), pgrp: Number(f[2]), ticks: Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]) };
  } catch {
    return undefined; // exited between the listing and the read
  }
}

function allProcs(): ProcStat[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map((d) => procStat(Number(d)))
    .filter((s): s is ProcStat => s !== undefined);
}

/** CPU seconds of every process in the node's process group (tsx's launcher and the server it runs). */
function serverSeconds(procs: ProcStat[], nodes: ServerChild[]): number {
  const groups = new Set(nodes.map((n) => n.pid));
  return procs.filter((p) => groups.has(p.pgrp)).reduce((sum, p) => sum + p.ticks, 0) / TICKS_PER_SECOND;
}

/** CPU seconds of the postmaster and its children (backends, WAL writer, checkpointer; exited ones are in its cutime). */
function postgresSeconds(procs: ProcStat[], postmaster: number): number {
  return procs.filter((p) => p.pid === postmaster || p.ppid === postmaster).reduce((sum, p) => sum + p.ticks, 0) / TICKS_PER_SECOND;
}

/** The cluster's postmaster: the `postgres` process started with `-p <port>`. */
function findPostmaster(port: number): number {
  for (const d of readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
    try {
      const argv = readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0');
      if (!argv[0]?.endsWith('/postgres')) continue;
      const p = argv.indexOf('-p');
      if (p >= 0 && argv[p + 1] === String(port)) return Number(d);
    } catch {
      // gone
    }
  }
  throw new Error(`no postmaster on port ${port}`);
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

// ---------------------------------------------------------------- seeding, driving, counting

// The seeding app logs nothing anyone reads.
const discard = new Writable({ write: (_c, _e, done) => done() });

/** The desk's team key and every body of every run, through an app on the desk's own database and secrets; closed after. */
async function seed(setup: Setup): Promise<void> {
  const config = loadConfig({
    SEALDESK_DATA_DIR: setup.dataDir,
    SEALDESK_POW_DIFFICULTY: String(POW_DIFFICULTY),
    SEALDESK_LOG_LEVEL: 'warn',
    ...(setup.databaseUrl ? { SEALDESK_DATABASE_URL: setup.databaseUrl } : {}),
  });
  const app = await buildApp(config, { logStream: discard });
  try {
    await app.ready();
    const team = generateTeamKey();
    await app.db.insert(tables(app.db).teamKeys).values({ version: 1, boxPk: toB64(team.publicKey), createdAt: 0 });
    const jobs = await prepareSubmissions(app, { version: 1, publicKey: team.publicKey }, WARM_UP + RUNS * N, POW_DIFFICULTY);
    setup.warmUp = jobs.slice(0, WARM_UP);
    setup.runJobs = Array.from({ length: RUNS }, (_, r) => jobs.slice(WARM_UP + r * N, WARM_UP + (r + 1) * N));
  } finally {
    await app.close();
  }
}

/**
 * Posts every job with CONCURRENCY clients, request k to node k mod nodes (round-robin). A 503
 * (the node shedding load) is retried after a pause, as a client does; any other non-201 is
 * recorded and not retried. Returns the acknowledged rate and CPU per acknowledged submission.
 */
async function drive(setup: Setup, jobs: Job[], postmaster: number, capSeconds: number): Promise<Drive> {
  const urls = setup.nodes.map((n) => new URL('/api/tickets', n.url).toString());
  let next = 0;
  let turn = 0;
  let acknowledged = 0;
  const client = async () => {
    while (next < jobs.length && performance.now() < deadline) {
      const job = jobs[next++]!;
      for (let attempt = 0; ; attempt++) {
        const res = await fetch(urls[turn++ % urls.length]!, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${job.token}` },
          body: job.body,
          signal: AbortSignal.timeout(60_000),
        });
        const text = await res.text();
        setup.statuses[res.status] = (setup.statuses[res.status] ?? 0) + 1;
        if (res.status === 503 && attempt < 10) {
          await new Promise((r) => setTimeout(r, 200 * (attempt + 1)));
          continue;
        }
        if (res.status === 201 && (JSON.parse(text) as { ticketId?: string }).ticketId === job.ticketId) {
          setup.acknowledged.add(job.ticketId);
          acknowledged++;
        } else if (setup.errors.length < 5) setup.errors.push(`${res.status} ${text.slice(0, 200)}`);
        break;
      }
    }
  };
  const loadAverage = Number(loadavg()[0]!.toFixed(2));
  const before = allProcs();
  const client0 = process.cpuUsage();
  const t0 = performance.now();
  const deadline = t0 + capSeconds * 1000;
  await Promise.all(Array.from({ length: CONCURRENCY }, client));
  setup.posted += next;
  const seconds = (performance.now() - t0) / 1000;
  const clientCpu = process.cpuUsage(client0);
  const after = allProcs();
  const perSubmissionUs = (s: number) => Math.round((s * 1e6) / Math.max(acknowledged, 1));
  return {
    perSecond: Math.round(acknowledged / seconds),
    posted: next,
    cpuUs: {
      servers: perSubmissionUs(serverSeconds(after, setup.nodes) - serverSeconds(before, setup.nodes)),
      postgres: perSubmissionUs(postgresSeconds(after, postmaster) - postgresSeconds(before, postmaster)),
      loadGenerator: perSubmissionUs((clientCpu.user + clientCpu.system) / 1e6),
    },
    loadAverage,
  };
}

/** The same SQL on both dialects: tickets without exactly one first message and two key wraps (a torn or doubled write). */
const INCOMPLETE_SQL = `select count(*) as n from tickets t
  where (select count(*) from messages m where m.ticket_id = t.id and m.seq = 1) <> 1
     or (select count(*) from wraps w where w.ticket_id = t.id and w.key_kind = 'ticket') <> 2`;

interface Count {
  acknowledged: number;
  stored: number;
  /** Acknowledged but not in the database: a lost write. */
  missing: number;
  /** In the database but never acknowledged (the client saw an error). */
  unacknowledgedStored: number;
  incomplete: number;
}

/** Counts the stopped desk's tickets against what the clients were told. */
async function count(setup: Setup): Promise<Count> {
  let ids: string[];
  let incomplete: number;
  if (setup.databaseUrl) {
    const db = new pg.Client({ connectionString: setup.databaseUrl });
    await db.connect();
    try {
      ids = (await db.query<{ id: string }>('select id from tickets')).rows.map((r) => r.id);
      incomplete = Number((await db.query<{ n: string }>(INCOMPLETE_SQL)).rows[0]!.n);
    } finally {
      await db.end();
    }
  } else {
    const db = new Database(dbFilePath(setup.dataDir), { readonly: true, fileMustExist: true });
    try {
      ids = (db.prepare('select id from tickets').all() as { id: string }[]).map((r) => r.id);
      incomplete = (db.prepare(INCOMPLETE_SQL).get() as { n: number }).n;
    } finally {
      db.close();
    }
  }
  const stored = new Set(ids);
  return {
    acknowledged: setup.acknowledged.size,
    stored: ids.length,
    missing: [...setup.acknowledged].filter((id) => !stored.has(id)).length,
    unacknowledgedStored: ids.filter((id) => !setup.acknowledged.has(id)).length,
    incomplete,
  };
}

/** What the nodes logged at error level, by cause (the driver's message, not the query): counts. */
function serverErrors(setup: Setup): Record<string, number> {
  const causes: Record<string, number> = {};
  for (const file of setup.logFiles) {
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      if (!line.includes('"level":50')) continue;
      let cause = 'unparsed log line';
      try {
        const entry = JSON.parse(line) as { msg?: string; err?: { type?: string; message?: string; stack?: string } };
        const caused = /caused by: (?:error: )?([^\n]*)/.exec(entry.err?.stack ?? '')?.[1];
        cause = `${entry.msg ?? '?'}: ${entry.err?.type ?? '?'}: ${(caused ?? entry.err?.message ?? '').slice(0, 160)}`;
      } catch {
        // a line cut by a kill
      }
      causes[cause] = (causes[cause] ?? 0) + 1;
    }
  }
  return causes;
}

// ---------------------------------------------------------------- the run

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

await ready();
const tempDirs: string[] = [];
const tempDir = (tag: string) => {
  const dir = mkdtempSync(join(tmpdir(), `sealdesk-bench-${tag}-`));
  tempDirs.push(dir);
  return dir;
};
let cluster: PgCluster | undefined;
// A safety net: if this process ever exits without reaching `finally`, the cluster still stops
// (PgCluster.stop runs pg_ctl synchronously). process.ts does the same for the nodes.
process.once('exit', () => void cluster?.stop().catch(() => {}));
let postmaster = 0;
const setups: Setup[] = [];
const started: ServerChild[] = [];
const benchStart = performance.now();
try {
  cluster = await startPgCluster({ durable: true });
  postmaster = findPostmaster(cluster.port);
  const pgSettings: Record<string, string> = {};
  {
    const db = new pg.Client({ connectionString: cluster.url });
    await db.connect();
    for (const name of ['server_version', 'fsync', 'synchronous_commit', 'full_page_writes', 'wal_sync_method']) {
      pgSettings[name] = (await db.query<Record<string, string>>(`show ${name}`)).rows[0]![name]!;
    }
    await db.end();
  }
  // SECURITY of the figure: a bench on a non-durable PostgreSQL would flatter it.
  if (pgSettings.fsync !== 'on' || pgSettings.synchronous_commit !== 'on') throw new Error(`the bench's PostgreSQL is not durable: ${JSON.stringify(pgSettings)}`);
  for (const db of ['sealdesk_bench_one', 'sealdesk_bench_two']) await adminQuery(cluster.url, `CREATE DATABASE ${db}`);

  const setup = (name: Name, label: string, nodeCount: number, databaseUrl?: string): Setup => ({
    name,
    label,
    dataDir: tempDir(name),
    ...(databaseUrl ? { databaseUrl } : {}),
    nodeCount,
    warmUp: [],
    runJobs: [],
    nodes: [],
    acknowledged: new Set(),
    posted: 0,
    statuses: {},
    errors: [],
    logFiles: [],
    runs: [],
  });
  setups.push(
    setup('sqlite-1', '1 node, SQLite', 1),
    setup('pg-1', '1 node, PostgreSQL', 1, databaseUrl(cluster.url, 'sealdesk_bench_one')),
    // One data dir for both nodes: every node of a desk shares its secrets file (docs/OPERATIONS.md).
    setup('pg-2', '2 nodes, one PostgreSQL', 2, databaseUrl(cluster.url, 'sealdesk_bench_two')),
  );
  const logDir = tempDir('logs');
  const t0 = performance.now();
  for (const s of setups) await seed(s);
  if (EXPERIMENT === 'no-counts-trigger') {
    for (const s of setups.filter((x) => x.databaseUrl)) {
      for (const trigger of ['ticket_counts_after_insert_delete', 'ticket_counts_after_update']) await adminQuery(s.databaseUrl!, `DROP TRIGGER ${trigger} ON tickets`);
    }
  }
  const prepareSeconds = Math.round((performance.now() - t0) / 1000);
  console.log(`prepared ${WARM_UP + RUNS * N} submissions for each of ${setups.length} desks in ${prepareSeconds} s`);

  // Every node at once (startup is mostly tsx compiling): they idle while the others are driven.
  await Promise.all(
    setups.flatMap((s) =>
      Array.from({ length: s.nodeCount }, async (_, k) => {
        const env = { SEALDESK_POW_DIFFICULTY: String(POW_DIFFICULTY), ...(s.databaseUrl ? { SEALDESK_DATABASE_URL: s.databaseUrl } : {}) };
        const logFile = join(NODE_LOGS ?? logDir, `${s.name}-${k + 1}.log`);
        const node = await startServer(s.dataDir, env, 180_000, { testLimits: false, logFile });
        s.logFiles.push(logFile);
        started.push(node);
        s.nodes.push(node);
      }),
    ),
  );
  await new Promise((r) => setTimeout(r, 2000)); // startup's busy event loop must not be read as overload
  for (const s of setups) await drive(s, s.warmUp, postmaster, RUN_SECONDS / 2);
  for (let r = 0; r < RUNS; r++) {
    const order = setups.map((_, i) => setups[(i + r) % setups.length]!);
    for (const s of order) s.runs.push(await drive(s, s.runJobs[r]!, postmaster, RUN_SECONDS));
    console.log(
      `run ${r + 1}: ${setups.map((s) => `${s.name} ${s.runs[r]!.perSecond}/s (servers ${s.runs[r]!.cpuUs.servers} µs, PostgreSQL ${s.runs[r]!.cpuUs.postgres} µs)`).join('; ')}; load ${loadavg()[0]!.toFixed(2)}`,
    );
  }

  // Counted with every node stopped: what the database holds, not what a node still has in flight.
  await Promise.all(started.map((node) => node.stop()));
  const counts = new Map<Name, Count>();
  for (const s of setups) counts.set(s.name, await count(s));

  const sqlite = setups[0]!;
  const sqliteMedian = median(sqlite.runs.map((x) => x.perSecond));
  const configurations = setups.map((s) => {
    const c = counts.get(s.name)!;
    // 503 is a node shedding load (and the client retried it); any other 5xx is a server fault.
    const serverFaults = Object.entries(s.statuses)
      .filter(([code]) => Number(code) >= 500 && code !== '503')
      .reduce((sum, [, n]) => sum + n, 0);
    const perSecond = median(s.runs.map((x) => x.perSecond));
    return {
      name: s.name,
      label: s.label,
      nodes: s.nodeCount,
      database: s.databaseUrl ? 'PostgreSQL (fsync on, synchronous_commit on)' : 'SQLite (synchronous=NORMAL + durability barrier)',
      medianPerSecond: perSecond,
      ratioToSqlite: Number((perSecond / sqliteMedian).toFixed(3)),
      ratioOfRuns: Number(median(s.runs.map((x, r) => x.perSecond / sqlite.runs[r]!.perSecond)).toFixed(3)),
      cpuMedianUs: {
        servers: median(s.runs.map((x) => x.cpuUs.servers)),
        postgres: median(s.runs.map((x) => x.cpuUs.postgres)),
        loadGenerator: median(s.runs.map((x) => x.cpuUs.loadGenerator)),
      },
      runs: s.runs,
      statuses: s.statuses,
      serverFaults,
      errors: s.errors,
      serverErrors: serverErrors(s),
      posted: s.posted,
      count: c,
      /** Every acknowledged ticket stored exactly once and whole; nothing unacknowledged stored. */
      storedExactlyOnce: c.missing === 0 && c.incomplete === 0 && c.unacknowledgedStored === 0,
      /** Every submission acknowledged (201), no 5xx but the 503s a client retries. */
      allAcknowledged: c.acknowledged === s.posted && serverFaults === 0,
    };
  });
  const result = {
    benchmark: 'ticket submissions per second (POST /api/tickets) to server processes: 1 node on SQLite, 1 and 2 nodes on one PostgreSQL',
    submissionsPerRun: N,
    warmUpPerConfiguration: WARM_UP,
    runSecondsAtMost: RUN_SECONDS,
    runs: RUNS,
    concurrency: CONCURRENCY,
    powDifficulty: POW_DIFFICULTY,
    bodyBytes: Buffer.byteLength(sqlite.runJobs[0]![0]!.body),
    postgres: pgSettings,
    configurations,
    loadAverageAtRuns: sqlite.runs.map((x) => x.loadAverage),
    storedExactlyOnce: configurations.every((c) => c.storedExactlyOnce),
    allAcknowledged: configurations.every((c) => c.allAcknowledged),
    prepareSeconds,
    seconds: Math.round((performance.now() - benchStart) / 1000),
    node: process.version,
    at: new Date().toISOString(),
  };
  if (EXPERIMENT === undefined) writeFileSync(OUT, `${JSON.stringify(result, null, 2)}\n`);
  for (const c of configurations) {
    console.log(
      `${c.label}: ${c.medianPerSecond}/s (×${c.ratioToSqlite} of SQLite; per-run ${c.ratioOfRuns.toFixed(3)}); CPU µs/submission servers ${c.cpuMedianUs.servers}, PostgreSQL ${c.cpuMedianUs.postgres}, load generator ${c.cpuMedianUs.loadGenerator}; ` +
        `${c.count.stored}/${c.count.acknowledged} stored, ${c.count.missing} missing, ${c.count.incomplete} incomplete, ${c.count.unacknowledgedStored} unacknowledged; statuses ${JSON.stringify(c.statuses)}${Object.keys(c.serverErrors).length ? `; server errors ${JSON.stringify(c.serverErrors)}` : ''}`,
    );
  }
  console.log(`→ ${EXPERIMENT === undefined ? OUT : `no result file (experiment ${EXPERIMENT})`} (${result.seconds} s)`);
  // A lost or doubled write fails the bench. 5xx answers are reported (the result row shows them), not fatal.
  if (!result.storedExactlyOnce) process.exitCode = 1;
} finally {
  // Stop everything this bench started, by PID: the nodes (SIGTERM, then SIGKILL to the group),
  // then the cluster (pg_ctl stop on its data dir); then check none of them is left.
  await Promise.all(started.map((node) => node.stop()));
  await cluster?.stop();
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  // pg_ctl returns once the pid file is gone, a moment before the postmaster itself has exited:
  // give everything a few seconds to go before calling it left behind.
  const running = () => [...started.map((n) => n.pid).filter((pid) => alive(-pid) || alive(pid)), ...(postmaster && alive(postmaster) ? [postmaster] : [])];
  for (let waited = 0; running().length > 0 && waited < 5000; waited += 100) await new Promise((r) => setTimeout(r, 100));
  const left = running();
  if (left.length > 0) {
    console.error(`still running after the bench: ${left.join(', ')}`);
    process.exitCode = 1;
  }
}
