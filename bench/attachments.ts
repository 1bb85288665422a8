// Attachment benchmark: `npx tsx bench/run.ts attachments` (or `npx tsx bench/attachments.ts`).
// Writes bench/attachments.json. A 25 MiB file is uploaded and downloaded through the real
// endpoints on a real 127.0.0.1 port, by the client core's drivers over the staff CLI's HTTP
// transport (node:http, 4 chunks in flight) and its chunk thread (cli/staff/chunk-cipher.ts), for
// three chunk sizes; each figure is compared with the protocol module encrypting/decrypting the
// same file in memory with the same chunk size, in the same run (the floor: what the crypto alone
// costs). The server runs in its own process
// (bench/attachments-server.ts), which samples its RSS during the upload at the default size,
// measured first so that its baseline is a fresh server. CPU time of both processes is recorded
// per phase beside the rates: on a loaded machine it says where the time goes when wall-clock
// rates cannot.
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { httpAttachments } from '../cli/staff/api';
import { workerChunkCipher } from '../cli/staff/chunk-cipher';
import * as core from '../client-core';
import type { Attachment } from '../contract';
import * as p from '../protocol/index';

const FILE_BYTES = 25 * 1024 * 1024;
const SOURCE_PIECE = 1024 * 1024; // what a browser file reader typically yields
const MiB = 1024 * 1024;
// BENCH_CHUNK_KIB=256 measures one size only (profiling).
// The clients' size (1 MiB) first, then the smaller sizes a client may declare.
const CHUNK_SIZES = process.env.BENCH_CHUNK_KIB ? [Number(process.env.BENCH_CHUNK_KIB) * 1024] : [p.ATTACHMENT_CHUNK_BYTES, 256 * 1024, 64 * 1024];
const IN_FLIGHT = Number(process.env.BENCH_IN_FLIGHT ?? 4);
const TARGET = { upload: 0.5, download: 0.5, rssDeltaMiB: 64 };

