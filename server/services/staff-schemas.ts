// Wire shapes shared by the staff, admin, setup and key-log routes. One definition per field so
// the setup, activation and re-enrolment paths cannot drift apart.
import { z } from 'zod';
import {
  AEAD_NONCE_BYTES,
  HASH_BYTES,
  KEY_BYTES,
  SEALED_BOX_OVERHEAD,
  STAFF_SALT_BYTES,
  b64OfLength,
  b64Schema,
  fromB64,
  idSchema,
} from '../../protocol/index';
import { STAFF_ROLES, STAFF_STATUSES } from '../../db/schema';

/**
 * Lower-case ASCII usernames. Keeping them canonical means there is one spelling per account
 * (no "Ana" vs "ana" twins) and the fake prelogin salt is keyed on exactly what is stored.
 */
export const usernameSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'lower-case letters, digits, dot, dash or underscore; 1–64 characters');

export const roleSchema = z.enum(STAFF_ROLES);
export const statusSchema = z.enum(STAFF_STATUSES);

/**
 * Exactly `bytes` bytes in canonical base64url. The length/alphabet check alone lets through a
 * last character with stray bits, which the protocol then refuses deep inside a handler; a
 * schema failure is a clean 400 instead. (Routes await the protocol's ready() before serving.)
 */
export function canonicalB64(bytes: number) {
  return b64OfLength(bytes).refine((v) => {
    try {
      fromB64(v, bytes);
      return true;
    } catch {
      return false;
    }
  }, 'not canonical base64url');
}

/**
 * Argon2id parameters chosen by the member's client. Bounds are libsodium's own limits for
 * crypto_pwhash (opslimit ≥ 1, memlimit ≥ 8 KiB) plus a ceiling the browser can meet; the
 * clients we ship use DEFAULT_STAFF_KDF (3 passes, 64 MiB).
 */
export const kdfSchema = z.strictObject({
  salt: canonicalB64(STAFF_SALT_BYTES),
  opslimit: z.number().int().min(1).max(16),
  memlimit: z.number().int().min(8192).max(1024 * 1024 * 1024),
});

export const publicKeySchema = canonicalB64(KEY_BYTES);
export const authSecretSchema = canonicalB64(KEY_BYTES);
/** crypto_box_seal of a 32-byte team secret key. */
export const sealedGrantSchema = canonicalB64(KEY_BYTES + SEALED_BOX_OVERHEAD);

/** The staff key blob: the protocol's SecretEnvelope v1 (AEAD under kek, AD binds staffId). */
export const keyBlobSchema = z.strictObject({
  v: z.literal(1),
  nonce: canonicalB64(AEAD_NONCE_BYTES),
  ct: b64Schema.min(1).max(4096),
});

/** A signed key-log entry as it travels; the protocol's applyKeyLogEntry does the deep checks. */
export const keyLogEntryWire = z.strictObject({
  seq: z.number().int().min(0).max(2 ** 31),
  prev: b64OfLength(HASH_BYTES).nullable(),
  type: z.string().min(1).max(32),
  at: z.number().int().min(0).max(2 ** 40),
  body: z.record(z.string(), z.unknown()),
  signer: idSchema,
  sig: b64Schema.max(128),
});

/** The part of an account a member's client creates: KDF params, auth secret, keys, sealed blob. */
export const enrolmentFields = {
  kdf: kdfSchema,
  authSecret: authSecretSchema,
  boxPk: publicKeySchema,
  signPk: publicKeySchema,
  keyBlob: keyBlobSchema,
};

export const grantOut = z.object({ teamKeyVersion: z.number().int(), sealed: z.string() });

export { idSchema };
