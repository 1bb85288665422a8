// Per-requester anti-spam quotas (SPEC §2.3). IP limits are useless over Tor, so the durable
// limits hang off the requester identity, which costs a proof of work to create.
import { and, count, eq, gte, inArray, sql } from 'drizzle-orm';
import { tooMany } from '../errors';
import { tables, type Db } from './data';
import { first, prepareAs, preparedPer } from './prepared';

/** Statuses that count against the open-ticket quota: everything staff have not finished. */
export const OPEN_STATUSES = ['new', 'open', 'waiting_requester'] as const;

export const HOUR_SECONDS = 60 * 60;

/** SPEC §5: requester-side times are stored rounded down to the hour. */
export function hourFloor(now: number): number {
  return now - (now % HOUR_SECONDS);
}

const openTicketCount = preparedPer((db) => {
  const { tickets } = tables(db);
  return prepareAs(
    db,
    'open_ticket_count',
    db
      .select({ n: count() })
      .from(tickets)
      .where(and(eq(tickets.requesterId, sql.placeholder('requesterId')), inArray(tickets.status, [...OPEN_STATUSES]))),
  );
});

export async function assertOpenTicketQuota(tx: Db, requesterId: string, max: number): Promise<void> {
  const row = await first(openTicketCount(tx).execute({ requesterId }));
  if ((row?.n ?? 0) >= max) {
    throw tooMany(`you already have ${max} open requests; wait for a reply before opening another`, 'quota_exceeded');
  }
}

/**
 * Requester messages (first messages included) in the current hour. Requester message times are
 * hour-rounded, so "this hour" is exactly the rows stamped with the current hour: a fixed window.
 */
export async function assertMessageQuota(tx: Db, requesterId: string, max: number, now: number): Promise<void> {
  const { messages, tickets } = tables(tx);
  const [row] = await tx
    .select({ n: count() })
    .from(messages)
    .innerJoin(tickets, eq(tickets.id, messages.ticketId))
    .where(and(eq(tickets.requesterId, requesterId), eq(messages.authorType, 'requester'), gte(messages.createdAt, hourFloor(now))));
  if ((row?.n ?? 0) >= max) throw tooMany(`at most ${max} messages per hour; try again later`, 'quota_exceeded');
}
