// The requester journey's fixture: a set-up desk (real signed key log, team key, grants) seeded
// straight through the database with the protocol module, and a requester who goes through the
// real HTTP routes (PoW, registration, signed sign-in). Cheap Argon2 only via fixtures/kdf.ts.
import { expect } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import { eq } from 'drizzle-orm';
import {
  applyKeyLogEntry,
  buildGenesisEntry,
  buildKeyLogEntry,
  createTicket,
  ticketSubmission,
  deriveRequesterKeys,
  entryHash,
  generatePassphrase,
  generateStaffKeys,
  generateTeamKey,
  ready,
  sealGrant,
  signKeyLogEntry,
  signRequesterChallenge,
  solvePow,
  toB64,
  verifyKeyLog,
  type FirstMessagePayload,
  type IdentityKeys,
  type KeyLogEntry,
  type KeyLogState,
  type TeamKeyPair,
} from '../../protocol/index';
import { desk as deskTable, grants, keylogEntries, staff, teamKeys } from '../../db/schema';
import { newId } from '../../server/plugins/app/tokens';
import { CHEAP_KDF } from '../fixtures/kdf';
import { buildTestApp, type TestApp, type TestAppOptions } from './app';

/** Low difficulty keeps solving instant; verification cost does not depend on it. */
export const TEST_POW_DIFFICULTY = '4';

export async function buildJourneyApp(options: TestAppOptions = {}): Promise<TestApp> {
  await ready();
  return buildTestApp({ ...options, env: { SEALDESK_POW_DIFFICULTY: TEST_POW_DIFFICULTY, ...options.env } });
}

// ---------------------------------------------------------------- staff side (via the database)
export interface JourneyStaff {
  id: string;
  keys: IdentityKeys;
  token: string;
}
export interface JourneyDesk {
  deskId: string;
  admin: JourneyStaff;
  /** Team key pairs by version (the test plays every admin's browser). */
  team: Map<number, TeamKeyPair>;
  currentVersion: number;
  state: KeyLogState;
}

const T0 = 1_700_000_000;

function appendEntry(t: TestApp, d: { state: KeyLogState } | null, entry: KeyLogEntry): KeyLogState {
  const state = d ? applyKeyLogEntry(d.state, entry) : verifyKeyLog([entry]);
  t.db
    .insert(keylogEntries)
    .values({ seq: entry.seq, hash: entryHash(entry), type: entry.type, entry: JSON.stringify(entry), at: entry.at })
    .run();
  return state;
}

function insertStaff(t: TestApp, role: 'admin' | 'technician'): { id: string; keys: IdentityKeys } {
  const id = newId();
  const keys = generateStaffKeys();
  t.db
    .insert(staff)
    .values({
      id,
      username: `${role}-${id.slice(0, 8)}`.toLowerCase(),
      role,
      kdfSalt: 'unused-in-these-tests',
      kdfOpslimit: CHEAP_KDF.opslimit,
      kdfMemlimit: CHEAP_KDF.memlimit,
      authHash: 'unused-in-these-tests',
      boxPk: toB64(keys.box.publicKey),
      signPk: toB64(keys.sign.publicKey),
      keyBlob: '{}',
      createdAt: T0,
      updatedAt: T0,
    })
    .run();
  return { id, keys };
}

/** First admin, genesis, team key v1 with the admin's grant, desk fingerprint. */
export function seedDesk(t: TestApp): JourneyDesk {
  const deskId = t.db.select({ deskId: deskTable.deskId }).from(deskTable).get()!.deskId;
  const admin = insertStaff(t, 'admin');
  const genesis = signKeyLogEntry(
    buildGenesisEntry({ deskId, staffId: admin.id, username: 'admin', boxPk: toB64(admin.keys.box.publicKey), signPk: toB64(admin.keys.sign.publicKey), at: T0 }),
    admin.keys.sign.secretKey,
  );
  t.db.update(staff).set({ username: 'admin' }).where(eq(staff.id, admin.id)).run();
  const d: JourneyDesk = {
    deskId,
    admin: { ...admin, token: t.app.issueSession('staff', admin.id).token },
    team: new Map(),
    currentVersion: 0,
    state: appendEntry(t, null, genesis),
  };
  t.db.update(deskTable).set({ fingerprint: d.state.fingerprint }).run();
  rotateTeamKey(t, d);
  return d;
}

