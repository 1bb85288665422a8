import { EncodingError } from './errors';
import { sodium } from './sodium';

/** A base64url string without padding: how every binary value crosses a boundary. */
export type B64 = string & { readonly __b64: unique symbol };

/** The base64url alphabet and nothing else (no padding, no standard-alphabet characters). */
export const B64URL_ALPHABET = /^[A-Za-z0-9_-]*$/;
const TAIL_OF_2 = 'AQgw'; // 4 unused bits: values 0, 16, 32, 48
const TAIL_OF_3 = 'AEIMQUYcgkosw048'; // 2 unused bits: values that are multiples of 4

/**
 * Whether a base64url string (alphabet already checked) ends canonically (RFC 4648 §3.5): whole
 * 4-character groups, then an optional tail of 2 or 3 characters whose unused low bits are zero.
 * Constant time in the length, so schemas can run it on large ciphertexts.
 */
export function hasCanonicalTail(value: string): boolean {
  const last = value.at(-1) ?? '';
  switch (value.length % 4) {
    case 0:
      return true;
    case 2:
      return TAIL_OF_2.includes(last);
    case 3:
      return TAIL_OF_3.includes(last);
    default:
      return false; // one lone character cannot hold a byte
  }
}

/**
 * SECURITY: one byte string has exactly one accepted encoding. Without this, a key with flipped
 * unused bits is a different string for the same bytes: it registers twice past a uniqueness
 * check, and two clients comparing strings disagree about what they saw.
 */
export function isCanonicalB64(value: unknown): value is string {
  return typeof value === 'string' && B64URL_ALPHABET.test(value) && hasCanonicalTail(value);
}

/** How many bytes a canonical base64url string of `chars` characters decodes to. */
export function b64DecodedLength(chars: number): number {
  return Math.floor((chars * 3) / 4);
}

export function toB64(bytes: Uint8Array): B64 {
  return sodium().to_base64(bytes, sodium().base64_variants.URLSAFE_NO_PADDING) as B64;
}

/** Strict decode: rejects padding, the standard alphabet and non-canonical trailing bits. */
export function fromB64(value: string, expectedLength?: number): Uint8Array {
  if (!isCanonicalB64(value)) throw new EncodingError('value is not canonical base64url');
  let bytes: Uint8Array;
  try {
    bytes = sodium().from_base64(value, sodium().base64_variants.URLSAFE_NO_PADDING);
  } catch {
    throw new EncodingError();
  }
  if (expectedLength !== undefined && bytes.length !== expectedLength) {
    throw new EncodingError(`expected ${expectedLength} bytes, got ${bytes.length}`);
  }
  return bytes;
}

export function utf8(text: string): Uint8Array {
  return sodium().from_string(text);
}

export function fromUtf8(bytes: Uint8Array): string {
  return sodium().to_string(bytes);
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
