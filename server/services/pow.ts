// Proof-of-work on the server side (SPEC §9): issue stateless MAC-signed challenges, verify a
// solution, and make each challenge single use by recording its id in pow_spent inside the
// same transaction as the write it pays for.
import { asPowMacKey, isCryptoError, issuePowChallenge, verifyPow, type PowMacKey } from '../../protocol/index';
import type { Db } from '../../db/client';
import { powSpent } from '../../db/schema';
import { sql } from 'drizzle-orm';
import { preparedPer } from './prepared';
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

/** Any transaction-capable handle: the root db or a drizzle transaction. */
type Writer = Pick<Db, 'insert'>;

export function issueChallenge(macKey: Uint8Array, purpose: PowPurpose, difficulty: number, now: number) {
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

const insertSpent = preparedPer((db: Writer) =>
  db
    .insert(powSpent)
    .values({ id: sql.placeholder('id'), expiresAt: sql.placeholder('expiresAt') })
    .prepare(),
);

/**
 * Records the challenge id as spent. SECURITY: this is the replay check; it must run inside the
 * same transaction as the write, so either both happen or neither does. A primary-key conflict
 * means the challenge was used before.
 */
export function spendPow(tx: Writer, pow: VerifiedPow, namespace = 'pow'): void {
  try {
    insertSpent(tx).run({ id: `${namespace}:${pow.id}`, expiresAt: pow.exp });
  } catch (err) {
    if (isPrimaryKeyConflict(err)) throw new AppError('pow_replayed', 'this proof of work was already used; fetch a new challenge');
    throw err;
  }
}

/** True for a PRIMARY KEY / UNIQUE violation, also when drizzle wraps the driver error in `cause`. */
export function isPrimaryKeyConflict(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && typeof e === 'object' && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE') return true;
  }
  return false;
}
