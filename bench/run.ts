// `npm run bench`: runs every benchmark, one child process each (so one bench's heap, JIT and
// event loop never colour another's), then gathers their JSON files into bench/results.json and
// bench/results.md: each figure beside its in-run baseline and ratio, plus the machine.
// `npm run bench -- queue submit` runs only the named ones (the report keeps the others' last results);
// `npm run bench -- --report` only rebuilds the report from the result files.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, platform, release, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';

const BENCHES = ['crypto', 'submit', 'submit-nodes', 'queue', 'rotation', 'attachments', 'attachments-browser', 'flood', 'page-weight', 'reach'] as const;
type Bench = (typeof BENCHES)[number];

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));
const tsxCli = fileURLToPath(new URL('../node_modules/tsx/dist/cli.mjs', import.meta.url));

/** One line of the report: a measured figure, what it is compared with in the same run, and the target. */
interface Figure {
  bench: Bench;
  figure: string;
  value: string;
  baseline: string;
  ratio: string;
  target: string;
  met?: boolean;
}

const fmt = (n: number, digits = 1) => n.toLocaleString('en-US', { maximumFractionDigits: digits });
// The result files are our own JSON, read back loosely: a missing field shows as "?" in the report.
type Json = Record<string, any>;

const summarise: Record<Bench, (r: Json) => Figure[]> = {
  crypto: (r) => [
    {
      bench: 'crypto',
      figure: `attachment encryption, ${r.attachment.inputMiB} MiB (median of ${r.runs})`,
      value: `${fmt(r.attachment.moduleMBps)} MB/s (module)`,
      baseline: `${fmt(r.attachment.rawChunkAeadMBps)} MB/s (raw chunk AEAD)`,
      ratio: fmt(r.attachment.ratio, 3),
      target: `≥ ${r.attachment.target}`,
      met: r.attachment.ratio >= r.attachment.target,
    },
    { bench: 'crypto', figure: 'message seal + sign', value: `${fmt(r.messageSealAndSignOpsPerSec, 0)} ops/s`, baseline: '—', ratio: '—', target: '—' },
    ...(['requester', 'staff'] as const).map((who) => ({
      bench: 'crypto' as const,
      figure: `Argon2id, ${who} parameters (ops ${r.argon2idMs[who].opslimit}, ${r.argon2idMs[who].memlimit / 2 ** 20} MiB)`,
      value: `${fmt(r.argon2idMs[who].medianMs, 0)} ms`,
      baseline: '—',
      ratio: '—',
      target: '—',
    })),
  ],
  submit: (r) => [
    {
      bench: 'submit',
      figure: `ticket submissions, POST /api/tickets (${r.submissionsPerRun}/run${r.runSecondsAtMost === undefined ? '' : ` or ${r.runSecondsAtMost} s`}, ${r.concurrency} clients, median of ${r.runs.length})`,
      value: `${fmt(r.median.appPerSecond, 0)} /s`,
      baseline: `${fmt(r.median.barePerSecond, 0)} /s (bare Fastify + one insert)`,
      ratio: `${fmt(r.median.ratio, 3)} (per-run median ${fmt(r.median.ratioOfRuns, 3)})`,
      target: `≥ ${r.targetRatio ?? 0.5}`,
      met: r.median.ratio >= (r.targetRatio ?? 0.5),
    },
    // Main-thread CPU per submission (both servers and the client share the thread): steadier
    // than the rates on a shared machine. Ratio = bare ÷ app, comparable with the rate ratio.
    ...(r.cpuMedianUs?.mainThread?.app
      ? [
          {
            bench: 'submit' as const,
            figure: `main-thread CPU per submission, client included (median of ${r.runs.length}; load ${r.loadAverageAtRuns.join(' / ')})`,
            value: `${fmt(r.cpuMedianUs.mainThread.app, 0)} µs (app)`,
            baseline: `${fmt(r.cpuMedianUs.mainThread.bare, 0)} µs (bare)`,
            ratio: fmt(r.cpuMedianUs.mainThread.bare / r.cpuMedianUs.mainThread.app, 3),
            target: '—',
          },
        ]
      : []),
  ],
  // Issue 14: the desk as server processes, 1 node on SQLite beside 1 and 2 nodes on one durable
  // PostgreSQL; 2 cores shared by the load generator, the nodes and PostgreSQL (docs/DECISIONS.md).
  'submit-nodes': (r) => {
    const [sqlite, ...pgs] = r.configurations as Json[];
    const load = `load ${r.loadAverageAtRuns.join(' / ')}`;
    const cpu = (c: Json) => c.cpuMedianUs.servers + c.cpuMedianUs.postgres;
    return [
      ...pgs.map((c) => ({
        bench: 'submit-nodes' as const,
        figure: `submissions to ${c.label} (server processes; PostgreSQL durable: fsync ${r.postgres.fsync}, synchronous_commit ${r.postgres.synchronous_commit}; ${r.submissionsPerRun}/run or ${r.runSecondsAtMost} s, ${r.concurrency} clients${c.nodes > 1 ? ' round-robin' : ''}, median of ${r.runs}; ${load})`,
        value: `${fmt(c.medianPerSecond, 0)} /s`,
        baseline: `${fmt(sqlite!.medianPerSecond, 0)} /s (1 node, SQLite, same run)`,
        ratio: `${fmt(c.ratioToSqlite, 3)} (per-run median ${fmt(c.ratioOfRuns, 3)})`,
        target: '— (2 cores: no scaling expected)',
      })),
      ...pgs.map((c) => ({
        bench: 'submit-nodes' as const,
        figure: `CPU per submission, ${c.label}: node processes + PostgreSQL (load generator ${fmt(c.cpuMedianUs.loadGenerator, 0)} µs apart)`,
        value: `${fmt(c.cpuMedianUs.servers, 0)} + ${fmt(c.cpuMedianUs.postgres, 0)} µs`,
        baseline: `${fmt(sqlite!.cpuMedianUs.servers, 0)} µs (1 node, SQLite: the node alone)`,
        ratio: fmt(cpu(c) / sqlite!.cpuMedianUs.servers, 2),
        target: '—',
      })),
      {
        bench: 'submit-nodes' as const,
        figure:
          'after the run, counted in each database with the nodes stopped: acknowledged tickets stored exactly once and whole (first message + 2 wraps), nothing unacknowledged',
        value: (r.configurations as Json[])
          .map(
            (c) =>
              `${c.name}: ${c.count.stored}/${c.count.acknowledged} stored, ${c.count.missing} lost, ${c.count.incomplete} torn, ${c.count.unacknowledgedStored} unacknowledged`,
          )
          .join('; '),
        baseline: `${(r.configurations as Json[]).reduce((sum, c) => sum + c.count.acknowledged, 0)} acknowledged`,
        ratio: '—',
        target: 'all exactly once',
        met: r.storedExactlyOnce,
      },
      {
        bench: 'submit-nodes' as const,
        figure: 'answers other than 201 during the run (the server errors behind them: bench/submit-nodes.json, serverErrors)',
        value: (r.configurations as Json[])
          .map(
            (c) =>
              `${c.name}: ${
                Object.entries(c.statuses as Record<string, number>)
                  .filter(([code]) => code !== '201')
                  .map(([code, n]) => `${n}× ${code}`)
                  .join(', ') || 'none'
              }`,
          )
          .join('; '),
        baseline: `${(r.configurations as Json[]).reduce((sum, c) => sum + c.posted, 0)} posted`,
        ratio: '—',
        target: 'no 5xx but 503',
        met: r.allAcknowledged,
      },
    ];
  },
  queue: (r) => [
    ...r.results.map((c: Json) => ({
      bench: 'queue' as const,
      figure: `queue${c.dialect === 'pg' ? ' on PostgreSQL (durable)' : c.dialect === 'sqlite' ? ' on SQLite' : ''}: ${c.case}, ${r.tickets.toLocaleString('en-US')} tickets (median of ${r.runsPerCase}${r.loadAverage ? `; load ${r.loadAverage.join(' / ')}` : ''})`,
      value: `${fmt(c.injectMedianMs, 2)} ms (p95 ${fmt(c.injectP95Ms, 2)})`,
      baseline: `${fmt(c.rawSelectMedianMs, 3)} ms (raw indexed SELECT)`,
      ratio: fmt(c.ratio, 1),
      target: `< ${r.targetMedianMs} ms`,
      met: c.injectMedianMs < r.targetMedianMs,
    })),
    ...(r.countsCompared
      ? [
          {
            bench: 'queue' as const,
            figure: `queue counts per status, unfiltered, ${r.tickets.toLocaleString('en-US')} tickets (SQL alone, median of 60)`,
            value: `${fmt(r.countsCompared.tableMedianMs, 3)} ms (ticket_counts)`,
            baseline: `${fmt(r.countsCompared.indexScanMedianMs, 3)} ms (counting the status index)`,
            ratio: fmt(r.countsCompared.tableMedianMs / r.countsCompared.indexScanMedianMs, 3),
            target: '—',
          },
          ...(r.countsCompared.tagCopiesMedianMs !== undefined
            ? [
                {
                  bench: 'queue' as const,
                  figure: `queue counts per status for the busiest label (${r.countsCompared.busiestTagTickets.toLocaleString('en-US')} tickets), SQLite, SQL alone (median of 60)`,
                  value: `${fmt(r.countsCompared.tagCopiesMedianMs, 3)} ms (covering scan of the tag's copies)`,
                  baseline: `${fmt(r.countsCompared.tagTicketRowsMedianMs, 3)} ms (each carrying ticket's row)`,
                  ratio: fmt(r.countsCompared.tagCopiesMedianMs / r.countsCompared.tagTicketRowsMedianMs, 3),
                  target: '—',
                },
              ]
            : []),
        ]
      : []),
  ],
  rotation: (r) => [
    {
      bench: 'rotation',
      figure: `team-key rotation, ${r.tickets} tickets (${r.keys} keys) through the endpoints`,
      value: `${fmt(r.endpoint.keysPerSecond, 0)} keys/s (${fmt(r.endpoint.ticketsPerSecond, 0)} tickets/s)`,
      baseline: `${fmt(r.rawLibsodium.keysPerSecond, 0)} keys/s (raw open + seal)`,
      ratio: `${fmt(r.ratio, 2)}× the raw time`,
      target: r.throughputShare === undefined ? '—' : `≥ ${fmt(r.targetShare * 100, 0)}% of raw throughput (label key included)`,
      ...(r.throughputShare === undefined ? {} : { met: r.throughputShare >= r.targetShare }),
    },
  ],
  attachments: (r) => [
    ...(r.runs as Json[]).flatMap((run) =>
      (['upload', 'download'] as const).map((way) => ({
        bench: 'attachments' as const,
        figure: `attachment ${way}, ${r.fileMiB} MiB in ${run.chunkBytes / 1024} KiB chunks${run.chunkBytes === r.defaultChunkBytes ? ' (default)' : ''}, ${r.transport}; ratio: the median of 3 pairs (module run, then transfer)`,
        value: `${fmt(run.endpoints[`${way}MBps`])} MB/s (median of 3)`,
        baseline: `${fmt(run.module[way === 'upload' ? 'encryptMBps' : 'decryptMBps'])} MB/s (module in memory, same chunks, median of 3)`,
        ratio: fmt(run.ratio[way], 2),
        target: `≥ ${r.target[way]}`,
        met: run.ratio[way] >= r.target[way],
      })),
    ),
    {
      bench: 'attachments' as const,
      figure: `server RSS during the ${r.fileMiB} MiB upload (default chunks), server process only`,
      value: `+${fmt(r.serverRss.deltaMiB)} MiB`,
      baseline: `${fmt(r.serverRss.baselineMiB)} MiB before`,
      ratio: '—',
      target: `< +${r.target.rssDeltaMiB} MiB`,
      met: r.serverRss.deltaMiB < r.target.rssDeltaMiB,
    },
  ],
  'attachments-browser': (r) => [
    {
      bench: 'attachments-browser',
      figure: `Chromium: encrypt and upload ${r.fileMiB} MiB through the page's crypto worker to the server (median of ${r.runs})`,
      value: `${fmt(r.sealdesk.medianMs, 0)} ms (${fmt(r.sealdesk.MBps)} MB/s)`,
      baseline: `${fmt(r.openpgp.medianMs, 0)} ms (OpenPGP.js encrypting the same file in the same page, no upload)`,
      ratio: `${fmt(r.speedup, 2)}× faster`,
      target: `≥ ${r.target}×`,
      met: r.speedup >= r.target,
    },
    {
      bench: 'attachments-browser',
      figure: `Chromium: the same upload with chunk PUTs and complete answered by a sink on 127.0.0.1 (browser network stack, no server work; median of ${r.runs})`,
      value: `${fmt(r.clientPipeline?.medianMs, 0)} ms (${fmt(r.clientPipeline?.MBps)} MB/s)`,
      baseline: `${fmt(r.openpgp.medianMs, 0)} ms (OpenPGP.js, same page)`,
      ratio: `${fmt(r.clientPipeline?.speedupVsOpenpgp, 2)}× faster`,
      target: '—',
    },
    {
      bench: 'attachments-browser',
      figure: `Chromium: crypto worker CPU during one ${fmt(r.workerProfile?.uploadMs, 0)} ms upload (read / encrypt / hand to network / other JS / idle)`,
      value: ['read', 'encrypt', 'request', 'otherJs', 'idle'].map((k) => `${fmt(r.workerProfile?.cpuMs?.[k], 0)}`).join(' / ') + ' ms',
      baseline: `${fmt(r.openpgp.medianMs, 0)} ms (OpenPGP.js, same page)`,
      ratio: `${fmt(r.openpgp.medianMs / ((r.workerProfile?.cpuMs?.read ?? NaN) + (r.workerProfile?.cpuMs?.encrypt ?? NaN)), 2)}× (read + encrypt alone: the floor's bound)`,
      target: '—',
    },
  ],
  'page-weight': (r) => [
    ...(['defaultPath', 'noWasmPath'] as const).map((path) => ({
      bench: 'page-weight' as const,
      figure: `JavaScript + WebAssembly a requester's first visit downloads, ${path === 'defaultPath' ? 'default path (WebAssembly)' : 'no-WebAssembly path (asm.js)'}`,
      value: `${fmt(r[path].gzipBytes / 1024)} KB gzip, ${fmt(r[path].brotliBytes / 1024)} KB brotli`,
      baseline: `${fmt(r[path].rawBytes / 1024)} KB uncompressed`,
      ratio: fmt(r[path].gzipBytes / r[path].rawBytes, 2),
      target: path === 'defaultPath' ? `≤ ${fmt(r.budgetGzipBytes / 1024, 0)} KB gzip` : '—',
      ...(path === 'defaultPath' ? { met: r[path].gzipBytes <= r.budgetGzipBytes } : {}),
    })),
    {
      bench: 'page-weight' as const,
      figure: "JavaScript + WebAssembly a staff member's visit downloads (first visit + the lazy staff console), default path",
      value: `${fmt(r.staffPath.gzipBytes / 1024)} KB gzip`,
      baseline: `${fmt(r.defaultPath.gzipBytes / 1024)} KB gzip, a requester's first visit`,
      ratio: fmt(r.staffPath.gzipBytes / r.defaultPath.gzipBytes, 2),
      target: '—',
    },
    {
      bench: 'page-weight' as const,
      figure: 'JavaScript alone a first visit downloads, default path (WebAssembly)',
      value: `${fmt(r.defaultPath.jsGzipBytes / 1024)} KB gzip`,
      baseline: `${fmt(r.defaultPath.gzipBytes / 1024)} KB gzip with the .wasm`,
      ratio: fmt(r.defaultPath.jsGzipBytes / r.defaultPath.gzipBytes, 2),
      target: `≤ ${fmt(r.budgetGzipBytes / 1024, 0)} KB gzip`,
      met: r.defaultPath.jsGzipBytes <= r.budgetGzipBytes,
    },
  ],
  reach: (r) => [
    ...(['firstRequest', 'returning', 'staffSignIn'] as const).map((step) => ({
      bench: 'reach' as const,
      figure: `${{ firstRequest: 'first request end to end', returning: 'returning with the passphrase (list + thread)', staffSignIn: "technician's sign-in to a decrypted queue (generated passphrase)" }[step]}, Chromium --jitless (machine time)`,
      value: `${fmt(r.jitless[step].totalMs / 1000)} s`,
      baseline: `${fmt(r.webassembly[step].totalMs / 1000)} s with JIT + WebAssembly`,
      ratio: fmt(r.jitless[step].totalMs / r.webassembly[step].totalMs, 1),
      target: `≤ ${fmt(r.targetsMs[step] / 1000, 0)} s`,
      met: r.jitless[step].totalMs <= r.targetsMs[step],
    })),
    // Beside it, not a target: the sign-in a member who chose their own password is warned of.
    ...(r.jitless.staffSignInChosen === undefined
      ? []
      : [
          {
            bench: 'reach' as const,
            figure: 'the same sign-in with a chosen password (Argon2id 2 × 19 MiB), Chromium --jitless (machine time)',
            value: `${fmt(r.jitless.staffSignInChosen.totalMs / 1000)} s`,
            baseline: `${fmt(r.webassembly.staffSignInChosen.totalMs / 1000)} s with JIT + WebAssembly`,
            ratio: fmt(r.jitless.staffSignInChosen.totalMs / r.webassembly.staffSignInChosen.totalMs, 1),
            target: 'none (the page says about a minute)',
          },
        ]),
  ],
  flood: (r) => [
    {
      bench: 'flood',
      figure: `legitimate journey (register + sign in + file, with PoW) during a ${fmt(r.floodSeconds)} s PoW-less flood (${r.connections} connections)`,
      value: `${fmt(r.legit.median.duringFloodMs, 0)} ms median`,
      baseline: `${fmt(r.legit.median.withoutFloodMs, 0)} ms median without the flood`,
      ratio: fmt(r.legit.median.ratio, 1),
      target: 'succeeds',
    },
    {
      bench: 'flood',
      figure: 'flood answers',
      value: `${fmt(r.flood.perSecond, 0)} req/s; ${Object.entries(r.flood.statuses as Record<string, number>)
        .map(([code, n]) => `${code}: ${n}`)
        .join(', ')}`,
      baseline: '—',
      ratio: '—',
      target: 'no 5xx but 503',
      met: Object.keys(r.flood.statuses as Record<string, number>).every((code) => Number(code) < 500 || code === '503') && r.flood.errors === 0,
    },
    {
      bench: 'flood',
      figure: 'server RSS across the flood',
      value: `${fmt(r.rssMB.afterFlood)} MB after`,
      baseline: `${fmt(r.rssMB.beforeFlood)} MB before`,
      ratio: fmt(r.rssMB.afterFlood / r.rssMB.beforeFlood, 2),
      target: 'bounded',
    },
  ],
};

