import { z } from 'zod';
import { KEY_BYTES, SIGNATURE_BYTES, b64OfLength, idSchema } from '../../../../protocol/index';
import { PowSolutionBody } from '../pow/schemas';

const publicKey = b64OfLength(KEY_BYTES).describe('32 bytes, base64url');

export const RegisterBody = z.strictObject({
  boxPk: publicKey.describe('X25519 public key derived from the passphrase'),
  signPk: publicKey.describe('Ed25519 public key derived from the passphrase'),
  pow: PowSolutionBody,
});
export const Registered = z.object({ requesterId: idSchema });

export const ChallengeBody = z.strictObject({ signPk: publicKey });
export const SessionChallenge = z.object({
  challenge: z.string().describe('sign utf8("sealdesk/v1/requester-session|" + challenge) with the passphrase-derived key'),
  expiresAt: z.number().int(),
});

export const SessionBody = z.strictObject({
  signPk: publicKey,
  challenge: z.string().min(1).max(512),
  sig: b64OfLength(SIGNATURE_BYTES).describe('Ed25519 signature, 64 bytes, base64url'),
});
export const RequesterSession = z.object({ token: z.string(), requesterId: idSchema, expiresAt: z.number().int() });
