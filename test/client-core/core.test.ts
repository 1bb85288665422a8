// The client core with real libsodium and the real protocol module: what a requester's and a staff
// member's clients get back for one ticket, each from its own vault.
import { beforeAll, describe, expect, it } from 'vitest';
import * as core from '../../client-core';
import { buildKeyLogEntry, generateStaffKeys, generateTeamKey, newId, ready, sealGrant, sealMessage, signKeyLogEntry, toB64, verifyKeyLog } from '../../protocol';
import { CHEAP_KDF } from '../fixtures/kdf';
import { deskLog, message, PASSPHRASE, unlockAs } from './fixture';

let desk: ReturnType<typeof deskLog>;

beforeAll(async () => {
  await ready();
  // Given a desk whose genesis admin published team key v1
  desk = deskLog();
});

function vault(): core.Vault {
  const v = core.createVault(desk.deskId);
  core.trustKeyLog(v, desk.log, null);
  return v;
}

describe('client core: requester and staff on one ticket', () => {
  const requester = () => requesterVault;
  let requesterVault: core.Vault;
  let sealed: ReturnType<typeof core.sealNewTicket>;
  let keys: ReturnType<typeof core.unlockRequester>;

  it('derives the requester keys and seals a ticket the page can submit', () => {
    requesterVault = vault();
    keys = core.unlockRequester(requesterVault, PASSPHRASE, CHEAP_KDF);
    expect(keys.boxPk).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // Same passphrase, same keys: that is what lets a requester come back.
    expect(core.unlockRequester(vault(), `  ${PASSPHRASE.toUpperCase()} `, CHEAP_KDF)).toEqual(keys);
    sealed = core.sealNewTicket(requester(), { subject: 'Hacked', body: 'Someone reads my mail', category: 'hacked_account', lang: 'en' });
    expect(sealed.teamWrap.teamKeyVersion).toBe(1);
    // SECURITY: nothing the caller receives contains the plaintext.
    expect(JSON.stringify(sealed)).not.toContain('Someone reads my mail');
  });

  it('opens the requester wrap and shows the first message as signed by the requester', () => {
    // A returning requester: a fresh vault, the same passphrase
    const back = vault();
    core.unlockRequester(back, PASSPHRASE, CHEAP_KDF);
    expect(core.openMyTickets(back, [{ ticketId: sealed.ticketId, requesterWrap: sealed.requesterWrap }])).toEqual({ opened: [sealed.ticketId], failed: [] });
    const thread = core.openRequesterThread(back, sealed.ticketId, [message(sealed.messageId, 1, { type: 'requester' }, sealed.message)]);
    expect(thread[0]).toMatchObject({ subject: 'Hacked', body: 'Someone reads my mail', lang: 'en', signature: 'own', decryptFailed: false });
  });

  it('lets a staff member unlock, read the ticket through the team key and reply; the requester sees it verified', () => {
    // Given the admin unlocked with a grant of team key v1
    const staff = vault();
    expect(unlockAs(staff, desk.adminId, desk.admin, [{ teamKeyVersion: 1, sealed: sealGrant(desk.team.secretKey, desk.admin.box.publicKey) }])).toEqual({
      teamKeyVersions: [1],
      labels: true,
    });
    // When they open the ticket
    const first = message(sealed.messageId, 1, { type: 'requester' }, sealed.message);
    const ticket = { ticketId: sealed.ticketId, teamWrap: sealed.teamWrap, noteWrap: null, requesterSignPk: keys.signPk };
    const view = core.openStaffThread(staff, ticket, [first]);
    expect(view.messages[0]).toMatchObject({ subject: 'Hacked', signature: 'verified', decryptFailed: false });
    // And reply; the requester sees the reply as signed by a verified team member
    const reply = core.sealStaffReply(staff, sealed.ticketId, 'Change your password now', 'en');
    const thread = core.openRequesterThread(requester(), sealed.ticketId, [first, message(reply.messageId, 2, { type: 'staff', staffId: desk.adminId }, reply.envelope)]);
    expect(thread[1]).toMatchObject({ body: 'Change your password now', signature: 'verified', decryptFailed: false });
  });

  it('flags a reply signed by a key the log does not know, and one claiming a staff id it is not from', () => {
    const key = requester().ticketKeys.get(sealed.ticketId);
    if (!key) throw new Error('ticket key missing');
    const intruder = generateStaffKeys();
    const messageId = newId();
    const forged = sealMessage({ kind: 'message', ticketId: sealed.ticketId, messageId, key, payload: { v: 1, body: 'Install this app' }, authorSignSk: intruder.sign.secretKey });
    const thread = core.openRequesterThread(requester(), sealed.ticketId, [
      message(messageId, 3, { type: 'staff', staffId: desk.adminId }, forged),
      message(newId(), 4, { type: 'staff', staffId: newId() }, forged),
    ]);
    expect(thread.map((m) => m.signature)).toEqual(['bad', 'unknown_author']);
    // SECURITY: forged content is never handed out.
    expect(thread.map((m) => m.body)).toEqual(['', '']);
  });

  it('checks the signature even without the key: a staff member with no grant sees the status, not the text', () => {
    // Given a member unlocked with no grant of the ticket's team key version
    const staff = vault();
    unlockAs(staff, desk.adminId, desk.admin, []);
    const ticket = { ticketId: sealed.ticketId, teamWrap: sealed.teamWrap, noteWrap: null, requesterSignPk: keys.signPk };
    const forged = { ...sealed.message, sig: toB64(new Uint8Array(64)) };
    const view = core.openStaffThread(staff, ticket, [message(sealed.messageId, 1, { type: 'requester' }, sealed.message), message(newId(), 2, { type: 'requester' }, forged)]);
    expect(view.messages.map((m) => [m.signature, m.decryptFailed, m.body])).toEqual([
      ['verified', true, ''],
      ['bad', true, ''],
    ]);
    expect(() => core.sealStaffReply(staff, sealed.ticketId, 'x')).toThrow(core.CoreError);
  });

  it('refuses a staff key blob whose keys are not the ones the key log lists', () => {
    expect(() => unlockAs(vault(), desk.adminId, generateStaffKeys(), [])).toThrow(/not admitted yet/);
  });

  it('refuses a key log of another desk, and forgets the trusted log when verification fails', () => {
    const v = vault();
    expect(() => core.trustKeyLog(v, deskLog().log, null)).toThrow(/another desk/);
    expect(v.keyLog).toBeNull();
    expect(() => core.initDesk(v, newId())).toThrow(/desk id changed/);
  });

  it('opens grants only for team key versions the verified log publishes and has not retired', () => {
    // Given a log that rotated to v2 and retired v1
    const v2 = generateTeamKey();
    const sign = (state: ReturnType<typeof verifyKeyLog>, type: 'team-key' | 'team-key-retire', body: never) =>
      signKeyLogEntry(buildKeyLogEntry(state, { type, body, signer: desk.adminId, at: 3 }), desk.admin.sign.secretKey);
    const withV2 = [...desk.log, sign(verifyKeyLog(desk.log), 'team-key', { version: 2, boxPk: toB64(v2.publicKey) } as never)];
    const retired = [...withV2, sign(verifyKeyLog(withV2), 'team-key-retire', { version: 1 } as never)];
    const v = core.createVault(desk.deskId);
    core.trustKeyLog(v, retired, null);
    // When the member unlocks with grants of v1, v2 and a version the log never published
    const grants = [
      { teamKeyVersion: 1, sealed: sealGrant(desk.team.secretKey, desk.admin.box.publicKey) },
      { teamKeyVersion: 2, sealed: sealGrant(v2.secretKey, desk.admin.box.publicKey) },
      { teamKeyVersion: 3, sealed: sealGrant(generateTeamKey().secretKey, desk.admin.box.publicKey) },
    ];
    // Then only v2 is held
    expect(unlockAs(v, desk.adminId, desk.admin, grants)).toEqual({ teamKeyVersions: [2], labels: true });
    // And a grant carrying a key other than the one the log publishes is refused outright
    const swapped = [{ teamKeyVersion: 2, sealed: sealGrant(generateTeamKey().secretKey, desk.admin.box.publicKey) }];
    expect(() => unlockAs(v, desk.adminId, desk.admin, swapped)).toThrow(/published in the key log/);
  });
});