function machine() {
  const cpu = cpus();
  return {
    cpu: `${cpu.length} × ${cpu[0]?.model ?? 'unknown'}`,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    os: `${platform()} ${release()}`,
    node: process.version,
    loadAverageAtStart: loadavg().map((x) => Number(x.toFixed(2))),
  };
}

function runBench(name: Bench): { ok: boolean; seconds: number } {
  const t0 = performance.now();
  console.log(`\n── bench/${name}.ts ──`);
  const child = spawnSync(process.execPath, [tsxCli, here(`./${name}.ts`)], { stdio: 'inherit', env: process.env });
  return { ok: child.status === 0, seconds: Math.round((performance.now() - t0) / 1000) };
}

const args = process.argv.slice(2);
const reportOnly = args.includes('--report');
const asked = args.filter((a): a is Bench => (BENCHES as readonly string[]).includes(a));
const unknown = args.filter((a) => a !== '--report' && !(BENCHES as readonly string[]).includes(a));
if (unknown.length > 0) {
  console.error(`unknown bench: ${unknown.join(', ')} (known: ${BENCHES.join(', ')})`);
  process.exit(2);
}
const toRun = reportOnly ? [] : asked.length > 0 ? asked : [...BENCHES];
const host = machine();
const runs: Partial<Record<Bench, { ok: boolean; seconds: number }>> = {};
for (const name of toRun) runs[name] = runBench(name);

