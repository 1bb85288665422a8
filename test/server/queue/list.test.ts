import { beforeAll, describe, expect, it } from 'vitest';
import { openMessage, openTeamWrap, asSignPublicKey, isFirstMessage } from '../../../protocol';
import { seedLabel, seedRequester, seedTicket, withDesk } from '../../helpers/desk';

interface QueueTicket {
  ticketId: string;
  status: string;
  priority: string;
  assigneeId: string | null;
  labels: string[];
  firstMessage: { messageId: string; envelope: unknown };
  teamWrap: { teamKeyVersion: number; sealed: string };
  requesterSignPk: string;
}
interface Page {
  tickets: QueueTicket[];
  nextCursor: string | null;
  counts: Record<string, number>;
}

const fx = withDesk({ via: 'db', technicians: ['alice', 'bob'] });
let harassmentTag: string;
let phishingTag: string;
/** Expected attributes of every seeded ticket, in creation (= seq) order. */
const seeded: { ticketId: string; status: string; priority: string; assigneeId: string | null; labels: string[]; subject: string }[] = [];

const STATUSES = ['new', 'open', 'waiting_requester', 'resolved', 'closed'] as const;
const PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;

beforeAll(async () => {
  harassmentTag = await seedLabel(fx.app, fx.desk, 'Harassment');
  phishingTag = await seedLabel(fx.app, fx.desk, 'Phishing');
  const requester = await seedRequester(fx.app);
  // 60 tickets with a deterministic spread of every triage attribute.
  for (let i = 0; i < 60; i++) {
    const status = STATUSES[i % 5]!;
    const priority = PRIORITIES[i % 4]!;
    const assigneeId = i % 3 === 0 ? fx.staff.alice.staffId : i % 3 === 1 ? fx.staff.bob.staffId : null;
    const labels = [...(i % 2 === 0 ? [phishingTag] : []), ...(i % 7 === 0 ? [harassmentTag] : [])];
    const ticket = await seedTicket(fx.app, fx.desk, requester, { status, priority, assigneeId, labelTags: labels, subject: `ticket ${i}` });
    seeded.push({ ticketId: ticket.ticketId, status, priority, assigneeId, labels: labels.sort(), subject: `ticket ${i}` });
  }
});

async function get(url: string, token = fx.staff.alice.token) {
  return fx.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });
}

/** Follows nextCursor until the end; returns every ticket id in order. */
async function pageAll(query: string, limit: number, token = fx.staff.alice.token): Promise<{ ids: string[]; pages: Page[] }> {
  const ids: string[] = [];
  const pages: Page[] = [];
  let cursor: string | null = null;
  do {
    const res = await get(`/api/staff/tickets?${query}${query ? '&' : ''}limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`, token);
    expect(res.statusCode).toBe(200);
    const page = res.json<Page>();
    pages.push(page);
    ids.push(...page.tickets.map((x) => x.ticketId));
    cursor = page.nextCursor;
  } while (cursor !== null);
  return { ids, pages };
}

const newestFirst = (rows: typeof seeded) => [...rows].reverse().map((r) => r.ticketId);

