import { EncodingError } from './errors';
import { sodium } from './sodium';

/** A base64url string without padding: how every binary value crosses a boundary. */
export type B64 = string & { readonly __b64: unique symbol };

const B64URL = /^[A-Za-z0-9_-]*$/;

export function toB64(bytes: Uint8Array): B64 {
  return sodium().to_base64(bytes, sodium().base64_variants.URLSAFE_NO_PADDING) as B64;
}

/** Strict decode: rejects padding, the standard alphabet and non-canonical trailing bits. */
export function fromB64(value: string, expectedLength?: number): Uint8Array {
  if (typeof value !== 'string' || !B64URL.test(value) || value.length % 4 === 1) throw new EncodingError();
  let bytes: Uint8Array;
  try {
    bytes = sodium().from_base64(value, sodium().base64_variants.URLSAFE_NO_PADDING);
  } catch {
    throw new EncodingError();
  }
  if (toB64(bytes) !== value) throw new EncodingError('value is not canonical base64url');
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
