import { and, eq, isNotNull, lt, or } from 'drizzle-orm';
import fp from 'fastify-plugin';
import type { Db } from '../../../db/client';
import { powSpent, sessions, tickets } from '../../../db/schema';
import { nowSeconds } from './tokens';

export const MAINTENANCE_INTERVAL_MS = 60 * 60 * 1000;
/** Keep revoked/expired session rows a day so "session is not valid" stays explainable in support. */
const SESSION_GRACE_SECONDS = 24 * 60 * 60;

export interface MaintenanceResult {
  closedTicketsDeleted: number;
  sessionsDeleted: number;
  powSpentDeleted: number;
}

/**
 * Retention and housekeeping, in one transaction: closed tickets older than the retention
 * period (messages, wraps, labels and attachments follow by ON DELETE CASCADE; secure_delete
 * overwrites their pages), long-dead sessions, and expired proof-of-work ids.
 */
export function runMaintenance(db: Db, retentionDays: number, now = nowSeconds()): MaintenanceResult {
  return db.transaction((tx) => {
    const closedTicketsDeleted = tx
      .delete(tickets)
      .where(and(eq(tickets.status, 'closed'), isNotNull(tickets.closedAt), lt(tickets.closedAt, now - retentionDays * 86_400)))
      .run().changes;
    const sessionsDeleted = tx
      .delete(sessions)
      .where(or(lt(sessions.expiresAt, now - SESSION_GRACE_SECONDS), lt(sessions.revokedAt, now - SESSION_GRACE_SECONDS)))
      .run().changes;
    // SECURITY: only ids whose challenge has expired may go; a live one must stay spent.
    const powSpentDeleted = tx.delete(powSpent).where(lt(powSpent.expiresAt, now)).run().changes;
    return { closedTicketsDeleted, sessionsDeleted, powSpentDeleted };
  });
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