describe('GET /api/staff/tickets', () => {
  it('returns the first 50 newest first with a cursor, and the default page size is 50', async () => {
    const res = await get('/api/staff/tickets');
    expect(res.statusCode).toBe(200);
    const page = res.json<Page>();
    expect(page.tickets.map((x) => x.ticketId)).toEqual(newestFirst(seeded).slice(0, 50));
    expect(page.nextCursor).toEqual(expect.any(String));
    expect(page.counts).toEqual({ new: 12, open: 12, waiting_requester: 12, resolved: 12, closed: 12 });
  });

  it('pages through everything exactly once for several page sizes', async () => {
    for (const limit of [1, 7, 50, 100]) {
      const { ids } = await pageAll('', limit);
      expect(ids).toEqual(newestFirst(seeded));
    }
  });

  it('returns the triage fields and real wraps that open to the signed first message', async () => {
    const page = (await get('/api/staff/tickets?limit=1')).json<Page>();
    const ticket = page.tickets[0]!;
    const expected = seeded[seeded.length - 1]!;
    expect(ticket).toMatchObject({ status: expected.status, priority: expected.priority, assigneeId: expected.assigneeId, labels: expected.labels });
    const key = openTeamWrap(ticket.teamWrap, fx.desk.teamKey, 'ticket');
    const payload = openMessage({
      kind: 'message',
      ticketId: ticket.ticketId,
      messageId: ticket.firstMessage.messageId,
      key,
      envelope: ticket.firstMessage.envelope,
      authorSignPk: asSignPublicKey(ticket.requesterSignPk),
    });
    expect(isFirstMessage(payload) && payload.subject).toBe(expected.subject);
  });

  interface Filter {
    status?: string;
    priority?: string;
    assignee?: 'mine' | 'unassigned' | 'bob';
    label?: 'phishing' | 'harassment';
  }
  const cases: Filter[] = [
    { status: 'open' },
    { priority: 'urgent' },
    { assignee: 'mine' },
    { assignee: 'unassigned' },
    { assignee: 'bob' },
    { label: 'phishing' },
    { label: 'harassment' },
    { status: 'new', label: 'phishing' },
    { status: 'closed', assignee: 'mine' },
    { priority: 'low', assignee: 'unassigned', label: 'harassment' },
    { status: 'resolved', priority: 'high', assignee: 'bob', label: 'phishing' },
  ];

  function toQuery(f: Filter): string {
    const q = new URLSearchParams();
    if (f.status) q.set('status', f.status);
    if (f.priority) q.set('priority', f.priority);
    if (f.assignee) q.set('assignee', f.assignee === 'bob' ? fx.staff.bob.staffId : f.assignee);
    if (f.label) q.set('label', f.label === 'phishing' ? phishingTag : harassmentTag);
    return q.toString();
  }
  function matches(f: Filter, r: (typeof seeded)[number]): boolean {
    const assignee = f.assignee === 'mine' ? fx.staff.alice.staffId : f.assignee === 'bob' ? fx.staff.bob.staffId : f.assignee === 'unassigned' ? null : undefined;
    return (
      (f.status === undefined || r.status === f.status) &&
      (f.priority === undefined || r.priority === f.priority) &&
      (assignee === undefined || r.assigneeId === assignee) &&
      (f.label === undefined || r.labels.includes(f.label === 'phishing' ? phishingTag : harassmentTag))
    );
  }

  it.each(cases)('filters by %o across pages, with counts that apply every filter but status', async (f) => {
    // When paging the filtered queue with a small page size
    const { ids, pages } = await pageAll(toQuery(f), 4);
    // Then exactly the matching tickets come back, newest first, each once
    const expected = newestFirst(seeded.filter((r) => matches(f, r)));
    expect(expected.length).toBeGreaterThan(0);
    expect(ids).toEqual(expected);
    // And the counts are per status for the same filters without the status one
    const base = seeded.filter((r) => matches({ ...f, status: undefined }, r));
    const expectedCounts = Object.fromEntries(STATUSES.map((s) => [s, base.filter((r) => r.status === s).length]));
    for (const page of pages) expect(page.counts).toEqual(expectedCounts);
  });

  it('accepts an explicit staff id as assignee and finds nothing for a stranger', async () => {
    const page = (await get(`/api/staff/tickets?assignee=${'A'.repeat(22)}`)).json<Page>();
    expect(page.tickets).toEqual([]);
    expect(page.nextCursor).toBeNull();
    expect(Object.values(page.counts).every((n) => n === 0)).toBe(true);
  });

  it.each([
    ['limit=0'],
    ['limit=101'],
    ['limit=abc'],
    ['status=frozen'],
    ['priority=meh'],
    ['assignee=someone'],
    ['label=not-a-tag'],
    ['cursor=garbage!'],
    [`cursor=${Buffer.from('q1:0').toString('base64url')}`],
    [`cursor=${Buffer.from('12').toString('base64url')}`],
    ['status=new&status=open'],
    ['unknown=1'],
  ])('refuses the bad query %s with 400 validation_failed', async (query) => {
    const res = await get(`/api/staff/tickets?${query}`);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('validation_failed');
  });
});

describe('GET /api/staff/tickets/:id', () => {
  it('returns one ticket in the queue shape', async () => {
    const target = seeded[10]!;
    const res = await get(`/api/staff/tickets/${target.ticketId}`);
    expect(res.statusCode).toBe(200);
    const fromList = (await pageAll('', 100)).pages[0]!.tickets.find((x) => x.ticketId === target.ticketId);
    expect(res.json()).toEqual(fromList);
  });

  it('is 404 for an unknown ticket and 400 for a malformed id', async () => {
    expect((await get(`/api/staff/tickets/${'A'.repeat(22)}`)).statusCode).toBe(404);
    const bad = await get('/api/staff/tickets/nope');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('validation_failed');
  });
});
