// Issue 12 §4: the staff queue is ordered by last activity — a thread message from either side or
// a status change — and pages through that order exactly. Notes and other triage do not count.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId, newNoteKey, sealMessage, wrapKeyForTeam, type TicketKey } from '../../../protocol/index';
import type { TestApp } from '../../helpers/app';
import { bearer, seedDesk, seedLabel, seedStaff, type Desk, type SignedInStaff } from '../../helpers/desk';
import { buildJourneyApp, expectError, newRequester, submitTicket, type JourneyRequester } from '../../helpers/requester';

let t: TestApp;
let desk: Desk;
let tech: SignedInStaff;
let requester: JourneyRequester;
beforeAll(async () => {
  t = await buildJourneyApp();
  desk = await seedDesk(t.app);
  tech = await seedStaff(t.app, desk, 'tom');
  requester = await newRequester(t, desk);
});
afterAll(async () => t.close());

interface Row {
  ticketId: string;
  updatedAt: number;
}
interface Page {
  tickets: Row[];
  nextCursor: string | null;
}

async function queue(query = ''): Promise<Page> {
  const res = await t.app.inject({ method: 'GET', url: `/api/staff/tickets?limit=100${query}`, headers: bearer(tech.token) });
  expect(res.statusCode).toBe(200);
  return res.json<Page>();
}
const order = async (query = '') => (await queue(query)).tickets.map((r) => r.ticketId);
const updatedAt = async (ticketId: string) => (await queue()).tickets.find((r) => r.ticketId === ticketId)!.updatedAt;

function sealed(ticketId: string, key: TicketKey, signSk: Parameters<typeof sealMessage>[0]['authorSignSk'], body: string) {
  const messageId = newId();
  return { messageId, envelope: sealMessage({ kind: 'message', ticketId, messageId, key, payload: { v: 1, body }, authorSignSk: signSk }) };
}

async function staffReply(ticketId: string, key: TicketKey): Promise<void> {
  const res = await t.app.inject({
    method: 'POST',
    url: `/api/staff/tickets/${ticketId}/messages`,
    headers: bearer(tech.token),
    payload: { kind: 'message', ...sealed(ticketId, key, tech.keys.sign.secretKey, 'Change your passwords.') },
  });
  expect(res.statusCode).toBe(201);
}

async function note(ticketId: string): Promise<void> {
  const messageId = newId();
  const noteKey = newNoteKey();
  const res = await t.app.inject({
    method: 'POST',
    url: `/api/staff/tickets/${ticketId}/messages`,
    headers: bearer(tech.token),
    payload: {
      messageId,
      kind: 'note',
      envelope: sealMessage({ kind: 'note', ticketId, messageId, key: noteKey, payload: { v: 1, body: 'check the logs' }, authorSignSk: tech.keys.sign.secretKey }),
      noteWrap: wrapKeyForTeam(noteKey, { version: desk.teamKeyVersion, publicKey: desk.teamKeys.get(desk.teamKeyVersion)!.publicKey }),
    },
  });
  expect(res.statusCode).toBe(201);
}

async function triage(ticketId: string, payload: Record<string, unknown>): Promise<void> {
  const res = await t.app.inject({ method: 'PATCH', url: `/api/staff/tickets/${ticketId}`, headers: bearer(tech.token), payload });
  expect(res.statusCode).toBe(200);
}

/** Every page of `query`, `limit` rows at a time, with `between` run before each next page. */
async function allPages(query: string, limit: number, between: () => Promise<void> = async () => {}): Promise<string[]> {
  const seen: string[] = [];
  let cursor: string | null = null;
  do {
    const res: { statusCode: number; json: <T>() => T } = await t.app.inject({
      method: 'GET',
      url: `/api/staff/tickets?limit=${limit}${query}${cursor ? `&cursor=${cursor}` : ''}`,
      headers: bearer(tech.token),
    });
    expect(res.statusCode).toBe(200);
    const page: Page = res.json<Page>();
    seen.push(...page.tickets.map((r) => r.ticketId));
    cursor = page.nextCursor;
    if (cursor) await between();
  } while (cursor !== null);
  return seen;
}

