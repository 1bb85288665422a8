import { beforeAll, describe, expect, it } from 'vitest';
import * as p from '../../protocol/index';
import { CHEAP_KDF } from '../fixtures/kdf';
import { expectCryptoError, loadSodium } from './helpers';

beforeAll(loadSodium);

const first = { v: 1 as const, subject: 'Spyware?', body: 'My phone is slow', category: 'malware', lang: 'vi' };

function scenario() {
  const requester = p.deriveRequesterKeys(p.generatePassphrase(), p.newId(), CHEAP_KDF);
  const team = p.generateTeamKey();
  const created = p.createTicket({
    payload: first,
    requesterSignSk: requester.sign.secretKey,
    requesterBoxPk: requester.box.publicKey,
    team: { version: 1, publicKey: team.publicKey },
  });
  return { requester, team, created };
}

describe('createTicket', () => {
  it('sends everything but K: the submission carries ids, message and both wraps, never the ticket key', () => {
    const { created } = scenario();
    const sent = JSON.stringify(p.ticketSubmission(created));
    expect(Object.keys(JSON.parse(sent)).sort()).toEqual(['message', 'messageId', 'requesterWrap', 'teamWrap', 'ticketId']);
    expect(sent).not.toContain(p.toB64(created.ticketKey));
  });

  it('lets staff open K through the team wrap and read the signed first message', () => {
    // Given a ticket created by a requester
    const { requester, team, created } = scenario();
    // When staff open the team wrap
    const k = p.openTeamWrap(created.teamWrap, team, 'ticket');
    // Then the first message decrypts and verifies against the requester's key
    const msg = p.openMessage({
      kind: 'message',
      ticketId: created.ticketId,
      messageId: created.messageId,
      key: k,
      envelope: created.message,
      authorSignPk: requester.sign.publicKey,
    });
    expect(msg).toEqual(first);
    expect(created.teamWrap.teamKeyVersion).toBe(1);
  });

  it('lets the requester recover K from the passphrase-derived box key', () => {
    const { requester, created } = scenario();
    expect(p.toB64(p.openRequesterWrap(created.requesterWrap, requester.box))).toBe(p.toB64(created.ticketKey));
  });

  it('gives every ticket fresh ids and a fresh key', () => {
    const a = scenario().created;
    const b = scenario().created;
    expect(a.ticketId).not.toBe(b.ticketId);
    expect(a.messageId).not.toBe(a.ticketId);
    expect(p.toB64(a.ticketKey)).not.toBe(p.toB64(b.ticketKey));
    expect(a.ticketId).toMatch(p.ID_PATTERN);
  });

  it('refuses to open a team wrap with another team key', () => {
    const { created } = scenario();
    expectCryptoError(() => p.openTeamWrap(created.teamWrap, p.generateTeamKey(), 'ticket'), 'decrypt_failed');
  });

  it('never lets the requester open the note key N', () => {
    const { requester, team } = scenario();
    const noteWrap = p.wrapKeyForTeam(p.newNoteKey(), { version: 1, publicKey: team.publicKey });
    expectCryptoError(() => p.openRequesterWrap({ sealed: noteWrap.sealed }, requester.box), 'decrypt_failed');
  });
});

describe('team key grants and rotation', () => {
  it('hands the team key to a staff member and rebuilds its public key', () => {
    const staff = p.generateStaffKeys();
    const team = p.generateTeamKey();
    const opened = p.openGrant(p.sealGrant(team.secretKey, staff.box.publicKey), staff.box, team.publicKey);
    expect(p.toB64(opened.publicKey)).toBe(p.toB64(team.publicKey));
  });

  it('refuses a grant that carries a key other than the one published in the log', () => {
    const staff = p.generateStaffKeys();
    const rogue = p.generateTeamKey();
    expectCryptoError(() => p.openGrant(p.sealGrant(rogue.secretKey, staff.box.publicKey), staff.box, p.generateTeamKey().publicKey), 'decrypt_failed');
  });

  it('re-wraps a ticket key from version 1 to version 2 so only the new key is needed', () => {
    const { team, created } = scenario();
    const v2 = p.generateTeamKey();
    const rewrapped = p.rewrapForRotation(created.teamWrap, team, { version: 2, publicKey: v2.publicKey });
    expect(rewrapped.teamKeyVersion).toBe(2);
    expect(p.toB64(p.openTeamWrap(rewrapped, v2, 'ticket'))).toBe(p.toB64(created.ticketKey));
    expectCryptoError(() => p.openTeamWrap(rewrapped, team, 'ticket'), 'decrypt_failed');
  });

  it('accepts a wrap with an explicit v:1 and refuses another version', () => {
    const { team, created } = scenario();
    expect(() => p.openTeamWrap({ ...created.teamWrap, v: 1 }, team, 'ticket')).not.toThrow();
    expectCryptoError(() => p.openTeamWrap({ ...created.teamWrap, v: 3 }, team, 'ticket'), 'unsupported_version');
  });
});

describe('private labels', () => {
  it('gives the same blind tag to names that differ only in case, spacing or Unicode form', () => {
    const l = p.deriveLabelKey(p.generateTeamKey().secretKey);
    expect(p.labelTag(l, '  Phishing ')).toBe(p.labelTag(l, 'PHISHING'));
    expect(p.labelTag(l, 'ﬁle')).toBe(p.labelTag(l, 'file'));
    expect(p.labelTag(l, 'phishing')).not.toBe(p.labelTag(l, 'malware'));
  });

  it('gives unrelated tags under another team key, so tags reveal nothing across rotations', () => {
    const a = p.deriveLabelKey(p.generateTeamKey().secretKey);
    const b = p.deriveLabelKey(p.generateTeamKey().secretKey);
    expect(p.labelTag(a, 'phishing')).not.toBe(p.labelTag(b, 'phishing'));
  });

  it('seals a label name bound to its tag', () => {
    const l = p.deriveLabelKey(p.generateTeamKey().secretKey);
    const a = p.sealLabelName(l, 'Phishing');
    const b = p.sealLabelName(l, 'Malware');
    expect(p.openLabelName(l, a.tag, a.envelope)).toBe('phishing');
    expectCryptoError(() => p.openLabelName(l, b.tag, a.envelope), 'decrypt_failed');
  });
});
