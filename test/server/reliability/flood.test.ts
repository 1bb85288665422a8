// Issue #6 part 5: the real app on a real 127.0.0.1 port, load shedding ON at its production
// thresholds, under a bounded autocannon flood (600 req/s, from a worker thread, as an attacker outside
// the process would be) of unauthenticated, PoW-less requests. While the
// flood runs, a legitimate requester on its own loopback address registers with real PoW, signs
// in and files a ticket (bench/flood.ts holds the scenario; this file asserts its behaviour).
import { eq } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { legitJourney, startFlood, startFloodDesk, type FloodDesk, type FloodTally, type LegitJourney } from '../../../bench/flood';
import { testTables } from '../../helpers/app';
import { RATE_LIMITS } from '../../../server/rate-limits';

const { tickets } = testTables;

const CONNECTIONS = 32;
/** The flood lasts at least this long, and until the legitimate journeys are done. */
const FLOOD_MIN_MS = 4000;
/** Generous: what matters is that memory does not grow with the number of flood requests. */
const RSS_GROWTH_LIMIT_MB = 200;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const statusesOf = (tally: FloodTally, path: string) => [...(tally.get(path)?.keys() ?? [])].sort();

let d: FloodDesk | undefined;
afterAll(async () => {
  await d?.close();
});

describe('a PoW-less flood', () => {
  it('is answered with 4xx/429/503 only, while a legitimate requester registers and files a ticket, within bounded memory', async () => {
    d = await startFloodDesk();
    await legitJourney(d.origin, d.desk); // warm-up, so JIT and caches are in the baseline
    const rssBefore = process.memoryUsage().rss;

    const started = performance.now();
    const flood = startFlood(d.origin, { connections: CONNECTIONS, maxSeconds: 60 });
    let journeys: LegitJourney[];
    let answeredDuringJourneys: number;
    try {
      // Ramp-up: the worker thread loads autocannon first; wait until the flood is being answered.
      for (let i = 0; i < 200 && flood.answered() < 100; i++) await sleep(50);
      const before = flood.answered();
      journeys = [await legitJourney(d.origin, d.desk), await legitJourney(d.origin, d.desk)];
      answeredDuringJourneys = flood.answered() - before;
      await sleep(Math.max(0, FLOOD_MIN_MS - (performance.now() - started)));
    } finally {
      flood.stop();
    }
    const result = await flood.done;
    const rssAfter = process.memoryUsage().rss;

    // The flood really ran, and kept running while the legitimate requests were served.
    expect(result.requests.total).toBeGreaterThan(200);
    expect(answeredDuringJourneys, 'flood answers while the legitimate journeys ran').toBeGreaterThan(0);

    // Its answers: refusals, rate limits or load shedding — never a crash. The only successes are
    // PoW challenges, capped by the per-address flood guard.
    const statuses = Object.keys(result.statusCodeStats).map(Number);
    expect(
      statuses.filter((s) => s >= 500 && s !== 503),
      `statuses ${JSON.stringify(result.statusCodeStats)}`,
    ).toEqual([]);
    for (const s of statusesOf(flood.tally, '/api/tickets')) expect([400, 401, 429, 503]).toContain(s);
    for (const s of statusesOf(flood.tally, '/api/requesters')) expect([400, 429, 503]).toContain(s);
    for (const s of statusesOf(flood.tally, '/api/pow')) expect([200, 429, 503]).toContain(s);
    expect(flood.tally.get('/api/pow')?.get(200) ?? 0).toBeLessThanOrEqual(RATE_LIMITS.pow.max);
    // Connection-level failures: at most the requests in flight when the flood was stopped.
    expect(result.errors + result.timeouts + result.resets, 'errors, timeouts and resets').toBeLessThanOrEqual(CONNECTIONS);

    // The legitimate requester got through, and their tickets are stored.
    expect(journeys).toHaveLength(2);
    for (const j of journeys) {
      const row = (await d.t.db.select({ requesterId: tickets.requesterId }).from(tickets).where(eq(tickets.id, j.ticketId)))[0];
      expect(row?.requesterId).toBe(j.requesterId);
    }

    // Memory does not run away.
    expect((rssAfter - rssBefore) / (1024 * 1024), `RSS ${Math.round(rssBefore / 2 ** 20)} → ${Math.round(rssAfter / 2 ** 20)} MB`).toBeLessThan(RSS_GROWTH_LIMIT_MB);

    // And the desk still answers once the flood is over (load shedding may need a moment to clear).
    let health = 0;
    for (let i = 0; i < 40 && health !== 200; i++) {
      health = (await fetch(`${d.origin}/api/health`)).status;
      if (health !== 200) await sleep(250);
    }
    expect(health).toBe(200);
    console.log(
      `flood: ${result.requests.total} answers in ${result.duration}s, ${JSON.stringify(result.statusCodeStats)}; ` +
        `legit journeys ${journeys.map((j) => `${Math.round(j.serverMs)} ms/${j.retries} retries`).join(', ')}; RSS +${Math.round((rssAfter - rssBefore) / 2 ** 20)} MB`,
    );
  }, 120_000);
});