await p.ready();
// tsx's preflight as a --require: how @fastify/autoload recognises a TypeScript-capable process.
const tsxPreflight = fileURLToPath(new URL('../node_modules/tsx/dist/preflight.cjs', import.meta.url));
const server: ChildProcess = fork(fileURLToPath(new URL('./attachments-server.ts', import.meta.url)), [], {
  execArgv: [
    '--require',
    tsxPreflight,
    '--import',
    'tsx',
    '--expose-gc',
    ...(process.env.BENCH_SERVER_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_SERVER_PROF}`, '--cpu-prof-interval=250'] : []),
  ],
  stdio: 'inherit',
});
server.on('exit', (code, signal) => code !== 0 && console.error(`bench server exited: ${code ?? signal}`));
// What the CLI seals and opens chunks with (its worker thread); BENCH_CIPHER=inline: on this thread.
const workerCipher = process.env.BENCH_CIPHER === 'inline' ? undefined : workerChunkCipher();
const cipher = workerCipher ?? core.inlineChunkCipher;
const next = <T>() => new Promise<T>((resolve) => server.once('message', (m) => resolve(m as T)));
try {
  const info = await next<{ address: string; token: string; ticketId: string; ticketKey: string; keys: Record<'boxPk' | 'boxSk' | 'signPk' | 'signSk', string> }>();
  const v = core.createVault();
  v.requester = {
    box: { publicKey: p.asBoxPublicKey(info.keys.boxPk), secretKey: p.asBoxSecretKey(info.keys.boxSk) },
    sign: { publicKey: p.asSignPublicKey(info.keys.signPk), secretKey: p.asSignSecretKey(info.keys.signSk) },
  };
  v.ticketKeys.set(info.ticketId, p.asTicketKey(info.ticketKey));
  const log = (await (await fetch(`${info.address}/api/keylog`)).json()) as { entries: p.KeyLogEntry[] };
  v.keyLog = p.verifyKeyLog(log.entries);
  const transport = httpAttachments(info.address, info.token);
  const ticket = { ticketId: info.ticketId, requesterSignPk: info.keys.signPk };

  const bytes = new Uint8Array(randomBytes(FILE_BYTES));
  const pieces = function* (from = 0) {
    for (let off = from; off < bytes.length; off += SOURCE_PIECE) yield bytes.subarray(off, Math.min(off + SOURCE_PIECE, bytes.length));
  };
  const mibps = (ms: number) => Number((FILE_BYTES / MiB / (ms / 1000)).toFixed(1));
  const cpuNow = () => {
    const c = process.cpuUsage();
    return (c.user + c.system) / 1000;
  };
  const serverCpu = async () => (server.send({ cmd: 'cpu' }), (await next<{ cpuMs: number }>()).cpuMs);
  const cpuSince = async (start: { client: number; server: number }) => ({ client: Math.round(cpuNow() - start.client), server: Math.round((await serverCpu()) - start.server) });
  const cpuMark = async () => ({ client: cpuNow(), server: await serverCpu() });
  const serverThreads = async () => (server.send({ cmd: 'threads' }), (await next<{ threads: Record<string, number> }>()).threads);
  /** The server's CPU ms per thread since `before`: the loop, then the busiest other threads. */
  const threadsSince = async (before: Record<string, number>) => {
    const after = await serverThreads();
    const ms = Object.entries(after).map(([tid, ns]) => [tid, Math.round((ns - (before[tid] ?? 0)) / 1e6)] as const);
    const loop = ms.find(([tid]) => tid === 'loop')?.[1] ?? 0;
    return {
      loop,
      others: ms
        .filter(([tid, n]) => tid !== 'loop' && n >= 5)
        .map(([, n]) => n)
        .sort((a, b) => b - a),
    };
  };

  /**
   * A pause before each measured phase: the server checkpoints the WAL frames of a write burst in
   * the first quiet 50 ms tick after it (wal-checkpoint-worker.mjs), so without one an upload's
   * checkpoint would land in whatever is measured next.
   */
  const settle = () => new Promise((resolve) => setTimeout(resolve, 500));

  /** The module alone, in memory (the floor): warmed up once, then one run per call. */
  async function moduleRunner(chunkBytes: number) {
    const fileKey = p.newFileKey();
    const layout = p.attachmentLayout({ ticketId: info.ticketId, attachmentId: p.newId(), plainBytes: FILE_BYTES, chunkBytes });
    const run = async () => {
      const encrypted: Uint8Array[] = [];
      const ce0 = cpuNow();
      const e0 = performance.now();
      for await (const c of p.encryptAttachment(fileKey, layout, pieces())) encrypted.push(c);
      const encryptMs = performance.now() - e0;
      const encryptCpuMs = cpuNow() - ce0;
      const cd0 = cpuNow();
      const d0 = performance.now();
      let n = 0;
      for await (const c of p.decryptAttachment(fileKey, layout, encrypted)) n += c.length;
      const decryptMs = performance.now() - d0;
      const decryptCpuMs = cpuNow() - cd0;
      if (n !== FILE_BYTES) throw new Error('module round trip lost bytes');
      return { encryptMs, decryptMs, encryptCpuMs, decryptCpuMs };
    };
    await run(); // warm-up (JIT, WASM memory growth)
    return run;
  }

  async function endpointRun(chunkBytes: number, sampleRss: boolean) {
    const upload = core.prepareUpload(v, info.ticketId, { name: 'bench.bin', type: 'application/octet-stream', size: FILE_BYTES }, { chunkBytes });
    const rssBaseline = sampleRss ? (server.send({ cmd: 'rss-start' }), (await next<{ baseline: number }>()).baseline) : 0;
    const uploadThreads0 = await serverThreads();
    const uploadCpu0 = await cpuMark();
    const u0 = performance.now();
    const done: Attachment = await core.uploadAttachment(upload, pieces, transport, { inFlight: IN_FLIGHT, cipher });
    const uploadMs = performance.now() - u0;
    const uploadCpu = await cpuSince(uploadCpu0);
    const uploadThreads = await threadsSince(uploadThreads0);
    const rssPeak = sampleRss ? (server.send({ cmd: 'rss-stop' }), (await next<{ peak: number }>()).peak) : 0;
    await settle(); // the upload's checkpoint is the upload's work, not the download's
    const downloadThreads0 = await serverThreads();
    const downloadCpu0 = await cpuMark();
    const d0 = performance.now();
    let off = 0;
    let same = true;
    for await (const piece of core.downloadAttachment(v, ticket, done, transport, { inFlight: IN_FLIGHT, cipher })) {
      same &&= Buffer.compare(Buffer.from(piece.buffer, piece.byteOffset, piece.length), Buffer.from(bytes.buffer, bytes.byteOffset + off, piece.length)) === 0;
      off += piece.length;
    }
    const downloadMs = performance.now() - d0;
    const downloadCpu = await cpuSince(downloadCpu0);
    const downloadThreads = await threadsSince(downloadThreads0);
    if (!same || off !== FILE_BYTES) throw new Error('downloaded file differs from the upload');
    return {
      uploadMs,
      downloadMs,
      cpuMs: { upload: uploadCpu, download: downloadCpu },
      serverThreadMs: { upload: uploadThreads, download: downloadThreads },
      chunkCount: upload.layout.chunkCount,
      rss: sampleRss ? { baseline: rssBaseline, peak: rssPeak } : undefined,
    };
  }

  // Warm-up: one 8 MiB upload and download first, so every measured run meets a server that has
  // served one before (JIT, prepared statements, and on SQLite the writer thread, which a desk
  // starts on its first write — the ticket's own submission — and keeps).
  {
    const warm = core.prepareUpload(v, info.ticketId, { name: 'warm.bin', type: 'application/octet-stream', size: 8 * MiB }, {});
    const small = bytes.subarray(0, 8 * MiB);
    const done = await core.uploadAttachment(
      warm,
      function* () {
        yield small;
      },
      transport,
      { inFlight: IN_FLIGHT, cipher },
    );
    for await (const _ of core.downloadAttachment(v, ticket, done, transport, { inFlight: IN_FLIGHT, cipher }));
  }

  const runs = [];
  console.log(
    `load average at start: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(', ')}`,
  );
  let rss: { baselineMiB: number; peakMiB: number; deltaMiB: number } | undefined;
  for (const chunkBytes of CHUNK_SIZES) {
    // Three pairs, each a module run and then a transfer: a ratio compares two figures of the same
    // moment (this machine's speed drifts by ±30 % between runs), and the median pair's ratio is
    // the figure. Rates are each side's median; CPU and thread figures are the first transfer's
    // (the one that samples RSS).
    const moduleOnce = await moduleRunner(chunkBytes);
    const pairs = [];
    for (let k = 0; k < 3; k++) {
      await settle();
      pairs.push({ m: await moduleOnce(), e: await endpointRun(chunkBytes, k === 0 && chunkBytes === CHUNK_SIZES[0]) });
    }
    const mid = (xs: number[]) => [...xs].sort((a, b) => a - b)[1]!;
    const mod = {
      encryptMs: mid(pairs.map(({ m }) => m.encryptMs)),
      decryptMs: mid(pairs.map(({ m }) => m.decryptMs)),
      cpuMs: { encrypt: Math.round(mid(pairs.map(({ m }) => m.encryptCpuMs))), decrypt: Math.round(mid(pairs.map(({ m }) => m.decryptCpuMs))) },
    };
    const end = { ...pairs[0]!.e, uploadMs: mid(pairs.map(({ e }) => e.uploadMs)), downloadMs: mid(pairs.map(({ e }) => e.downloadMs)) };
    const pairRatios = { upload: pairs.map(({ m, e }) => m.encryptMs / e.uploadMs), download: pairs.map(({ m, e }) => m.decryptMs / e.downloadMs) };
    if (end.rss) {
      const toMiB = (n: number) => Number((n / MiB).toFixed(1));
      rss = { baselineMiB: toMiB(end.rss.baseline), peakMiB: toMiB(end.rss.peak), deltaMiB: toMiB(end.rss.peak - end.rss.baseline) };
    }
    const run = {
      chunkBytes,
      chunks: end.chunkCount,
      module: { encryptMBps: mibps(mod.encryptMs), decryptMBps: mibps(mod.decryptMs) },
      endpoints: { uploadMBps: mibps(end.uploadMs), downloadMBps: mibps(end.downloadMs) },
      /** Endpoint speed as a fraction of the bare module speed (1.0 = no overhead beyond crypto). */
      ratio: { upload: Number(mid(pairRatios.upload).toFixed(2)), download: Number(mid(pairRatios.download).toFixed(2)) },
      /** Each pair's ratio, in run order. */
      pairRatios: { upload: pairRatios.upload.map((r) => Number(r.toFixed(2))), download: pairRatios.download.map((r) => Number(r.toFixed(2))) },
      /** CPU time (ms, all threads) of the module run and of each process during each transfer. */
      cpuMs: { module: mod.cpuMs, ...end.cpuMs },
      /** The server's CPU ms per thread during each transfer: its event loop, then its other busy threads (writer, checkpointer, pools). */
      serverThreadMs: end.serverThreadMs,
    };
    console.log(
      `${chunkBytes / 1024} KiB chunks: module encrypt ${run.module.encryptMBps} MiB/s, decrypt ${run.module.decryptMBps} MiB/s; ` +
        `upload ${run.endpoints.uploadMBps} MiB/s (${run.ratio.upload}× module), download ${run.endpoints.downloadMBps} MiB/s (${run.ratio.download}× module); ` +
        `CPU ms module ${mod.cpuMs.encrypt}/${mod.cpuMs.decrypt}, upload client ${end.cpuMs.upload.client} server ${end.cpuMs.upload.server}, ` +
        `download client ${end.cpuMs.download.client} server ${end.cpuMs.download.server}; ` +
        `server threads upload loop ${end.serverThreadMs.upload.loop} others ${end.serverThreadMs.upload.others.join('/')}, download loop ${end.serverThreadMs.download.loop} others ${end.serverThreadMs.download.others.join('/')}`,
    );
    runs.push(run);
  }
  const main = runs.find((r) => r.chunkBytes === p.ATTACHMENT_CHUNK_BYTES) ?? runs[0]!;
  console.log(`server RSS during the ${FILE_BYTES / MiB} MiB upload: +${rss!.deltaMiB} MiB (baseline ${rss!.baselineMiB} MiB, peak ${rss!.peakMiB} MiB)`);
  const result = {
    date: new Date().toISOString(),
    node: process.version,
    fileMiB: FILE_BYTES / MiB,
    paddedMiB: p.paddedAttachmentSize(FILE_BYTES) / MiB,
    transport: `client-core drivers over the staff CLI's node:http transport on a real 127.0.0.1 port, ${IN_FLIGHT} chunks in flight, chunks sealed and opened ${workerCipher ? "on the CLI's chunk thread" : 'inline'}, server in its own process`,
    // The machine's load average (1, 5, 15 min) when the run ended: the rates are wall-clock.
    loadAverage: loadavg().map((l) => Number(l.toFixed(2))),
    defaultChunkBytes: p.ATTACHMENT_CHUNK_BYTES,
    // The default chunk size's figures (what the clients use), then every size measured.
    chunks: main.chunks,
    module: main.module,
    endpoints: main.endpoints,
    ratio: main.ratio,
    runs,
    serverRss: rss,
    target: TARGET,
  };
  writeFileSync(new URL('./attachments.json', import.meta.url), `${JSON.stringify(result, null, 2)}\n`);
} finally {
  await workerCipher?.close();
  server.send({ cmd: 'close' });
}
