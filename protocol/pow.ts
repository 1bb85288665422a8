// SPEC §9 proof of work. Challenges are stateless: the server MACs them instead of storing them,
// and remembers only the ids of spent ones until they expire (replay check, server side).
//   payload   = utf8(JSON {v:1, id, purpose, difficulty, exp})
//   challenge = b64url(payload) + "." + b64url(BLAKE2b-256 keyed with macKey over payload)
//   solution  = 8-byte nonce with SHA-256(utf8(challenge) || nonce) having ≥ difficulty leading zero bits
// SHA-256, not BLAKE2b: browsers run it natively through WebCrypto, so the work costs the same
// with or without JIT/WebAssembly (issue 12: ~200× BLAKE2b in asm.js under `--jitless`).
import { z } from 'zod';
import { HASH_BYTES, POW_MAX_CHALLENGE_CHARS, POW_NONCE_BYTES } from './constants';
import { concatBytes, fromB64, fromUtf8, toB64, utf8, type B64 } from './encoding';
import { CryptoError, PowError } from './errors';
import { parseVersioned, versionTable } from './envelope';
import { newId } from './keys';
import { constantTimeEqual, hash256 } from './primitives';
import { sodium } from './sodium';
import { idSchema } from './schemas';
import type { PowMacKey } from './types';

export const POW_MAX_DIFFICULTY = 32;

const powPayloadV1 = z.strictObject({
  v: z.literal(1),
  id: idSchema,
  purpose: z.string().regex(/^[a-z][a-z0-9-]{0,31}$/),
  difficulty: z.number().int().min(0).max(POW_MAX_DIFFICULTY),
  exp: z.number().int().min(0),
});
export type PowPayload = z.infer<typeof powPayloadV1>;
const POW_PAYLOAD = versionTable<PowPayload>({ 1: powPayloadV1 });

export interface PowOptions {
  readonly purpose: string;
  readonly difficulty: number;
  readonly ttlSeconds: number;
  /** Unix seconds. */
  readonly now: number;
}

/** @internal Explicit id, for known-answer vectors only. */
export function issuePowChallengeWithId(macKey: PowMacKey, opts: PowOptions, id: string): string {
  const payload: PowPayload = parseVersioned(
    POW_PAYLOAD,
    { v: 1, id, purpose: opts.purpose, difficulty: opts.difficulty, exp: Math.floor(opts.now + opts.ttlSeconds) },
    'proof-of-work payload',
  );
  const bytes = utf8(JSON.stringify(payload));
  return `${toB64(bytes)}.${toB64(hash256(bytes, macKey))}`;
}

export function issuePowChallenge(macKey: PowMacKey, opts: PowOptions): string {
  return issuePowChallengeWithId(macKey, opts, newId());
}

/** Number of leading zero bits of `hash` (big-endian bit order: byte 0, most significant bit first). */
export function leadingZeroBits(hash: Uint8Array): number {
  let bits = 0;
  for (const byte of hash) {
    if (byte === 0) {
      bits += 8;
      continue;
    }
    return bits + Math.clz32(byte) - 24;
  }
  return bits;
}

/** Reads the challenge's claims without checking the MAC: for clients, never for the server. */
export function readPowChallenge(challenge: string): PowPayload {
  try {
    const [payloadB64] = challenge.split('.');
    return parseVersioned(POW_PAYLOAD, JSON.parse(fromUtf8(fromB64(payloadB64 ?? ''))), 'proof-of-work challenge');
  } catch (err) {
    if (err instanceof PowError) throw err;
    throw new PowError('pow_invalid', 'proof-of-work challenge is malformed');
  }
}

/** SHA-256(prefix || nonce), synchronously (libsodium): the server's check and the fallback solver. */
function powHash(prefix: Uint8Array, nonce: Uint8Array): Uint8Array {
  return sodium().crypto_hash_sha256(concatBytes(prefix, nonce));
}

/** WebCrypto's digest where the runtime has it (browsers in a secure context, Node ≥ 20). */
type Digest = (algorithm: 'SHA-256', data: Uint8Array) => Promise<ArrayBuffer>;
function webCryptoDigest(): Digest | null {
  const subtle = (globalThis as { crypto?: { subtle?: { digest?: Digest } } }).crypto?.subtle;
  return typeof subtle?.digest === 'function' ? subtle.digest.bind(subtle) : null;
}

type Yield = () => Promise<void>;
// The protocol compiles without DOM or Node types; setTimeout exists in both runtimes, and a
// macrotask yield lets a worker deliver progress messages between batches.
const yieldToEventLoop: Yield = () =>
  new Promise((resolve) => {
    const st = (globalThis as { setTimeout?: (cb: () => void, ms: number) => unknown }).setTimeout;
    if (st) st(resolve, 0);
    else resolve();
  });

