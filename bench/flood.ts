// Flood benchmark: `npx tsx bench/flood.ts` (BENCH_FLOOD_SECONDS, default 8). Writes bench/flood.json.
// The real app on a real 127.0.0.1 port with @fastify/under-pressure at its production thresholds.
// autocannon floods it from 127.0.0.1 with unauthenticated, PoW-less requests (tickets with a fake
// PoW, PoW challenges, registrations with a fake PoW); meanwhile a legitimate requester, on its own
// loopback address 127.0.0.2, solves real PoW, registers, signs in and files a ticket. Reported:
// flood throughput and status histogram, and the legitimate journey's latency during the flood vs
// without it (median of several), with their ratio. The flood runs in its own worker thread
// (bench/flood-worker.mjs) at a bounded overall rate, like an attacker outside the process; on a
// 2-core machine it still competes with the server for CPU, so the slowdown is an upper bound.
// test/server/reliability/flood.test.ts drives the same scenario and asserts its behaviour.
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { createTicket, ticketSubmission, generateStaffKeys, newId, ready, signRequesterChallenge, solvePow, toB64 } from '../protocol/index';
import { buildTestApp, type TestApp } from '../test/helpers/app';
import { seedDesk, teamPublicKey, type Desk } from '../test/helpers/desk';

/** Low enough that solving is instant: the bench is about the server, not the client's work. */
export const FLOOD_POW_DIFFICULTY = 8;
/** The flooder's address is 127.0.0.1 (autocannon's default); legitimate users come from elsewhere. */
export const LEGIT_ADDRESS = '127.0.0.2';
const RETRY_ON_503_MS = 250;
const MAX_503_RETRIES = 40;

// ------------------------------------------------------------------ autocannon (no bundled types)
export interface FloodRequest {
  method: 'POST';
  path: string;
  headers: Record<string, string>;
  body: string;
}
/** The fields of autocannon's aggregated result this file reads. */
export interface AutocannonResult {
  errors: number;
  timeouts: number;
  resets: number;
  duration: number;
  statusCodeStats: Record<string, { count: number }>;
  /** Answered requests. */
  requests: { total: number };
}

// ------------------------------------------------------------------ the desk
export interface FloodDesk {
  t: TestApp;
  desk: Desk;
  origin: string;
  close(): Promise<void>;
}

/** The app listening on 127.0.0.1:0 with load shedding ON (buildTestApp turns it off unless asked). */
export async function startFloodDesk(): Promise<FloodDesk> {
  await ready();
  const t = await buildTestApp({
    // warn: the flood would otherwise fill the in-memory log capture and the RSS figure with it.
    env: { SEALDESK_POW_DIFFICULTY: String(FLOOD_POW_DIFFICULTY), SEALDESK_LOG_LEVEL: 'warn' },
    underPressure: {},
  });
  const desk = await seedDesk(t.app);
  await t.app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = t.app.server.address() as { port: number };
  return { t, desk, origin: `http://127.0.0.1:${port}`, close: () => t.close() };
}

// ------------------------------------------------------------------ the flood
const b64 = (n: number) => randomBytes(n).toString('base64url');
const fakePow = () => ({ challenge: `forged.${b64(24)}`, nonce: b64(8) });
const JSON_HEADERS = { 'content-type': 'application/json' };

/** Status counts per flooded path. */
export type FloodTally = Map<string, Map<number, number>>;

/** Three PoW-less requests each connection cycles through. */
export function floodRequests(): FloodRequest[] {
  const ticket = {
    ticketId: newId(),
    messageId: newId(),
    message: { v: 1, nonce: b64(24), ct: b64(600), sig: b64(64) },
    teamWrap: { teamKeyVersion: 1, sealed: b64(80) },
    requesterWrap: { sealed: b64(80) },
    pow: fakePow(),
  };
  return [
    { method: 'POST', path: '/api/tickets', headers: JSON_HEADERS, body: JSON.stringify(ticket) },
    { method: 'POST', path: '/api/pow', headers: JSON_HEADERS, body: JSON.stringify({ purpose: 'ticket' }) },
    { method: 'POST', path: '/api/requesters', headers: JSON_HEADERS, body: JSON.stringify({ boxPk: b64(32), signPk: b64(32), pow: fakePow() }) },
  ];
}

