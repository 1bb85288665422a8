// The queue's ticket summaries are read in one statement per page (services/queue.ts). This
// suite checks every field of every summary against the stored rows, read here by hand-written
// SQL and assembled independently: first message, requester key, the newest team and note wraps
// (across a rotation), tags in byte order, whose turn it is — and that the single-ticket route
// says the same.
import { beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../../protocol/index';
import { sqlAll, sqlRun } from '../../helpers/app';
import { bearer, seedLabel, seedRequester, seedTeamKey, seedTicket, withDesk } from '../../helpers/desk';

const fx = withDesk({ via: 'db', technicians: ['tech'] });

type Row = Record<string, unknown>;
const num = (v: unknown) => (v === null ? null : Number(v));

beforeAll(async () => {
  const tags = [await seedLabel(fx.app, fx.desk, 'one'), await seedLabel(fx.app, fx.desk, 'two'), await seedLabel(fx.app, fx.desk, 'three')];
  const requesters = [await seedRequester(fx.app), await seedRequester(fx.app)];
  const ids: string[] = [];
  for (let i = 0; i < 12; i++) {
    const seeded = await seedTicket(fx.app, fx.desk, requesters[i % 2]!, {
      status: (['new', 'open', 'waiting_requester', 'resolved', 'closed'] as const)[i % 5],
      priority: i % 3 ? 'normal' : 'urgent',
      assigneeId: i % 2 ? fx.staff.tech.staffId : null,
      labelTags: tags.slice(0, i % 4),
      withNotes: i % 3 === 0,
      createdAt: 1_790_000_000 + i * 7_200,
    });
    ids.push(seeded.ticketId);
  }
  // A staff reply on some, then a requester follow-up on fewer; a note on one (not a turn).
  const message = (ticketId: string, seq: number, kind: 'message' | 'note', author: 'requester' | 'staff') =>
    sqlRun(
      fx.t,
      'insert into messages (id, ticket_id, seq, kind, author_type, author_staff_id, nonce, ct, sig, created_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      newId(),
      ticketId,
      seq,
      kind,
      author,
      author === 'staff' ? fx.staff.tech.staffId : null,
      'bm9uY2U',
      'Y3Q',
      'c2ln',
      1_790_100_000 + seq,
    );
  for (const [i, ticketId] of ids.entries()) {
    if (i % 2 === 0) await message(ticketId, 2, 'message', 'staff');
    if (i % 4 === 0) await message(ticketId, 3, 'message', 'requester');
    if (i === 6) await message(ticketId, 3, 'note', 'staff');
  }
  // A rotation under way: a newer team key, and some tickets (and one's N) wrapped to it too.
  const v2 = await seedTeamKey(fx.app, fx.desk);
  for (const ticketId of ids.slice(0, 3))
    await sqlRun(fx.t, "insert into wraps (ticket_id, key_kind, recipient, team_key_version, sealed) values (?, 'ticket', 'team', ?, ?)", ticketId, v2, `k2-${ticketId}`);
  await sqlRun(fx.t, "insert into wraps (ticket_id, key_kind, recipient, team_key_version, sealed) values (?, 'note', 'team', ?, ?)", ids[0], v2, `n2-${ids[0]}`);
  // Distinct activity times, so the expected order is unambiguous.
  for (const [i, ticketId] of ids.entries()) await sqlRun(fx.t, 'update tickets set updated_at = ? where id = ?', 1_790_200_000 + ((i * 5) % 12) * 60, ticketId);
});

/** What the queue must say for each ticket, assembled from the stored rows. */
async function expectedSummaries(): Promise<Row[]> {
  const tickets = await sqlAll(fx.t, 'select seq, id, requester_id, status, priority, assignee_id, created_at, updated_at, closed_at from tickets');
  const messages = await sqlAll(fx.t, 'select id, ticket_id, seq, kind, author_type, author_staff_id, nonce, ct, sig, created_at from messages');
  const wraps = await sqlAll(fx.t, "select ticket_id, key_kind, team_key_version, sealed from wraps where recipient = 'team'");
  const labels = await sqlAll(fx.t, 'select ticket_seq, tag from ticket_labels');
  const requesters = await sqlAll(fx.t, 'select id, sign_pk from requesters');
  const newest = (ticketId: unknown, kind: string) => {
    const mine = wraps.filter((w) => w.ticket_id === ticketId && w.key_kind === kind).sort((a, b) => Number(b.team_key_version) - Number(a.team_key_version));
    return mine[0] ? { teamKeyVersion: Number(mine[0].team_key_version), sealed: mine[0].sealed } : null;
  };
  return tickets
    .sort((a, b) => Number(b.updated_at) - Number(a.updated_at) || Number(b.seq) - Number(a.seq))
    .map((t) => {
      const thread = messages.filter((m) => m.ticket_id === t.id);
      const first = thread.find((m) => Number(m.seq) === 1)!;
      const last = (author: string) => Math.max(0, ...thread.filter((m) => m.kind === 'message' && m.author_type === author).map((m) => Number(m.seq)));
      const awaitingStaff = last('requester') > last('staff');
      return {
        ticketId: t.id,
        status: t.status,
        priority: t.priority,
        assigneeId: t.assignee_id,
        // Byte order (JavaScript compares UTF-16 code units; tags are ASCII).
        labels: labels
          .filter((l) => Number(l.ticket_seq) === Number(t.seq))
          .map((l) => String(l.tag))
          .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)),
        createdAt: num(t.created_at),
        updatedAt: num(t.updated_at),
        closedAt: num(t.closed_at),
        firstMessage: {
          messageId: first.id,
          seq: 1,
          kind: first.kind,
          author: first.author_type === 'staff' ? { type: 'staff', staffId: first.author_staff_id } : { type: 'requester' },
          envelope: { v: 1, nonce: first.nonce, ct: first.ct, sig: first.sig },
          createdAt: num(first.created_at),
        },
        teamWrap: newest(t.id, 'ticket'),
        noteWrap: newest(t.id, 'note'),
        requesterSignPk: requesters.find((r) => r.id === t.requester_id)!.sign_pk,
        awaitingStaff,
        requesterReplied: awaitingStaff && last('staff') > 0,
      };
    });
}

