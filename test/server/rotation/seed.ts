// Seeds a desk straight through the database, with real keys from the protocol module, for the
// rotation and attachment suites. Only rows other rooms' routes would have written (staff,
// team keys, grants, requesters, tickets and their wraps); the routes under test do the rest.
import { desk, grants, keylogEntries, requesters, staff, teamKeys, tickets, wraps } from '../../../db/schema';
import * as p from '../../../protocol/index';
import { buildTestApp, type TestApp, type TestAppOptions } from '../../helpers/app';

/** The real app on a temp SQLite file, libsodium loaded. */
export async function buildDeskApp(options: TestAppOptions = {}): Promise<TestApp> {
  await p.ready();
  return buildTestApp(options);
}

export interface SeededStaff {
  id: string;
  username: string;
  keys: p.StaffKeys;
  token: string;
}

/**
 * A desk whose key log is real: a genesis entry by the first admin, then a signed entry for every
 * staff member and team key added here, written straight into keylog_entries (the key-log routes
 * are another suite's subject). Staff are admitted the way the server checks it: by the log.
 */
export interface SeededDesk {
  admin: SeededStaff;
  state: () => p.KeyLogState;
  addStaff: (username: string, role?: 'admin' | 'technician') => SeededStaff;
  /** Appends `team-key` for the next version, stores its public key and grants it to `to`. */
  addTeamKey: (to: SeededStaff[]) => { version: number; pair: p.TeamKeyPair; pub: p.TeamPublicKeyVersion };
}

const now = () => Math.floor(Date.now() / 1000);

/** A staff account the key log does not list (an invite not yet admitted). */
export function insertStaffRow(t: TestApp, username: string, role: 'admin' | 'technician'): SeededStaff {
  const keys = p.generateStaffKeys();
  const id = p.newId();
  t.db
    .insert(staff)
    .values({
      id,
      username,
      role,
      kdfSalt: p.toB64(new Uint8Array(16)),
      kdfOpslimit: 1,
      kdfMemlimit: 8192,
      authHash: 'not-used-by-these-suites',
      boxPk: p.toB64(keys.box.publicKey),
      signPk: p.toB64(keys.sign.publicKey),
      keyBlob: '{}',
      createdAt: now(),
      updatedAt: now(),
    })
    .run();
  return { id, username, keys, token: t.app.issueSession('staff', id).token };
}

export function seedDesk(t: TestApp): SeededDesk {
  const deskId = t.db.select({ deskId: desk.deskId }).from(desk).get()!.deskId;
  const admin = insertStaffRow(t, 'ada', 'admin');
  const store = (entry: p.KeyLogEntry) =>
    t.db
      .insert(keylogEntries)
      .values({ seq: entry.seq, hash: p.entryHash(entry), type: entry.type, entry: JSON.stringify(entry), at: entry.at })
      .run();
  const genesis = p.signKeyLogEntry(
    p.buildGenesisEntry({ deskId, staffId: admin.id, username: admin.username, boxPk: p.toB64(admin.keys.box.publicKey), signPk: p.toB64(admin.keys.sign.publicKey), at: now() }),
    admin.keys.sign.secretKey,
  );
  store(genesis);
  let state = p.verifyKeyLog([genesis]);
  const append = <T extends Exclude<p.KeyLogType, 'genesis'>>(type: T, body: p.KeyLogBodies[T]) => {
    const entry = p.signKeyLogEntry(p.buildKeyLogEntry(state, { type, body, signer: admin.id, at: now() }), admin.keys.sign.secretKey);
    state = p.applyKeyLogEntry(state, entry);
    store(entry);
  };
  return {
    admin,
    state: () => state,
    addStaff: (username, role = 'technician') => {
      const s = insertStaffRow(t, username, role);
      append('staff-add', { staffId: s.id, username, role, boxPk: p.toB64(s.keys.box.publicKey), signPk: p.toB64(s.keys.sign.publicKey) });
      return s;
    },
    addTeamKey: (to) => {
      const version = p.nextTeamKeyVersion(state);
      const pair = p.generateTeamKey();
      append('team-key', { version, boxPk: p.toB64(pair.publicKey) });
      t.db
        .insert(teamKeys)
        .values({ version, boxPk: p.toB64(pair.publicKey), createdAt: now() })
        .run();
      for (const s of to)
        t.db
          .insert(grants)
          .values({ staffId: s.id, teamKeyVersion: version, sealed: p.sealGrant(pair.secretKey, s.keys.box.publicKey) })
          .run();
      return { version, pair, pub: { version, publicKey: pair.publicKey } };
    },
  };
}

export interface SeededRequester {
  id: string;
  keys: p.StaffKeys;
  token: string;
}

/** A requester with random keys (the passphrase KDF is not what these suites test). */
export function addRequester(t: TestApp): SeededRequester {
  const keys = p.generateStaffKeys();
  const id = p.newId();
  t.db
    .insert(requesters)
    .values({ id, boxPk: p.toB64(keys.box.publicKey), signPk: p.toB64(keys.sign.publicKey), createdAt: 0 })
    .run();
  return { id, keys, token: t.app.issueSession('requester', id).token };
}

export interface SeededTicket {
  id: string;
  ticketKey: p.TicketKey;
  noteKey: p.NoteKey | null;
}

/** A ticket with K wrapped to the team key and the requester, and optionally N to the team key. */
export function addTicket(t: TestApp, requester: SeededRequester, team: p.TeamPublicKeyVersion, opts: { withNotes?: boolean } = {}): SeededTicket {
  const id = p.newId();
  const ticketKey = p.newTicketKey();
  const noteKey = opts.withNotes ? p.newNoteKey() : null;
  t.db.insert(tickets).values({ id, requesterId: requester.id, createdAt: 0, updatedAt: 0 }).run();
  const k = p.wrapKeyForTeam(ticketKey, team);
  t.db.insert(wraps).values({ ticketId: id, keyKind: 'ticket', recipient: 'team', teamKeyVersion: k.teamKeyVersion, sealed: k.sealed }).run();
  const r = p.wrapKeyForRequester(ticketKey, requester.keys.box.publicKey);
  t.db.insert(wraps).values({ ticketId: id, keyKind: 'ticket', recipient: 'requester', teamKeyVersion: null, sealed: r.sealed }).run();
  if (noteKey) {
    const n = p.wrapKeyForTeam(noteKey, team);
    t.db.insert(wraps).values({ ticketId: id, keyKind: 'note', recipient: 'team', teamKeyVersion: n.teamKeyVersion, sealed: n.sealed }).run();
  }
  return { id, ticketKey, noteKey };
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
