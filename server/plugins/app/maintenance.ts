import { and, count, eq, inArray, isNotNull, isNull, lt, or } from 'drizzle-orm';
import fp from 'fastify-plugin';
import { INCOMPLETE_UPLOAD_TTL_SECONDS } from '../../services/attachments';
import { tables, transaction, type Db } from '../../services/data';
import { nowSeconds } from './tokens';

export const MAINTENANCE_INTERVAL_MS = 60 * 60 * 1000;
/** Keep revoked/expired session rows a day so "session is not valid" stays explainable in support. */
const SESSION_GRACE_SECONDS = 24 * 60 * 60;

/** What one run deleted (or, in a dry run, would delete). */
export interface MaintenanceResult {
  closedTicketsDeleted: number;
  /** Rows that went with those tickets (ON DELETE CASCADE), counted before the delete. */
  messagesDeleted: number;
  wrapsDeleted: number;
  attachmentsDeleted: number;
  attachmentChunksDeleted: number;
  ticketLabelsDeleted: number;
  sessionsDeleted: number;
  powSpentDeleted: number;
  /** Uploads never completed within INCOMPLETE_UPLOAD_TTL_SECONDS (their chunks go with them). */
  incompleteUploadsDeleted: number;
}

export interface MaintenanceOptions {
  /** Count only; delete nothing. */
  dryRun?: boolean;
}

/**
 * Retention and housekeeping, in one transaction: closed tickets older than the retention
 * period (messages, wraps, labels and attachments follow by ON DELETE CASCADE; secure_delete
 * overwrites their pages), long-dead sessions, and expired proof-of-work ids. The dependent rows
 * are counted inside the same transaction, just before the delete, so the counts are exact.
 */
export function runMaintenance(db: Db, retentionDays: number, now = nowSeconds(), options: MaintenanceOptions = {}): Promise<MaintenanceResult> {
  const { attachmentChunks, attachments, messages, powSpent, sessions, ticketLabels, tickets, wraps } = tables(db);
  const expiredTickets = and(eq(tickets.status, 'closed'), isNotNull(tickets.closedAt), lt(tickets.closedAt, now - retentionDays * 86_400));
  const deadSessions = or(lt(sessions.expiresAt, now - SESSION_GRACE_SECONDS), lt(sessions.revokedAt, now - SESSION_GRACE_SECONDS));
  // SECURITY: only ids whose challenge has expired may go; a live one must stay spent.
  const expiredPow = lt(powSpent.expiresAt, now);
  // An upload abandoned mid-way (a circuit that never came back) frees its space and its
  // reservation in the ticket quota. Requester-side createdAt is hour-rounded, so this is 24–25 h.
  const staleUploads = and(isNull(attachments.completedAt), lt(attachments.createdAt, now - INCOMPLETE_UPLOAD_TTL_SECONDS));

  // One transaction (the write lock on SQLite, taken before counting, so a server or CLI writing
  // at the same time waits instead of invalidating the counted snapshot; SERIALIZABLE on PostgreSQL).
  return transaction(db, async (tx) => {
    const n = async (rows: PromiseLike<{ n: number }[]>) => (await rows)[0]?.n ?? 0;
    const expiredIds = tx.select({ id: tickets.id }).from(tickets).where(expiredTickets);
    const expiredSeqs = tx.select({ seq: tickets.seq }).from(tickets).where(expiredTickets);
    const expiredAttachmentIds = tx.select({ id: attachments.id }).from(attachments).where(inArray(attachments.ticketId, expiredIds));
    const result: MaintenanceResult = {
      closedTicketsDeleted: await n(tx.select({ n: count() }).from(tickets).where(expiredTickets)),
      messagesDeleted: await n(tx.select({ n: count() }).from(messages).where(inArray(messages.ticketId, expiredIds))),
      wrapsDeleted: await n(tx.select({ n: count() }).from(wraps).where(inArray(wraps.ticketId, expiredIds))),
      attachmentsDeleted: await n(tx.select({ n: count() }).from(attachments).where(inArray(attachments.ticketId, expiredIds))),
      attachmentChunksDeleted: await n(tx.select({ n: count() }).from(attachmentChunks).where(inArray(attachmentChunks.attachmentId, expiredAttachmentIds))),
      ticketLabelsDeleted: await n(tx.select({ n: count() }).from(ticketLabels).where(inArray(ticketLabels.ticketSeq, expiredSeqs))),
      sessionsDeleted: await n(tx.select({ n: count() }).from(sessions).where(deadSessions)),
      powSpentDeleted: await n(tx.select({ n: count() }).from(powSpent).where(expiredPow)),
      incompleteUploadsDeleted: await n(tx.select({ n: count() }).from(attachments).where(staleUploads)),
    };
    if (!options.dryRun) {
      await tx.delete(tickets).where(expiredTickets);
      await tx.delete(sessions).where(deadSessions);
      await tx.delete(powSpent).where(expiredPow);
      await tx.delete(attachments).where(staleUploads);
    }
    return result;
  });
}

export default fp(
  async (app) => {
    const tick = async () => {
      try {
        const result = await runMaintenance(app.db, app.config.retentionDays);
        app.log.info(result, 'maintenance');
      } catch (err) {
        app.log.error({ err }, 'maintenance failed');
      }
    };
    let timer: NodeJS.Timeout | undefined;
    app.addHook('onReady', async () => {
      await tick();
      // unref: the job must never keep the process (or a test run) alive.
      timer = setInterval(() => void tick(), MAINTENANCE_INTERVAL_MS).unref();
    });
    app.addHook('onClose', async () => clearInterval(timer));
  },
  { name: 'maintenance', dependencies: ['db'] },
);
