// Versioned parsing. Every ciphertext format carries `v` first; parsing looks the version up in a
// frozen per-format table and refuses versions it does not know, so a v2 client can add formats
// without an old client misreading them, and nobody can downgrade by editing `v`.
import { z } from 'zod';
import { AEAD_NONCE_BYTES, SIGNATURE_BYTES } from './constants';
import { FormatError, UnsupportedVersionError } from './errors';
import { b64OfLength, b64Schema, paddedCiphertextSchema, parseWith } from './schemas';

export type VersionTable<T> = Readonly<Record<number, z.ZodType<T>>>;

export function versionTable<T>(table: Record<number, z.ZodType<T>>): VersionTable<T> {
  return Object.freeze({ ...table });
}

/** Reads `v`, dispatches to that version's schema, and throws UnsupportedVersionError otherwise. */
export function parseVersioned<T>(table: VersionTable<T>, value: unknown, what: string): T {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new FormatError(`${what} is not an object`);
  }
  const v = (value as { v?: unknown }).v;
  const schema = typeof v === 'number' && Object.hasOwn(table, v) ? table[v] : undefined;
  if (!schema) throw new UnsupportedVersionError(v);
  return parseWith(schema, value, what);
}

const nonce = b64OfLength(AEAD_NONCE_BYTES);
const sig = b64OfLength(SIGNATURE_BYTES);

/**
 * Message, note and attachment-metadata ciphertext: AEAD under K/N, signed by the author. All three
 * are padded to 512-byte blocks (§4), so `ct` is k × 512 + 16 bytes.
 */
export const messageEnvelopeV1 = z.strictObject({ v: z.literal(1), nonce, ct: paddedCiphertextSchema, sig });
export type MessageEnvelope = z.infer<typeof messageEnvelopeV1>;
export const MESSAGE_ENVELOPE = versionTable<MessageEnvelope>({ 1: messageEnvelopeV1 });

/**
 * Unsigned AEAD ciphertext (staff key blob, label names): the key itself authenticates. Each use
 * has a stricter schema fixing its `ct` length (staffKeyBlobV1, labelNameEnvelopeV1); this one is
 * the common shape.
 */
export const secretEnvelopeV1 = z.strictObject({ v: z.literal(1), nonce, ct: b64Schema.min(1) });
export type SecretEnvelope = z.infer<typeof secretEnvelopeV1>;
export const SECRET_ENVELOPE = versionTable<SecretEnvelope>({ 1: secretEnvelopeV1 });

/** The v1 secret envelope with the `ct` rule of one use (its exact or bounded length). */
export function secretEnvelopeWith(ct: z.ZodType<string, string>) {
  return z.strictObject({ v: z.literal(1), nonce, ct });
}

export const parseMessageEnvelope = (value: unknown) => parseVersioned(MESSAGE_ENVELOPE, value, 'message envelope');
export const parseSecretEnvelope = (value: unknown) => parseVersioned(SECRET_ENVELOPE, value, 'secret envelope');