describe('GET /api/staff/tickets by last activity', () => {
  const tickets: { ticketId: string; ticketKey: TicketKey }[] = [];
  let a: string, b: string, c: string;
  beforeAll(async () => {
    for (let i = 0; i < 3; i++) tickets.push(await submitTicket(t, desk, requester));
    [a, b, c] = tickets.map((x) => x.ticketId) as [string, string, string];
  });

  it('puts a ticket with a new thread message or status change on top, and nothing else moves it', async () => {
    // Filed in one hour (requester times are hour-rounded): ties go to the newest ticket
    expect(await order()).toEqual([c, b, a]);

    // When a technician answers the oldest request, it comes first
    await staffReply(a, tickets[0]!.ticketKey);
    expect(await order()).toEqual([a, c, b]);

    // A note, a priority, an assignee or a label is not activity (and the requester, who sees
    // updatedAt in their inbox, learns nothing of it)
    const before = await updatedAt(b);
    await note(b);
    await triage(b, { priority: 'urgent', assigneeId: tech.staffId, labels: [await seedLabel(t.app, desk, 'phones')] });
    await triage(b, { status: 'new' }); // the status it already has: no change, no activity
    expect(await updatedAt(b)).toBe(before);
    expect(await order()).toEqual([a, c, b]);

    // A status change is activity
    await triage(b, { status: 'open' });
    expect(await order()).toEqual([b, a, c]);

    // The requester's own reply moves it too, but only as far as the hour its time is rounded
    // to: within the hour of a staff action it stays where it is
    const reply = await t.app.inject({
      method: 'POST',
      url: `/api/tickets/${c}/messages`,
      headers: bearer(requester.token),
      payload: sealed(c, tickets[2]!.ticketKey, requester.keys.sign.secretKey, 'Done. What next?'),
    });
    expect(reply.statusCode).toBe(201);
    expect(await order()).toEqual([b, a, c]);
  });

  it('keeps newest first as an option, and filters in either order', async () => {
    expect(await order('&sort=newest')).toEqual([c, b, a]);
    expect(await order('&status=open')).toEqual([b, a]); // a staff answer opened a
    expect(await order('&status=open&sort=newest')).toEqual([b, a]);
    expect(await order('&status=new')).toEqual([c]);
    expect(await order('&assignee=mine')).toEqual([b]);
    expect(await order('&priority=urgent&sort=newest')).toEqual([b]);
    expect(await order('&assignee=unassigned')).toEqual([a, c]);
  });

  it('pages exactly through ties and distinct times, in both orders', async () => {
    // More tickets in the same hour as a, b and c: many equal updatedAt values
    for (let i = 0; i < 9; i++) tickets.push(await submitTicket(t, desk, await newRequester(t, desk)));
    await staffReply(tickets[5]!.ticketId, tickets[5]!.ticketKey);
    for (const [query, limit] of [
      ['', 1],
      ['', 5],
      ['&sort=newest', 4],
      ['&assignee=unassigned', 2],
    ] as const) {
      expect(await allPages(query, limit)).toEqual(await order(query));
    }
  });

  it('never skips or repeats an untouched ticket when others move to the top between pages', async () => {
    const full = await order();
    let touched = 0;
    const seen = await allPages('', 3, async () => {
      // A ticket further down gets an answer: it jumps above the cursor
      const target = tickets[touched++ % tickets.length]!;
      await staffReply(target.ticketId, target.ticketKey);
    });
    // (A touched ticket may come again or not at all: it moved; the client keeps one row per id.)
    const touchedIds = new Set(tickets.slice(0, touched).map((x) => x.ticketId));
    // Every ticket nobody touched came, in its original order
    expect(seen.filter((id) => !touchedIds.has(id))).toEqual(full.filter((id) => !touchedIds.has(id)));
  });

  it('refuses a cursor from the other order or not from this server with 400', async () => {
    const byActivity = (await t.app.inject({ method: 'GET', url: '/api/staff/tickets?limit=1', headers: bearer(tech.token) })).json<Page>().nextCursor;
    const newest = (await t.app.inject({ method: 'GET', url: '/api/staff/tickets?limit=1&sort=newest', headers: bearer(tech.token) })).json<Page>().nextCursor;
    expect(byActivity).not.toBeNull();
    expect(newest).not.toBeNull();
    for (const url of [
      `/api/staff/tickets?sort=newest&cursor=${byActivity}`,
      `/api/staff/tickets?cursor=${newest}`,
      `/api/staff/tickets?cursor=${Buffer.from('a1:12.0').toString('base64url')}`,
      `/api/staff/tickets?cursor=${Buffer.from('a1:-1.5').toString('base64url')}`,
      `/api/staff/tickets?cursor=${Buffer.from('a1:12').toString('base64url')}`,
      '/api/staff/tickets?sort=oldest',
    ]) {
      expectError(await t.app.inject({ method: 'GET', url, headers: bearer(tech.token) }), 400, 'validation_failed');
    }
  });
});
