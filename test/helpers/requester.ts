// The requester's side of a journey, through the real HTTP routes (PoW, registration, signed
// sign-in, submission) on a desk from test/helpers/desk.ts. Cheap Argon2 only via fixtures/kdf.ts.
import { expect } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import {
  createTicket,
  ticketSubmission,
  deriveRequesterKeys,
  generatePassphrase,
  ready,
  signRequesterChallenge,
  solvePow,
  toB64,
  type FirstMessagePayload,
  type IdentityKeys,
} from '../../protocol/index';
import { CHEAP_KDF } from '../fixtures/kdf';
import { TEST_POW_DIFFICULTY } from '../fixtures/pow';
import { bearer, teamPublicKey, type Desk } from './desk';
import { buildTestApp, type TestApp, type TestAppOptions } from './app';

export { TEST_POW_DIFFICULTY };

export async function buildJourneyApp(options: TestAppOptions = {}): Promise<TestApp> {
  await ready();
  return buildTestApp({ ...options, env: { SEALDESK_POW_DIFFICULTY: TEST_POW_DIFFICULTY, ...options.env } });
}

// ---------------------------------------------------------------- requester side (via HTTP)
export interface JourneyRequester {
  requesterId: string;
  passphrase: string;
  keys: IdentityKeys;
  token: string;
}

/** The one definition is the desk fixture's; re-exported for the requester-side suites. */
export { bearer };

export async function solvedPow(t: TestApp, purpose: 'register' | 'ticket'): Promise<{ challenge: string; nonce: string }> {
  const res = await t.app.inject({ method: 'POST', url: '/api/pow', payload: { purpose } });
  expect(res.statusCode).toBe(200);
  const { challenge } = res.json<{ challenge: string }>();
  return { challenge, nonce: await solvePow(challenge) };
}

/** Passphrase → keys (cheap KDF) → PoW → POST /api/requesters. */
export async function registerRequester(t: TestApp, deskId: string): Promise<Omit<JourneyRequester, 'token'>> {
  const passphrase = generatePassphrase();
  const keys = deriveRequesterKeys(passphrase, deskId, CHEAP_KDF);
  const res = await t.app.inject({
    method: 'POST',
    url: '/api/requesters',
    payload: { boxPk: toB64(keys.box.publicKey), signPk: toB64(keys.sign.publicKey), pow: await solvedPow(t, 'register') },
  });
  expect(res.statusCode).toBe(201);
  return { requesterId: res.json<{ requesterId: string }>().requesterId, passphrase, keys };
}

export async function signIn(t: TestApp, keys: IdentityKeys): Promise<LightMyRequestResponse> {
  const signPk = toB64(keys.sign.publicKey);
  const ch = await t.app.inject({ method: 'POST', url: '/api/requesters/challenge', payload: { signPk } });
  expect(ch.statusCode).toBe(200);
  const { challenge } = ch.json<{ challenge: string }>();
  return t.app.inject({ method: 'POST', url: '/api/requesters/session', payload: { signPk, challenge, sig: signRequesterChallenge(challenge, keys.sign.secretKey) } });
}

export async function newRequester(t: TestApp, d: Pick<Desk, 'deskId'>): Promise<JourneyRequester> {
  const r = await registerRequester(t, d.deskId);
  const res = await signIn(t, r.keys);
  expect(res.statusCode).toBe(200);
  return { ...r, token: res.json<{ token: string }>().token };
}

export const FIRST_MESSAGE: FirstMessagePayload = { v: 1, subject: 'My phone was seized', body: 'They took it at the border. What do I do?', category: 'device', lang: 'en' };

/** A ready POST /api/tickets body sealed to the current team key, plus K (kept by the client). */
export async function ticketBody(t: TestApp, d: Desk, r: Pick<JourneyRequester, 'keys'>, payload: FirstMessagePayload = FIRST_MESSAGE) {
  const created = createTicket({
    payload,
    requesterSignSk: r.keys.sign.secretKey,
    requesterBoxPk: r.keys.box.publicKey,
    team: teamPublicKey(d),
  });
  const body = { ...ticketSubmission(created), pow: await solvedPow(t, 'ticket') };
  return { body, ticketKey: created.ticketKey };
}

export async function submitTicket(t: TestApp, d: Desk, r: JourneyRequester, payload?: FirstMessagePayload) {
  const { body, ticketKey } = await ticketBody(t, d, r, payload);
  const res = await t.app.inject({ method: 'POST', url: '/api/tickets', headers: bearer(r.token), payload: body });
  expect(res.statusCode).toBe(201);
  return { ticketId: body.ticketId, messageId: body.messageId, ticketKey };
}

/** Asserts status and the one documented error shape. */
export function expectError(res: LightMyRequestResponse, status: number, code: string): { code: string; message: string } {
  expect(res.statusCode, res.body).toBe(status);
  const body = res.json<{ error: { code: string; message: string } }>();
  expect(Object.keys(body)).toEqual(['error']);
  expect(body.error.code).toBe(code);
  expect(typeof body.error.message).toBe('string');
  expect(body.error.message.length).toBeGreaterThan(0);
  return body.error;
}
