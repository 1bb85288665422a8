// Fingerprints people compare aloud (issue 10): the desk fingerprint (hash of the key log's genesis)
// and a staff member's key fingerprint, in one language-neutral form for the browser, the CLI and
// the docs: 6 groups of 5 decimal digits, like Signal's safety numbers. docs/PROTOCOL.md §6.2.
import { FINGERPRINT_GROUPS, FINGERPRINT_GROUP_BYTES, FINGERPRINT_GROUP_DIGITS } from './constants';
import { fromB64, isCanonicalB64, utf8 } from './encoding';
import { CryptoError, FormatError } from './errors';
import { constantTimeEqual } from './primitives';

/** How many bytes of the underlying hash the display form uses (6 × 5 = 30). */
export const FINGERPRINT_HASH_BYTES = FINGERPRINT_GROUPS * FINGERPRINT_GROUP_BYTES;
const MODULUS = 10 ** FINGERPRINT_GROUP_DIGITS;

/** Separators people type between groups; removed before comparing. */
const SEPARATORS = /[\s\-‐‑‒–—−.·_,]/gu;
const DIGITS_AND_SEPARATORS = /^[\s\-‐‑‒–—−.·_,0-9]+$/u;

/**
 * The display form: for each 5-byte piece of the hash (big-endian, 40 bits), that number mod
 * 100 000 as 5 digits, groups joined by one space. 6 groups carry ≈ 99.7 bits. Accepts the hash
 * bytes or its canonical base64url (as the key log's `fingerprint` and deskFingerprint() give it).
 */
export function formatFingerprint(hash: Uint8Array | string): string {
  const bytes = typeof hash === 'string' ? fromB64(hash) : hash;
  if (!(bytes instanceof Uint8Array) || bytes.length < FINGERPRINT_HASH_BYTES) {
    throw new FormatError(`a fingerprint needs at least ${FINGERPRINT_HASH_BYTES} bytes of hash`);
  }
  const groups: string[] = [];
  for (let g = 0; g < FINGERPRINT_GROUPS; g++) {
    let n = 0;
    // 40 bits fit exactly in a double (< 2^53).
    for (let i = 0; i < FINGERPRINT_GROUP_BYTES; i++) n = n * 256 + bytes[g * FINGERPRINT_GROUP_BYTES + i]!;
    groups.push(String(n % MODULUS).padStart(FINGERPRINT_GROUP_DIGITS, '0'));
  }
  return groups.join(' ');
}

/**
 * What someone typed or pasted, in display form. Input made only of digits and separators (spaces,
 * dashes, dots; full-width digits via NFKC) must hold exactly 30 digits. Anything else is read as
 * the legacy base64url form of the hash (a pinned desk fingerprint from before this format), which
 * is case-sensitive and must decode to at least 30 bytes. Throws FormatError otherwise; the
 * message never repeats the input.
 */
export function normaliseFingerprint(input: string): string {
  if (typeof input !== 'string') throw new FormatError('not a fingerprint');
  const text = input.normalize('NFKC').trim();
  if (DIGITS_AND_SEPARATORS.test(text)) {
    const digits = text.replace(SEPARATORS, '');
    const total = FINGERPRINT_GROUPS * FINGERPRINT_GROUP_DIGITS;
    if (digits.length !== total) throw new FormatError(`a fingerprint has ${total} digits`);
    const groups: string[] = [];
    for (let i = 0; i < total; i += FINGERPRINT_GROUP_DIGITS) groups.push(digits.slice(i, i + FINGERPRINT_GROUP_DIGITS));
    return groups.join(' ');
  }
  if (!isCanonicalB64(text)) throw new FormatError('not a fingerprint');
  return formatFingerprint(text);
}

/**
 * True when both sides name the same fingerprint. Each side is hash bytes, the base64url of a hash,
 * the display form, or what a person typed (see normaliseFingerprint); an unreadable side is a
 * mismatch, never an exception. Compared in constant time: the values are public, but a pinned
 * fingerprint should not leak how much of a forgery matched.
 */
export function fingerprintsMatch(a: Uint8Array | string, b: Uint8Array | string): boolean {
  const left = displayFormOrNull(a);
  const right = displayFormOrNull(b);
  if (left === null || right === null) return false;
  return constantTimeEqual(utf8(left), utf8(right));
}

function displayFormOrNull(value: Uint8Array | string): string | null {
  try {
    return typeof value === 'string' ? normaliseFingerprint(value) : formatFingerprint(value);
  } catch (err) {
    if (err instanceof CryptoError) return null;
    throw err;
  }
}
