// The worker's crypto engine, run in Node with real libsodium and the real protocol module:
// what the page gets back from the worker for a requester and a staff member on one ticket.
import { beforeAll, describe, expect, it } from 'vitest';
import {
  buildGenesisEntry,
  buildKeyLogEntry,
  deriveStaffSecrets,
  generateStaffKeys,
  generateTeamKey,
  newId,
  newStaffSalt,
  ready,
  sealGrant,
  sealMessage,
  sealStaffKeyBlob,
  signKeyLogEntry,
  toB64,
  verifyKeyLog,
  type KeyLogEntry,
  type StaffKeys,
} from '../../protocol';
import type { Message, StaffTicket } from '../../client/src/api';
import * as requester from '../../client/src/engine/requester';
import * as staff from '../../client/src/engine/staff';
import { engine } from '../../client/src/engine/state';
import { CHEAP_KDF } from '../fixtures/kdf';

const PASSPHRASE = 'abandon ability able about above absent absorb abstract';
let deskId: string;
let adminId: string;
let admin: StaffKeys;
let team: ReturnType<typeof generateTeamKey>;
let log: KeyLogEntry[];

function msg(messageId: string, seq: number, author: Message['author'], envelope: Message['envelope']): Message {
  return { messageId, seq, kind: 'message', author, envelope, createdAt: 1_700_000_000 };
}

beforeAll(async () => {
  await ready();
  // Given a desk whose genesis admin published team key v1
  deskId = newId();
  adminId = newId();
  admin = generateStaffKeys();
  team = generateTeamKey();
  const genesis = signKeyLogEntry(
    buildGenesisEntry({ at: 1, deskId, staffId: adminId, username: 'admin', boxPk: toB64(admin.box.publicKey), signPk: toB64(admin.sign.publicKey) }),
    admin.sign.secretKey,
  );
  const teamEntry = signKeyLogEntry(
    buildKeyLogEntry(verifyKeyLog([genesis]), { type: 'team-key', body: { version: 1, boxPk: toB64(team.publicKey) }, signer: adminId, at: 2 }),
    admin.sign.secretKey,
  );
  log = [genesis, teamEntry];
  engine.deskId = deskId;
  engine.keyLog = verifyKeyLog(log);
});

describe('crypto worker engine', () => {
  let ticketId: string;
  let sealed: ReturnType<typeof requester.sealNewTicket>;
  let keys: ReturnType<typeof requester.deriveKeys>;

  it('derives the requester keys and seals a ticket the page can submit', () => {
    keys = requester.deriveKeys(PASSPHRASE);
    expect(keys.boxPk).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // Same passphrase, same keys: that is what lets a requester come back.
    expect(requester.deriveKeys(`  ${PASSPHRASE.toUpperCase()} `)).toEqual(keys);
    sealed = requester.sealNewTicket({ content: { subject: 'Hacked', body: 'Someone reads my mail', category: 'hacked_account', lang: 'en' } });
    ticketId = sealed.ticketId;
    expect(sealed.teamWrap.teamKeyVersion).toBe(1);
    // SECURITY: nothing the page receives contains the plaintext.
    expect(JSON.stringify(sealed)).not.toContain('Someone reads my mail');
  });

  it('opens the requester wrap and shows the first message as signed by the requester', () => {
    engine.ticketKeys.clear();
    const opened = requester.openMyTickets([
      { ticketId, status: 'new', createdAt: 0, updatedAt: 0, requesterWrap: sealed.requesterWrap, messageCount: 1 },
    ]);
    expect(opened).toEqual({ opened: [ticketId], failed: [] });
    const thread = requester.openThread(ticketId, [msg(sealed.messageId, 1, { type: 'requester' }, sealed.message)]);
    expect(thread.messages[0]).toMatchObject({ subject: 'Hacked', body: 'Someone reads my mail', signature: 'own', decryptFailed: false });
  });

  it('lets a staff member unlock with their password, read the ticket and reply; the requester sees it verified', () => {
    // Given the admin's key blob sealed under their password and a grant of team key v1
    const salt = newStaffSalt();
    const { kek } = deriveStaffSecrets('correct horse', salt, CHEAP_KDF);
    const keyBlob = sealStaffKeyBlob(admin, kek, adminId);
    const grant = sealGrant(team.secretKey, admin.box.publicKey);
    const requesterKeys = engine.requester;
    // When the staff member unlocks in the worker
    const { authSecret } = staff.deriveSecrets({ password: 'correct horse', salt, ...CHEAP_KDF });
    expect(authSecret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(staff.unlock({ staffId: adminId, keyBlob, grants: [{ teamKeyVersion: 1, sealedKey: grant }] })).toEqual({ teamKeyVersions: [1] });
    // Then they read the ticket through the team key
    const first = msg(sealed.messageId, 1, { type: 'requester' }, sealed.message);
    const ticket: StaffTicket = {
      ticketId,
      status: 'new',
      priority: 'normal',
      assigneeId: null,
      labels: [],
      createdAt: 0,
      updatedAt: 0,
      firstMessage: first,
      teamWrap: sealed.teamWrap,
      noteWrap: null,
      requesterSignPk: keys.signPk,
    };
    engine.ticketKeys.clear();
    const view = staff.openTicket(ticket, [first]);
    expect(view.messages[0]).toMatchObject({ subject: 'Hacked', signature: 'verified', decryptFailed: false });
    // And reply; the requester sees the reply as signed by a verified team member
    const reply = staff.sealReply(ticketId, 'Change your password now', 'en');
    engine.requester = requesterKeys;
    const thread = requester.openThread(ticketId, [first, msg(reply.messageId, 2, { type: 'staff', staffId: adminId }, reply.envelope)]);
    expect(thread.messages[1]).toMatchObject({ body: 'Change your password now', signature: 'verified', decryptFailed: false });
  });

  it('flags a reply signed by a key the log does not know, and one claiming a staff id it is not from', () => {
    const key = engine.ticketKeys.get(ticketId);
    if (!key) throw new Error('ticket key missing');
    const intruder = generateStaffKeys();
    const messageId = newId();
    const forged = sealMessage({ kind: 'message', ticketId, messageId, key, payload: { v: 1, body: 'Install this app' }, authorSignSk: intruder.sign.secretKey });
    const thread = requester.openThread(ticketId, [
      msg(messageId, 3, { type: 'staff', staffId: adminId }, forged),
      msg(newId(), 4, { type: 'staff', staffId: newId() }, forged),
    ]);
    expect(thread.messages.map((m) => m.signature)).toEqual(['bad', 'unknown_author']);
    // SECURITY: forged content is never handed to the page.
    expect(thread.messages.map((m) => m.body)).toEqual(['', '']);
  });

  it('refuses a staff key blob whose keys are not the ones the key log lists', () => {
    const other = generateStaffKeys();
    const salt = newStaffSalt();
    const { kek } = deriveStaffSecrets('pw', salt, CHEAP_KDF);
    staff.deriveSecrets({ password: 'pw', salt, ...CHEAP_KDF });
    expect(() => staff.unlock({ staffId: adminId, keyBlob: sealStaffKeyBlob(other, kek, adminId), grants: [] })).toThrow(/key log/);
  });
});
