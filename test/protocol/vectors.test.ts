import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import * as p from '../../protocol/index';
import { requesterMaster } from '../../protocol/requester';
import { buildDeterministicVectors, fixedIds, fixedStaff } from '../vectors/build';
import { encryptAttachmentChunkWithNonce } from '../../protocol/attachment';
import { IN, attachmentPlaintext, hex } from '../vectors/inputs';
import { collect, joinBytes, loadSodium } from './helpers';

// The committed file, not a fresh computation: a code change that alters any output fails here.
const committed = JSON.parse(readFileSync(new URL('../vectors/protocol-v1.json', import.meta.url), 'utf8'));

beforeAll(loadSodium);

describe('known-answer vectors (test/vectors/protocol-v1.json)', () => {
  it('reproduces every deterministic output byte for byte', () => {
    const fresh = JSON.parse(JSON.stringify(buildDeterministicVectors()));
    expect(fresh).toEqual(committed.deterministic);
  });

  it('derives the committed requester keys with the real INTERACTIVE Argon2id parameters', () => {
    const { deskId } = fixedIds();
    expect(hex(requesterMaster(IN.passphrase, deskId))).toBe(committed.requesterInteractive.masterHex);
    const keys = p.deriveRequesterKeys(IN.passphrase, deskId);
    expect(p.toB64(keys.box.publicKey)).toBe(committed.requesterInteractive.boxPk);
    expect(p.toB64(keys.sign.publicKey)).toBe(committed.requesterInteractive.signPk);
  });

  it('derives the committed staff kek and authSecret with the chosen-password parameters', () => {
    const s = p.deriveStaffSecrets(IN.staffPassword, p.toB64(IN.staffSalt), p.STAFF_PASSWORD_KDF);
    expect(committed.staffPassword.kdf).toEqual({ opslimit: 2, memlimit: 19 * 1024 * 1024 });
    expect(p.toB64(s.kek)).toBe(committed.staffPassword.kek);
    expect(p.toB64(s.authSecret)).toBe(committed.staffPassword.authSecret);
  });

  it('derives the committed secrets of a generated staff passphrase with its light parameters, however it is typed', () => {
    expect(committed.staffPassphrase.kdf).toEqual({ opslimit: 1, memlimit: 4 * 1024 * 1024 });
    expect(committed.staffPassphrase.typed).toBe(IN.passphraseRetyped);
    for (const typed of [IN.passphrase, IN.passphraseRetyped]) {
      const s = p.deriveStaffSecrets(typed, p.toB64(IN.staffSalt), p.STAFF_PASSPHRASE_KDF);
      expect(p.toB64(s.kek)).toBe(committed.staffPassphrase.kek);
      expect(p.toB64(s.authSecret)).toBe(committed.staffPassphrase.authSecret);
    }
    // A password that is not 8 list words keeps its case: NFKC only.
    const other = p.deriveStaffSecrets(IN.staffPassword.toUpperCase(), p.toB64(IN.staffSalt), p.STAFF_PASSPHRASE_KDF);
    expect(p.toB64(other.kek)).not.toBe(p.toB64(p.deriveStaffSecrets(IN.staffPassword, p.toB64(IN.staffSalt), p.STAFF_PASSPHRASE_KDF).kek));
  });

  it('opens the committed sealed wraps and grant with the fixed keys', () => {
    const team = p.teamKeyPairFromSecret(p.asTeamSecretKey(IN.teamSecretKey));
    expect(hex(p.openTeamWrap(committed.sealed.teamWrapOfTicketKey, team, 'ticket'))).toBe(hex(IN.ticketKey));
    const requester = p.deriveRequesterKeys(IN.passphrase, fixedIds().deskId, committed.deterministic.requesterCheap.kdf);
    expect(hex(p.openRequesterWrap(committed.sealed.requesterWrapOfTicketKey, requester.box))).toBe(hex(IN.ticketKey));
    const grant = p.openGrant(committed.sealed.grantToStaff, fixedStaff().box, team.publicKey);
    expect(hex(grant.secretKey)).toBe(hex(IN.teamSecretKey));
  });

  it('reproduces the committed attachment chunks and padding buckets, and decrypts them to the documented plaintext', async () => {
    const a = committed.attachment;
    const ids = fixedIds();
    const layout = p.attachmentLayout({ ticketId: ids.ticketId, attachmentId: ids.attachmentId, plainBytes: IN.attachmentPlaintextBytes, chunkBytes: a.chunkBytes });
    expect([layout.paddedBytes, layout.chunkCount]).toEqual([a.paddedSize, a.chunkCount]);
    expect([a.paddedSize, a.chunkCount]).toEqual([81_920, 2]);
    const chunks = (a.chunks as string[]).map((c) => p.fromB64(c));
    expect(chunks.map((c) => c.length)).toEqual([65_536 + 40, 16_384 + 40]);
    const pt = joinBytes(await collect(p.decryptAttachment(p.asFileKey(IN.fileKey), layout, chunks)));
    expect(hex(pt)).toBe(hex(attachmentPlaintext()));
    // Byte-exact with the fixed nonce
    const again = [];
    for await (const { index, plain } of p.plainChunks(layout, [attachmentPlaintext()]))
      again.push(p.toB64(encryptAttachmentChunkWithNonce(p.asFileKey(IN.fileKey), { ...layout, index }, plain, IN.nonce)));
    expect(again).toEqual(a.chunks);
    expect(a.chunkAd[1]).toBe(`sealdesk/v1/attachment-chunk|${ids.ticketId}|${ids.attachmentId}|1|2`);
    for (const { size, padded } of a.padding as { size: number; padded: number }[]) expect(p.paddedAttachmentSize(size)).toBe(padded);
  });

  it('opens the committed message, reply, note and attachment metadata', () => {
    const ids = fixedIds();
    const v = committed.deterministic;
    const first = p.openMessage({
      kind: 'message',
      ticketId: ids.ticketId,
      messageId: ids.messageId,
      key: p.asTicketKey(IN.ticketKey),
      envelope: v.messages.first,
      authorSignPk: p.asSignPublicKey(v.requesterCheap.signPk),
    });
    expect(p.isFirstMessage(first) && first.subject).toBe('My account was hacked');
    const note = p.openMessage({
      kind: 'note',
      ticketId: ids.ticketId,
      messageId: ids.replyId,
      key: p.asNoteKey(IN.noteKey),
      envelope: v.messages.note,
      authorSignPk: fixedStaff().sign.publicKey,
    });
    expect(note.body).toBe('Likely credential stuffing.');
    const meta = p.openAttachmentMeta({
      ticketId: ids.ticketId,
      attachmentId: ids.attachmentId,
      key: p.asTicketKey(IN.ticketKey),
      envelope: v.messages.attachmentMeta,
      authorSignPk: p.asSignPublicKey(v.requesterCheap.signPk),
    });
    expect(hex(meta.fileKey)).toBe(hex(IN.fileKey));
    expect(meta.size).toBe(IN.attachmentPlaintextBytes);
  });

  it('finds the committed proof-of-work solution and accepts it under the fixed MAC key', async () => {
    const { challenge, now } = committed.deterministic.pow;
    expect(await p.solvePow(challenge)).toBe(committed.powSolution);
    expect(p.verifyPow(p.asPowMacKey(IN.powMacKey), challenge, committed.powSolution, now).id).toBe(p.toB64(IN.powIdBytes));
    // The work is SHA-256 (node:crypto here, an independent implementation), not BLAKE2b.
    const sha = createHash('sha256').update(p.utf8(challenge)).update(p.fromB64(committed.powSolution)).digest();
    expect(sha.toString('hex')).toBe(committed.powSolutionSha256Hex);
    expect(p.leadingZeroBits(sha)).toBeGreaterThanOrEqual(committed.deterministic.pow.difficulty);
    expect(await p.solvePow(challenge, { webCrypto: false })).toBe(committed.powSolution);
  });

  it('verifies the committed key log against its pinned fingerprint', () => {
    const state = p.verifyKeyLog(committed.deterministic.keyLog.entries, { pinnedFingerprint: committed.deterministic.keyLog.fingerprint });
    expect(state.headHash).toBe(committed.deterministic.keyLog.headHash);
    expect(state.currentTeamKey?.boxPk).toBe(committed.deterministic.team.publicKey);
  });

  it('verifies the extended trust log: a label-key commitment, a re-enrolment, a removal', () => {
    // Given the committed 4-entry log and the three entries appended to it
    const t = committed.deterministic.trust;
    const state = p.verifyKeyLog([...committed.deterministic.keyLog.entries, ...t.keyLog.appended], {
      pinnedFingerprint: committed.deterministic.keyLog.fingerprint,
    });
    expect(state.headHash).toBe(t.keyLog.headHash);
    // Then the removed member's reply, signed with the key held before the re-enrolment, verifies as former_member
    const ids = fixedIds();
    const found = p.identifyStaffSigner(state, { kind: 'message', ticketId: ids.ticketId, messageId: ids.replyId, envelope: t.replyByFormerMember, staffId: t.keyLog.techId });
    expect(found?.status).toBe('former_member');
    expect(found?.period.untilSeq).toBe(5);
    // And the label key wrap opens to the committed key under the fixed team key
    const team = p.teamKeyPairFromSecret(p.asTeamSecretKey(IN.teamSecretKey));
    const labelKey = p.openLabelKeyWrap(committed.sealed.labelKeyWrap, team, state);
    expect(hex(labelKey)).toBe(t.labelKeyHex);
    expect(p.openLabelName(labelKey, t.labelSealed.tag, t.labelSealed.envelope)).toBe('phishing');
  });

  it('shows the committed fingerprints in the digit form and matches them with the legacy form', () => {
    const t = committed.deterministic.trust;
    expect(t.deskFingerprintDisplay).toMatch(/^\d{5}( \d{5}){5}$/);
    expect(p.fingerprintsMatch(committed.deterministic.keyLog.fingerprint, t.deskFingerprintDisplay)).toBe(true);
    expect(p.fingerprintsMatch(committed.deterministic.keyLog.fingerprint, t.staffKeyFingerprintDisplay)).toBe(false);
  });
});
