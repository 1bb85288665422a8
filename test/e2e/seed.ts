// Requests filed straight over HTTP from Node, for browser tests that need many tickets (a
// rotation with several batches) without driving the request form each time: the same routes and
// protocol calls the web app makes (PoW, registration, signed sign-in, sealed ticket to the team
// key the VERIFIED key log names). Cheap Argon2 for the requester keys only.
import {
  createTicket,
  deriveRequesterKeys,
  generatePassphrase,
  ready,
  signRequesterChallenge,
  solvePow,
  teamPublicKeyOf,
  ticketSubmission,
  toB64,
  verifyKeyLog,
  type IdentityKeys,
} from '../../protocol/index';
import { CHEAP_KDF } from '../fixtures/kdf';

async function post<T>(url: string, path: string, body: unknown, token?: string): Promise<T> {
  const res = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`POST ${path} → ${res.status} ${text}`);
  return JSON.parse(text) as T;
}

async function pow(url: string, purpose: 'register' | 'ticket'): Promise<{ challenge: string; nonce: string }> {
  const { challenge } = await post<{ challenge: string }>(url, '/api/pow', { purpose });
  return { challenge, nonce: await solvePow(challenge) };
}

export interface SeededTicket {
  ticketId: string;
  subject: string;
}

/** `count` tickets from `requesters` requesters, subjects `${prefix} n`. Needs SEALDESK_MAX_OPEN_TICKETS ≥ count / requesters. */
export async function seedTickets(url: string, count: number, prefix: string, requesters = 1): Promise<SeededTicket[]> {
  await ready();
  const desk = (await (await fetch(`${url}/api/desk`)).json()) as { deskId: string };
  const { entries } = (await (await fetch(`${url}/api/keylog`)).json()) as { entries: unknown[] };
  const team = teamPublicKeyOf(verifyKeyLog(entries));
  const people: { keys: IdentityKeys; token: string }[] = [];
  for (let r = 0; r < requesters; r++) {
    const keys = deriveRequesterKeys(generatePassphrase(), desk.deskId, CHEAP_KDF);
    const signPk = toB64(keys.sign.publicKey);
    await post(url, '/api/requesters', { boxPk: toB64(keys.box.publicKey), signPk, pow: await pow(url, 'register') });
    const { challenge } = await post<{ challenge: string }>(url, '/api/requesters/challenge', { signPk });
    const { token } = await post<{ token: string }>(url, '/api/requesters/session', { signPk, challenge, sig: signRequesterChallenge(challenge, keys.sign.secretKey) });
    people.push({ keys, token });
  }
  const made: SeededTicket[] = [];
  for (let i = 0; i < count; i++) {
    const who = people[i % people.length]!;
    const subject = `${prefix} ${i + 1}`;
    const created = createTicket({
      payload: { v: 1, subject, body: `Details of ${subject}`, category: 'phishing', lang: 'en' },
      requesterSignSk: who.keys.sign.secretKey,
      requesterBoxPk: who.keys.box.publicKey,
      team,
    });
    await post(url, '/api/tickets', { ...ticketSubmission(created), pow: await pow(url, 'ticket') }, who.token);
    made.push({ ticketId: created.ticketId, subject });
  }
  return made;
}