/** Requests per second the flood is held to: a bounded run, far above any legitimate load. */
export const FLOOD_RATE = 600;

/** Starts the flood in a worker thread. `answered()` counts its answers live; `tally` is filled at the end. */
export function startFlood(
  origin: string,
  opts: { connections: number; maxSeconds: number; overallRate?: number },
): { done: Promise<AutocannonResult>; stop(): void; answered(): number; tally: FloodTally } {
  const tally: FloodTally = new Map();
  const answered = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(new URL('./flood-worker.mjs', import.meta.url), {
    workerData: { origin, connections: opts.connections, maxSeconds: opts.maxSeconds, overallRate: opts.overallRate ?? FLOOD_RATE, requests: floodRequests(), answered },
  });
  const done = new Promise<AutocannonResult>((resolve, reject) => {
    worker.on('message', (m: { tally: Record<string, Record<string, number>>; result: AutocannonResult }) => {
      for (const [path, statuses] of Object.entries(m.tally)) tally.set(path, new Map(Object.entries(statuses).map(([code, n]) => [Number(code), n])));
      resolve(m.result);
    });
    worker.on('error', reject);
    worker.on('exit', (code) => reject(new Error(`flood worker exited (${code}) before reporting`)));
  });
  return { done, stop: () => worker.postMessage('stop'), answered: () => Atomics.load(answered, 0), tally };
}

// ------------------------------------------------------------------ the legitimate requester
interface Reply {
  status: number;
  body: Record<string, unknown>;
}

