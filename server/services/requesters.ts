// Requester identities (SPEC §4): two passphrase-derived public keys, registered for a proof of
// work, and sign-in by signing a stateless challenge bound to the signing key.
import { eq } from 'drizzle-orm';
import { asSignPublicKey, verifyRequesterChallenge, type PowMacKey } from '../../protocol/index';
import { AppError, conflict, unauthorized } from '../errors';
import { tables, transaction, type Db } from './data';
import { newId } from '../plugins/app/tokens';
import { checkPow, spendPow, type PowSolution } from './pow';
import { hourFloor } from './quotas';
import { checkSessionChallenge } from './session-challenge';

/** SECURITY: one message for every sign-in failure, so responses do not tell which keys exist. */
const SIGN_IN_FAILED = 'could not sign in; check your passphrase';

export async function registerRequester(db: Db, powMacKey: PowMacKey, body: { boxPk: string; signPk: string; pow: PowSolution }, now: number): Promise<{ requesterId: string }> {
  const verified = checkPow(powMacKey, body.pow, 'register', now);
  const requesterId = newId();
  await transaction(db, async (tx) => {
    const { requesters } = tables(tx);
    await spendPow(tx, verified);
    if ((await tx.select({ id: requesters.id }).from(requesters).where(eq(requesters.signPk, body.signPk))).length > 0) {
      throw conflict('these keys are already registered; sign in instead');
    }
    // Hour-rounded like every requester-side time (SPEC §5).
    await tx.insert(requesters).values({ id: requesterId, boxPk: body.boxPk, signPk: body.signPk, createdAt: hourFloor(now) });
  });
  return { requesterId };
}

/** A signed challenge → the requester's id (the caller issues the session). Every failure is the same 401. */
export async function signInRequester(db: Db, powMacKey: PowMacKey, body: { signPk: string; challenge: string; sig: string }, now: number): Promise<string> {
  const bound = checkSessionChallenge(powMacKey, body.signPk, body.challenge, now);
  if (!bound) throw unauthorized(SIGN_IN_FAILED);
  // SECURITY: verify against the key the caller claims *before* looking it up, so known and
  // unknown keys cost the same work and answer the same 401.
  try {
    verifyRequesterChallenge(body.challenge, body.sig, asSignPublicKey(body.signPk));
  } catch {
    throw unauthorized(SIGN_IN_FAILED);
  }
  const requesterId = await transaction(db, async (tx) => {
    const { requesters } = tables(tx);
    try {
      await spendPow(tx, bound, 'session');
    } catch (err) {
      if (err instanceof AppError) throw unauthorized(SIGN_IN_FAILED);
      throw err;
    }
    const [row] = await tx.select({ id: requesters.id }).from(requesters).where(eq(requesters.signPk, body.signPk));
    return row?.id;
  });
  if (!requesterId) throw unauthorized(SIGN_IN_FAILED);
  return requesterId;
}
