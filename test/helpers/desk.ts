// THE desk fixture (docs/ARCHITECTURE.md, "Tests"): one `Desk` type — a first admin, admitted
// staff, the team keys, live tokens — built one of two ways, with real libsodium and a real
// database (SQLite, or PostgreSQL with SEALDESK_TEST_BACKEND=postgres; see ./app.ts):
//   through the API (the real routes via app.inject; what a client does):
//     const desk = await setupDesk(t.app);                  // first admin, genesis, team key v1
//     const tom = await addTechnician(t.app, desk, 'tom');  // invited, activated, admitted, logged in
//   through the database (scale, or when staff set-up is not the subject; the same rows and signed
//   key-log entries the routes would write):
//     const desk = await seedDesk(t.app);  const tom = await seedStaff(t.app, desk, 'tom');
//     const r = await seedRequester(t.app);  await seedTicket(t.app, desk, r, { status: 'open' });
// and `withDesk(...)` for the usual beforeAll/afterAll. Staff passwords use CHEAP_KDF from
// test/fixtures/kdf.ts, and buildTestApp (./app.ts) is the one place the server's auth-hash cost
// is lowered.
import { eq } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import * as p from '../../protocol/index';
import type { tickets as ticketsTable } from '../../db/schema';
import { tables, transaction } from '../../server/services/data';
import { createSetupToken } from '../../server/plugins/app/desk';
import { SESSION_TTL_SECONDS, storedSessionTimes, type SubjectType } from '../../server/plugins/app/auth';
import { nowSeconds } from '../../server/plugins/app/tokens';
import { buildTestApp, type TestApp, type TestAppOptions } from './app';
import { CHEAP_KDF } from '../fixtures/kdf';
import { TEST_POW_DIFFICULTY } from '../fixtures/pow';

type App = TestApp['app'];
type Role = 'admin' | 'technician';

export interface StaffActor {
  staffId: string;
  username: string;
  password: string;
  role: 'admin' | 'technician';
  keys: p.StaffKeys;
  /** A live session token (null when created with `login: false`). */
  token: string | null;
}

/** A staff member with a live session. */
export type SignedInStaff = StaffActor & { token: string };

export interface Desk {
  deskId: string;
  fingerprint: string;
  admin: SignedInStaff;
  /** The current team key (v1 as generated at setup; seedTeamKey moves it on). */
  teamKey: p.TeamKeyPair;
  teamKeyVersion: number;
  /** Every team key pair the desk published, by version (the test plays every admin's browser). */
  teamKeys: Map<number, p.TeamKeyPair>;
}

let clock = 1_700_000_000;
const T0 = 1_700_000_000;
const passwordOf = (username: string) => `${username} password for tests`;
const at = () => clock++;

