// The desk on PostgreSQL (issue 14), through the HTTP API only: the same services, guards and
// transactions as on SQLite, against a real PostgreSQL server (vitest's globalSetup starts a
// throwaway cluster; test/helpers/postgres.ts). The whole server suite also runs on PostgreSQL as
// the `server-on-postgres` project (vitest.config.ts; docs/OPERATIONS.md, "Tests on PostgreSQL").
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPgDb, type OpenedPgDb } from '../../../db/pg';
import * as p from '../../../protocol/index';
import { createSetupToken } from '../../../server/plugins/app/desk';
import { enrolment, type Desk } from '../../helpers/desk';
import { testDatabase, type TestDatabase } from '../../helpers/postgres';
import { newRequester, submitTicket } from '../../helpers/requester';
import { buildPgTestApp, type TestApp } from '../../helpers/app';

let database: TestDatabase;
let pg: OpenedPgDb;
// The journey helpers take a TestApp but use only its `app` (there is no SQLite handle here).
let t: TestApp;

beforeAll(async () => {
  database = await testDatabase();
  pg = await openPgDb(database.url);
  t = (await buildPgTestApp(pg, { SEALDESK_POW_DIFFICULTY: '4' })) as unknown as TestApp;
}, 120_000);

afterAll(async () => {
  await t?.close();
  await pg?.close();
  await database?.drop();
});

const api = async (method: 'GET' | 'POST' | 'PATCH', url: string, payload?: unknown, token?: string) => {
  const res = await t.app.inject({ method, url, ...(payload === undefined ? {} : { payload: payload as object }), headers: token ? { authorization: `Bearer ${token}` } : {} });
  return { status: res.statusCode, body: res.json() };
};

describe('the desk on PostgreSQL', () => {
  it('sets up, signs staff in, takes a requester ticket and shows it in the queue', async () => {
    expect((await api('GET', '/api/health')).status).toBe(200);
    const { deskId, setupComplete } = (await api('GET', '/api/desk')).body;
    expect(setupComplete).toBe(false);

    // Setup in one transaction: genesis, team key v1, the admin, their grant, the audit row
    const staffId = p.newId();
    const password = 'root password for tests';
    const { keys, body } = enrolment(staffId, password);
    const genesis = p.signKeyLogEntry(p.buildGenesisEntry({ deskId, staffId, username: 'root', boxPk: body.boxPk, signPk: body.signPk, at: 1 }), keys.sign.secretKey);
    const team = p.generateTeamKey();
    const teamKey = p.signKeyLogEntry(
      p.buildKeyLogEntry(p.verifyKeyLog([genesis]), { type: 'team-key', body: { version: 1, boxPk: p.toB64(team.publicKey) }, signer: staffId, at: 2 }),
      keys.sign.secretKey,
    );
    const { token: setupToken } = await createSetupToken(t.app.db);
    const setup = await api('POST', '/api/setup', { token: setupToken, username: 'root', ...body, genesis, teamKey, grant: p.sealGrant(team.secretKey, keys.box.publicKey) });
    expect(setup.status).toBe(201);
    expect((await api('GET', '/api/desk')).body.setupComplete).toBe(true);
    // The same token twice: refused (the setup transaction committed, the token is cleared)
    expect((await api('POST', '/api/setup', { token: setupToken, username: 'root', ...body, genesis, teamKey, grant: 'x' })).status).toBeGreaterThanOrEqual(400);

    // Staff sign-in: the session row, the key log's word on admission
    const login = await api('POST', '/api/staff/login', { username: 'root', authSecret: body.authSecret });
    expect(login.status).toBe(200);
    const staffToken = login.body.token as string;
    const me = await api('GET', '/api/staff/me', undefined, staffToken);
    expect(me.body).toMatchObject({ staffId, admitted: true, role: 'admin' });

    // A requester registers (PoW spent), signs in, files a ticket through the transaction
    const desk = { deskId, teamKey: team, teamKeyVersion: 1, teamKeys: new Map([[1, team]]) } as unknown as Desk;
    const alice = await newRequester(t, desk);
    const ticket = await submitTicket(t, desk, alice);
    const mine = await api('GET', '/api/tickets/mine', undefined, alice.token);
    expect(mine.body.tickets.map((x: { ticketId: string }) => x.ticketId)).toEqual([ticket.ticketId]);

    // The queue, with its counts, and the thread
    const queue = await api('GET', '/api/staff/tickets', undefined, staffToken);
    expect(queue.status).toBe(200);
    expect(queue.body.tickets.map((x: { ticketId: string }) => x.ticketId)).toEqual([ticket.ticketId]);
    expect(queue.body.counts.new).toBe(1);
    const thread = await api('GET', `/api/staff/tickets/${ticket.ticketId}/messages`, undefined, staffToken);
    expect(thread.status).toBe(200);
    expect(thread.body.messages).toHaveLength(1);

    // Triage and the queue by last activity: ticket_counts' triggers and the (updatedAt, seq)
    // keyset cursor on PostgreSQL. A second requester's ticket, then the first is opened.
    const bob = await newRequester(t, desk);
    const second = await submitTicket(t, desk, bob);
    expect((await api('PATCH', `/api/staff/tickets/${ticket.ticketId}`, { status: 'open', priority: 'high' }, staffToken)).status).toBe(200);
    const all = await api('GET', '/api/staff/tickets', undefined, staffToken);
    expect(all.body.counts).toMatchObject({ new: 1, open: 1 });
    const order = all.body.tickets.map((x: { ticketId: string }) => x.ticketId);
    expect([...order].sort()).toEqual([ticket.ticketId, second.ticketId].sort());
    for (const sort of ['activity', 'newest']) {
      const paged: string[] = [];
      let cursor: string | null = null;
      do {
        const page = await api('GET', `/api/staff/tickets?sort=${sort}&limit=1${cursor ? `&cursor=${cursor}` : ''}`, undefined, staffToken);
        expect(page.status).toBe(200);
        paged.push(...page.body.tickets.map((x: { ticketId: string }) => x.ticketId));
        cursor = page.body.nextCursor;
      } while (cursor !== null && paged.length < 5);
      expect(paged).toEqual(sort === 'activity' ? order : [second.ticketId, ticket.ticketId]);
    }
    const high = await api('GET', '/api/staff/tickets?priority=high', undefined, staffToken);
    expect(high.body.counts).toMatchObject({ new: 0, open: 1 });

    // The audit chain verifies on PostgreSQL too
    expect(await t.app.verifyAuditChain()).toMatchObject({ ok: true });
  }, 180_000);
});
