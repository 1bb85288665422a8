// The server verifies Ed25519 with Node's OpenSSL (server/plugins/app/native-crypto.ts) behind the
// protocol's seam; clients verify with libsodium. These tests pin that both give the same answer:
// on the known-answer vectors, on tampered inputs, and on the malformed encodings libsodium refuses
// but OpenSSL alone accepts (found while adding the native path: small-order keys and R).
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as p from '../../protocol/index';
import { verifyEd25519 } from '../../protocol/signature-verifier';
import { sodium } from '../../protocol/sodium';
import { verifyEd25519Natively } from '../../server/plugins/app/native-crypto';
import { fixedIds, fixedStaff } from '../vectors/build';
import { flipB64, loadSodium } from './helpers';

const committed = JSON.parse(readFileSync(new URL('../vectors/protocol-v1.json', import.meta.url), 'utf8'));

beforeAll(loadSodium);
afterEach(() => p.useSignatureVerifier(null));

/** libsodium's own answer, the reference every client uses. */
function libsodiumSays(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  try {
    return sodium().crypto_sign_verify_detached(signature, message, publicKey);
  } catch {
    return false;
  }
}

/** OpenSSL's answer without the protocol's screen (what the seam protects against). */
function opensslAloneSays(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  try {
    return verifyEd25519Natively(signature, message, publicKey);
  } catch {
    return false;
  }
}

/** The server's answer: the protocol's screen, then OpenSSL. */
function serverSays(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  p.useSignatureVerifier(verifyEd25519Natively);
  try {
    return verifyEd25519(signature, message, publicKey);
  } finally {
    p.useSignatureVerifier(null);
  }
}

const bytes = (...parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((part) => [...part]));
const L = 2n ** 252n + 27742317777372353535851937790883648493n;
const fromLittleEndian = (b: Uint8Array) => b.reduceRight((x, byte) => (x << 8n) | BigInt(byte), 0n);
const toLittleEndian = (x: bigint) => Uint8Array.from({ length: 32 }, (_, i) => Number((x >> BigInt(8 * i)) & 0xffn));

/**
 * A "signature" any stranger can make for a key of small order: R = rB, S = r satisfies the
 * cofactorless equation SB = R + hA whenever hA is the identity, i.e. when ord(A) divides h.
 */
function smallOrderForgery(publicKey: Uint8Array): { signature: Uint8Array; message: Uint8Array } {
  const s = sodium();
  const r = s.crypto_core_ed25519_scalar_random();
  const signature = bytes(s.crypto_scalarmult_ed25519_base_noclamp(r), r);
  let message = s.randombytes_buf(32);
  // ord(A) ≤ 8, so one message in eight at worst; 400 tries miss with probability < 1e-23.
  for (let i = 0; i < 400 && !opensslAloneSays(signature, message, publicKey); i++) message = s.randombytes_buf(32);
  return { signature, message };
}

const ffs = (first: number) => Uint8Array.from([first, ...new Array<number>(30).fill(0xff), 0x7f]);
/** Every encoding of the eight small-order points libsodium lists, sign bit clear. */
const SMALL_ORDER_POINTS: Record<string, Uint8Array> = {
  'y = 0 (order 4)': new Uint8Array(32),
  'y = 1 (identity)': Uint8Array.from([1, ...new Array<number>(31).fill(0)]),
  'order 8, first y': Uint8Array.from(Buffer.from('26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05', 'hex')),
  'order 8, second y': Uint8Array.from(Buffer.from('c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a', 'hex')),
  'y = -1 (order 2)': ffs(0xec),
  'y = p (non-canonical 0)': ffs(0xed),
  'y = p + 1 (non-canonical identity)': ffs(0xee),
};
const withSignBit = (point: Uint8Array) => Uint8Array.from(point, (b, i) => (i === 31 ? b | 0x80 : b));