export async function api(app: App, method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE', url: string, body?: unknown, token?: string | null) {
  const res = await app.inject({
    method,
    url,
    ...(body === undefined ? {} : { payload: body as object }),
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  return { status: res.statusCode, body: res.body === '' ? undefined : (res.json() as any) };
}

async function ok(app: App, method: 'GET' | 'POST' | 'PATCH', url: string, body?: unknown, token?: string | null) {
  const res = await api(app, method, url, body, token);
  if (res.status >= 300) throw new Error(`${method} ${url} → ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** What a member's client sends to create an account: KDF params, authSecret, keys, sealed blob. */
export function enrolment(staffId: string, password: string, keys: p.StaffKeys = p.generateStaffKeys()) {
  return { keys, body: p.enrolStaffKeys(staffId, password, keys, CHEAP_KDF) };
}

/** prelogin → Argon2id → login; returns the token. */
export async function login(app: App, username: string, password: string): Promise<{ token: string; staffId: string }> {
  await p.ready();
  const pre = await ok(app, 'POST', '/api/staff/prelogin', { username });
  const { authSecret } = p.deriveStaffSecrets(password, pre.salt, { opslimit: pre.opslimit, memlimit: pre.memlimit });
  const res = await ok(app, 'POST', '/api/staff/login', { username, authSecret: p.toB64(authSecret) });
  return { token: res.token, staffId: res.staffId };
}

export async function keyLogState(app: App): Promise<p.KeyLogState> {
  const { entries } = await ok(app, 'GET', '/api/keylog');
  return p.verifyKeyLog(entries);
}

/** Builds, signs (as `signer`) and posts the next key-log entry. */
export async function appendEntry<T extends Exclude<p.KeyLogType, 'genesis'>>(app: App, signer: StaffActor & { token: string }, type: T, body: p.KeyLogBodies[T]) {
  const state = await keyLogState(app);
  const entry = p.signKeyLogEntry(p.buildKeyLogEntry(state, { type, body, signer: signer.staffId, at: at() }), signer.keys.sign.secretKey);
  return ok(app, 'POST', '/api/keylog', { entry }, signer.token);
}

export async function setupDesk(app: App, opts: { username?: string; password?: string } = {}): Promise<Desk> {
  await p.ready();
  const username = opts.username ?? 'admin';
  const password = opts.password ?? 'correct horse battery staple admin';
  const { token: setupToken } = await createSetupToken(app.db);
  const { deskId } = await ok(app, 'GET', '/api/desk');
  const staffId = p.newId();
  const { keys, body } = enrolment(staffId, password);
  const teamKey = p.generateTeamKey();
  const genesis = p.signKeyLogEntry(p.buildGenesisEntry({ deskId, staffId, username, boxPk: body.boxPk, signPk: body.signPk, at: at() }), keys.sign.secretKey);
  const state = p.verifyKeyLog([genesis]);
  const teamKeyEntry = p.signKeyLogEntry(
    p.buildKeyLogEntry(state, { type: 'team-key', body: { version: 1, boxPk: p.toB64(teamKey.publicKey) }, signer: staffId, at: at() }),
    keys.sign.secretKey,
  );
  const grant = p.sealGrant(teamKey.secretKey, keys.box.publicKey);
  const res = await ok(app, 'POST', '/api/setup', { token: setupToken, username, ...body, genesis, teamKey: teamKeyEntry, grant });
  const session = await login(app, username, password);
  return {
    deskId,
    fingerprint: res.fingerprint,
    admin: { staffId, username, password, role: 'admin', keys, token: session.token },
    teamKey,
    teamKeyVersion: 1,
    teamKeys: new Map([[1, teamKey]]),
  };
}

/** Admin invites `username`; returns the one-time token. */
export async function invite(app: App, desk: Desk, username: string, role: 'admin' | 'technician' = 'technician'): Promise<string> {
  return (await ok(app, 'POST', '/api/admin/invites', { username, role }, desk.admin.token)).inviteToken;
}

/** The invitee's side: look up the invite, make keys, activate. */
export async function activate(app: App, inviteToken: string, password: string): Promise<{ staffId: string; keys: p.StaffKeys; username: string; role: 'admin' | 'technician' }> {
  const info = await ok(app, 'POST', '/api/staff/invite', { inviteToken });
  const staffId: string = info.staffId ?? p.newId();
  const { keys, body } = enrolment(staffId, password);
  await ok(app, 'POST', '/api/staff/activate', { inviteToken, staffId, ...body });
  return { staffId, keys, username: info.username, role: info.role };
}

/** The admin's side of admission: staff-add for the member's current keys, then a grant of v1. */
export async function admit(app: App, desk: Desk, member: Pick<StaffActor, 'staffId' | 'username' | 'role' | 'keys'>): Promise<void> {
  await appendEntry(app, desk.admin, 'staff-add', {
    staffId: member.staffId,
    username: member.username,
    role: member.role,
    boxPk: p.toB64(member.keys.box.publicKey),
    signPk: p.toB64(member.keys.sign.publicKey),
  });
  const sealed = p.sealGrant(desk.teamKey.secretKey, member.keys.box.publicKey);
  await ok(app, 'POST', '/api/admin/grants', { grants: [{ staffId: member.staffId, teamKeyVersion: desk.teamKeyVersion, sealed }] }, desk.admin.token);
}

/** An invited, activated and (by default) admitted and logged-in staff member. */
export async function addTechnician(app: App, desk: Desk, username: string, opts: { role?: 'admin' | 'technician'; admit?: boolean; login?: boolean } = {}): Promise<StaffActor> {
  const password = passwordOf(username);
  const inviteToken = await invite(app, desk, username, opts.role ?? 'technician');
  const member = await activate(app, inviteToken, password);
  const actor: StaffActor = { ...member, password, token: null };
  if (opts.admit !== false) await admit(app, desk, actor);
  if (opts.login !== false) actor.token = (await login(app, username, password)).token;
  return actor;
}

// ---------------------------------------------------------------- through the database
// On either backend (test/helpers/app.ts picks it): the tables of the app's own dialect
// (`tables`), awaited query builders, and the data layer's `transaction`.

/** The verified key-log state of the rows in keylog_entries. */
export async function storedKeyLogState(app: App): Promise<p.KeyLogState> {
  const { keylogEntries } = tables(app.db);
  const rows = await app.db.select({ entry: keylogEntries.entry }).from(keylogEntries).orderBy(keylogEntries.seq);
  return p.verifyKeyLog(rows.map((r) => JSON.parse(r.entry) as p.KeyLogEntry));
}

async function storeEntry(app: App, entry: p.KeyLogEntry): Promise<void> {
  const { keylogEntries } = tables(app.db);
  await app.db.insert(keylogEntries).values({ seq: entry.seq, hash: p.entryHash(entry), type: entry.type, entry: JSON.stringify(entry), at: entry.at });
}

/** Signs (as the desk's admin) and stores the next key-log entry. */
async function appendSeeded<T extends Exclude<p.KeyLogType, 'genesis'>>(app: App, desk: Desk, type: T, body: p.KeyLogBodies[T]): Promise<void> {
  const entry = p.buildKeyLogEntry(await storedKeyLogState(app), { type, body, signer: desk.admin.staffId, at: at() });
  await storeEntry(app, p.signKeyLogEntry(entry, desk.admin.keys.sign.secretKey));
}

/** A staff row with real login material under CHEAP_KDF, so a real client (the CLI) can log in. */
async function insertStaff(app: App, username: string, role: Role, status: 'active' | 'disabled' | 'reset'): Promise<Omit<StaffActor, 'token'>> {
  const staffId = p.newId();
  const password = passwordOf(username);
  const keys = p.generateStaffKeys();
  const salt = p.newStaffSalt();
  const { kek, authSecret } = p.deriveStaffSecrets(password, salt, CHEAP_KDF);
  await app.db.insert(tables(app.db).staff).values({
    id: staffId,
    username,
    role,
    status,
    kdfSalt: salt,
    kdfOpslimit: CHEAP_KDF.opslimit,
    kdfMemlimit: CHEAP_KDF.memlimit,
    authHash: p.hashAuthSecret(authSecret, CHEAP_KDF),
    boxPk: p.toB64(keys.box.publicKey),
    signPk: p.toB64(keys.sign.publicKey),
    keyBlob: JSON.stringify(p.sealStaffKeyBlob(keys, kek, staffId)),
    createdAt: T0,
    updatedAt: T0,
  });
  return { staffId, username, password, role, keys };
}

async function grant(app: App, member: Pick<StaffActor, 'staffId' | 'keys'>, version: number, pair: p.TeamKeyPair): Promise<void> {
  await app.db.insert(tables(app.db).grants).values({ staffId: member.staffId, teamKeyVersion: version, sealed: p.sealGrant(pair.secretKey, member.keys.box.publicKey) });
}

/**
 * setupDesk's result written straight into the database: the first admin, a real signed key log
 * (genesis + team-key v1), the team key row, the admin's grant, the desk fingerprint. The admin's
 * token is issued directly (login is the staff suites' subject). `teamKey: false` stops after the
 * genesis entry (a desk before its first team key; seedTeamKey adds it).
 */
export async function seedDesk(app: App, opts: { username?: string; teamKey?: boolean } = {}): Promise<Desk> {
  await p.ready();
  const { desk: deskTable } = tables(app.db);
  const [{ deskId }] = (await app.db.select({ deskId: deskTable.deskId }).from(deskTable)) as [{ deskId: string }];
  const admin = await insertStaff(app, opts.username ?? 'admin', 'admin', 'active');
  const genesis = p.signKeyLogEntry(
    p.buildGenesisEntry({
      deskId,
      staffId: admin.staffId,
      username: admin.username,
      boxPk: p.toB64(admin.keys.box.publicKey),
      signPk: p.toB64(admin.keys.sign.publicKey),
      at: at(),
    }),
    admin.keys.sign.secretKey,
  );
  await storeEntry(app, genesis);
  const desk: Desk = {
    deskId,
    fingerprint: p.verifyKeyLog([genesis]).fingerprint,
    admin: { ...admin, token: await seededSession(app, 'staff', admin.staffId) },
    teamKey: p.generateTeamKey(), // version 0: a placeholder until seedTeamKey publishes v1
    teamKeyVersion: 0,
    teamKeys: new Map(),
  };
  await app.db.update(deskTable).set({ fingerprint: desk.fingerprint });
  if (opts.teamKey !== false) await seedTeamKey(app, desk);
  return desk;
}

/**
 * A staff member seeded as addTechnician leaves them: activated, and (unless `admit: false`) in
 * the log by a staff-add the admin signed plus a grant of every team key the desk has; with a
 * session token issued directly.
 */
export async function seedStaff(
  app: App,
  desk: Desk,
  username: string,
  opts: { role?: Role; status?: 'active' | 'disabled' | 'reset'; admit?: boolean } = {},
): Promise<SignedInStaff> {
  const member = await insertStaff(app, username, opts.role ?? 'technician', opts.status ?? 'active');
  if (opts.admit !== false) {
    const { staffId, role, keys } = member;
    await appendSeeded(app, desk, 'staff-add', { staffId, username, role, boxPk: p.toB64(keys.box.publicKey), signPk: p.toB64(keys.sign.publicKey) });
    for (const [version, pair] of desk.teamKeys) await grant(app, member, version, pair);
  }
  return { ...member, token: await seededSession(app, 'staff', member.staffId) };
}

/**
 * The next team key: a `team-key` entry signed by the admin, its row, and grants to `grantTo`
 * (default the admin); optionally retires the previous version. It becomes `desk.teamKey`.
 */
export async function seedTeamKey(app: App, desk: Desk, opts: { grantTo?: Pick<StaffActor, 'staffId' | 'keys'>[]; retirePrevious?: boolean } = {}): Promise<number> {
  const { teamKeys } = tables(app.db);
  const previous = desk.teamKeyVersion;
  const version = previous + 1;
  const pair = p.generateTeamKey();
  await appendSeeded(app, desk, 'team-key', { version, boxPk: p.toB64(pair.publicKey) });
  await app.db.insert(teamKeys).values({ version, boxPk: p.toB64(pair.publicKey), createdAt: T0 });
  for (const member of opts.grantTo ?? [desk.admin]) await grant(app, member, version, pair);
  if (opts.retirePrevious && previous > 0) {
    await appendSeeded(app, desk, 'team-key-retire', { version: previous });
    await app.db.update(teamKeys).set({ retiredAt: T0 }).where(eq(teamKeys.version, previous));
  }
  desk.teamKeys.set(version, pair);
  desk.teamKey = pair;
  desk.teamKeyVersion = version;
  return version;
}

/** The public half of team key `version` (default the current one), as a requester seals to it. */
export function teamPublicKey(desk: Desk, version = desk.teamKeyVersion): p.TeamPublicKeyVersion {
  return { version, publicKey: desk.teamKeys.get(version)!.publicKey };
}

/** The label key L of the current team key. */
export const labelKeyOf = (desk: Desk): p.LabelKey => p.deriveLabelKey(desk.teamKey.secretKey);

/** A label's tag under the current L, as a client computes it. */
export const labelTagOf = (desk: Desk, name: string): string => p.labelTag(labelKeyOf(desk), name);

export interface SeededRequester {
  requesterId: string;
  keys: p.IdentityKeys;
  /** A live requester session (issued directly; sign-in is the requester suites' subject). */
  token: string;
}

/** A registered requester with random keys (the passphrase KDF is not what these suites test). */
export async function seedRequester(app: App): Promise<SeededRequester> {
  const requesterId = p.newId();
  const keys = p.generateStaffKeys(); // any Ed25519 + X25519 identity
  await app.db.insert(tables(app.db).requesters).values({ id: requesterId, boxPk: p.toB64(keys.box.publicKey), signPk: p.toB64(keys.sign.publicKey), createdAt: T0 });
  return { requesterId, keys, token: await seededSession(app, 'requester', requesterId) };
}

type Status = (typeof ticketsTable.$inferSelect)['status'];
type Priority = (typeof ticketsTable.$inferSelect)['priority'];

export interface TicketSeed {
  subject?: string;
  body?: string;
  category?: string;
  status?: Status;
  priority?: Priority;
  assigneeId?: string | null;
  labelTags?: string[];
  createdAt?: number;
  /** Also a note key N wrapped to the team key. */
  withNotes?: boolean;
  /** The team key to wrap K (and N) to; default the desk's current one. */
  team?: p.TeamPublicKeyVersion;
}

export interface SeededTicket {
  ticketId: string;
  messageId: string;
  ticketKey: p.TicketKey;
  noteKey: p.NoteKey | null;
  subject: string;
  category: string;
}

/**
 * A real encrypted ticket in the rows POST /api/tickets stores: the first message signed by the
 * requester, K wrapped to the current team key and to the requester, label tags, optionally N.
 */
export async function seedTicket(app: App, desk: Desk, requester: Pick<SeededRequester, 'requesterId' | 'keys'>, seed: TicketSeed = {}): Promise<SeededTicket> {
  const subject = seed.subject ?? `subject ${p.newId().slice(0, 8)}`;
  const category = seed.category ?? 'account';
  const team = seed.team ?? teamPublicKey(desk);
  const created = p.createTicket({
    payload: { v: 1, subject, body: seed.body ?? 'please help', category, lang: 'en' },
    requesterSignSk: requester.keys.sign.secretKey,
    requesterBoxPk: requester.keys.box.publicKey,
    team,
  });
  const noteKey = seed.withNotes ? p.newNoteKey() : null;
  const noteWrap = noteKey ? p.wrapKeyForTeam(noteKey, team) : null;
  // Requester-side times are stored rounded down to the hour (docs/PROTOCOL.md).
  const stamp = Math.floor((seed.createdAt ?? Math.floor(Date.now() / 1000)) / 3600) * 3600;
  await transaction(app.db, async (tx) => {
    const { tickets, messages, wraps, ticketLabels } = tables(tx);
    const [row] = await tx
      .insert(tickets)
      .values({
        id: created.ticketId,
        requesterId: requester.requesterId,
        status: seed.status ?? 'new',
        priority: seed.priority ?? 'normal',
        assigneeId: seed.assigneeId ?? null,
        createdAt: stamp,
        updatedAt: stamp,
        closedAt: seed.status === 'closed' ? stamp : null,
      })
      .returning({ seq: tickets.seq });
    await tx.insert(messages).values({ id: created.messageId, ticketId: created.ticketId, seq: 1, kind: 'message', authorType: 'requester', ...created.message, createdAt: stamp });
    await tx.insert(wraps).values([
      { ticketId: created.ticketId, keyKind: 'ticket', recipient: 'team', teamKeyVersion: team.version, sealed: created.teamWrap.sealed },
      { ticketId: created.ticketId, keyKind: 'ticket', recipient: 'requester', teamKeyVersion: null, sealed: created.requesterWrap.sealed },
    ]);
    if (noteWrap)
      await tx.insert(wraps).values({ ticketId: created.ticketId, keyKind: 'note', recipient: 'team', teamKeyVersion: noteWrap.teamKeyVersion, sealed: noteWrap.sealed });
    for (const tag of seed.labelTags ?? []) await tx.insert(ticketLabels).values({ ticketSeq: row!.seq, tag });
  });
  return { ticketId: created.ticketId, messageId: created.messageId, ticketKey: created.ticketKey, noteKey, subject, category };
}

/** Puts a label in the dictionary the way a client would (sealed under L) and returns its tag. */
export async function seedLabel(app: App, desk: Desk, name: string): Promise<string> {
  const sealed = p.sealLabelName(labelKeyOf(desk), name);
  await app.db.insert(tables(app.db).labels).values({ tag: sealed.tag, sealedName: JSON.stringify(sealed.envelope), createdAt: T0 });
  return sealed.tag;
}

export async function disableStaff(app: App, staffId: string): Promise<void> {
  const { staff } = tables(app.db);
  await app.db.update(staff).set({ status: 'disabled' }).where(eq(staff.id, staffId));
}

// ---------------------------------------------------------------- the usual beforeAll/afterAll

export interface WithDeskOptions<Name extends string = string> extends TestAppOptions {
  /** 'api' (default): set up through the routes; 'db': seeded (see seedDesk). */
  via?: 'api' | 'db';
  /** Technicians to add (addTechnician or seedStaff), by username. */
  technicians?: readonly Name[];
  /** A fresh desk for every test (beforeEach/afterEach) instead of one per file. */
  each?: boolean;
}
// `env` defaults to TEST_POW_DIFFICULTY, so a requester's PoW solves at once.

export interface DeskFixture<Name extends string = string> {
  t: TestApp;
  app: App;
  desk: Desk;
  /** The technicians named in `technicians`, signed in. */
  staff: Record<Name, SignedInStaff>;
}

/**
 * Registers the hooks that build a desk on a fresh temp data dir and close and remove it after;
 * the returned object is filled in before the first test runs.
 *   const fx = withDesk({ via: 'db', technicians: ['tom'] });
 *   it('…', async () => { await fx.app.inject({ …, headers: bearer(fx.staff.tom.token) }) });
 */
export function withDesk<const Name extends string = never>(options: WithDeskOptions<Name> = {}): DeskFixture<Name> {
  const { via = 'api', technicians = [], each = false, env, ...appOptions } = options;
  const fixture = {} as DeskFixture<Name>;
  (each ? beforeEach : beforeAll)(async () => {
    await p.ready();
    const t = await buildTestApp({ ...appOptions, env: { SEALDESK_POW_DIFFICULTY: TEST_POW_DIFFICULTY, ...env } });
    const desk = via === 'db' ? await seedDesk(t.app) : await setupDesk(t.app);
    const members = {} as Record<Name, SignedInStaff>;
    for (const username of technicians) {
      members[username] = via === 'db' ? await seedStaff(t.app, desk, username) : ((await addTechnician(t.app, desk, username)) as SignedInStaff);
    }
    Object.assign(fixture, { t, app: t.app, desk, staff: members });
  });
  (each ? afterEach : afterAll)(async () => {
    await fixture.t?.close();
  });
  return fixture;
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** A session token issued the way `app.issueSession` does (same row, same claims), straight into the database. */
export async function seededSession(app: App, subjectType: SubjectType, subjectId: string): Promise<string> {
  return (await seededSessions(app, subjectType, subjectId, 1))[0]!;
}

/** `count` such tokens for one subject, in one INSERT (a suite that spends a token per request). */
export async function seededSessions(app: App, subjectType: SubjectType, subjectId: string, count: number): Promise<string[]> {
  const now = nowSeconds();
  const expiresAt = now + SESSION_TTL_SECONDS[subjectType];
  const rows = Array.from({ length: count }, () => ({ jti: p.newId(), subjectType, subjectId, ...storedSessionTimes(subjectType, now, expiresAt) }));
  await app.db.insert(tables(app.db).sessions).values(rows);
  return rows.map(({ jti }) => app.jwt.sign({ sub: subjectId, typ: subjectType, jti, exp: expiresAt }));
}
