// Issue 14, "Must show": two real server processes (nodes A and B) on one real PostgreSQL database,
// each with its own data dir holding the same two secret files (docs/OPERATIONS.md "Two nodes
// behind a reverse proxy and an onion service"). Everything goes over real HTTP with the protocol
// module, the client core and the staff CLI — no request ever names which node it expects, and no
// step sleeps or retries to let a node "catch up": what one node commits, the other must answer
// from at its very next request. The cross-node audit of in-process state is docs/DECISIONS.md
// "Several nodes (issue 14)"; each fix it made has a case here that fails without it.
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as core from '../../client-core';
import type { StaffThread } from '../../contract';
import { openPgDb, type OpenedPgDb } from '../../db/pg';
import * as p from '../../protocol/index';
import { SECRET_FILES } from '../../server/plugins/app/secrets';
import { runMaintenance } from '../../server/plugins/app/maintenance';
import { asDb } from '../../server/services/data';
import { POW_TTL_SECONDS } from '../../server/services/pow';
import { expectOk } from '../../cli/staff/api';
import { rotateTeamKey, type RotateResult } from '../../cli/staff/rotate';
import { ApiCallError } from '../../cli/staff/api';
import { fetchStaffThread } from '../../cli/staff/show';
import type { StaffSession } from '../../cli/staff/session';
import { CHEAP_KDF } from '../fixtures/kdf';
import { runCommand } from '../helpers/cli';
import { testDatabase, type TestDatabase } from '../helpers/postgres';
import {
  deskView,
  http,
  killAll,
  loginStaffHttp,
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
} from '../helpers/process';

let database: TestDatabase;
let sql: pg.Client;
let dirA: string;
let dirB: string;
let A: ServerChild | undefined;
let B: ServerChild | undefined;
let admin: AdminCredentials;
/** The secrets fingerprint each node logged at start (A, B). */
let startFingerprints: (string | undefined)[] = [];

/** Every ticket a node acknowledged with 201, and what its first message said. */
const filed = new Map<string, p.FirstMessagePayload>();

/**
 * What the guide tells an operator to do before node B's first start: copy both secret files from
 * node A's data dir, owner-only. Without this B would create its own and refuse A's sessions.
 */
function shareSecrets(from: string, to: string): void {
  for (const file of Object.values(SECRET_FILES)) copyFileSync(join(from, file), join(to, file));
}

beforeAll(async () => {
  await p.ready();
  database = await testDatabase();
  dirA = mkdtempSync(join(tmpdir(), 'sealdesk-node-a-'));
  dirB = mkdtempSync(join(tmpdir(), 'sealdesk-node-b-'));
  // The headless operator setup against the PostgreSQL URL: it creates A's secrets, and the desk.
  admin = await setupDeskProcess(dirA, { databaseUrl: database.url });
  shareSecrets(dirA, dirB);
  const node = (dir: string) => startServer(dir, {}, 90_000, { databaseUrl: database.url });
  [A, B] = await Promise.all([node(dirA), node(dirB)]);
  // Read now, while the start-up lines are still in the kept tail of each node's output.
  startFingerprints = [A, B].map((n) => /"secretsFingerprint":"([^"]+)"/.exec(n.stdout())?.[1]);
  sql = new pg.Client({ connectionString: database.url });
  await sql.connect();
}, 180_000);

afterAll(async () => {
  // By PID (each node's own process group), whatever state a failed test left them in.
  await Promise.allSettled([A?.stop(5_000), B?.stop(5_000)]);
  await killAll();
  await sql?.end().catch(() => {});
  await database?.drop();
  for (const dir of [dirA, dirB]) if (dir) rmSync(dir, { recursive: true, force: true });
}, 60_000);

const a = () => A!.url;
const b = () => B!.url;

function payload(subject: string): p.FirstMessagePayload {
  return { v: 1, subject, body: `unique ${p.newId()}`, category: 'account', lang: 'en' };
}

/** Files a prepared ticket: the status and the error code; records the ticket when the node acknowledged it. */
async function file(base: string, requester: HttpRequester, ticket: PreparedTicket): Promise<string> {
  const res = await http(base, 'POST', '/api/tickets', ticket.body, requester.token);
  if (res.status === 201) filed.set(ticket.ticketId, ticket.payload);
  return res.status === 201 ? '201' : `${res.status} ${res.body?.error?.code}`;
}

const TECH_PASSWORD = 'technician password for two nodes';
const staffEnv = () => ({ SEALDESK_ADMIN_PASSWORD: admin.password, SEALDESK_FINGERPRINT: admin.fingerprint, SEALDESK_PASSWORD: TECH_PASSWORD });

