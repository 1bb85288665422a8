// Issue 12: one proof of work per first request, and a difficulty that is low when the desk is
// quiet and rises with paid load, carried inside each MAC'd challenge.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deriveRequesterKeys, generatePassphrase, issuePowChallenge, readPowChallenge, solvePow, toB64, verifyPow } from '../../../protocol/index';
import { CHEAP_KDF } from '../../fixtures/kdf';
import { difficultyForLoad, POW_MAX_RISE, POW_QUIET_SPENDS, resetPowLoad } from '../../../server/services/pow';
import type { TestApp } from '../../helpers/app';
import { seedDesk, type Desk } from '../../helpers/desk';
import { bearer, buildJourneyApp, expectError, newRequester, registerRequester, signIn, solvedPow, TEST_POW_DIFFICULTY, ticketBody } from '../../helpers/requester';

const QUIET = Number(TEST_POW_DIFFICULTY);
let t: TestApp;
let d: Desk;
beforeAll(async () => {
  t = await buildJourneyApp();
  d = await seedDesk(t.app);
});
afterAll(async () => t.close());

async function challenge(purpose: 'register' | 'ticket' = 'register') {
  resetPowLoad(t.app.db);
  const res = await t.app.inject({ method: 'POST', url: '/api/pow', payload: { purpose } });
  expect(res.statusCode).toBe(200);
  return res.json<{ challenge: string; difficulty: number; expiresAt: number }>();
}

const postTicket = (token: string, body: object) => t.app.inject({ method: 'POST', url: '/api/tickets', headers: bearer(token), payload: body });

/** A nonce that meets `atLeast` leading zero bits but not `below`: enough for a weaker challenge only. */
async function nonceBetween(ch: string, atLeast: number, below: number): Promise<string> {
  for (let i = 0; ; i++) {
    const nonce = toB64(Uint8Array.from([i & 0xff, (i >> 8) & 0xff, (i >> 16) & 0xff, 0, 0, 0, 0, 0]));
    const bits = await leadingBits(ch, nonce);
    if (bits >= atLeast && bits < below) return nonce;
  }
}
async function leadingBits(ch: string, nonce: string): Promise<number> {
  const { createHash } = await import('node:crypto');
  const h = createHash('sha256').update(new TextEncoder().encode(ch)).update(Buffer.from(nonce, 'base64url')).digest();
  let bits = 0;
  for (const byte of h) {
    if (byte === 0) bits += 8;
    else return bits + Math.clz32(byte) - 24;
  }
  return bits;
}

describe('one proof of work per first request', () => {
  it('accepts the first ticket without a PoW (the registration paid), and asks for one from the second on', async () => {
    const r = await newRequester(t, d);
    const first = (await ticketBody(t, d, r)).body;
    const { pow: _unused, ...unpaid } = first;
    expect((await postTicket(r.token, unpaid)).statusCode).toBe(201);

    const second = (await ticketBody(t, d, r)).body;
    const { pow, ...secondUnpaid } = second;
    expectError(await postTicket(r.token, secondUnpaid), 400, 'pow_required');
    expect((await postTicket(r.token, { ...secondUnpaid, pow })).statusCode).toBe(201);
  });

  it('gives two concurrent unpaid first tickets only one free ride', async () => {
    const r = await newRequester(t, d);
    const bodies = await Promise.all([ticketBody(t, d, r), ticketBody(t, d, r)]);
    const results = await Promise.all(bodies.map(({ body: { pow: _p, ...unpaid } }) => postTicket(r.token, unpaid)));
    expect(results.map((res) => res.statusCode).sort()).toEqual([201, 400]);
    expect(results.find((res) => res.statusCode === 400)!.json().error.code).toBe('pow_required');
  });

  it('refuses a spent ticket challenge a second time', async () => {
    const r = await newRequester(t, d);
    const a = (await ticketBody(t, d, r)).body;
    expect((await postTicket(r.token, a)).statusCode).toBe(201);
    const b = (await ticketBody(t, d, r)).body;
    expectError(await postTicket(r.token, { ...b, pow: a.pow }), 400, 'pow_replayed');
  });

  it('still needs a PoW to register', async () => {
    const { boxPk, signPk } = { boxPk: toB64(new Uint8Array(32).fill(9)), signPk: toB64(new Uint8Array(32).fill(8)) };
    expectError(await t.app.inject({ method: 'POST', url: '/api/requesters', payload: { boxPk, signPk } }), 400, 'validation_failed');
  });
});

