import { beforeAll, describe, expect, it } from 'vitest';
import { seedRequester, seedTicket, withDesk, type SeededRequester } from '../../helpers/desk';

// Counts are cached between writes (server/services/queue-counts.ts); these tests pin that no
// write path can leave them stale.
const fx = withDesk({ via: 'db', technicians: ['tech'] });
let requester: SeededRequester;
beforeAll(() => {
  requester = seedRequester(fx.app);
});

const counts = async (query = '') =>
  (await fx.app.inject({ method: 'GET', url: `/api/staff/tickets${query}`, headers: { authorization: `Bearer ${fx.staff.tech.token}` } })).json<{
    counts: Record<string, number>;
  }>().counts;

describe('GET /api/staff/tickets counts', () => {
  it('follow a PATCH, a new ticket and a write from another connection at once', async () => {
    const { ticketId } = seedTicket(fx.app, fx.desk, requester);
    expect((await counts()).new).toBe(1);
    expect((await counts()).new).toBe(1); // served from the cache
    // When a technician opens it through the API
    await fx.app.inject({ method: 'PATCH', url: `/api/staff/tickets/${ticketId}`, headers: { authorization: `Bearer ${fx.staff.tech.token}` }, payload: { status: 'open' } });
    expect(await counts()).toMatchObject({ new: 0, open: 1 });
    // When a ticket arrives through this connection
    seedTicket(fx.app, fx.desk, requester);
    expect(await counts()).toMatchObject({ new: 1, open: 1 });
    // When another process (a CLI beside the server) writes through its own connection
    const { default: Database } = await import('better-sqlite3');
    const other = new Database(`${fx.t.dataDir}/sealdesk.db`);
    other.prepare("update tickets set status = 'closed', closed_at = 1 where id = ?").run(ticketId);
    other.close();
    expect(await counts()).toMatchObject({ new: 1, open: 0, closed: 1 });
  });

  it('are kept per filter', async () => {
    seedTicket(fx.app, fx.desk, requester, { assigneeId: fx.staff.tech.staffId, status: 'waiting_requester' });
    expect((await counts('?assignee=mine')).waiting_requester).toBe(1);
    expect((await counts('?assignee=unassigned')).waiting_requester).toBe(0);
  });
});

describe('GET /api/staff/tickets counts cache keys', () => {
  it('never serves the unfiltered counts for assignee=unassigned (or the reverse)', async () => {
    const before = await counts();
    const unassigned = await counts('?assignee=unassigned');
    seedTicket(fx.app, fx.desk, requester, { assigneeId: fx.staff.tech.staffId, status: 'resolved' });
    // Warm both keys on the same stamp, in both orders
    const all = await counts();
    const none = await counts('?assignee=unassigned');
    expect(all.resolved).toBe((before.resolved ?? 0) + 1);
    expect(none.resolved).toBe(unassigned.resolved);
    expect(await counts()).toEqual(all);
  });
});
