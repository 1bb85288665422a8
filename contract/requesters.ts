// Requester identity and sessions: /api/requesters…
import { z } from 'zod';
import { SIGNATURE_BYTES } from '../protocol/constants';
import { b64OfLength } from '../protocol/schemas';
import { idSchema, publicKey } from './common';
import { PowSolution } from './desk';

export const RegisterBody = z.strictObject({
  boxPk: publicKey.describe('X25519 public key derived from the passphrase'),
  signPk: publicKey.describe('Ed25519 public key derived from the passphrase'),
  pow: PowSolution,
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

export const LogoutBody = z.strictObject({}).optional();

// ---- types (z.input for what a client sends, z.infer for what it receives) ----
export type RegisterBody = z.input<typeof RegisterBody>;
export type Registered = z.infer<typeof Registered>;
export type ChallengeBody = z.input<typeof ChallengeBody>;
export type SessionChallenge = z.infer<typeof SessionChallenge>;
export type SessionBody = z.input<typeof SessionBody>;
export type RequesterSession = z.infer<typeof RequesterSession>;