describe('adaptive difficulty', () => {
  it('follows paid load: quiet, then one bit per doubling, capped', () => {
    expect(difficultyForLoad(16, 0)).toBe(16);
    expect(difficultyForLoad(16, POW_QUIET_SPENDS)).toBe(16);
    expect(difficultyForLoad(16, POW_QUIET_SPENDS + 1)).toBe(17);
    expect(difficultyForLoad(16, POW_QUIET_SPENDS * 2)).toBe(17);
    expect(difficultyForLoad(16, POW_QUIET_SPENDS * 2 + 1)).toBe(18);
    expect(difficultyForLoad(16, POW_QUIET_SPENDS * 1000)).toBe(16 + POW_MAX_RISE);
    expect(difficultyForLoad(30, POW_QUIET_SPENDS * 1000)).toBe(32);
  });

  it('issues the quiet difficulty on a quiet desk, a higher one under load, and checks each challenge at what it was issued', async () => {
    // A fresh desk: nothing paid yet (asking for challenges is free and does not count as load)
    const fresh = await buildJourneyApp();
    try {
      for (let i = 0; i < 5; i++) await fresh.app.inject({ method: 'POST', url: '/api/pow', payload: { purpose: 'register' } });
      const quiet = (await fresh.app.inject({ method: 'POST', url: '/api/pow', payload: { purpose: 'register' } })).json<{ challenge: string; difficulty: number }>();
      expect(quiet.difficulty).toBe(QUIET);
      expect(readPowChallenge(quiet.challenge).difficulty).toBe(QUIET);
    } finally {
      await fresh.close();
    }

    // Given a challenge issued while quiet
    const before = await challenge();
    expect(before.difficulty).toBe(QUIET);
    // When more than POW_QUIET_SPENDS paid writes land within the challenge lifetime
    for (let i = 0; i <= POW_QUIET_SPENDS * 2; i++) await registerRequester(t, d.deskId);
    // Then new challenges are harder, and say so inside the MAC'd payload
    const loaded = await challenge();
    expect(loaded.difficulty).toBeGreaterThanOrEqual(QUIET + 2);
    expect(readPowChallenge(loaded.challenge).difficulty).toBe(loaded.difficulty);

    // The quiet challenge still pays at its own (lower) difficulty
    const early = await registerWith({ challenge: before.challenge, nonce: await solvePow(before.challenge) });
    expect(early.statusCode).toBe(201);

    // The loaded challenge is refused with work that only meets the quiet difficulty
    const weak = await nonceBetween(loaded.challenge, QUIET, loaded.difficulty);
    expectError(await registerWith({ challenge: loaded.challenge, nonce: weak }), 400, 'pow_invalid');
    // and accepted with the work it asked for
    expect((await registerWith({ challenge: loaded.challenge, nonce: await solvePow(loaded.challenge) })).statusCode).toBe(201);

    // A client cannot lower the difficulty: a re-issued payload under another key fails the MAC
    const claims = readPowChallenge(loaded.challenge);
    const forged = issuePowChallenge(new Uint8Array(32).fill(1) as never, { purpose: 'register', difficulty: 0, ttlSeconds: 600, now: claims.exp - 600 });
    expect(() => verifyPow(t.app.secrets.powMacKey, forged, toB64(new Uint8Array(8)), claims.exp - 1)).toThrow();
  });

  it('a session challenge costs no work and does not count as load', async () => {
    const r = await registerRequester(t, d.deskId);
    resetPowLoad(t.app.db);
    const level = (await challenge()).difficulty;
    for (let i = 0; i < 3; i++) expect((await signIn(t, r.keys)).statusCode).toBe(200);
    expect((await challenge()).difficulty).toBe(level);
    const paid = await solvedPow(t, 'register');
    expect(readPowChallenge(paid.challenge).difficulty).toBe(level);
  });
});

async function registerWith(pow: { challenge: string; nonce: string }) {
  const keys = deriveRequesterKeys(generatePassphrase(), d.deskId, CHEAP_KDF);
  return t.app.inject({ method: 'POST', url: '/api/requesters', payload: { boxPk: toB64(keys.box.publicKey), signPk: toB64(keys.sign.publicKey), pow } });
}
