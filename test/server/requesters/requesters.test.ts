import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deriveRequesterKeys, generatePassphrase, readPowChallenge, signRequesterChallenge, toB64 } from '../../../protocol/index';
import { testTables, sqlGet } from '../../helpers/app';
import { CHEAP_KDF } from '../../fixtures/kdf';
import type { TestApp } from '../../helpers/app';
import { bearer, buildJourneyApp, expectError, registerRequester, signIn, solvedPow } from '../../helpers/requester';

const { requesters } = testTables;

let t: TestApp;
let deskId: string;
beforeAll(async () => {
  t = await buildJourneyApp();
  deskId = ((await sqlGet(t, 'select desk_id as d from desk')) as { d: string }).d;
});
afterAll(async () => t.close());

const keysFor = () => deriveRequesterKeys(generatePassphrase(), deskId, CHEAP_KDF);
const challengeFor = async (signPk: string) => {
  const res = await t.app.inject({ method: 'POST', url: '/api/requesters/challenge', payload: { signPk } });
  expect(res.statusCode).toBe(200);
  return res.json<{ challenge: string; expiresAt: number }>();
};
const session = (payload: object) => t.app.inject({ method: 'POST', url: '/api/requesters/session', payload });

describe('POST /api/requesters', () => {
  it('stores only the two public keys and answers 201 with a fresh requester id', async () => {
    const r = await registerRequester(t, deskId);
    expect(r.requesterId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    const row = (await t.db.select().from(requesters)).find((x) => x.id === r.requesterId)!;
    expect(row).toEqual({ id: r.requesterId, boxPk: toB64(r.keys.box.publicKey), signPk: toB64(r.keys.sign.publicKey), createdAt: expect.any(Number) });
    expect(row.createdAt % 3600).toBe(0);
  });

  it('refuses a signing key that is already registered (409)', async () => {
    const r = await registerRequester(t, deskId);
    const again = await t.app.inject({
      method: 'POST',
      url: '/api/requesters',
      payload: { boxPk: toB64(r.keys.box.publicKey), signPk: toB64(r.keys.sign.publicKey), pow: await solvedPow(t, 'register') },
    });
    expectError(again, 409, 'conflict');
  });

  it('refuses keys that are not 32 bytes of base64url, and unknown fields', async () => {
    const k = keysFor();
    const pow = await solvedPow(t, 'register');
    const good = { boxPk: toB64(k.box.publicKey), signPk: toB64(k.sign.publicKey), pow };
    for (const bad of [
      { ...good, boxPk: toB64(new Uint8Array(31)) },
      { ...good, signPk: Buffer.from(k.sign.publicKey).toString('base64') },
      { ...good, extra: 1 },
    ]) {
      expectError(await t.app.inject({ method: 'POST', url: '/api/requesters', payload: bad }), 400, 'validation_failed');
    }
  });
});

describe('POST /api/requesters/challenge and /session', () => {
  it('signs a requester in with a signature over the challenge', async () => {
    const r = await registerRequester(t, deskId);
    const res = await signIn(t, r.keys);
    expect(res.statusCode).toBe(200);
    const body = res.json<{ token: string; requesterId: string; expiresAt: number }>();
    expect(body.requesterId).toBe(r.requesterId);
    expect(body.expiresAt).toBeGreaterThan(Math.floor(Date.now() / 1000));
    expect((await t.app.inject({ method: 'GET', url: '/api/tickets/mine', headers: bearer(body.token) })).statusCode).toBe(200);
  });

  it('answers the challenge identically for unknown keys', async () => {
    const known = await registerRequester(t, deskId);
    const a = await challengeFor(toB64(known.keys.sign.publicKey));
    const b = await challengeFor(toB64(keysFor().sign.publicKey));
    expect(Object.keys(a)).toEqual(Object.keys(b));
    expect(a.challenge.length).toBe(b.challenge.length);
    expect(readPowChallenge(a.challenge).purpose).toBe(readPowChallenge(b.challenge).purpose);
  });

  it('gives the same 401 for an unknown key and for a bad signature', async () => {
    const known = await registerRequester(t, deskId);
    const stranger = keysFor();
    const sPk = toB64(stranger.sign.publicKey);
    const c1 = await challengeFor(sPk);
    const unknown = await session({ signPk: sPk, challenge: c1.challenge, sig: signRequesterChallenge(c1.challenge, stranger.sign.secretKey) });
    const kPk = toB64(known.keys.sign.publicKey);
    const c2 = await challengeFor(kPk);
    const badSig = await session({ signPk: kPk, challenge: c2.challenge, sig: signRequesterChallenge(c2.challenge, stranger.sign.secretKey) });
    const e1 = expectError(unknown, 401, 'unauthorized');
    const e2 = expectError(badSig, 401, 'unauthorized');
    expect(e1).toEqual(e2);
  });

  it('refuses a challenge issued for another key', async () => {
    const r = await registerRequester(t, deskId);
    const other = await challengeFor(toB64(keysFor().sign.publicKey));
    const res = await session({ signPk: toB64(r.keys.sign.publicKey), challenge: other.challenge, sig: signRequesterChallenge(other.challenge, r.keys.sign.secretKey) });
    expectError(res, 401, 'unauthorized');
  });

  it('refuses a replayed signed challenge', async () => {
    const r = await registerRequester(t, deskId);
    const signPk = toB64(r.keys.sign.publicKey);
    const { challenge } = await challengeFor(signPk);
    const payload = { signPk, challenge, sig: signRequesterChallenge(challenge, r.keys.sign.secretKey) };
    expect((await session(payload)).statusCode).toBe(200);
    expectError(await session(payload), 401, 'unauthorized');
  });

  it('refuses a proof-of-work challenge presented as a sign-in challenge', async () => {
    const r = await registerRequester(t, deskId);
    const { challenge } = await solvedPow(t, 'register');
    expectError(await session({ signPk: toB64(r.keys.sign.publicKey), challenge, sig: signRequesterChallenge(challenge, r.keys.sign.secretKey) }), 401, 'unauthorized');
  });
});

describe('POST /api/requesters/logout', () => {
  it('revokes the session at once', async () => {
    const r = await registerRequester(t, deskId);
    const { token } = (await signIn(t, r.keys)).json<{ token: string }>();
    const out = await t.app.inject({ method: 'POST', url: '/api/requesters/logout', headers: bearer(token), payload: {} });
    expect(out.statusCode).toBe(204);
    expectError(await t.app.inject({ method: 'GET', url: '/api/tickets/mine', headers: bearer(token) }), 401, 'unauthorized');
  });

  it('refuses a staff token', async () => {
    const { token } = await t.app.issueSession('staff', 'nobody-at-all-00000000');
    expectError(await t.app.inject({ method: 'POST', url: '/api/requesters/logout', headers: bearer(token), payload: {} }), 401, 'unauthorized');
  });
});
