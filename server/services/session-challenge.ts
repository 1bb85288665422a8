// Requester sign-in challenges: stateless like proof-of-work challenges, but bound to one signPk.
// We reuse the protocol's MAC'd challenge format (difficulty 0, purpose 'requester-session') under
// a MAC key derived per signPk, so a challenge issued for key A never verifies for key B, and a
// PoW challenge (MAC'd with the raw PoW key) never works as a session challenge or vice versa.
import { createHmac } from 'node:crypto';
import { asPowMacKey, isCryptoError, issuePowChallenge, verifyPow } from '../../protocol/index';

export const SESSION_CHALLENGE_TTL_SECONDS = 2 * 60;
const PURPOSE = 'requester-session';
/** Difficulty 0 needs no work, so any 8-byte nonce passes verifyPow's work check. */
const NO_WORK_NONCE = 'AAAAAAAAAAA';

function boundKey(powMacKey: Uint8Array, signPk: string) {
  // SECURITY: domain-separated derivation; the raw PoW MAC key is never used for sessions.
  return asPowMacKey(new Uint8Array(createHmac('sha256', powMacKey).update(`sealdesk/v1/requester-session-key|${signPk}`).digest()));
}

export function issueSessionChallenge(powMacKey: Uint8Array, signPk: string, now: number) {
  const challenge = issuePowChallenge(boundKey(powMacKey, signPk), { purpose: PURPOSE, difficulty: 0, ttlSeconds: SESSION_CHALLENGE_TTL_SECONDS, now });
  return { challenge, expiresAt: now + SESSION_CHALLENGE_TTL_SECONDS };
}

/** Returns the challenge id and expiry if the MAC (for this signPk), purpose and expiry check out; null otherwise. */
export function checkSessionChallenge(powMacKey: Uint8Array, signPk: string, challenge: string, now: number): { id: string; exp: number } | null {
  try {
    const v = verifyPow(boundKey(powMacKey, signPk), challenge, NO_WORK_NONCE, now);
    return v.purpose === PURPOSE ? { id: v.id, exp: v.exp } : null;
  } catch (err) {
    if (isCryptoError(err)) return null;
    throw err;
  }
}