describe('Ed25519 verifier seam (protocol/signature-verifier.ts)', () => {
  it('accepts every signed record of the committed known-answer vectors with the native verifier', () => {
    // Given the server's verifier installed
    p.useSignatureVerifier(verifyEd25519Natively);
    const ids = fixedIds();
    const v = committed.deterministic;
    const requesterPk = p.asSignPublicKey(v.requesterCheap.signPk);
    const records = [
      { kind: 'message', messageId: ids.messageId, envelope: v.messages.first, authorSignPk: requesterPk },
      { kind: 'message', messageId: ids.replyId, envelope: v.messages.reply, authorSignPk: fixedStaff().sign.publicKey },
      { kind: 'note', messageId: ids.replyId, envelope: v.messages.note, authorSignPk: fixedStaff().sign.publicKey },
      { kind: 'attachment', messageId: ids.attachmentId, envelope: v.messages.attachmentMeta, authorSignPk: requesterPk },
    ] as const;
    // Then each one verifies, and the same one with a flipped signature bit does not
    for (const r of records) {
      expect(() => p.verifyMessageSignature({ ...r, ticketId: ids.ticketId })).not.toThrow();
      const forged = { ...r.envelope, sig: flipB64(r.envelope.sig, 7, 3) };
      expect(() => p.verifyMessageSignature({ ...r, ticketId: ids.ticketId, envelope: forged })).toThrow(p.SignatureError);
    }
    expect(() => p.verifyRequesterChallenge('challenge-123', v.requesterCheap.sessionSig, requesterPk)).not.toThrow();
    expect(() => p.verifyRequesterChallenge('challenge-124', v.requesterCheap.sessionSig, requesterPk)).toThrow(p.SignatureError);
    expect(p.verifyKeyLog(v.keyLog.entries, { pinnedFingerprint: v.keyLog.fingerprint }).headHash).toBe(v.keyLog.headHash);
    const [genesis, ...rest] = v.keyLog.entries;
    expect(() => p.verifyKeyLog([{ ...genesis!, sig: flipB64(genesis!.sig, 40) }, ...rest])).toThrow(p.KeyLogError);
  });

  it('agrees with libsodium on valid signatures and on any one flipped bit of signature, message or key', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ maxLength: 2048 }),
        fc.constantFrom('none', 'signature', 'message', 'key'),
        fc.nat(),
        fc.nat(7),
        (seed, message, part, index, bit) => {
          const keys = sodium().crypto_sign_seed_keypair(seed);
          const signature = sodium().crypto_sign_detached(message, keys.privateKey);
          const target = { none: null, signature, message, key: keys.publicKey }[part];
          if (target && target.length > 0) target[index % target.length]! ^= 1 << bit;
          const expected = libsodiumSays(signature, message, keys.publicKey);
          expect(serverSays(signature, message, keys.publicKey)).toBe(expected);
          if (part === 'none') expect(expected).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('agrees with libsodium on arbitrary bytes as signature and key', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 64, maxLength: 64 }), fc.uint8Array({ maxLength: 64 }), fc.uint8Array({ minLength: 32, maxLength: 32 }), (signature, message, key) => {
        expect(serverSays(signature, message, key)).toBe(libsodiumSays(signature, message, key));
      }),
      { numRuns: 300 },
    );
  });

  it('refuses signatures of the wrong length, as libsodium does (which throws)', () => {
    const keys = sodium().crypto_sign_keypair();
    const message = p.utf8('hello');
    const signature = sodium().crypto_sign_detached(message, keys.privateKey);
    expect(serverSays(signature.subarray(0, 63), message, keys.publicKey)).toBe(false);
    expect(serverSays(bytes(signature, new Uint8Array(1)), message, keys.publicKey)).toBe(false);
    expect(serverSays(signature, message, keys.publicKey.subarray(0, 31))).toBe(false);
  });

  it('refuses a non-canonical S (S + L), as libsodium and OpenSSL both do', () => {
    const keys = sodium().crypto_sign_keypair();
    const message = p.utf8('hello');
    const signature = sodium().crypto_sign_detached(message, keys.privateKey);
    const malleated = bytes(signature.subarray(0, 32), toLittleEndian(fromLittleEndian(signature.subarray(32)) + L));
    expect(libsodiumSays(malleated, message, keys.publicKey)).toBe(false);
    expect(opensslAloneSays(malleated, message, keys.publicKey)).toBe(false);
    expect(serverSays(malleated, message, keys.publicKey)).toBe(false);
  });

  describe.each(Object.entries(SMALL_ORDER_POINTS))('a small-order public key: %s', (_name, point) => {
    it.each([
      ['sign bit clear', point],
      ['sign bit set', withSignBit(point)],
    ])('is refused (%s), although OpenSSL alone may accept a stranger-made signature for it', (_bit, key) => {
      const { signature, message } = smallOrderForgery(key);
      expect(libsodiumSays(signature, message, key)).toBe(false);
      expect(serverSays(signature, message, key)).toBe(false);
    });
  });

  it('OpenSSL alone does accept stranger-made signatures for the identity and order-8 keys (why the screen exists)', () => {
    for (const key of [SMALL_ORDER_POINTS['y = 1 (identity)']!, SMALL_ORDER_POINTS['order 8, first y']!, SMALL_ORDER_POINTS['order 8, second y']!]) {
      const { signature, message } = smallOrderForgery(key);
      expect(opensslAloneSays(signature, message, key)).toBe(true);
      expect(serverSays(signature, message, key)).toBe(false);
    }
  });

  it('refuses a small-order R (the identity) that OpenSSL alone accepts from the key holder', () => {
    // Given R = identity and S = h·a, which satisfies SB = R + hA for the real key A = aB
    const s = sodium();
    const keys = s.crypto_sign_keypair();
    const message = p.utf8('hello');
    const R = SMALL_ORDER_POINTS['y = 1 (identity)']!;
    const a = fromLittleEndian(s.crypto_sign_ed25519_sk_to_curve25519(keys.privateKey)); // the clamped secret scalar
    const h = fromLittleEndian(s.crypto_hash_sha512(bytes(R, keys.publicKey, message))) % L;
    const signature = bytes(R, toLittleEndian((h * a) % L));
    // Then OpenSSL alone accepts it, libsodium does not, and neither does the server
    expect(opensslAloneSays(signature, message, keys.publicKey)).toBe(true);
    expect(libsodiumSays(signature, message, keys.publicKey)).toBe(false);
    expect(serverSays(signature, message, keys.publicKey)).toBe(false);
  });

  it('refuses the non-canonical key encodings y + p, as libsodium does', () => {
    const signature = sodium().crypto_sign_detached(p.utf8('hello'), sodium().crypto_sign_keypair().privateKey);
    for (let first = 0xed; first <= 0xff; first++) {
      for (const key of [ffs(first), withSignBit(ffs(first))]) {
        expect(libsodiumSays(signature, p.utf8('hello'), key)).toBe(false);
        expect(serverSays(signature, p.utf8('hello'), key)).toBe(false);
      }
    }
  });

  it('keeps refusing a message "signed" for the identity key once the native verifier is installed', () => {
    // Given a record whose author key is the identity point and a stranger-made signature over its AD
    p.useSignatureVerifier(verifyEd25519Natively);
    const key = p.newTicketKey();
    const [ticketId, messageId] = [p.newId(), p.newId()];
    const genuine = p.sealMessage({ kind: 'message', ticketId, messageId, key, payload: { v: 1, body: 'hi' }, authorSignSk: p.generateStaffKeys().sign.secretKey });
    const identity = p.asSignPublicKey(SMALL_ORDER_POINTS['y = 1 (identity)']!);
    const s = sodium();
    const r = s.crypto_core_ed25519_scalar_random();
    const forged = { ...genuine, sig: p.toB64(bytes(s.crypto_scalarmult_ed25519_base_noclamp(r), r)) };
    const signed = bytes(p.messageAd('message', ticketId, messageId), p.fromB64(genuine.nonce), p.fromB64(genuine.ct));
    expect(opensslAloneSays(p.fromB64(forged.sig), signed, identity)).toBe(true);
    // Then the protocol still reports a forgery
    expect(() => p.verifyMessageSignature({ kind: 'message', ticketId, messageId, envelope: forged, authorSignPk: identity })).toThrow(p.SignatureError);
  });
});
