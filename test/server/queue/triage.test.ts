import { eq } from 'drizzle-orm';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { testTables } from '../../helpers/app';
import { disableStaff, labelTagOf, seedLabel, seedRequester, seedStaff, seedTicket, withDesk, type SeededRequester } from '../../helpers/desk';

const { audit, tickets } = testTables;

const fx = withDesk({ via: 'db', technicians: ['tech', 'other'] });
let requester: SeededRequester;
let ticketId: string;

beforeAll(async () => {
  requester = await seedRequester(fx.app);
});
beforeEach(async () => {
  ticketId = (await seedTicket(fx.app, fx.desk, requester)).ticketId;
});

const patch = (id: string, body: unknown, token = fx.staff.tech.token) =>
  fx.app.inject({ method: 'PATCH', url: `/api/staff/tickets/${id}`, headers: { authorization: `Bearer ${token}` }, payload: body as object });
const row = async (id: string) => (await fx.t.db.select().from(tickets).where(eq(tickets.id, id)))[0]!;
const auditFor = async (id: string) => await fx.t.db.select().from(audit).where(eq(audit.target, id));

describe('PATCH /api/staff/tickets/:id', () => {
  it('lets a technician claim a ticket, records who did it, and returns the new state', async () => {
    // When the technician assigns the ticket to themself
    const res = await patch(ticketId, { assigneeId: fx.staff.tech.staffId });
    // Then the ticket is theirs and the change is in the audit chain
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ ticketId, assigneeId: fx.staff.tech.staffId, status: 'new' });
    expect((await row(ticketId)).assigneeId).toBe(fx.staff.tech.staffId);
    const [entry] = await auditFor(ticketId);
    expect(entry).toMatchObject({ actorStaffId: fx.staff.tech.staffId, action: 'ticket.triage' });
    expect(JSON.parse(entry!.detail)).toEqual({ fields: ['assigneeId'], assigneeId: fx.staff.tech.staffId });
    expect((await fx.app.verifyAuditChain()).ok).toBe(true);
  });

  it('lets any admitted technician reassign or unassign a ticket claimed by someone else', async () => {
    await patch(ticketId, { assigneeId: fx.staff.other.staffId }, fx.staff.other.token);
    expect((await patch(ticketId, { assigneeId: fx.staff.tech.staffId })).json().assigneeId).toBe(fx.staff.tech.staffId);
    expect((await patch(ticketId, { assigneeId: null }, fx.staff.other.token)).json().assigneeId).toBeNull();
    expect((await auditFor(ticketId)).map((a) => JSON.parse(a.detail).assigneeId)).toEqual([fx.staff.other.staffId, fx.staff.tech.staffId, null]);
  });

  it('updates status and priority together and audits both with their new values', async () => {
    const res = await patch(ticketId, { status: 'open', priority: 'urgent' });
    expect(res.json()).toMatchObject({ status: 'open', priority: 'urgent' });
    expect(JSON.parse((await auditFor(ticketId))[0]!.detail)).toEqual({ fields: ['priority', 'status'], status: 'open', priority: 'urgent' });
    expect((await row(ticketId)).updatedAt).toBeGreaterThanOrEqual(Math.floor(Date.now() / 1000) - 5);
  });

  it('sets closedAt when closing, keeps it when closing again, and clears it on reopening', async () => {
    await patch(ticketId, { status: 'closed' });
    const closedAt = (await row(ticketId)).closedAt;
    expect(closedAt).toEqual(expect.any(Number));
    // Given the ticket was closed a while ago
    await fx.t.db
      .update(tickets)
      .set({ closedAt: closedAt! - 1000 })
      .where(eq(tickets.id, ticketId));
    // When it is closed again, the retention clock does not restart
    await patch(ticketId, { status: 'closed' });
    expect((await row(ticketId)).closedAt).toBe(closedAt! - 1000);
    // When it is reopened, it leaves the retention job's reach
    await patch(ticketId, { status: 'open' });
    expect((await row(ticketId)).closedAt).toBeNull();
  });

  it('replaces the label set with the given dictionary tags and audits tags only', async () => {
    const a = await seedLabel(fx.app, fx.desk, `Doxxing ${ticketId}`);
    const b = await seedLabel(fx.app, fx.desk, `Spyware ${ticketId}`);
    expect((await patch(ticketId, { labels: [a, b, a] })).json().labels).toEqual([a, b].sort());
    expect((await patch(ticketId, { labels: [b] })).json().labels).toEqual([b]);
    expect((await patch(ticketId, { labels: [] })).json().labels).toEqual([]);
    const details = (await auditFor(ticketId)).map((x) => x.detail);
    expect(JSON.parse(details[0]!)).toEqual({ fields: ['labels'], labels: [a, b].sort() });
    for (const d of details) expect(d.toLowerCase()).not.toMatch(/doxxing|spyware/);
  });

  it('refuses a tag that is not in the dictionary, and applies nothing of that request', async () => {
    const res = await patch(ticketId, { status: 'resolved', labels: [labelTagOf(fx.desk, 'never added')] });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('unknown_label');
    expect((await row(ticketId)).status).toBe('new');
    expect(await auditFor(ticketId)).toEqual([]);
  });

  it('refuses to assign a disabled or unknown staff member', async () => {
    const gone = await seedStaff(fx.app, fx.desk, `gone-${ticketId.slice(0, 4)}`.toLowerCase());
    await disableStaff(fx.app, gone.staffId);
    for (const assigneeId of [gone.staffId, 'A'.repeat(22)]) {
      const res = await patch(ticketId, { assigneeId });
      expect(res.statusCode).toBe(400);
      expect(res.json().error.code).toBe('unknown_assignee');
    }
    expect((await row(ticketId)).assigneeId).toBeNull();
  });

  it.each([
    [{}],
    [{ status: 'frozen' }],
    [{ priority: 'whenever' }],
    [{ assigneeId: 'me' }],
    [{ labels: 'phishing' }],
    [{ labels: ['phishing'] }],
    [{ labels: Array.from({ length: 33 }, (_, i) => Buffer.alloc(32, i).toString('base64url')) }],
    [{ status: 'open', owner: 'x' }],
  ])('refuses the body %j with 400 validation_failed', async (body) => {
    const res = await patch(ticketId, body);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('validation_failed');
  });

  it('is 404 for a ticket that does not exist', async () => {
    const res = await patch('A'.repeat(22), { status: 'open' });
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('not_found');
  });
});

