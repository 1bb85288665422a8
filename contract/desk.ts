// Public desk routes: /api/desk, /api/health, /api/keylog, /api/pow, /api/setup.
import { z } from 'zod';
import { POW_MAX_CHALLENGE_CHARS, POW_NONCE_BYTES } from '../protocol/constants';
import { keyLogEntrySchema } from '../protocol/keylog-schema';
import { b64OfLength } from '../protocol/schemas';
import { idSchema, sealedKey } from './common';
import { Enrolment, username } from './staff';

export const DESK_LANGUAGES = ['en', 'vi'] as const;

export const DeskInfo = z.object({
  deskId: z.string().describe('16 random bytes, base64url'),
  fingerprint: z.string().nullable().describe('BLAKE2b-256 of the genesis key-log entry; null before setup'),
  setupComplete: z.boolean(),
  policy: z.object({
    powDifficulty: z.number().int().describe('leading zero bits when the desk is quiet; each challenge carries the difficulty it was issued at, higher under load'),
    maxAttachmentBytes: z.number().int(),
    maxTicketBytes: z.number().int(),
    languages: z.array(z.enum(DESK_LANGUAGES)),
  }),
});

export const Health = z.object({ ok: z.literal(true), db: z.literal('ok') });

// ---- key log (SPEC §6) ----
/** A signed key-log entry as it travels: the protocol's schema; applyKeyLogEntry does the deep checks. */
export const KeyLogEntry = keyLogEntrySchema;
export const KeyLogQuery = z.strictObject({
  after: z.coerce
    .number()
    .int()
    .min(-1)
    .max(2 ** 31)
    .optional(),
});
export const KeyLogEntries = z.object({ entries: z.array(KeyLogEntry) });
export const AppendKeyLogBody = z.strictObject({ entry: KeyLogEntry });
export const AppendedKeyLogEntry = z.object({ seq: z.number().int(), hash: z.string() });

// ---- proof of work (SPEC §9) ----
export const POW_PURPOSES = ['register', 'ticket'] as const;
export type PowPurpose = (typeof POW_PURPOSES)[number];

/** `pow` field of every PoW-protected body (API.md "Proof of work"). */
export const PowSolution = z.strictObject({
  challenge: z.string().min(1).max(POW_MAX_CHALLENGE_CHARS).describe('as returned by POST /api/pow'),
  nonce: b64OfLength(POW_NONCE_BYTES).describe('8 bytes, base64url'),
});
export const PowRequest = z.strictObject({ purpose: z.enum(POW_PURPOSES) });
export const PowChallenge = z.object({
  challenge: z.string(),
  difficulty: z.number().int().describe('leading zero bits SHA-256(challenge || nonce) must have; rises with load'),
  expiresAt: z.number().int().describe('Unix seconds'),
});

// ---- setup (SPEC §4, §9) ----
export const SetupBody = z.strictObject({
  token: z.string().min(1).max(128),
  username,
  ...Enrolment.shape,
  genesis: KeyLogEntry,
  teamKey: KeyLogEntry,
  grant: sealedKey.describe('team key v1 secret sealed to the admin box key'),
  labelKey: KeyLogEntry.optional().describe('seq 2: the label-key commitment (docs/PROTOCOL.md §4.3); with labelKeyWrap'),
  labelKeyWrap: sealedKey.optional().describe('the desk label key L sealed to team key v1'),
});
export const SetupDone = z.object({ staffId: idSchema, deskId: z.string(), fingerprint: z.string() });

// ---- types (z.input for what a client sends, z.infer for what it receives) ----
export type DeskInfo = z.infer<typeof DeskInfo>;
export type Health = z.infer<typeof Health>;
export type KeyLogEntry = z.infer<typeof KeyLogEntry>;
export type KeyLogQuery = z.input<typeof KeyLogQuery>;
export type KeyLogEntries = z.infer<typeof KeyLogEntries>;
export type AppendKeyLogBody = z.input<typeof AppendKeyLogBody>;
export type AppendedKeyLogEntry = z.infer<typeof AppendedKeyLogEntry>;
export type PowSolution = z.input<typeof PowSolution>;
export type PowRequest = z.input<typeof PowRequest>;
export type PowChallenge = z.infer<typeof PowChallenge>;
export type SetupBody = z.input<typeof SetupBody>;
export type SetupDone = z.infer<typeof SetupDone>;