describe('queue summaries', () => {
  it('say exactly what the stored rows say, in activity order', async () => {
    const expected = await expectedSummaries();
    const res = await fx.app.inject({ method: 'GET', url: '/api/staff/tickets?limit=100', headers: bearer(fx.staff.tech.token) });
    expect(res.statusCode).toBe(200);
    const page = res.json<{ tickets: Row[]; nextCursor: string | null }>();
    expect(page.nextCursor).toBeNull();
    expect(page.tickets).toEqual(expected);
    // The seeds cover every case the summaries distinguish.
    expect(new Set(expected.map((t) => (t.teamWrap as { teamKeyVersion: number }).teamKeyVersion)).size).toBe(2);
    expect(new Set(expected.map((t) => (t.noteWrap as { teamKeyVersion: number } | null)?.teamKeyVersion ?? null)).size).toBe(3);
    expect(expected.some((t) => (t.labels as string[]).length === 3)).toBe(true);
    expect(new Set(expected.map((t) => `${String(t.awaitingStaff)}/${String(t.requesterReplied)}`))).toEqual(new Set(['true/false', 'false/false', 'true/true']));
  });

  it('are the same on the single-ticket route and on small pages', async () => {
    const expected = await expectedSummaries();
    const seen: Row[] = [];
    for (let cursor: string | null = '', pages = 0; cursor !== null && pages < 10; pages++) {
      const url = `/api/staff/tickets?limit=5${cursor ? `&cursor=${cursor}` : ''}`;
      const page: { tickets: Row[]; nextCursor: string | null } = (await fx.app.inject({ method: 'GET', url, headers: bearer(fx.staff.tech.token) })).json();
      seen.push(...page.tickets);
      cursor = page.nextCursor;
    }
    expect(seen).toEqual(expected);
    for (const ticket of expected) {
      const res = await fx.app.inject({ method: 'GET', url: `/api/staff/tickets/${String(ticket.ticketId)}`, headers: bearer(fx.staff.tech.token) });
      expect(res.json()).toEqual(ticket);
    }
  });
});
