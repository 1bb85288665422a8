// Proof-of-work on the server side (SPEC §9): issue stateless MAC-signed challenges at a
// difficulty that follows the desk's load, verify a solution, and make each challenge single use
// by recording its id in pow_spent inside the same transaction as the write it pays for.
import { asPowMacKey, isCryptoError, issuePowChallenge, POW_MAX_DIFFICULTY, verifyPow, type PowMacKey } from '../../protocol/index';
import { and, count, eq, gt, gte, lt, sql } from 'drizzle-orm';
import { isUniqueViolation, tables, type Db } from './data';
import { first, prepareAs, preparedPer } from './prepared';
import { AppError, badRequest } from '../errors';
import type { PowPurpose } from '../../contract/index';

export { POW_PURPOSES, type PowPurpose } from '../../contract/index';

/** Long enough for a slow phone at the configured difficulty, short enough to bound pow_spent. */
export const POW_TTL_SECONDS = 10 * 60;

export interface PowSolution {
  readonly challenge: string;
  readonly nonce: string;
}

/** What a verified solution entitles the caller to: one write, recorded under `id` until `exp`. */
export interface VerifiedPow {
  readonly id: string;
  readonly exp: number;
}

/**
 * Adaptive difficulty (DECISIONS "issue 12: proof of work"). Load = writes paid with a PoW in the
 * last POW_TTL_SECONDS (the unexpired 'pow:' rows of pow_spent: only paid work counts, so asking
 * for challenges cannot raise everyone's cost). Up to POW_QUIET_SPENDS the desk is quiet and the
 * configured difficulty applies; each doubling beyond adds one bit, at most POW_MAX_RISE bits.
 */
export const POW_QUIET_SPENDS = 30;
export const POW_MAX_RISE = 8;
/** The count is re-read at most this often, so a burst of challenge requests costs one query. */
const LOAD_CACHE_SECONDS = 2;

export function difficultyForLoad(quietDifficulty: number, recentSpends: number): number {
  if (recentSpends <= POW_QUIET_SPENDS) return quietDifficulty;
  const rise = Math.min(POW_MAX_RISE, Math.ceil(Math.log2(recentSpends / POW_QUIET_SPENDS)));
  return Math.min(POW_MAX_DIFFICULTY, quietDifficulty + rise);
}

const loadCache = new WeakMap<object, { at: number; spends: number }>();

/** Paid writes whose challenge has not expired yet: spent within the last POW_TTL_SECONDS. */
export async function recentPowSpends(db: Db, now: number): Promise<number> {
  const cached = loadCache.get(db);
  if (cached && now - cached.at < LOAD_CACHE_SECONDS && now >= cached.at) return cached.spends;
  // 'pow:' … 'pow;' is the key range of the 'pow' namespace (';' follows ':'); sessions are apart.
  const { powSpent } = tables(db);
  const [row] = await db
    .select({ n: count() })
    .from(powSpent)
    .where(and(gt(powSpent.expiresAt, now), gte(powSpent.id, 'pow:'), lt(powSpent.id, 'pow;')));
  const spends = row?.n ?? 0;
  loadCache.set(db, { at: now, spends });
  return spends;
}

/** Forgets the cached load (tests, and after maintenance purges pow_spent). */
export function resetPowLoad(db: Db): void {
  loadCache.delete(db);
}

/**
 * A fresh challenge at the current difficulty. SECURITY: the difficulty is inside the MAC'd
 * payload, so the server later checks exactly what it issued, whatever the load is by then.
 */
export async function issueChallenge(db: Db, macKey: Uint8Array, purpose: PowPurpose, quietDifficulty: number, now: number) {
  const difficulty = difficultyForLoad(quietDifficulty, await recentPowSpends(db, now));
  const challenge = issuePowChallenge(asPowMacKey(macKey), { purpose, difficulty, ttlSeconds: POW_TTL_SECONDS, now });
  return { challenge, difficulty, expiresAt: now + POW_TTL_SECONDS };
}

/**
 * Checks MAC, expiry, work and purpose. Does NOT record the spend: call spendPow inside the
 * transaction of the write, so a rolled-back write leaves the challenge usable for a retry.
 */
export function checkPow(macKey: Uint8Array | PowMacKey, solution: PowSolution, purpose: PowPurpose, now: number): VerifiedPow {
  let verified: { id: string; purpose: string; exp: number };
  try {
    verified = verifyPow(asPowMacKey(macKey), solution.challenge, solution.nonce, now);
  } catch (err) {
    if (isCryptoError(err) && err.code === 'pow_expired') throw badRequest('pow_expired', 'the proof-of-work challenge has expired; fetch a new one');
    if (isCryptoError(err)) throw badRequest('pow_invalid', 'the proof of work is not valid');
    throw err;
  }
  // SECURITY: without the purpose check one solved 'register' challenge would also pay for a ticket.
  if (verified.purpose !== purpose) throw badRequest('pow_invalid', `this challenge was issued for '${verified.purpose}', not '${purpose}'`);
  return { id: verified.id, exp: verified.exp };
}

const insertSpent = preparedPer((db) => prepareAs(db, 'pow_spend', db.insert(tables(db).powSpent).values({ id: sql.placeholder('id'), expiresAt: sql.placeholder('expiresAt') })));

/**
 * Records the challenge id as spent. SECURITY: this is the replay check; it must run inside the
 * same transaction as the write, so either both happen or neither does. A primary-key conflict
 * means the challenge was used before.
 */
export async function spendPow(tx: Db, pow: VerifiedPow, namespace = 'pow'): Promise<void> {
  try {
    await insertSpent(tx).execute({ id: `${namespace}:${pow.id}`, expiresAt: pow.exp });
  } catch (err) {
    if (isUniqueViolation(err)) throw new AppError('pow_replayed', 'this proof of work was already used; fetch a new challenge');
    throw err;
  }
}

const firstTicketOf = preparedPer((db) => {
  const { tickets } = tables(db);
  return prepareAs(
    db,
    'first_ticket_of',
    db
      .select({ id: tickets.id })
      .from(tickets)
      .where(eq(tickets.requesterId, sql.placeholder('requesterId')))
      .limit(1),
  );
});

/**
 * One proof of work per first request: registration pays for the requester's first ticket, so a
 * ticket without a PoW is accepted only while the requester has none. SECURITY: call inside the
 * ticket's transaction (immediate), so two concurrent unpaid submissions cannot both see "none".
 */
export async function assertFirstTicketPrepaid(tx: Db, requesterId: string): Promise<void> {
  if (await first(firstTicketOf(tx).execute({ requesterId }))) throw badRequest('pow_required', 'a new request after the first needs a proof of work; fetch a challenge');
}

/** Kept for callers that name it so: a PRIMARY KEY / UNIQUE violation in either dialect. */
export const isPrimaryKeyConflict = isUniqueViolation;
