// SPEC §6 key log entry and body shapes. Bodies are parsed per type; an unknown type is refused
// rather than skipped, so an old client never trusts a log whose meaning it cannot check.
import { z } from 'zod';
import { HASH_BYTES, KEY_BYTES, SIGNATURE_BYTES } from './constants';
import { b64OfLength, idSchema } from './schemas';

const pk = b64OfLength(KEY_BYTES);
const username = z.string().min(1).max(64);
export const roleSchema = z.enum(['admin', 'technician']);
export type StaffRole = z.infer<typeof roleSchema>;
const version = z.number().int().min(1).max(1_000_000);

export const KEYLOG_BODIES = Object.freeze({
  genesis: z.strictObject({ deskId: idSchema, staffId: idSchema, username, boxPk: pk, signPk: pk }),
  'staff-add': z.strictObject({ staffId: idSchema, username, role: roleSchema, boxPk: pk, signPk: pk }),
  'staff-remove': z.strictObject({ staffId: idSchema }),
  'role-set': z.strictObject({ staffId: idSchema, role: roleSchema }),
  'team-key': z.strictObject({ version, boxPk: pk }),
  'team-key-retire': z.strictObject({ version }),
  // The desk label key's commitment (labels.ts labelKeyCommitment); the newest one is current.
  'label-key': z.strictObject({ commit: b64OfLength(HASH_BYTES) }),
});

export type KeyLogType = keyof typeof KEYLOG_BODIES;
export type KeyLogBodies = { [T in KeyLogType]: z.infer<(typeof KEYLOG_BODIES)[T]> };
export const KEYLOG_TYPES = Object.freeze(Object.keys(KEYLOG_BODIES) as KeyLogType[]);

export function isKeyLogType(value: string): value is KeyLogType {
  return Object.hasOwn(KEYLOG_BODIES, value);
}

/** The outer shape; `body` is checked separately against the table above. */
export const keyLogEntrySchema = z.strictObject({
  seq: z
    .number()
    .int()
    .min(0)
    .max(2 ** 31),
  prev: b64OfLength(HASH_BYTES).nullable(),
  type: z.string().min(1).max(32),
  at: z
    .number()
    .int()
    .min(0)
    .max(2 ** 40),
  body: z.record(z.string(), z.unknown()),
  signer: idSchema,
  sig: b64OfLength(SIGNATURE_BYTES),
});

export type KeyLogEntry = z.infer<typeof keyLogEntrySchema>;
export type UnsignedKeyLogEntry = Omit<KeyLogEntry, 'sig'>;
