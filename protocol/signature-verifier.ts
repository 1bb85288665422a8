// The one seam where the Ed25519 verifier can be swapped. The protocol still defines what is signed
// (message.ts, keylog.ts, requester.ts) and which encodings are acceptable (below); an installed
// verifier only does the curve arithmetic on inputs that already passed this screen. The default
// is libsodium's crypto_sign_verify_detached; the server installs Node's native one at start
// (server/plugins/app/native-crypto.ts). The wire format does not change.
import { KEY_BYTES, SIGNATURE_BYTES } from './constants';
import { sodium } from './sodium';

/** Plain Ed25519 verification (RFC 8032, cofactorless): true iff `signature` is valid for `message` under `publicKey`. */
export type Ed25519Verifier = (signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array) => boolean;

const libsodiumVerifier: Ed25519Verifier = (signature, message, publicKey) => sodium().crypto_sign_verify_detached(signature, message, publicKey);

let installed: Ed25519Verifier = libsodiumVerifier;

/**
 * Installs `verifier` for every signature check in this process (null restores libsodium's).
 * SECURITY: only a verifier that has been shown to agree with libsodium on valid, tampered and
 * malformed inputs may be installed (test/protocol/signature-verifier.test.ts does so for Node's).
 */
export function useSignatureVerifier(verifier: Ed25519Verifier | null): void {
  installed = verifier ?? libsodiumVerifier;
}

/** The screen below, then the installed verifier. False (never a throw) for any malformed input. */
export function verifyEd25519(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  if (signature.length !== SIGNATURE_BYTES || publicKey.length !== KEY_BYTES) return false;
  // SECURITY: libsodium refuses these before any curve arithmetic; OpenSSL (Node's crypto.verify)
  // accepts a small-order public key or R, so without this screen a key such as the identity
  // point would "sign" messages its holder never signed, and the server and the clients (which
  // verify with libsodium) would disagree about which records are authentic.
  if (!isCanonicalScalar(signature.subarray(32)) || hasSmallOrder(signature.subarray(0, 32))) return false;
  if (!isCanonicalPoint(publicKey) || hasSmallOrder(publicKey)) return false;
  try {
    return installed(signature, message, publicKey);
  } catch {
    return false;
  }
}

// The three checks below mirror libsodium 1.0.x (crypto_core/ed25519/ref10/ed25519_ref10.c:
// sc25519_is_canonical, ge25519_is_canonical, ge25519_has_small_order) byte for byte. The inputs
// are public (a signature and a public key), so none of them needs to run in constant time.

/** The group order L = 2^252 + 27742317777372353535851937790883648493, little-endian. */
const L = Uint8Array.from([
  0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10,
]);

/** S < L: a signature's scalar half has exactly one encoding (no S + L malleability). */
function isCanonicalScalar(s: Uint8Array): boolean {
  for (let i = 31; i >= 0; i--) {
    if (s[i]! !== L[i]!) return s[i]! < L[i]!;
  }
  return false;
}

/** The y coordinate (sign bit ignored) is below p = 2^255 - 19: rejects the 19 encodings y + p. */
function isCanonicalPoint(point: Uint8Array): boolean {
  if ((point[31]! & 0x7f) !== 0x7f || point[0]! < 0xed) return true;
  for (let i = 1; i < 31; i++) if (point[i]! !== 0xff) return true;
  return false;
}

const ffs = (first: number): number[] => [first, ...new Array<number>(30).fill(0xff), 0x7f];
/** Encodings of the eight points of order 1, 2, 4 and 8 (y = 1, 0, -1, ±y8; and p, p + 1), sign bit cleared. */
const SMALL_ORDER = [
  new Array<number>(32).fill(0), // y = 0: order 4
  [1, ...new Array<number>(31).fill(0)], // y = 1: the identity
  [
    0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3, 0xf4, 0x89, 0xf2, 0xef, 0x98, 0xf0, 0xd5, 0xdf, 0xac, 0x05, 0xd3, 0xc6, 0x33,
    0x39, 0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53, 0xfc, 0x05,
  ], // order 8
  [
    0xc7, 0x17, 0x6a, 0x70, 0x3d, 0x4d, 0xd8, 0x4f, 0xba, 0x3c, 0x0b, 0x76, 0x0d, 0x10, 0x67, 0x0f, 0x2a, 0x20, 0x53, 0xfa, 0x2c, 0x39, 0xcc,
    0xc6, 0x4e, 0xc7, 0xfd, 0x77, 0x92, 0xac, 0x03, 0x7a,
  ], // order 8
  ffs(0xec), // y = p - 1 = -1: order 2
  ffs(0xed), // y = p (non-canonical 0): order 4
  ffs(0xee), // y = p + 1 (non-canonical 1): the identity
].map((bytes) => Uint8Array.from(bytes));

function hasSmallOrder(point: Uint8Array): boolean {
  return SMALL_ORDER.some((bad) => {
    for (let i = 0; i < 31; i++) if (point[i] !== bad[i]) return false;
    return (point[31]! & 0x7f) === bad[31];
  });
}