/** Invite on A, activate on B, admit on A: the staff CLI's own commands, in-process, over HTTP. */
async function addTechnician(username: string): Promise<AdminCredentials> {
  const invited = await runCommand(['invite', username, '--as', 'admin', '--server', a()], staffEnv());
  expect(invited.code, invited.stderr).toBe(0);
  const token = invited.stdout.trim().split('\n').pop()!;
  const activated = await runCommand(['activate', token, '--server', b()], staffEnv());
  expect(activated.code, activated.stderr).toBe(0);
  const admitted = await runCommand(['admit', username, '--as', 'admin', '--server', a()], staffEnv());
  expect(admitted.code, admitted.stderr).toBe(0);
  return { username, password: TECH_PASSWORD, fingerprint: admin.fingerprint };
}

/** The requester's client reading its own thread: K from its own wrap, each message checked against its author. */
async function requesterReads(base: string, requester: HttpRequester, ticketId: string): Promise<{ author: string; body: string }[]> {
  const thread = await http(base, 'GET', `/api/tickets/${ticketId}/messages`, undefined, requester.token);
  expect(thread.status).toBe(200);
  const log = p.verifyKeyLog((await http(base, 'GET', '/api/keylog')).body.entries, { pinnedFingerprint: admin.fingerprint });
  const key = p.openRequesterWrap(thread.body.ticket.requesterWrap, requester.keys.box);
  return (thread.body.messages as StaffThread['messages']).map((m) => {
    const signPk = m.author.type === 'staff' ? log.staff.get(m.author.staffId)!.signPk : p.toB64(requester.keys.sign.publicKey);
    const opened = p.openMessage({ kind: 'message', ticketId, messageId: m.messageId, key, envelope: m.envelope, authorSignPk: p.asSignPublicKey(signPk) }) as { body: string };
    return { author: m.author.type === 'staff' ? m.author.staffId : 'requester', body: opened.body };
  });
}

/** POST /api/requesters with fresh keys, paid with `pow`. */
function registerWith(base: string, pow: { challenge: string; nonce: string }) {
  const keys = p.deriveRequesterKeys(p.generatePassphrase(), p.newId(), CHEAP_KDF);
  return http(base, 'POST', '/api/requesters', { boxPk: p.toB64(keys.box.publicKey), signPk: p.toB64(keys.sign.publicKey), pow });
}

