import { eq } from 'drizzle-orm';
import fp from 'fastify-plugin';
import type { Db } from '../../../db/client';
import { desk, staff } from '../../../db/schema';
import { hashOneTimeToken, newId, newOneTimeToken, nowSeconds } from './tokens';

export const SETUP_TOKEN_TTL_SECONDS = 24 * 60 * 60;

/** Creates the single desk row (random 16-byte deskId) if this is a fresh database. */
export function ensureDesk(db: Db): typeof desk.$inferSelect {
  db.insert(desk).values({ id: 1, deskId: newId(), createdAt: nowSeconds() }).onConflictDoNothing().run();
  const row = db.select().from(desk).where(eq(desk.id, 1)).get();
  if (!row) throw new Error('desk row missing after insert');
  return row;
}

export function hasAdmin(db: Db): boolean {
  return db.select({ id: staff.id }).from(staff).where(eq(staff.role, 'admin')).limit(1).get() !== undefined;
}

/**
 * Issues a fresh one-time setup token (replacing any earlier one) and returns it in clear,
 * for printing once. Only its hash is stored; it expires after 24 hours.
 */
export function createSetupToken(db: Db, now = nowSeconds()): { token: string; expiresAt: number } {
  const token = newOneTimeToken();
  const expiresAt = now + SETUP_TOKEN_TTL_SECONDS;
  db.update(desk)
    .set({ setupTokenHash: hashOneTimeToken(token), setupTokenExpiresAt: expiresAt })
    .where(eq(desk.id, 1))
    .run();
  return { token, expiresAt };
}

export default fp(
  async (app) => {
    ensureDesk(app.db);
  },
  { name: 'desk', dependencies: ['db'] },
);
