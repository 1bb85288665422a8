import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asPowMacKey, deriveRequesterKeys, generatePassphrase, issuePowChallenge, readPowChallenge, solvePow, toB64, verifyPow } from '../../../protocol/index';
import { testTables, sqlGet } from '../../helpers/app';
import { POW_SPENT_GRACE_SECONDS, runMaintenance } from '../../../server/plugins/app/maintenance';
import type { TestApp } from '../../helpers/app';
import { buildJourneyApp, expectError, solvedPow, TEST_POW_DIFFICULTY } from '../../helpers/requester';
import { CHEAP_KDF } from '../../fixtures/kdf';

const { powSpent } = testTables;

let t: TestApp;
let deskId: string;
beforeAll(async () => {
  t = await buildJourneyApp();
  deskId = ((await sqlGet(t, 'select desk_id as d from desk')) as { d: string }).d;
});
afterAll(async () => t.close());

function freshKeys() {
  const keys = deriveRequesterKeys(generatePassphrase(), deskId, CHEAP_KDF);
  return { boxPk: toB64(keys.box.publicKey), signPk: toB64(keys.sign.publicKey) };
}
const register = (payload: unknown) => t.app.inject({ method: 'POST', url: '/api/requesters', payload: payload as object });

describe('POST /api/pow', () => {
  it('issues a MAC-signed challenge for the purpose at the configured difficulty, valid for about ten minutes', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/api/pow', payload: { purpose: 'ticket' } });
    expect(res.statusCode).toBe(200);
    const body = res.json<{ challenge: string; difficulty: number; expiresAt: number }>();
    const claims = readPowChallenge(body.challenge);
    expect(claims).toMatchObject({ purpose: 'ticket', difficulty: Number(TEST_POW_DIFFICULTY), exp: body.expiresAt });
    expect(body.difficulty).toBe(Number(TEST_POW_DIFFICULTY));
    expect(body.expiresAt - Math.floor(Date.now() / 1000)).toBeGreaterThan(9 * 60);
    expect(body.expiresAt - Math.floor(Date.now() / 1000)).toBeLessThanOrEqual(10 * 60);
    // Stateless: nothing is stored until a challenge is spent.
    expect((await t.db.select().from(powSpent)).filter((r) => r.id.endsWith(claims.id))).toEqual([]);
  });

  it('refuses an unknown purpose', async () => {
    expectError(await t.app.inject({ method: 'POST', url: '/api/pow', payload: { purpose: 'everything' } }), 400, 'validation_failed');
  });
});

describe('proof of work on POST /api/requesters', () => {
  it('refuses a body without a proof of work', async () => {
    expectError(await register(freshKeys()), 400, 'validation_failed');
  });

  it('refuses a wrong nonce', async () => {
    const pow = await solvedPow(t, 'register');
    // Flip the nonce to another value; with difficulty 4 a random nonce fails 15 times in 16,
    // so search for one that provably does not meet the target.
    const { challenge } = pow;
    let bad = pow.nonce;
    for (let i = 0; i < 256; i++) {
      const candidate = toB64(new Uint8Array([i, 255, 255, 255, 255, 255, 255, 255]));
      if (!meetsTarget(challenge, candidate)) {
        bad = candidate;
        break;
      }
    }
    expect(bad).not.toBe(pow.nonce);
    expectError(await register({ ...freshKeys(), pow: { challenge, nonce: bad } }), 400, 'pow_invalid');
  });

  it('refuses a challenge the desk did not issue (forged MAC)', async () => {
    const forged = issuePowChallenge(asPowMacKey(new Uint8Array(32).fill(7)), { purpose: 'register', difficulty: 0, ttlSeconds: 600, now: Math.floor(Date.now() / 1000) });
    expectError(await register({ ...freshKeys(), pow: { challenge: forged, nonce: await solvePow(forged) } }), 400, 'pow_invalid');
  });

  it('refuses a replayed proof of work', async () => {
    const pow = await solvedPow(t, 'register');
    const first = await register({ ...freshKeys(), pow });
    expect(first.statusCode).toBe(201);
    expectError(await register({ ...freshKeys(), pow }), 400, 'pow_replayed');
  });

  it('refuses an expired proof of work', async () => {
    // Issued with the server's own MAC key, ten minutes in the past: authentic but stale.
    const past = Math.floor(Date.now() / 1000) - 20 * 60;
    const challenge = issuePowChallenge(t.app.secrets.powMacKey, { purpose: 'register', difficulty: 1, ttlSeconds: 600, now: past });
    expectError(await register({ ...freshKeys(), pow: { challenge, nonce: await solvePow(challenge) } }), 400, 'pow_expired');
  });

  it('refuses a proof of work issued for another purpose', async () => {
    const pow = await solvedPow(t, 'ticket');
    const err = expectError(await register({ ...freshKeys(), pow }), 400, 'pow_invalid');
    expect(err.message).toMatch(/ticket/);
  });

  it('leaves the challenge usable when the write it paid for is refused', async () => {
    // Given registered keys
    const keys = freshKeys();
    expect((await register({ ...keys, pow: await solvedPow(t, 'register') })).statusCode).toBe(201);
    // When the same keys register again, the duplicate is refused (409) and the PoW not spent
    const pow = await solvedPow(t, 'register');
    expectError(await register({ ...keys, pow }), 409, 'conflict');
    // Then the same PoW still pays for a fresh registration
    expect((await register({ ...freshKeys(), pow })).statusCode).toBe(201);
  });

  it("prunes spent ids only once their challenge has expired, with a grace for other nodes' clocks", async () => {
    const pow = await solvedPow(t, 'register');
    expect((await register({ ...freshKeys(), pow })).statusCode).toBe(201);
    const id = `pow:${readPowChallenge(pow.challenge).id}`;
    const has = async () => (await t.db.select().from(powSpent)).some((r) => r.id === id);
    await runMaintenance(t.db, 90);
    expect(await has()).toBe(true);
    // Just expired by this clock: a node whose clock is behind still accepts the challenge.
    await runMaintenance(t.db, 90, readPowChallenge(pow.challenge).exp + 1);
    expect(await has()).toBe(true);
    await runMaintenance(t.db, 90, readPowChallenge(pow.challenge).exp + POW_SPENT_GRACE_SECONDS + 1);
    expect(await has()).toBe(false);
  });
});

function meetsTarget(challenge: string, nonce: string): boolean {
  try {
    verifyPow(t.app.secrets.powMacKey, challenge, nonce, Math.floor(Date.now() / 1000));
    return true;
  } catch {
    return false;
  }
}