describe('two nodes on one PostgreSQL database', () => {
  let desk: DeskView;
  let alice: HttpRequester;
  let aliceTicket: string;
  let tina: AdminCredentials;
  let tom: AdminCredentials;
  let tinaOnB: StaffSession;

  it('a requester registers on A and files on B; a technician reads and replies on B; the requester reads the reply on A', async () => {
    desk = await deskView(a(), admin.fingerprint);
    expect(desk.team.version).toBe(1);
    // Both nodes hold the same secrets (what the operator compares in their start-up lines).
    expect(startFingerprints[0]).toMatch(/^[A-Za-z0-9_-]{11}$/);
    expect(startFingerprints[1]).toBe(startFingerprints[0]);
    // B serves the very desk A was set up as (one database, one key log).
    expect((await deskView(b(), admin.fingerprint)).deskId).toBe(desk.deskId);

    alice = await registerRequesterHttp(a(), desk);
    const ticket = await prepareTicket(b(), desk, alice, payload('my phone was taken'));
    expect(await file(b(), alice, ticket)).toBe('201');
    aliceTicket = ticket.ticketId;
    // The session A issued works on B, and what B committed A lists at once.
    const mine = await http(a(), 'GET', '/api/tickets/mine', undefined, alice.token);
    expect(mine.body.tickets.map((t: { ticketId: string }) => t.ticketId)).toEqual([aliceTicket]);

    tina = await addTechnician('tina');
    tom = await addTechnician('tom');
    tinaOnB = await loginStaffHttp(b(), tina);
    const thread = await fetchStaffThread(tinaOnB, aliceTicket);
    const view = core.openStaffThread(tinaOnB.vault, thread.ticket, thread.messages);
    expect(view.messages.map((m) => [m.signature, m.subject, m.body])).toEqual([['verified', ticket.payload.subject, ticket.payload.body]]);
    const reply = core.sealStaffReply(tinaOnB.vault, aliceTicket, 'Turn off the phone and do not sign in from it.', 'en');
    await expectOk(tinaOnB.desk, 'POST', `/api/staff/tickets/${aliceTicket}/messages`, { kind: 'message', ...reply }, tinaOnB.token);

    expect(await requesterReads(a(), alice, aliceTicket)).toEqual([
      { author: 'requester', body: ticket.payload.body },
      { author: tinaOnB.staffId, body: 'Turn off the phone and do not sign in from it.' },
    ]);
  }, 180_000);

  it('a proof of work spent on A is refused on B: the spent-set is shared', async () => {
    const { challenge } = (await http(a(), 'POST', '/api/pow', { purpose: 'register' })).body;
    const pow = { challenge, nonce: await p.solvePow(challenge) };
    const register = (base: string) => registerWith(base, pow);
    expect((await register(a())).status).toBe(201);
    const replay = await register(b());
    expect([replay.status, replay.body.error.code]).toEqual([400, 'pow_replayed']);
  });

  it('a node whose clock runs ahead cannot free a live proof of work for a second spend on another node', async () => {
    // A spend on A, then the hourly job on a third node whose clock is one TTL and a minute ahead
    // (the same function the maintenance plugin runs, on the same database): the challenge is
    // still live on B's clock, so its id must still be spent.
    const { challenge } = (await http(a(), 'POST', '/api/pow', { purpose: 'register' })).body;
    const pow = { challenge, nonce: await p.solvePow(challenge) };
    const register = (base: string) => registerWith(base, pow);
    expect((await register(a())).status).toBe(201);
    const nodeC: OpenedPgDb = await openPgDb(database.url, { poolSize: 1 });
    try {
      await runMaintenance(asDb(nodeC.db), 90, Math.floor(Date.now() / 1000) + POW_TTL_SECONDS + 60);
    } finally {
      await nodeC.close();
    }
    const replay = await register(b());
    expect([replay.status, replay.body.error?.code]).toEqual([400, 'pow_replayed']);
  });

  it('a session signed out on A is refused on B at its very next request', async () => {
    // A requester's: signed in on A, used on B, signed out on A.
    const bob = await registerRequesterHttp(a(), desk);
    expect((await http(b(), 'GET', '/api/tickets/mine', undefined, bob.token)).status).toBe(200);
    expect((await http(a(), 'POST', '/api/requesters/logout', {}, bob.token)).status).toBe(204);
    expect((await http(b(), 'GET', '/api/tickets/mine', undefined, bob.token)).status).toBe(401);
    // A staff member's: signed in on B, signed out on A.
    const tomOnB = await loginStaffHttp(b(), tom);
    expect((await http(b(), 'GET', '/api/staff/me', undefined, tomOnB.token)).status).toBe(200);
    expect((await http(a(), 'POST', '/api/staff/logout', {}, tomOnB.token)).status).toBe(200);
    expect((await http(b(), 'GET', '/api/staff/me', undefined, tomOnB.token)).status).toBe(401);
  });

  it("an admin disables a technician on A; the technician's token is refused on B at its very next request", async () => {
    expect((await http(b(), 'GET', '/api/staff/tickets', undefined, tinaOnB.token)).status).toBe(200);
    const disabled = await runCommand(['disable', 'tina', '--as', 'admin', '--server', a()], staffEnv());
    expect(disabled.code, disabled.stderr).toBe(0);
    expect(disabled.stdout).toMatch(/staff-remove appended/);
    // No sleep, no retry: the next request, on the other node.
    const refused = await http(b(), 'GET', '/api/staff/tickets', undefined, tinaOnB.token);
    expect(refused.status).toBe(401);
    expect((await http(b(), 'GET', `/api/staff/tickets/${aliceTicket}/messages`, undefined, tinaOnB.token)).status).toBe(401);
  });

  it('a rotation on A while submissions stream to B: nothing lost, nothing left sealed to the retired key', async () => {
    const LANES = 6;
    const BEFORE_PER_LANE = 4;
    // POST /api/tickets allows 30 a minute per requester, counted across both nodes.
    const MAX_PER_LANE = 12;
    const requesters = await Promise.all(Array.from({ length: LANES }, (_, i) => registerRequesterHttp(i % 2 === 0 ? a() : b(), desk)));
    // Tickets on v1 before the rotation: the rewrap has work to spread over several batches.
    await Promise.all(
      requesters.map(async (r, lane) => {
        for (let i = 0; i < BEFORE_PER_LANE; i++) expect(await file(b(), r, await prepareTicket(b(), desk, r, payload(`lane ${lane} before ${i}`)))).toBe('201');
      }),
    );
    // Sealed to v1 now, sent only after v1 has retired: B must refuse them as stale.
    const late = await Promise.all(requesters.slice(0, 2).map((r, i) => prepareTicket(b(), desk, r, payload(`late ${i}`))));

    let rotating = false;
    let rotated = false;
    /** 201s from B while the rotation ran on A (after its first step, before its last). */
    let acknowledgedDuringRotation = 0;
    /** A requester's client: seal to the key log's current team key; on 409 stale_team_key refetch the log and seal again. */
    const submit = async (r: HttpRequester, subject: string, view: DeskView): Promise<DeskView> => {
      let current = view;
      for (let attempt = 0; attempt < 6; attempt++) {
        const ticket = await prepareTicket(b(), current, r, payload(subject));
        const answer = await file(b(), r, ticket);
        if (answer === '201') {
          if (rotating && !rotated) acknowledgedDuringRotation++;
          return current;
        }
        if (answer === '409 stale_team_key') {
          current = await deskView(b(), admin.fingerprint);
          continue;
        }
        if (answer === '503 overloaded') {
          // Load shedding on a saturated test machine: a real client waits and sends again.
          await new Promise((resolve) => setTimeout(resolve, 300 * (attempt + 1)));
          continue;
        }
        // Anything else fails the test — 503 storage_unavailable included: concurrent submissions
        // must take turns on the shared counts, not exhaust their serialization retries.
        throw new Error(`POST /api/tickets on B → ${answer}`);
      }
      throw new Error(`${subject}: not accepted after 6 attempts`);
    };
    const lanes = requesters.map(async (r, lane) => {
      let view = desk;
      let sent = 0;
      // Keep submitting while the rotation runs, then one more each.
      while (!rotated && sent < MAX_PER_LANE) {
        view = await submit(r, `lane ${lane} during ${sent}`, view);
        sent++;
      }
      await submit(r, `lane ${lane} after`, view);
    });

    const rotation = (async (): Promise<RotateResult> => {
      try {
        const adminOnA = await loginStaffHttp(a(), admin);
        rotating = true;
        try {
          return await rotateTeamKey(adminOnA, { batchSize: 4 });
        } catch (err) {
          // SECURITY: retiring v1 is refused while any ticket still lacks its v2 wrap (one that
          // committed on B between the last rewrap batch and the retire); the operator's answer
          // is `rotate --resume`, which re-wraps what is left and retires then.
          if (!(err instanceof ApiCallError && err.code === 'rewrap_incomplete')) throw err;
          return await rotateTeamKey(adminOnA, { resume: true, batchSize: 4 });
        }
      } finally {
        rotated = true;
      }
    })();
    // Every lane settles before anything is judged (or the nodes stopped), failed or not.
    const [rotationOutcome, ...laneOutcomes] = await Promise.allSettled([rotation, ...lanes]);
    for (const outcome of [rotationOutcome, ...laneOutcomes]) if (outcome.status === 'rejected') throw outcome.reason;
    const result = (rotationOutcome as PromiseFulfilledResult<RotateResult>).value;
    expect(result.complete).toBe(true);
    expect(result.retired).toEqual([1]);
    expect(acknowledgedDuringRotation).toBeGreaterThan(0);

    // Tickets sealed to v1 before the rotation, sent after it: B refuses them as stale, and the
    // client, having refetched the key log, files them sealed to v2.
    for (const [i, ticket] of late.entries()) {
      const stale = await http(b(), 'POST', '/api/tickets', ticket.body, requesters[i]!.token);
      expect([stale.status, stale.body.error.code]).toEqual([409, 'stale_team_key']);
      await submit(requesters[i]!, `late ${i} re-sealed`, await deskView(b(), admin.fingerprint));
    }

    // Every acknowledged ticket exists, each with exactly one team wrap of K, on the current key.
    const current = (await deskView(a(), admin.fingerprint)).team.version;
    expect(current).toBe(2);
    const { rows: tickets } = await sql.query<{ id: string }>('select id from tickets');
    expect(new Set(tickets.map((t) => t.id))).toEqual(new Set(filed.keys()));
    const { rows: offKey } = await sql.query(
      `select t.id from tickets t where (select count(*) from wraps w where w.ticket_id = t.id and w.key_kind = 'ticket' and w.recipient = 'team' and w.team_key_version = $1) <> 1`,
      [current],
    );
    expect(offKey).toEqual([]);
    const { rows: retiredWraps } = await sql.query(`select ticket_id, team_key_version from wraps where recipient = 'team' and team_key_version <> $1`, [current]);
    expect(retiredWraps).toEqual([]);
    // The disabled technician got no grant of the new key; the one still admitted opens everything on B.
    const { rows: tinaGrants } = await sql.query('select team_key_version from grants where staff_id = $1', [tinaOnB.staffId]);
    expect(tinaGrants).toEqual([]);
    const tomOnB = await loginStaffHttp(b(), tom);
    expect(tomOnB.vault.teamKeys.has(current)).toBe(true);
    expect(await ticketProblems(b(), tomOnB, filed)).toEqual([]);
  }, 180_000);
});
