import { eq } from 'drizzle-orm';
import { badRequest, notFound } from '../errors';
import { tables, transaction, type Db } from './data';
import { appendAuditRow } from '../plugins/app/audit';
import { nowSeconds } from '../plugins/app/tokens';
import { getStaffTicket, type StaffTicket, type TicketPriority, type TicketStatus } from './queue';

export interface TriagePatch {
  status?: TicketStatus;
  priority?: TicketPriority;
  /** null unassigns. */
  assigneeId?: string | null;
  /** Blind tags; replaces the ticket's whole set. */
  labels?: string[];
}

/**
 * Applies staff triage to one ticket and records it in the audit chain, all in one immediate
 * transaction: either the change and its audit row both exist, or neither does.
 */
export function updateTriage(db: Db, actorStaffId: string, ticketId: string, patch: TriagePatch, now = nowSeconds()): Promise<StaffTicket> {
  return transaction(db, async (tx) => {
    const { tickets, ticketLabels } = tables(tx);
    const [current] = await tx.select({ seq: tickets.seq, status: tickets.status, closedAt: tickets.closedAt }).from(tickets).where(eq(tickets.id, ticketId));
    if (!current) throw notFound('no such ticket');
    const seq = current.seq;
    const changes: Partial<typeof tickets.$inferInsert> = {};
    // Last activity is a thread message or a status change (DECISIONS "Staff queue by last
    // activity"). SECURITY: priority, assignee and labels leave updatedAt alone, since the
    // requester sees it in /mine and must not learn of internal triage.
    if (patch.status !== undefined && patch.status !== current.status) changes.updatedAt = now;
    const detail: Record<string, unknown> = {};
    if (patch.status !== undefined) {
      changes.status = patch.status;
      // The retention job deletes closed tickets N days after closedAt. Closing starts the
      // clock, re-closing an already closed ticket keeps it, reopening stops it.
      changes.closedAt = patch.status !== 'closed' ? null : current.status === 'closed' ? current.closedAt : now;
      detail.status = patch.status;
    }
    if (patch.priority !== undefined) {
      changes.priority = patch.priority;
      detail.priority = patch.priority;
    }
    if (patch.assigneeId !== undefined) {
      if (patch.assigneeId !== null && !(await isActiveStaff(tx, patch.assigneeId))) {
        throw badRequest('unknown_assignee', 'assigneeId must be an active staff member');
      }
      changes.assigneeId = patch.assigneeId;
      detail.assigneeId = patch.assigneeId;
    }
    if (Object.keys(changes).length > 0) await tx.update(tickets).set(changes).where(eq(tickets.seq, seq));

    if (patch.labels !== undefined) {
      const tags = [...new Set(patch.labels)].sort();
      await requireKnownTags(tx, tags);
      await tx.delete(ticketLabels).where(eq(ticketLabels.ticketSeq, seq));
      if (tags.length > 0) await tx.insert(ticketLabels).values(tags.map((tag) => ({ ticketSeq: seq, tag })));
      // SECURITY: tags only. The server never has label names, and the audit must not pretend to.
      detail.labels = tags;
    }
    await appendAuditRow(tx, actorStaffId, 'ticket.triage', ticketId, { fields: Object.keys(detail).sort(), ...detail });
    return getStaffTicket(tx, ticketId);
  });
}

/**
 * SPEC §5: a rotation recomputes every tag through the dictionary, so a tag that is not in the
 * dictionary could never be carried over. Refuse it up front.
 */
async function requireKnownTags(db: Db, tags: string[]): Promise<void> {
  const { labels } = tables(db);
  for (const tag of tags) {
    if ((await db.select({ tag: labels.tag }).from(labels).where(eq(labels.tag, tag))).length === 0) {
      throw badRequest('unknown_label', 'every label tag must be in the label dictionary (POST /api/staff/labels first)');
    }
  }
}

/** Only an active account may be made an assignee: a disabled one could never act on it. */
async function isActiveStaff(db: Db, staffId: string): Promise<boolean> {
  const { staff } = tables(db);
  const [row] = await db.select({ status: staff.status }).from(staff).where(eq(staff.id, staffId));
  return row?.status === 'active';
}
