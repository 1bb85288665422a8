import { beforeAll, describe, expect, it } from 'vitest';
import { seedLabel, seedRequester, seedTicket, withDesk, type SeededRequester } from '../../helpers/desk';
import { sqlAll, sqlGet, sqlRunElsewhere } from '../../helpers/app';

// Counts are read from tables and copies that triggers maintain (server/services/queue-counts.ts:
// ticket_counts, ticket_labels' copies of the ticket); these tests pin that no write path can
// leave them stale.
const fx = withDesk({ via: 'db', technicians: ['tech'] });
let requester: SeededRequester;
beforeAll(async () => {
  requester = await seedRequester(fx.app);
});

const counts = async (query = '') =>
  (await fx.app.inject({ method: 'GET', url: `/api/staff/tickets${query}`, headers: { authorization: `Bearer ${fx.staff.tech.token}` } })).json<{
    counts: Record<string, number>;
  }>().counts;

describe('GET /api/staff/tickets counts', () => {
  it('follow a PATCH, a new ticket and a write from another connection at once', async () => {
    const { ticketId } = await seedTicket(fx.app, fx.desk, requester);
    expect((await counts()).new).toBe(1);
    expect((await counts()).new).toBe(1); // served from the cache
    // When a technician opens it through the API
    await fx.app.inject({ method: 'PATCH', url: `/api/staff/tickets/${ticketId}`, headers: { authorization: `Bearer ${fx.staff.tech.token}` }, payload: { status: 'open' } });
    expect(await counts()).toMatchObject({ new: 0, open: 1 });
    // When a ticket arrives through this connection
    await seedTicket(fx.app, fx.desk, requester);
    expect(await counts()).toMatchObject({ new: 1, open: 1 });
    // When another process (a CLI beside the server) writes through its own connection
    await sqlRunElsewhere(fx.t, "update tickets set status = 'closed', closed_at = 1 where id = ?", ticketId);
    expect(await counts()).toMatchObject({ new: 1, open: 0, closed: 1 });
  });

  it('are kept per filter', async () => {
    await seedTicket(fx.app, fx.desk, requester, { assigneeId: fx.staff.tech.staffId, status: 'waiting_requester' });
    expect((await counts('?assignee=mine')).waiting_requester).toBe(1);
    expect((await counts('?assignee=unassigned')).waiting_requester).toBe(0);
  });
});

describe('GET /api/staff/tickets counts cache keys', () => {
  it('never serves the unfiltered counts for assignee=unassigned (or the reverse)', async () => {
    const before = await counts();
    const unassigned = await counts('?assignee=unassigned');
    await seedTicket(fx.app, fx.desk, requester, { assigneeId: fx.staff.tech.staffId, status: 'resolved' });
    // Warm both keys on the same stamp, in both orders
    const all = await counts();
    const none = await counts('?assignee=unassigned');
    expect(all.resolved).toBe((before.resolved ?? 0) + 1);
    expect(none.resolved).toBe(unassigned.resolved);
    expect(await counts()).toEqual(all);
  });
});

