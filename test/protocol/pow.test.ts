import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import * as p from '../../protocol/index';
import { expectCryptoError, loadSodium } from './helpers';

beforeAll(loadSodium);
const NOW = 1_700_000_000;

async function solved(difficulty = 10) {
  const mac = p.newPowMacKey();
  const challenge = p.issuePowChallenge(mac, { purpose: 'ticket', difficulty, ttlSeconds: 120, now: NOW });
  const nonce = await p.solvePow(challenge);
  return { mac, challenge, nonce };
}

describe('proof of work', () => {
  it('verifies a solution and exposes the id for the replay check', async () => {
    const { mac, challenge, nonce } = await solved();
    const result = p.verifyPow(mac, challenge, nonce, NOW + 1);
    expect(result.purpose).toBe('ticket');
    expect(result.exp).toBe(NOW + 120);
    expect(result.id).toMatch(p.ID_PATTERN);
    expect(result.id).toBe(p.readPowChallenge(challenge).id);
  });

  it('WebCrypto and libsodium solvers find the same nonce, and the work is SHA-256', async () => {
    const mac = p.newPowMacKey();
    const challenge = p.issuePowChallenge(mac, { purpose: 'register', difficulty: 10, ttlSeconds: 60, now: NOW });
    const viaWebCrypto = await p.solvePow(challenge);
    expect(await p.solvePow(challenge, { webCrypto: false })).toBe(viaWebCrypto);
    const sha = createHash('sha256').update(p.utf8(challenge)).update(p.fromB64(viaWebCrypto)).digest();
    expect(p.leadingZeroBits(sha)).toBeGreaterThanOrEqual(10);
    expect(p.verifyPow(mac, challenge, viaWebCrypto, NOW).purpose).toBe('register');
  });

  it('issues challenges with distinct ids', () => {
    const mac = p.newPowMacKey();
    const ids = new Set(Array.from({ length: 20 }, () => p.readPowChallenge(p.issuePowChallenge(mac, { purpose: 'register', difficulty: 1, ttlSeconds: 1, now: NOW })).id));
    expect(ids.size).toBe(20);
  });

  it('finds a hash with at least the required leading zero bits', async () => {
    const { mac, challenge, nonce } = await solved(12);
    expect(() => p.verifyPow(mac, challenge, nonce, NOW)).not.toThrow();
    expect(p.leadingZeroBits(new Uint8Array([0, 0x10]))).toBe(11);
    expect(p.leadingZeroBits(new Uint8Array([0x80]))).toBe(0);
    expect(p.fromB64(nonce)).toHaveLength(8);
    expect(challenge.split('.')).toHaveLength(2);
  });

  it('rejects a wrong nonce', async () => {
    const { mac, challenge } = await solved(16);
    // A nonce that does not meet 16 bits: search the counter space for a failing one.
    let bad = '';
    for (let i = 0; ; i++) {
      const n = p.toB64(Uint8Array.from([i & 0xff, i >> 8, 0, 0, 0, 0, 0, 0]));
      try {
        p.verifyPow(mac, challenge, n, NOW);
      } catch {
        bad = n;
        break;
      }
    }
    expectCryptoError(() => p.verifyPow(mac, challenge, bad, NOW), 'pow_invalid');
  });

  it('rejects a challenge issued under another MAC key', async () => {
    const { challenge, nonce } = await solved();
    expectCryptoError(() => p.verifyPow(p.newPowMacKey(), challenge, nonce, NOW), 'pow_invalid');
  });

  it('rejects a challenge whose payload was edited to lower the difficulty', async () => {
    const { mac, challenge } = await solved(4);
    const [payload, tag] = challenge.split('.');
    const claims = JSON.parse(new TextDecoder().decode(p.fromB64(payload!)));
    const forged = `${p.toB64(p.utf8(JSON.stringify({ ...claims, difficulty: 0 })))}.${tag}`;
    expectCryptoError(() => p.verifyPow(mac, forged, p.toB64(new Uint8Array(8)), NOW), 'pow_invalid');
  });

  it('rejects an expired challenge', async () => {
    const { mac, challenge, nonce } = await solved();
    expectCryptoError(() => p.verifyPow(mac, challenge, nonce, NOW + 121), 'pow_expired');
  });

  it('rejects malformed input without throwing anything but PowError', () => {
    const mac = p.newPowMacKey();
    for (const c of ['', 'a.b.c', 'x'.repeat(600), '!!.??']) expectCryptoError(() => p.verifyPow(mac, c, 'AAAAAAAAAAA', NOW), 'pow_invalid');
  });

  it('reports progress while solving', async () => {
    const mac = p.newPowMacKey();
    const challenge = p.issuePowChallenge(mac, { purpose: 'ticket', difficulty: 16, ttlSeconds: 60, now: NOW });
    const progress: number[] = [];
    const nonce = await p.solvePow(challenge, { onProgress: (n) => progress.push(n) });
    expect(() => p.verifyPow(mac, challenge, nonce, NOW)).not.toThrow();
    const tries = new DataView(p.fromB64(nonce).buffer).getUint32(0, true);
    expect(progress.length).toBe(Math.floor(tries / 5120));
  });
});
