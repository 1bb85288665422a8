import { and, count, eq, inArray, isNotNull, isNull, lt, or } from 'drizzle-orm';
import fp from 'fastify-plugin';
import type { Db } from '../../../db/client';
import { attachmentChunks, attachments, messages, powSpent, sessions, ticketLabels, tickets, wraps } from '../../../db/schema';
import { INCOMPLETE_UPLOAD_TTL_SECONDS } from '../../services/attachments';
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
export function runMaintenance(db: Db, retentionDays: number, now = nowSeconds(), options: MaintenanceOptions = {}): MaintenanceResult {
  const expiredTickets = and(eq(tickets.status, 'closed'), isNotNull(tickets.closedAt), lt(tickets.closedAt, now - retentionDays * 86_400));
  const deadSessions = or(lt(sessions.expiresAt, now - SESSION_GRACE_SECONDS), lt(sessions.revokedAt, now - SESSION_GRACE_SECONDS));
  // SECURITY: only ids whose challenge has expired may go; a live one must stay spent.
  const expiredPow = lt(powSpent.expiresAt, now);
  // An upload abandoned mid-way (a circuit that never came back) frees its space and its
  // reservation in the ticket quota. Requester-side createdAt is hour-rounded, so this is 24–25 h.
  const staleUploads = and(isNull(attachments.completedAt), lt(attachments.createdAt, now - INCOMPLETE_UPLOAD_TTL_SECONDS));

  return db.transaction(
    (tx) => {
      const expiredIds = tx.select({ id: tickets.id }).from(tickets).where(expiredTickets);
      const expiredSeqs = tx.select({ seq: tickets.seq }).from(tickets).where(expiredTickets);
      const expiredAttachmentIds = tx.select({ id: attachments.id }).from(attachments).where(inArray(attachments.ticketId, expiredIds));
      const result: MaintenanceResult = {
        closedTicketsDeleted: tx.select({ n: count() }).from(tickets).where(expiredTickets).get()?.n ?? 0,
        messagesDeleted: tx.select({ n: count() }).from(messages).where(inArray(messages.ticketId, expiredIds)).get()?.n ?? 0,
        wrapsDeleted: tx.select({ n: count() }).from(wraps).where(inArray(wraps.ticketId, expiredIds)).get()?.n ?? 0,
        attachmentsDeleted: tx.select({ n: count() }).from(attachments).where(inArray(attachments.ticketId, expiredIds)).get()?.n ?? 0,
        attachmentChunksDeleted: tx.select({ n: count() }).from(attachmentChunks).where(inArray(attachmentChunks.attachmentId, expiredAttachmentIds)).get()?.n ?? 0,
        ticketLabelsDeleted: tx.select({ n: count() }).from(ticketLabels).where(inArray(ticketLabels.ticketSeq, expiredSeqs)).get()?.n ?? 0,
        sessionsDeleted: tx.select({ n: count() }).from(sessions).where(deadSessions).get()?.n ?? 0,
        powSpentDeleted: tx.select({ n: count() }).from(powSpent).where(expiredPow).get()?.n ?? 0,
        incompleteUploadsDeleted: tx.select({ n: count() }).from(attachments).where(staleUploads).get()?.n ?? 0,
      };
      if (!options.dryRun) {
        tx.delete(tickets).where(expiredTickets).run();
        tx.delete(sessions).where(deadSessions).run();
        tx.delete(powSpent).where(expiredPow).run();
        tx.delete(attachments).where(staleUploads).run();
      }
      return result;
    },
    // Immediate: take the write lock before counting, so a server or CLI writing at the same
    // time waits (busy_timeout) instead of invalidating the counted snapshot.
    { behavior: options.dryRun ? 'deferred' : 'immediate' },
  );
}

export default fp(
  async (app) => {
    const tick = () => {
      try {
        const result = runMaintenance(app.db, app.config.retentionDays);
        app.log.info(result, 'maintenance');
      } catch (err) {
        app.log.error({ err }, 'maintenance failed');
      }
    };
    let timer: NodeJS.Timeout | undefined;
    app.addHook('onReady', async () => {
      tick();
      // unref: the job must never keep the process (or a test run) alive.
      timer = setInterval(tick, MAINTENANCE_INTERVAL_MS).unref();
    });
    app.addHook('onClose', async () => clearInterval(timer));
  },
  { name: 'maintenance', dependencies: ['db'] },
);
