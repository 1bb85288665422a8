// Seeds a desk for queue/label tests straight through the database, with real crypto: a signed
// key log (genesis, team key v1, staff-add per member), grants, real staff login material under
// CHEAP_KDF, requesters, and tickets built by the protocol module's createTicket in the same shapes
// the ticket routes store. Direct inserts keep the queue suites and the 100k-ticket bench fast;
// test/helpers/desk.ts and requester.ts build the same state through the public API.
import { eq } from 'drizzle-orm';
import {
  applyKeyLogEntry,
  buildGenesisEntry,
  buildKeyLogEntry,
  createTicket,
  deriveLabelKey,
  deriveStaffSecrets,
  entryHash,
  generateStaffKeys,
  generateTeamKey,
  hashAuthSecret,
  labelTag,
  newId,
  newStaffSalt,
  ready,
  sealGrant,
  sealLabelName,
  sealStaffKeyBlob,
  signKeyLogEntry,
  toB64,
  verifyKeyLog,
  type IdentityKeys,
  type KeyLogEntry,
  type KeyLogState,
  type LabelKey,
  type TeamKeyPair,
  type TicketKey,
} from '../../protocol';
import { desk as deskTable, grants, keylogEntries, labels, messages, requesters, staff, teamKeys, ticketLabels, tickets, wraps } from '../../db/schema';
import type { Db } from '../../db/client';
import { CHEAP_KDF } from '../fixtures/kdf';
import { buildTestApp, type TestApp, type TestAppOptions } from './app';

type Status = (typeof tickets.$inferSelect)['status'];
type Priority = (typeof tickets.$inferSelect)['priority'];

/**
 * The real app on a temp SQLite file, with libsodium ready. Load shedding is off: these suites
 * seed with synchronous crypto in the same process, which reads as a saturated event loop on a
 * busy machine. The overloaded path has its own foundation test.
 */
export async function buildQueueApp(options: TestAppOptions = {}): Promise<TestApp> {
  await ready();
  return buildTestApp({ underPressure: { maxEventLoopDelay: 0, maxEventLoopUtilization: 0 }, ...options });
}

export interface SeededStaff {
  id: string;
  username: string;
  password: string;
  keys: IdentityKeys;
  /** A live staff session token (issued directly; login is the staff room's subject). */
  token: string;
}

export interface SeededDesk {
  team: TeamKeyPair;
  teamVersion: number;
  labelKey: LabelKey;
  admin: SeededStaff;
  /** The verified key-log state after the last append (mutated by addStaffMember). */
  state: KeyLogState;
}

const T0 = 1_700_000_000;

function insertStaffRow(db: Db, role: 'technician' | 'admin', status: 'active' | 'disabled' | 'reset', username?: string) {
  const id = newId();
  const name =
    username ??
    `tech-${id
      .slice(0, 6)
      .toLowerCase()
      .replace(/[^a-z0-9]/g, 'x')}`;
  const password = `correct horse ${id}`;
  const keys = generateStaffKeys();
  const salt = newStaffSalt();
  // Real login material under the cheap test KDF, so a real client (the CLI) can log in.
  const { kek, authSecret } = deriveStaffSecrets(password, salt, CHEAP_KDF);
  db.insert(staff)
    .values({
      id,
      username: name,
      role,
      status,
      kdfSalt: salt,
      kdfOpslimit: CHEAP_KDF.opslimit,
      kdfMemlimit: CHEAP_KDF.memlimit,
      authHash: hashAuthSecret(authSecret, CHEAP_KDF),
      boxPk: toB64(keys.box.publicKey),
      signPk: toB64(keys.sign.publicKey),
      keyBlob: JSON.stringify(sealStaffKeyBlob(keys, kek, id)),
      createdAt: T0,
      updatedAt: T0,
    })
    .run();
  return { id, username: name, password, keys };
}

function appendEntry(db: Db, entry: KeyLogEntry): void {
  db.insert(keylogEntries)
    .values({ seq: entry.seq, hash: entryHash(entry), type: entry.type, entry: JSON.stringify(entry), at: entry.at })
    .run();
}

/**
 * A set-up desk through the database: first admin, a real signed key log (genesis + team-key v1),
 * the team key row, the admin's grant and the desk fingerprint.
 */
export function seedDesk(t: TestApp): SeededDesk {
  const deskId = t.db.select({ deskId: deskTable.deskId }).from(deskTable).get()!.deskId;
  const admin = insertStaffRow(t.db, 'admin', 'active', 'admin');
  const genesis = signKeyLogEntry(
    buildGenesisEntry({ deskId, staffId: admin.id, username: admin.username, boxPk: toB64(admin.keys.box.publicKey), signPk: toB64(admin.keys.sign.publicKey), at: T0 }),
    admin.keys.sign.secretKey,
  );
  appendEntry(t.db, genesis);
  let state = verifyKeyLog([genesis]);
  const team = generateTeamKey();
  const teamEntry = signKeyLogEntry(
    buildKeyLogEntry(state, { type: 'team-key', body: { version: 1, boxPk: toB64(team.publicKey) }, signer: admin.id, at: T0 }),
    admin.keys.sign.secretKey,
  );
  state = applyKeyLogEntry(state, teamEntry);
  appendEntry(t.db, teamEntry);
  t.db
    .insert(teamKeys)
    .values({ version: 1, boxPk: toB64(team.publicKey), createdAt: T0 })
    .run();
  t.db.update(deskTable).set({ fingerprint: state.fingerprint }).run();
  t.db
    .insert(grants)
    .values({ staffId: admin.id, teamKeyVersion: 1, sealed: sealGrant(team.secretKey, admin.keys.box.publicKey) })
    .run();
  const { token } = t.app.issueSession('staff', admin.id);
  return { team, teamVersion: 1, labelKey: deriveLabelKey(team.secretKey), admin: { ...admin, token }, state };
}

