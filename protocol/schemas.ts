// Shared zod building blocks for everything the protocol parses. The server reuses `idSchema`
// and `b64Schema` so the wire checks are the same on both sides.
import { z } from 'zod';
import { AEAD_TAG_BYTES, ID_BYTES, KEY_BYTES, PAD_BLOCK, SEALED_BOX_OVERHEAD } from './constants';
import { B64URL_ALPHABET, b64DecodedLength, hasCanonicalTail } from './encoding';
import { FormatError } from './errors';

/** 16 bytes base64url = 22 characters; the last character carries 2 zero bits (canonical form). */
export const ID_PATTERN = /^[A-Za-z0-9_-]{21}[AQgw]$/;
export const idSchema = z.string().regex(ID_PATTERN, 'not an id');

/** Canonical base64url (encoding.ts isCanonicalB64): the alphabet, then the tail's unused bits zero. */
const canonicalB64 = () => z.string().regex(B64URL_ALPHABET, 'not base64url').refine(hasCanonicalTail, 'not canonical base64url');

export const b64Schema = canonicalB64().max(64 * 1024 * 1024);

export function b64OfLength(bytes: number) {
  return canonicalB64().length(Math.ceil((bytes * 4) / 3));
}

/** A 32-byte key sealed with crypto_box_seal (team wrap, requester wrap, grant): exactly 80 bytes. */
export const sealedKeySchema = b64OfLength(KEY_BYTES + SEALED_BOX_OVERHEAD);

/** True when `bytes` can be AEAD(sodium_pad(x, 512)): k ≥ 1 whole blocks plus the 16-byte tag. */
export function isPaddedCiphertextLength(bytes: number): boolean {
  return bytes >= PAD_BLOCK + AEAD_TAG_BYTES && (bytes - AEAD_TAG_BYTES) % PAD_BLOCK === 0;
}

/**
 * The `ct` of a message, note or attachment-metadata envelope. SECURITY: a length that no padded
 * plaintext can produce is refused on the wire, so the server never stores a ciphertext that every
 * client would reject, and nothing travels that leaks a finer size than the padding allows.
 */
export const paddedCiphertextSchema = b64Schema
  .min(1)
  .refine((ct) => isPaddedCiphertextLength(b64DecodedLength(ct.length)), 'ciphertext length is not a padded message (k × 512 + 16 bytes)');

/** An AEAD ciphertext whose plaintext is between `min` and `max` bytes (unpadded formats). */
export function ciphertextOfPlaintextBytes(min: number, max: number) {
  const lo = Math.ceil(((min + AEAD_TAG_BYTES) * 4) / 3);
  const hi = Math.ceil(((max + AEAD_TAG_BYTES) * 4) / 3);
  return canonicalB64().min(lo).max(hi);
}

/** Throws FormatError unless `value` is a well-formed id; used before ids go into associated data. */
export function assertId(value: unknown, what: string): asserts value is string {
  if (typeof value !== 'string' || !ID_PATTERN.test(value)) {
    throw new FormatError(`${what} is not a ${ID_BYTES}-byte base64url id`);
  }
}

/** zod failure → FormatError with the first issue, never the rejected value (it may be secret). */
export function parseWith<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    const path = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
    throw new FormatError(`${what} is malformed: ${path}${issue?.message ?? 'invalid'}`);
  }
  return result.data;
}
