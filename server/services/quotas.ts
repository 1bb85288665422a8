// Per-requester anti-spam quotas (SPEC §2.3). IP limits are useless over Tor, so the durable
// limits hang off the requester identity, which costs a proof of work to create.
import { and, count, eq, gte, inArray, sql } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { messages, tickets } from '../../db/schema';
import { tooMany } from '../errors';
import { preparedPer } from './prepared';

type Reader = Pick<Db, 'select'>;

/** Statuses that count against the open-ticket quota: everything staff have not finished. */
export const OPEN_STATUSES = ['new', 'open', 'waiting_requester'] as const;

export const HOUR_SECONDS = 60 * 60;

/** SPEC §5: requester-side times are stored rounded down to the hour. */
export function hourFloor(now: number): number {
  return now - (now % HOUR_SECONDS);
}

const openTicketCount = preparedPer((db: Reader) =>
  db
    .select({ n: count() })
    .from(tickets)
    .where(and(eq(tickets.requesterId, sql.placeholder('requesterId')), inArray(tickets.status, [...OPEN_STATUSES])))
    .prepare(),
);

export function assertOpenTicketQuota(tx: Reader, requesterId: string, max: number): void {
  const row = openTicketCount(tx).get({ requesterId });
  if ((row?.n ?? 0) >= max) {
    throw tooMany(`you already have ${max} open requests; wait for a reply before opening another`, 'quota_exceeded');
  }
}

/**
 * Requester messages (first messages included) in the current hour. Requester message times are
 * hour-rounded, so "this hour" is exactly the rows stamped with the current hour: a fixed window.
 */
export function assertMessageQuota(tx: Reader, requesterId: string, max: number, now: number): void {
  const row = tx
    .select({ n: count() })
    .from(messages)
    .innerJoin(tickets, eq(tickets.id, messages.ticketId))
    .where(and(eq(tickets.requesterId, requesterId), eq(messages.authorType, 'requester'), gte(messages.createdAt, hourFloor(now))))
    .get();
  if ((row?.n ?? 0) >= max) throw tooMany(`at most ${max} messages per hour; try again later`, 'quota_exceeded');
}