describe('GET /api/staff/tickets counts under every kind of write', () => {
  it('equal a fresh count of the tickets after triage, other connections and cascading deletes', async () => {
    const tech = fx.staff.tech.staffId;
    const tag = await seedLabel(fx.app, fx.desk, 'counted');
    const exact = async (where = '', params: unknown[] = [], label = false) => {
      const out: Record<string, number> = { new: 0, open: 0, waiting_requester: 0, resolved: 0, closed: 0 };
      // With a label: the tickets carrying it, read from the tickets themselves (not the copies).
      const from = label ? `tickets join ticket_labels l on l.ticket_seq = tickets.seq and l.tag = '${tag}'` : 'tickets';
      for (const r of (await sqlAll(fx.t, `select tickets.status, count(*) as n from ${from} ${where} group by tickets.status`, ...params)) as { status: string; n: number }[])
        out[r.status] = r.n;
      return out;
    };
    const ids: string[] = [];
    const check = async () => {
      expect(await counts()).toEqual(await exact());
      expect(await counts('?assignee=mine')).toEqual(await exact('where assignee_id = ?', [tech]));
      expect(await counts('?assignee=unassigned')).toEqual(await exact('where assignee_id is null'));
      expect(await counts('?priority=high')).toEqual(await exact("where priority = 'high'"));
      expect(await counts('?priority=high&assignee=mine')).toEqual(await exact("where priority = 'high' and assignee_id = ?", [tech]));
      expect(await counts(`?label=${tag}`)).toEqual(await exact('', [], true));
      expect(await counts(`?label=${tag}&assignee=mine`)).toEqual(await exact('where tickets.assignee_id = ?', [tech], true));
      expect(await counts(`?label=${tag}&assignee=unassigned`)).toEqual(await exact('where tickets.assignee_id is null', [], true));
      expect(await counts(`?label=${tag}&priority=high&assignee=mine`)).toEqual(await exact("where tickets.priority = 'high' and tickets.assignee_id = ?", [tech], true));
      // And the label view's page by activity is in the tickets' own order, whatever moved.
      const page = (await fx.app.inject({ method: 'GET', url: `/api/staff/tickets?label=${tag}&limit=100`, headers: { authorization: `Bearer ${fx.staff.tech.token}` } })).json<{
        tickets: { ticketId: string }[];
      }>().tickets;
      const order = (await sqlAll(
        fx.t,
        `select id from tickets join ticket_labels l on l.ticket_seq = tickets.seq and l.tag = ? order by tickets.updated_at desc, tickets.seq desc`,
        tag,
      )) as {
        id: string;
      }[];
      expect(page.map((x) => x.ticketId)).toEqual(order.map((r) => r.id));
    };
    const doomed = await seedRequester(fx.app);
    for (let i = 0; i < 12; i++)
      ids.push(
        (await seedTicket(fx.app, fx.desk, i % 3 ? requester : doomed, { status: i % 2 ? 'open' : 'new', assigneeId: i % 4 ? null : tech, labelTags: i % 3 === 2 ? [] : [tag] }))
          .ticketId,
      );
    await check();
    // Triage through the API: every field that counts, one at a time and all at once
    const patch = (id: string, payload: object) =>
      fx.app.inject({ method: 'PATCH', url: `/api/staff/tickets/${id}`, headers: { authorization: `Bearer ${fx.staff.tech.token}` }, payload });
    expect((await patch(ids[0]!, { status: 'resolved' })).statusCode).toBe(200);
    expect((await patch(ids[1]!, { priority: 'high' })).statusCode).toBe(200);
    expect((await patch(ids[2]!, { assigneeId: tech })).statusCode).toBe(200);
    expect((await patch(ids[3]!, { status: 'closed', priority: 'high', assigneeId: tech })).statusCode).toBe(200);
    expect((await patch(ids[3]!, { assigneeId: null })).statusCode).toBe(200);
    // Labels added to and removed from tickets already triaged
    expect((await patch(ids[2]!, { labels: [tag] })).statusCode).toBe(200);
    expect((await patch(ids[0]!, { labels: [] })).statusCode).toBe(200);
    expect((await patch(ids[0]!, { labels: [tag], status: 'waiting_requester' })).statusCode).toBe(200);
    await check();
    // Another connection (the CLI beside the server), and a deleted requester whose tickets go by cascade
    await sqlRunElsewhere(fx.t, "update tickets set status = 'waiting_requester', priority = 'high' where id = ?", ids[4]);
    await sqlRunElsewhere(fx.t, 'update tickets set updated_at = updated_at + 7200 where id = ?', ids[6]); // a reply moves it
    await sqlRunElsewhere(fx.t, 'update tickets set assignee_id = null where assignee_id = ?', tech); // as a staff deletion's set null does
    await sqlRunElsewhere(fx.t, 'delete from requesters where id = ?', doomed.requesterId);
    expect(await sqlGet(fx.t, 'select count(*) as n from tickets where requester_id = ?', doomed.requesterId)).toEqual({ n: 0 });
    await check();
  });
});
