import { eq } from 'drizzle-orm';
import fp from 'fastify-plugin';
import type { desk } from '../../../db/schema';
import { tables, type Db } from '../../services/data';
import { hashOneTimeToken, newId, newOneTimeToken, nowSeconds } from './tokens';

export const SETUP_TOKEN_TTL_SECONDS = 24 * 60 * 60;

/** Creates the single desk row (random 16-byte deskId) if this is a fresh database. */
export async function ensureDesk(db: Db): Promise<typeof desk.$inferSelect> {
  const { desk } = tables(db);
  await db.insert(desk).values({ id: 1, deskId: newId(), createdAt: nowSeconds() }).onConflictDoNothing();
  const [row] = await db.select().from(desk).where(eq(desk.id, 1));
  if (!row) throw new Error('desk row missing after insert');
  return row;
}

export async function hasAdmin(db: Db): Promise<boolean> {
  const { staff } = tables(db);
  return (await db.select({ id: staff.id }).from(staff).where(eq(staff.role, 'admin')).limit(1)).length > 0;
}

/**
 * Issues a fresh one-time setup token (replacing any earlier one) and returns it in clear,
 * for printing once. Only its hash is stored; it expires after 24 hours.
 */
export async function createSetupToken(db: Db, now = nowSeconds()): Promise<{ token: string; expiresAt: number }> {
  const token = newOneTimeToken();
  const expiresAt = now + SETUP_TOKEN_TTL_SECONDS;
  const { desk } = tables(db);
  await db
    .update(desk)
    .set({ setupTokenHash: hashOneTimeToken(token), setupTokenExpiresAt: expiresAt })
    .where(eq(desk.id, 1));
  return { token, expiresAt };
}

export default fp(
  async (app) => {
    await ensureDesk(app.db);
  },
  { name: 'desk', dependencies: ['db'] },
);
