import { createPublicKey, verify } from 'node:crypto';
import fp from 'fastify-plugin';
import { useSignatureVerifier, type Ed25519Verifier } from '../../../protocol/index';

/**
 * Ed25519 verification by Node's OpenSSL instead of libsodium's WebAssembly build, for the checks
 * on the server's request paths (submission, reply, sign-in, key-log append). Measured on the
 * bench machine (Node 20, OpenSSL 3.0) it costs about the same CPU as warmed-up wasm (~155 µs per
 * check either way), so it is a seam for a faster native verifier, not a speed-up today.
 * The protocol's seam screens each input first (non-canonical S, small-order or non-canonical
 * keys and R), which OpenSSL alone lets through; test/protocol/signature-verifier.test.ts pins
 * the agreement with libsodium.
 */
export const verifyEd25519Natively: Ed25519Verifier = (signature, message, publicKey) => {
  // A raw 32-byte key enters OpenSSL fastest as a JWK (OpenSSL 3's DER/SPKI decoder costs several times more).
  const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(publicKey).toString('base64url') }, format: 'jwk' });
  return verify(null, message, key, signature);
};

// Process-wide by nature (the protocol module is one instance per process). Not undone on close:
// another app in the same process (tests) may still be running, and libsodium's answer is the same.
export default fp(
  async () => {
    useSignatureVerifier(verifyEd25519Natively);
  },
  { name: 'native-crypto' },
);
