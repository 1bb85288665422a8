import { z } from 'zod';
import { POW_MAX_CHALLENGE_CHARS, POW_NONCE_BYTES, b64OfLength } from '../../../../protocol/index';
import { POW_PURPOSES } from '../../../services/pow';

/** `pow` field of every PoW-protected body (API.md "Proof of work"). */
export const PowSolutionBody = z.strictObject({
  challenge: z.string().min(1).max(POW_MAX_CHALLENGE_CHARS).describe('as returned by POST /api/pow'),
  nonce: b64OfLength(POW_NONCE_BYTES).describe('8 bytes, base64url'),
});

export const PowRequest = z.strictObject({ purpose: z.enum(POW_PURPOSES) });
export const PowChallenge = z.object({
  challenge: z.string(),
  difficulty: z.number().int().describe('leading zero bits BLAKE2b-256(challenge || nonce) must have'),
  expiresAt: z.number().int().describe('Unix seconds'),
});