function signedByAdmin<T extends Parameters<typeof buildKeyLogEntry>[1]>(d: JourneyDesk, input: Omit<T, 'signer' | 'at'>): KeyLogEntry {
  const unsigned = buildKeyLogEntry(d.state, { ...input, signer: d.admin.id, at: T0 } as T);
  return signKeyLogEntry(unsigned, d.admin.keys.sign.secretKey);
}

/** A technician: staff-add in the log plus a grant of every live team key (unless not admitted). */
export function addTechnician(t: TestApp, d: JourneyDesk, opts: { admitted?: boolean } = {}): JourneyStaff {
  const member = insertStaff(t, 'technician');
  if (opts.admitted !== false) {
    const body = {
      staffId: member.id,
      username: `technician-${member.id.slice(0, 8)}`.toLowerCase(),
      role: 'technician' as const,
      boxPk: toB64(member.keys.box.publicKey),
      signPk: toB64(member.keys.sign.publicKey),
    };
    d.state = appendEntry(t, d, signedByAdmin(d, { type: 'staff-add', body }));
    for (const [version, pair] of d.team) {
      t.db
        .insert(grants)
        .values({ staffId: member.id, teamKeyVersion: version, sealed: sealGrant(pair.secretKey, member.keys.box.publicKey) })
        .run();
    }
  }
  return { ...member, token: t.app.issueSession('staff', member.id).token };
}

/** team-key v+1 in the log, its row, grants for the admin; optionally retires the previous version. */
export function rotateTeamKey(t: TestApp, d: JourneyDesk, opts: { retirePrevious?: boolean } = {}): number {
  const version = d.currentVersion + 1;
  const pair = generateTeamKey();
  d.state = appendEntry(t, d, signedByAdmin(d, { type: 'team-key', body: { version, boxPk: toB64(pair.publicKey) } }));
  t.db
    .insert(teamKeys)
    .values({ version, boxPk: toB64(pair.publicKey), createdAt: T0 })
    .run();
  t.db
    .insert(grants)
    .values({ staffId: d.admin.id, teamKeyVersion: version, sealed: sealGrant(pair.secretKey, d.admin.keys.box.publicKey) })
    .run();
  const previous = d.currentVersion;
  d.team.set(version, pair);
  d.currentVersion = version;
  if (opts.retirePrevious && previous > 0) {
    d.state = appendEntry(t, d, signedByAdmin(d, { type: 'team-key-retire', body: { version: previous } }));
    t.db.update(teamKeys).set({ retiredAt: T0 }).where(eq(teamKeys.version, previous)).run();
  }
  return version;
}

// ---------------------------------------------------------------- requester side (via HTTP)
export interface JourneyRequester {
  requesterId: string;
  passphrase: string;
  keys: IdentityKeys;
  token: string;
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

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

export async function newRequester(t: TestApp, d: JourneyDesk): Promise<JourneyRequester> {
  const r = await registerRequester(t, d.deskId);
  const res = await signIn(t, r.keys);
  expect(res.statusCode).toBe(200);
  return { ...r, token: res.json<{ token: string }>().token };
}

export const FIRST_MESSAGE: FirstMessagePayload = { v: 1, subject: 'My phone was seized', body: 'They took it at the border. What do I do?', category: 'device', lang: 'en' };

/** A ready POST /api/tickets body sealed to the current team key, plus K (kept by the client). */
export async function ticketBody(t: TestApp, d: JourneyDesk, r: Pick<JourneyRequester, 'keys'>, payload: FirstMessagePayload = FIRST_MESSAGE) {
  const version = d.currentVersion;
  const created = createTicket({
    payload,
    requesterSignSk: r.keys.sign.secretKey,
    requesterBoxPk: r.keys.box.publicKey,
    team: { version, publicKey: d.team.get(version)!.publicKey },
  });
  const body = { ...ticketSubmission(created), pow: await solvedPow(t, 'ticket') };
  return { body, ticketKey: created.ticketKey };
}

export async function submitTicket(t: TestApp, d: JourneyDesk, r: JourneyRequester, payload?: FirstMessagePayload) {
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