function request(origin: string, agent: http.Agent, method: string, path: string, body?: unknown, token?: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request(
      `${origin}${path}`,
      {
        method,
        agent,
        headers: { ...(payload ? JSON_HEADERS : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} });
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

export interface LegitJourney {
  /** Time spent waiting for the server (PoW solving and sealing excluded), ms. */
  serverMs: number;
  /** 503 answers the client waited out and retried, as a real client honouring Retry-After would. */
  retries: number;
  requesterId: string;
  ticketId: string;
}

/**
 * Register a requester (PoW), sign in (signed challenge), file a ticket (PoW), over HTTP from
 * LEGIT_ADDRESS. Anything but success (or a 503 to wait out) throws with the status and code.
 */
export async function legitJourney(origin: string, desk: Desk): Promise<LegitJourney> {
  const agent = new http.Agent({ keepAlive: true, localAddress: LEGIT_ADDRESS });
  let serverMs = 0;
  let retries = 0;
  const call = async (expected: number, method: string, path: string, body?: unknown, token?: string) => {
    for (let attempt = 0; ; attempt++) {
      const t0 = performance.now();
      const res = await request(origin, agent, method, path, body, token);
      serverMs += performance.now() - t0;
      if (res.status === expected) return res.body;
      if (res.status !== 503 || attempt >= MAX_503_RETRIES) {
        throw new Error(`legitimate ${method} ${path} → ${res.status} ${JSON.stringify(res.body)}`);
      }
      retries++;
      await new Promise((r) => setTimeout(r, RETRY_ON_503_MS));
    }
  };
  const solved = async (purpose: 'register' | 'ticket') => {
    const { challenge } = (await call(200, 'POST', '/api/pow', { purpose })) as { challenge: string };
    return { challenge, nonce: await solvePow(challenge) };
  };
  try {
    const keys = generateStaffKeys(); // any Ed25519 + X25519 identity; passphrase derivation is not under test
    const signPk = toB64(keys.sign.publicKey);
    const { requesterId } = (await call(201, 'POST', '/api/requesters', { boxPk: toB64(keys.box.publicKey), signPk, pow: await solved('register') })) as { requesterId: string };
    const { challenge } = (await call(200, 'POST', '/api/requesters/challenge', { signPk })) as { challenge: string };
    const { token } = (await call(200, 'POST', '/api/requesters/session', { signPk, challenge, sig: signRequesterChallenge(challenge, keys.sign.secretKey) })) as { token: string };
    const created = createTicket({
      payload: { v: 1, subject: 'Account taken over', body: 'Someone changed my recovery e-mail. What now?', category: 'account', lang: 'en' },
      requesterSignSk: keys.sign.secretKey,
      requesterBoxPk: keys.box.publicKey,
      team: teamPublicKey(desk),
    });
    const body = { ...ticketSubmission(created), pow: await solved('ticket') };
    await call(201, 'POST', '/api/tickets', body, token);
    return { serverMs, retries, requesterId, ticketId: created.ticketId };
  } finally {
    agent.destroy();
  }
}

// ------------------------------------------------------------------ the benchmark
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const round = (x: number, digits = 1) => Number(x.toFixed(digits));
const MB = 1024 * 1024;

export async function run(opts: { floodSeconds?: number; journeys?: number; connections?: number } = {}) {
  const floodSeconds = opts.floodSeconds ?? Number(process.env.BENCH_FLOOD_SECONDS ?? 8);
  const journeys = opts.journeys ?? 7;
  const connections = opts.connections ?? 32;
  const d = await startFloodDesk();
  try {
    await legitJourney(d.origin, d.desk); // warm-up: JIT, SQLite page cache, libsodium
    const quiet: number[] = [];
    for (let i = 0; i < journeys; i++) quiet.push((await legitJourney(d.origin, d.desk)).serverMs);

    const rssBefore = process.memoryUsage().rss;
    const flood = startFlood(d.origin, { connections, maxSeconds: floodSeconds });
    const during: number[] = [];
    let retries = 0;
    // Spread the journeys over the flood, once it is being answered (the worker loads autocannon first).
    for (let i = 0; i < 200 && flood.answered() < 100; i++) await new Promise((r) => setTimeout(r, 50));
    const deadline = performance.now() + (floodSeconds - 2) * 1000;
    for (let i = 0; i < journeys && performance.now() < deadline; i++) {
      const j = await legitJourney(d.origin, d.desk);
      during.push(j.serverMs);
      retries += j.retries;
      await new Promise((r) => setTimeout(r, Math.max(0, (deadline - performance.now()) / (journeys - i) - j.serverMs)));
    }
    const result = await flood.done;
    const rssAfter = process.memoryUsage().rss;

    const statuses = Object.fromEntries(Object.entries(result.statusCodeStats).map(([code, s]) => [code, s.count]));
    const perPath = Object.fromEntries([...flood.tally].map(([path, m]) => [path, Object.fromEntries([...m].sort((a, b) => a[0] - b[0]))]));
    const quietMedian = median(quiet);
    const duringMedian = median(during);
    const out = {
      benchmark: 'PoW-less flood (autocannon, 127.0.0.1) vs a legitimate requester journey (127.0.0.2): register with PoW, sign in, file a ticket with PoW',
      floodSeconds: result.duration,
      connections,
      powDifficulty: FLOOD_POW_DIFFICULTY,
      underPressure: 'production thresholds (event-loop delay 1000 ms, utilisation 0.98)',
      floodRateLimit: `${FLOOD_RATE} req/s overall, from a worker thread`,
      flood: {
        requests: result.requests.total,
        perSecond: round(result.requests.total / result.duration, 0),
        statuses,
        perPath,
        errors: result.errors,
        timeouts: result.timeouts,
        resets: result.resets,
      },
      legit: {
        journeysWithoutFloodMs: quiet.map((x) => round(x)),
        journeysDuringFloodMs: during.map((x) => round(x)),
        retriesOn503DuringFlood: retries,
        median: { withoutFloodMs: round(quietMedian), duringFloodMs: round(duringMedian), ratio: round(duringMedian / quietMedian, 2) },
      },
      rssMB: { beforeFlood: round(rssBefore / MB), afterFlood: round(rssAfter / MB) },
      node: process.version,
      at: new Date().toISOString(),
    };
    console.log(
      `flood: ${out.flood.requests} requests in ${out.floodSeconds}s (${out.flood.perSecond}/s), statuses ${JSON.stringify(statuses)}, errors ${result.errors}\n` +
        `legit journey median: ${out.legit.median.withoutFloodMs} ms quiet, ${out.legit.median.duringFloodMs} ms during the flood ` +
        `(ratio ${out.legit.median.ratio}×, ${retries} retries on 503); RSS ${out.rssMB.beforeFlood} → ${out.rssMB.afterFlood} MB`,
    );
    return out;
  } finally {
    await d.close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const out = await run();
  writeFileSync(new URL('./flood.json', import.meta.url), `${JSON.stringify(out, null, 2)}\n`);
}