/**
 * A staff member. Admitted (default): a staff-add entry signed by the admin plus a grant of the
 * current team key — what the admin's admit step produces. `admitted: false` leaves them
 * activated but outside the log and without a grant.
 */
export function addStaffMember(
  t: TestApp,
  desk: SeededDesk,
  opts: { username?: string; role?: 'technician' | 'admin'; status?: 'active' | 'disabled' | 'reset'; admitted?: boolean } = {},
): SeededStaff {
  const role = opts.role ?? 'technician';
  const member = insertStaffRow(t.db, role, opts.status ?? 'active', opts.username);
  if (opts.admitted !== false) {
    const entry = signKeyLogEntry(
      buildKeyLogEntry(desk.state, {
        type: 'staff-add',
        body: { staffId: member.id, username: member.username, role, boxPk: toB64(member.keys.box.publicKey), signPk: toB64(member.keys.sign.publicKey) },
        signer: desk.admin.id,
        at: T0,
      }),
      desk.admin.keys.sign.secretKey,
    );
    desk.state = applyKeyLogEntry(desk.state, entry);
    appendEntry(t.db, entry);
    t.db
      .insert(grants)
      .values({ staffId: member.id, teamKeyVersion: desk.teamVersion, sealed: sealGrant(desk.team.secretKey, member.keys.box.publicKey) })
      .run();
  }
  const { token } = t.app.issueSession('staff', member.id);
  return { ...member, token };
}

export interface SeededRequester {
  id: string;
  keys: IdentityKeys;
}

export function addRequester(db: Db): SeededRequester {
  const id = newId();
  const keys = generateStaffKeys(); // any Ed25519 + X25519 identity; derivation is not under test here
  db.insert(requesters)
    .values({ id, boxPk: toB64(keys.box.publicKey), signPk: toB64(keys.sign.publicKey), createdAt: 1_700_000_000 })
    .run();
  return { id, keys };
}

export interface SeededTicket {
  ticketId: string;
  messageId: string;
  ticketKey: TicketKey;
  subject: string;
  category: string;
}

export interface TicketSeed {
  subject?: string;
  body?: string;
  category?: string;
  status?: Status;
  priority?: Priority;
  assigneeId?: string | null;
  labelTags?: string[];
  createdAt?: number;
}

/** A real encrypted ticket: first message signed by the requester, K wrapped to team and requester. */
export function addTicket(db: Db, desk: SeededDesk, requester: SeededRequester, seed: TicketSeed = {}): SeededTicket {
  const subject = seed.subject ?? `subject ${newId().slice(0, 8)}`;
  const category = seed.category ?? 'account';
  const created = createTicket({
    payload: { v: 1, subject, body: seed.body ?? 'please help', category, lang: 'en' },
    requesterSignSk: requester.keys.sign.secretKey,
    requesterBoxPk: requester.keys.box.publicKey,
    team: { version: desk.teamVersion, publicKey: desk.team.publicKey },
  });
  // Requester-side times are stored rounded down to the hour (SPEC §5).
  const at = Math.floor((seed.createdAt ?? Math.floor(Date.now() / 1000)) / 3600) * 3600;
  db.transaction((tx) => {
    const row = tx
      .insert(tickets)
      .values({
        id: created.ticketId,
        requesterId: requester.id,
        status: seed.status ?? 'new',
        priority: seed.priority ?? 'normal',
        assigneeId: seed.assigneeId ?? null,
        createdAt: at,
        updatedAt: at,
        closedAt: seed.status === 'closed' ? at : null,
      })
      .returning({ seq: tickets.seq })
      .get();
    tx.insert(messages)
      .values({ id: created.messageId, ticketId: created.ticketId, seq: 1, kind: 'message', authorType: 'requester', ...created.message, createdAt: at })
      .run();
    tx.insert(wraps)
      .values([
        { ticketId: created.ticketId, keyKind: 'ticket', recipient: 'team', teamKeyVersion: desk.teamVersion, sealed: created.teamWrap.sealed },
        { ticketId: created.ticketId, keyKind: 'ticket', recipient: 'requester', teamKeyVersion: null, sealed: created.requesterWrap.sealed },
      ])
      .run();
    for (const tag of seed.labelTags ?? []) tx.insert(ticketLabels).values({ ticketSeq: row.seq, tag }).run();
  });
  return { ticketId: created.ticketId, messageId: created.messageId, ticketKey: created.ticketKey, subject, category };
}

/** Puts a label in the dictionary the way a client would (sealed under L) and returns its tag. */
export function addLabelName(db: Db, desk: SeededDesk, name: string): string {
  const sealed = sealLabelName(desk.labelKey, name);
  db.insert(labels)
    .values({ tag: sealed.tag, sealedName: JSON.stringify(sealed.envelope), createdAt: 1_700_000_000 })
    .run();
  return sealed.tag;
}

export const tagOf = (desk: SeededDesk, name: string) => labelTag(desk.labelKey, name);

export function disableStaff(db: Db, id: string): void {
  db.update(staff).set({ status: 'disabled' }).where(eq(staff.id, id)).run();
}
