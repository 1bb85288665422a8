// Issue #6 part 2: an acknowledged ticket survives SIGKILL. The real server runs as a child
// process; requesters file tickets over HTTP with the protocol module; the server is killed
// mid-burst, restarted on the same data dir, and every ticket that got a 201 must be there and
// decrypt, five rounds in a row on the same (growing) database.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId, type FirstMessagePayload } from '../../../protocol/index';
import {
  deskDatabase,
  deskView,
  inspectDatabase,
  killAll,
  loginStaffHttp,
  postTicket,
  prepareTicket,
  registerRequesterHttp,
  setupDeskProcess,
  startServer,
  ticketProblems,
  type AdminCredentials,
  type DeskView,
  type HttpRequester,
  type PreparedTicket,
  type ServerChild,
} from '../../helpers/process';

const ROUNDS = 5;
/**
 * A steady stream rather than everything at once: replies leave in bursts (commits batched, then
 * one barrier fsync releases every reply that committed before it started), so with all 240 sent
 * at the start a fast server can answer every one of them before the SIGKILL lands. With a few
 * in flight per requester, each reply sends the next request at once, so when the kill is sent
 * there are always requests on the wire that the server has not answered.
 */
const REQUESTERS = 8;
/** The per-requester limit on POST /api/tickets is 30 a minute, per server process. */
const TICKETS_PER_REQUESTER = 30;
/** Requests each requester keeps in flight (32 in all, more than one commit batch can hold back). */
const IN_FLIGHT_PER_REQUESTER = 4;
/** SIGKILL once this many 201s have come back: about a third into the burst. */
const KILL_AFTER = 40;

let dataDir: string;
let admin: AdminCredentials;
beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'sealdesk-durability-'));
  admin = await setupDeskProcess(dataDir);
}, 120_000);
afterAll(async () => {
  await killAll();
  rmSync(dataDir, { recursive: true, force: true });
});

interface Lane {
  requester: HttpRequester;
  tickets: PreparedTicket[];
}

/** Registers the round's requesters and seals all their tickets ahead, so the burst is only POSTs. */
async function prepareLanes(base: string, desk: DeskView, round: number): Promise<Lane[]> {
  return Promise.all(
    Array.from({ length: REQUESTERS }, async (_, r) => {
      const requester = await registerRequesterHttp(base, desk);
      const tickets: PreparedTicket[] = [];
      for (let i = 0; i < TICKETS_PER_REQUESTER; i++) {
        const payload: FirstMessagePayload = { v: 1, subject: `round ${round} requester ${r} ticket ${i}`, body: `unique ${newId()}`, category: 'account', lang: 'en' };
        tickets.push(await prepareTicket(base, desk, requester, payload));
      }
      return { requester, tickets };
    }),
  );
}

interface BurstResult {
  acknowledged: Map<string, FirstMessagePayload>;
  killedBy: NodeJS.Signals | null;
  /** Requests whose connection failed: in flight (or sent) when the process died. */
  cutOff: number;
  otherStatuses: number[];
}

/** Every lane posts its tickets, IN_FLIGHT_PER_REQUESTER at a time; SIGKILL after KILL_AFTER 201s. */
async function burstUntilKilled(server: ServerChild, lanes: Lane[]): Promise<BurstResult> {
  const acknowledged = new Map<string, FirstMessagePayload>();
  const otherStatuses: number[] = [];
  let cutOff = 0;
  // Assigned inside the workers; the cast keeps TS from narrowing it to null out here.
  let killing = null as ReturnType<ServerChild['kill']> | null;
  const runLane = async ({ requester, tickets }: Lane) => {
    const queue = [...tickets];
    const worker = async () => {
      for (let t = queue.shift(); t && !killing; t = queue.shift()) {
        const status = await postTicket(server.url, requester, t);
        // A 201 is an acknowledgement even when it arrives after the kill was sent.
        if (status === 201) acknowledged.set(t.ticketId, t.payload);
        else if (status === 0) cutOff++;
        else otherStatuses.push(status);
        if (!killing && acknowledged.size >= KILL_AFTER) killing = server.kill('SIGKILL');
      }
    };
    await Promise.all(Array.from({ length: IN_FLIGHT_PER_REQUESTER }, worker));
  };
  await Promise.all(lanes.map(runLane));
  const exit = killing ? await killing : null;
  return { acknowledged, killedBy: exit?.signal ?? null, cutOff, otherStatuses };
}

describe('durability under SIGKILL', () => {
  it(`loses no acknowledged ticket over ${ROUNDS} kill/restart rounds, and the database stays intact`, async () => {
    const acknowledged = new Map<string, FirstMessagePayload>();
    let server = await startServer(dataDir);
    // The admin's session is a database row signed with jwt.key: it survives the restarts.
    const staff = await loginStaffHttp(server.url, admin);
    const desk = await deskView(server.url, admin.fingerprint);

    for (let round = 1; round <= ROUNDS; round++) {
      // Given requesters with their tickets sealed and paid for
      const lanes = await prepareLanes(server.url, desk, round);

      // When they submit concurrently and the server is SIGKILLed mid-burst
      const burst = await burstUntilKilled(server, lanes);
      const context = `round ${round}: ${burst.acknowledged.size} acknowledged, ${burst.cutOff} cut off, other statuses ${JSON.stringify(burst.otherStatuses)}`;
      expect(burst.killedBy, context).toBe('SIGKILL');
      expect(burst.acknowledged.size, context).toBeGreaterThanOrEqual(KILL_AFTER);
      // (the kill really landed mid-burst: requests were in flight and never answered)
      expect(burst.cutOff, context).toBeGreaterThan(0);
      for (const [id, payload] of burst.acknowledged) acknowledged.set(id, payload);

      // And it is restarted on the same data dir
      server = await startServer(dataDir);

      // Then every ticket acknowledged so far (this round and all before) is there and decrypts
      expect(await ticketProblems(server.url, staff, acknowledged), context).toEqual([]);
      // And the database passes integrity_check, with no torn ticket and no dangling reference
      const report = inspectDatabase(deskDatabase(dataDir));
      expect(report, context).toMatchObject({ integrity: 'ok', incomplete: 0, foreignKeyViolations: 0 });
      expect(report.tickets).toBeGreaterThanOrEqual(acknowledged.size);
    }
    expect(acknowledged.size).toBeGreaterThanOrEqual(ROUNDS * KILL_AFTER);
    expect((await server.kill('SIGTERM')).code).toBe(0);
  }, 300_000);
});
