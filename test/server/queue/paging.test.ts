import { beforeAll, describe, expect, it } from 'vitest';
import { seedRequester, seedTicket, withDesk, type SeededRequester } from '../../helpers/desk';

const fx = withDesk({ via: 'db', technicians: ['tech'] });
let requester: SeededRequester;

beforeAll(async () => {
  requester = await seedRequester(fx.app);
});

const page = async (query: string) => {
  const res = await fx.app.inject({ method: 'GET', url: `/api/staff/tickets?${query}`, headers: { authorization: `Bearer ${fx.staff.tech.token}` } });
  expect(res.statusCode).toBe(200);
  return res.json<{ tickets: { ticketId: string }[]; nextCursor: string | null }>();
};

describe('GET /api/staff/tickets paging', () => {
  it.each([
    ['', 'new'],
    ['status=open&', 'open'],
  ] as const)('neither skips nor repeats a ticket while new ones arrive between pages (%s)', async (filter, status) => {
    // Given 23 tickets in the filtered view
    const original: string[] = [];
    for (let i = 0; i < 23; i++) original.unshift((await seedTicket(fx.app, fx.desk, requester, { status, subject: `orig ${i}` })).ticketId);
    const seen: string[] = [];
    let cursor: string | null = null;
    let first = true;
    // When paging 5 at a time while 3 new tickets are filed before every next page
    do {
      const p = await page(`${filter}limit=5${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...p.tickets.map((x) => x.ticketId));
      cursor = p.nextCursor;
      if (first) expect(p.tickets.map((x) => x.ticketId)).toEqual(original.slice(0, 5));
      first = false;
      for (let k = 0; k < 3; k++) await seedTicket(fx.app, fx.desk, requester, { status });
    } while (cursor !== null);
    // Then every original ticket that was in the view came exactly once, in order, and none of the new ones
    const fromOriginal = seen.filter((id) => original.includes(id));
    expect(fromOriginal).toEqual(original.filter((id) => seen.includes(id)));
    expect(new Set(seen).size).toBe(seen.length);
    expect(original.every((id) => seen.includes(id))).toBe(true);
    expect(seen.filter((id) => !original.includes(id))).toEqual(
      // (only tickets older than the original set may follow, from earlier cases of this suite)
      seen.slice(original.length),
    );
    expect(seen.slice(0, original.length)).toEqual(original);
  });
});