const figures: Figure[] = [];
const results: Partial<Record<Bench, Json>> = {};
for (const name of BENCHES) {
  const file = here(`./${name}.json`);
  if (!existsSync(file)) continue;
  results[name] = JSON.parse(readFileSync(file, 'utf8')) as Json;
  try {
    figures.push(...summarise[name](results[name]!));
  } catch (err) {
    // Say what is missing, so a stale result file (a bench changed, not re-run) is obvious.
    figures.push({
      bench: name,
      figure: `${name}: result file has an unexpected shape (${(err as Error).message})`,
      value: '?',
      baseline: '?',
      ratio: '?',
      target: '?',
      met: false,
    });
  }
}

const at = new Date().toISOString();
writeFileSync(here('./results.json'), `${JSON.stringify({ at, machine: host, ran: runs, figures, results }, null, 2)}\n`);

const cell = (s: string) => s.replaceAll('|', '\\|');
const mark = (f: Figure) => (f.met === undefined ? '' : f.met ? ' ✓' : ' ✗');
const md = [
  '# Benchmark results',
  '',
  `Generated by \`npm run bench\` at ${at}.`,
  '',
  `Machine: ${host.cpu}, ${host.memoryGiB} GiB, ${host.os}, Node ${host.node}, load average at start ${host.loadAverageAtStart.join(' / ')}.`,
  'Each figure is measured in the same run as its baseline; ratios are figure ÷ baseline unless stated.',
  `Benches run this time: ${toRun.map((n) => `${n} (${runs[n]?.ok ? `${runs[n]?.seconds} s` : 'FAILED'})`).join(', ')}; the others show their last result file.`,
  '',
  '| bench | figure | value | baseline | ratio | target |',
  '|---|---|---|---|---|---|',
  ...figures.map((f) => `| ${f.bench} | ${cell(f.figure)} | ${cell(f.value)} | ${cell(f.baseline)} | ${cell(f.ratio)} | ${cell(f.target)}${mark(f)} |`),
  '',
  'Raw results: `bench/<name>.json` and `bench/results.json`.',
  '',
].join('\n');
writeFileSync(here('./results.md'), md);
console.log(`\n${md}`);
if (Object.values(runs).some((r) => !r.ok)) process.exit(1);
