import { createHash, randomBytes } from 'node:crypto';

/** 16 random bytes, base64url without padding: the id shape used everywhere (DECISIONS.md). */
export function newId(): string {
  return randomBytes(16).toString('base64url');
}

/** A one-time bearer secret (setup, invite): 32 random bytes, base64url. */
export function newOneTimeToken(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * How one-time tokens are stored: BLAKE2b-512 truncated to 32 bytes, base64url.
 * SECURITY: the database never holds a usable token; look rows up by this hash (an indexed
 * equality on a hash of a 256-bit secret leaks nothing useful through timing).
 */
export function hashOneTimeToken(token: string): string {
  return createHash('blake2b512').update(token, 'utf8').digest().subarray(0, 32).toString('base64url');
}

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