const YIELD_EVERY = 5120; // a multiple of WEBCRYPTO_BATCH
/** WebCrypto digests in flight at once: each is an async hop to the browser's crypto thread. */
const WEBCRYPTO_BATCH = 64;

export interface SolveOptions {
  /** Called every 5120 tries with the number of tries so far. */
  readonly onProgress?: (tries: number) => void;
  /** Which SHA-256 to use; default: WebCrypto where the runtime has it but no WebAssembly. */
  readonly webCrypto?: boolean;
}

/**
 * Finds a nonce (counter, little-endian uint64; the first in counter order, so both engines
 * return the same one). libsodium's SHA-256 is fast with WebAssembly and slow in asm.js;
 * WebCrypto is native but each digest is an async hop (measured ≈ 10 000/s in a loaded worker),
 * so it is used, batched, where WebAssembly is missing (Tor Browser "safer", `--jitless`).
 */
export async function solvePow(challenge: string, options: SolveOptions = {}): Promise<B64> {
  const { difficulty } = readPowChallenge(challenge);
  const prefix = utf8(challenge);
  const input = new Uint8Array(prefix.length + POW_NONCE_BYTES);
  input.set(prefix);
  const view = new DataView(input.buffer, input.byteOffset + prefix.length, POW_NONCE_BYTES);
  const setNonce = (n: number) => {
    view.setUint32(0, n >>> 0, true);
    view.setUint32(4, Math.floor(n / 2 ** 32), true);
  };
  const digest = (options.webCrypto ?? !(globalThis as { WebAssembly?: unknown }).WebAssembly) ? webCryptoDigest() : null;
  for (let n = 0; ; n += WEBCRYPTO_BATCH) {
    const hashes: (Uint8Array | Promise<ArrayBuffer>)[] = [];
    for (let i = n; i < n + WEBCRYPTO_BATCH; i++) {
      setNonce(i);
      // digest() copies its input when called, so the buffer is reused for the next try.
      hashes.push(digest ? digest('SHA-256', input) : sodium().crypto_hash_sha256(input));
    }
    const hit = (digest ? await Promise.all(hashes) : hashes).findIndex((h) => leadingZeroBits(new Uint8Array(h as ArrayBuffer)) >= difficulty);
    if (hit >= 0) {
      setNonce(n + hit);
      return toB64(input.slice(prefix.length));
    }
    if ((n + WEBCRYPTO_BATCH) % YIELD_EVERY === 0) {
      options.onProgress?.(n + WEBCRYPTO_BATCH);
      await yieldToEventLoop();
    }
  }
}

/**
 * Server side. Checks, in this order: shape, MAC (constant time), expiry, work. Returns the id so
 * the caller can refuse a second use. Throws PowError pow_invalid / pow_expired.
 */
export function verifyPow(macKey: PowMacKey, challenge: string, nonceB64: string, now: number): { id: string; purpose: string; exp: number } {
  if (typeof challenge !== 'string' || challenge.length > POW_MAX_CHALLENGE_CHARS) throw new PowError('pow_invalid', 'challenge is malformed');
  const parts = challenge.split('.');
  if (parts.length !== 2) throw new PowError('pow_invalid', 'challenge is malformed');
  let payloadBytes: Uint8Array;
  let mac: Uint8Array;
  let nonce: Uint8Array;
  try {
    payloadBytes = fromB64(parts[0]!);
    mac = fromB64(parts[1]!, HASH_BYTES);
    nonce = fromB64(nonceB64, POW_NONCE_BYTES);
  } catch {
    throw new PowError('pow_invalid', 'challenge or nonce is malformed');
  }
  // SECURITY: the MAC is checked before anything in the payload is believed; otherwise a client
  // could pick its own difficulty 0 and a far-future expiry.
  if (!constantTimeEqual(hash256(payloadBytes, macKey), mac)) throw new PowError('pow_invalid', 'challenge was not issued by this desk');
  let payload: PowPayload;
  try {
    payload = parseVersioned(POW_PAYLOAD, JSON.parse(fromUtf8(payloadBytes)), 'proof-of-work payload');
  } catch (err) {
    if (err instanceof CryptoError) throw new PowError('pow_invalid', err.message);
    throw new PowError('pow_invalid', 'challenge payload is not JSON');
  }
  if (now > payload.exp) throw new PowError('pow_expired', 'challenge has expired');
  if (leadingZeroBits(powHash(utf8(challenge), nonce)) < payload.difficulty) throw new PowError('pow_invalid', 'not enough work');
  return { id: payload.id, purpose: payload.purpose, exp: payload.exp };
}
