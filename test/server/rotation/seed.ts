// The attachments suite's and the rotation and attachment benches' names for the seeded desk of
// test/helpers/desk.ts (the one fixture; new tests use it directly). Here a desk starts with its
// genesis entry only, and each addTeamKey publishes the next version.
import * as p from '../../../protocol/index';
import { buildTestApp, type TestApp, type TestAppOptions } from '../../helpers/app';
import { bearer, seedDesk as seedDeskRows, seedRequester, seedStaff, seedTeamKey, seedTicket, storedKeyLogState, type SignedInStaff } from '../../helpers/desk';

export { bearer };

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

export interface SeededDesk {
  admin: SeededStaff;
  state: () => p.KeyLogState;
  addStaff: (username: string, role?: 'admin' | 'technician') => SeededStaff;
  /** Appends `team-key` for the next version, stores its public key and grants it to `to`. */
  addTeamKey: (to: SeededStaff[]) => { version: number; pair: p.TeamKeyPair; pub: p.TeamPublicKeyVersion };
}

const named = (s: SignedInStaff): SeededStaff => ({ id: s.staffId, username: s.username, keys: s.keys, token: s.token });
const deskOf = new WeakMap<TestApp, ReturnType<typeof seedDeskRows>>();

/** A staff account the key log does not list (an invite not yet admitted). */
export function insertStaffRow(t: TestApp, username: string, role: 'admin' | 'technician'): SeededStaff {
  return named(seedStaff(t.app, deskOf.get(t)!, username, { role, admit: false }));
}

export function seedDesk(t: TestApp): SeededDesk {
  const desk = seedDeskRows(t.app, { username: 'ada', teamKey: false });
  deskOf.set(t, desk);
  return {
    admin: named(desk.admin),
    state: () => storedKeyLogState(t.app),
    addStaff: (username, role = 'technician') => named(seedStaff(t.app, desk, username, { role })),
    addTeamKey: (to) => {
      const version = seedTeamKey(t.app, desk, { grantTo: to.map((s) => ({ staffId: s.id, keys: s.keys })) });
      return { version, pair: desk.teamKey, pub: { version, publicKey: desk.teamKey.publicKey } };
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
  const r = seedRequester(t.app);
  return { id: r.requesterId, keys: r.keys as p.StaffKeys, token: r.token };
}

export interface SeededTicket {
  id: string;
  ticketKey: p.TicketKey;
  noteKey: p.NoteKey | null;
}

/** A ticket with K wrapped to `team` and the requester, and optionally N to `team`. */
export function addTicket(t: TestApp, requester: SeededRequester, team: p.TeamPublicKeyVersion, opts: { withNotes?: boolean } = {}): SeededTicket {
  const s = seedTicket(t.app, deskOf.get(t)!, { requesterId: requester.id, keys: requester.keys }, { ...opts, team });
  return { id: s.ticketId, ticketKey: s.ticketKey, noteKey: s.noteKey };
}
