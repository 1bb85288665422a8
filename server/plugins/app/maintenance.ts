import { and, count, eq, inArray, isNotNull, isNull, lt, or } from 'drizzle-orm';
import fp from 'fastify-plugin';
import type pg from 'pg';
import { INCOMPLETE_UPLOAD_TTL_SECONDS } from '../../services/attachments';
import { tables, transaction, type Db } from '../../services/data';
import type { AppPluginOptions } from '../options';
import { nowSeconds } from './tokens';

export const MAINTENANCE_INTERVAL_MS = 60 * 60 * 1000;
/**
 * A spent proof-of-work id is forgotten only this long after its challenge expired. SECURITY:
 * each node checks a challenge's expiry by its own clock; with several nodes on one database, a
 * node whose clock runs ahead would otherwise delete ids that a node behind it still accepts
 * challenges for, and the same solution could be spent twice. Tolerates clocks up to an hour apart.
 */
export const POW_SPENT_GRACE_SECONDS = 60 * 60;
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
  // SECURITY: only ids whose challenge has expired may go; a live one must stay spent — live by
  // the clock of every node that may still check it, so only a grace after expiry by ours.
  const expiredPow = lt(powSpent.expiresAt, now - POW_SPENT_GRACE_SECONDS);
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

/** Names "the maintenance job" among PostgreSQL advisory locks; the same on every node. */
export const MAINTENANCE_LOCK = 0x5ea1_de5d;

/**
 * Runs `job` only if no other node is running it: a session advisory lock on one pooled
 * connection, tried (never waited for), released after the job. Resolves to undefined when
 * another node holds it; that node's run does the same work. If this process dies mid-job, the
 * connection closes and PostgreSQL releases the lock.
 */
export async function withMaintenanceLock<T>(pool: pg.Pool, job: () => T | Promise<T>): Promise<T | undefined> {
  const client = await pool.connect();
  try {
    const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [MAINTENANCE_LOCK]);
    if (!rows[0]?.locked) return undefined;
    try {
      return await job();
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MAINTENANCE_LOCK]);
    }
  } finally {
    client.release();
  }
}

export default fp<Pick<AppPluginOptions, 'pgPool'>>(
  async (app, opts) => {
    const run = () => runMaintenance(app.db, app.config.retentionDays);
    const tick = async () => {
      try {
        // Several nodes on one PostgreSQL database: one runs the job at a time (issue 14).
        const result = opts.pgPool ? await withMaintenanceLock(opts.pgPool, run) : await run();
        if (result) app.log.info(result, 'maintenance');
        else app.log.info('maintenance: another node is running it');
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