describe('who may use the queue', () => {
  it('refuses an activated member who has not been admitted (403 not_admitted)', async () => {
    const newcomer = await seedStaff(fx.app, fx.desk, 'newcomer', { admit: false });
    for (const req of [
      { method: 'GET' as const, url: '/api/staff/tickets' },
      { method: 'GET' as const, url: `/api/staff/tickets/${ticketId}` },
      { method: 'PATCH' as const, url: `/api/staff/tickets/${ticketId}`, payload: { status: 'open' } },
      { method: 'GET' as const, url: '/api/staff/labels' },
    ]) {
      const res = await fx.app.inject({ ...req, headers: { authorization: `Bearer ${newcomer.token}` } });
      expect(res.statusCode).toBe(403);
    }
    expect((await row(ticketId)).status).toBe('new');
  });

  it('refuses a disabled member at once, even with a live session (401)', async () => {
    const leaver = await seedStaff(fx.app, fx.desk, 'leaver');
    expect((await patch(ticketId, { priority: 'high' }, leaver.token)).statusCode).toBe(200);
    await disableStaff(fx.app, leaver.staffId);
    const res = await patch(ticketId, { priority: 'low' }, leaver.token);
    expect(res.statusCode).toBe(401);
    expect((await row(ticketId)).priority).toBe('high');
  });

  it('refuses a requester token with 401 on every queue and label route the app serves', async () => {
    // Given the route list from the app's own OpenAPI document
    const doc = fx.app.swagger() as { paths: Record<string, Record<string, unknown>> };
    const routes = Object.entries(doc.paths)
      .filter(([path]) => /^\/api\/staff\/(tickets|labels)/.test(path))
      .flatMap(([path, ops]) => Object.keys(ops).map((method) => ({ method: method.toUpperCase(), path })));
    expect(routes.length).toBeGreaterThanOrEqual(5);
    const { token } = await fx.app.issueSession('requester', requester.requesterId);
    for (const r of routes) {
      const url = r.path.replace('{id}', ticketId);
      const payload = r.method === 'GET' ? undefined : {};
      // When a requester calls it
      const res = await fx.app.inject({ method: r.method as 'GET', url, headers: { authorization: `Bearer ${token}` }, payload });
      // Then it is 401, before any validation or lookup
      expect([r.method, r.path, res.statusCode]).toEqual([r.method, r.path, 401]);
      expect(res.json().error.code).toBe('unauthorized');
    }
  });
});
