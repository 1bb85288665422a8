// Computes every deterministic known answer from the fixed inputs (see inputs.ts).
// Internal *WithNonce / *WithId functions are imported from their files on purpose: they are not
// part of the public module surface.
import * as p from '../../protocol/index';
import { sealRecordWithNonce } from '../../protocol/message';
import { MESSAGE_PAYLOAD, NOTE_PAYLOAD, ATTACHMENT_META_PAYLOAD } from '../../protocol/payloads';
import { requesterMaster } from '../../protocol/requester';
import { sealStaffKeyBlobWithNonce } from '../../protocol/staff';
import { sealLabelNameWithNonce } from '../../protocol/labels';
import { issuePowChallengeWithId } from '../../protocol/pow';
import { boxKeyPairFromSeed, signKeyPairFromSeed } from '../../protocol/keys';
import { CHEAP_KDF } from '../fixtures/kdf';
import { IN, firstPayload, hex, notePayload, replyPayload } from './inputs';

export function fixedStaff() {
  return { box: boxKeyPairFromSeed(IN.staffBoxSeed), sign: signKeyPairFromSeed(IN.staffSignSeed) };
}

export function fixedIds() {
  return {
    deskId: p.toB64(IN.deskIdBytes),
    staffId: p.toB64(IN.staffIdBytes),
    ticketId: p.toB64(IN.ticketIdBytes),
    messageId: p.toB64(IN.messageIdBytes),
    replyId: p.toB64(IN.replyIdBytes),
    attachmentId: p.toB64(IN.attachmentIdBytes),
  };
}

/** Entries signed by the fixed admin, each applied to the state before the next is built. */
function adminLog(entries: p.KeyLogEntry[]) {
  const staff = fixedStaff();
  const signer = fixedIds().staffId;
  let state = p.verifyKeyLog(entries);
  return {
    entries,
    get state() {
      return state;
    },
    append<T extends Exclude<p.KeyLogType, 'genesis'>>(type: T, body: p.KeyLogBodies[T], at: number) {
      const signed = p.signKeyLogEntry(p.buildKeyLogEntry(state, { type, body, signer, at }), staff.sign.secretKey);
      entries.push(signed);
      state = p.applyKeyLogEntry(state, signed);
    },
  };
}

const fixedTechId = () => p.toB64(IN.staffIdBytes.map((b) => b ^ 0xff));
const fixedTech = () => ({ box: boxKeyPairFromSeed(IN.staffBoxSeed.map((b) => b ^ 0xff)), sign: signKeyPairFromSeed(IN.staffSignSeed.map((b) => b ^ 0xff)) });

export function fixedKeyLog() {
  const ids = fixedIds();
  const staff = fixedStaff();
  const team = p.teamKeyPairFromSecret(p.asTeamSecretKey(IN.teamSecretKey));
  const tech = fixedTech();
  const techId = fixedTechId();
  const genesis = p.signKeyLogEntry(
    p.buildGenesisEntry({
      deskId: ids.deskId,
      staffId: ids.staffId,
      username: 'admin',
      boxPk: p.toB64(staff.box.publicKey),
      signPk: p.toB64(staff.sign.publicKey),
      at: IN.keyLogAt,
    }),
    staff.sign.secretKey,
  );
  const log = adminLog([genesis]);
  log.append('team-key', { version: 1, boxPk: p.toB64(team.publicKey) }, IN.keyLogAt + 1);
  log.append('staff-add', { staffId: techId, username: 'tech', role: 'technician', boxPk: p.toB64(tech.box.publicKey), signPk: p.toB64(tech.sign.publicKey) }, IN.keyLogAt + 2);
  log.append('role-set', { staffId: techId, role: 'admin' }, IN.keyLogAt + 3);
  return { entries: log.entries, state: log.state, genesis };
}

/**
 * The fixed 4-entry log extended (issue 10) by a `label-key` commitment, a re-enrolment of the
 * second member with new keys, and that member's removal: the keys a reader must still accept.
 */
export function fixedTrustLog() {
  const techId = fixedTechId();
  const reenrolled = { box: boxKeyPairFromSeed(IN.techReenrolBoxSeed), sign: signKeyPairFromSeed(IN.techReenrolSignSeed) };
  const labelKey = p.asLabelKey(IN.labelKey);
  const log = adminLog([...fixedKeyLog().entries]);
  log.append('label-key', { commit: p.labelKeyCommitment(labelKey) }, IN.keyLogAt + 4);
  log.append(
    'staff-add',
    { staffId: techId, username: 'tech', role: 'admin', boxPk: p.toB64(reenrolled.box.publicKey), signPk: p.toB64(reenrolled.sign.publicKey) },
    IN.keyLogAt + 5,
  );
  log.append('staff-remove', { staffId: techId }, IN.keyLogAt + 6);
  return { entries: log.entries, state: log.state, techId, labelKey, firstTechSignSk: fixedTech().sign.secretKey };
}

function buildTrustVectors() {
  const ids = fixedIds();
  const staff = fixedStaff();
  const { entries, state, techId, labelKey, firstTechSignSk } = fixedTrustLog();
  const boxPk = p.toB64(staff.box.publicKey);
  const signPk = p.toB64(staff.sign.publicKey);
  const place = { ticketId: ids.ticketId, messageId: ids.replyId };
  return {
    deskFingerprintDisplay: p.formatFingerprint(state.fingerprint),
    staffKeyFingerprint: p.staffKeyFingerprint(boxPk, signPk),
    staffKeyFingerprintDisplay: p.formatFingerprint(p.staffKeyFingerprintHash(boxPk, signPk)),
    labelKeyHex: hex(labelKey),
    labelKeyCommit: p.labelKeyCommitment(labelKey),
    labelTagPhishing: p.labelTag(labelKey, '  PHISHING '),
    labelSealed: sealLabelNameWithNonce(labelKey, 'Phishing', IN.nonce),
    keyLog: {
      appended: entries.slice(4),
      headHash: state.headHash,
      techId,
      techSigners: p.classifyStaffSigner(state, techId).map((c) => ({ signPk: c.signPk, status: c.status, fromSeq: c.period.fromSeq, untilSeq: c.period.untilSeq })),
    },
    replyByFormerMember: sealRecordWithNonce(MESSAGE_PAYLOAD, 'message', place, p.asTicketKey(IN.ticketKey), replyPayload, firstTechSignSk, IN.nonce),
  };
}

/** Everything that must come out byte-identical on every run and in every implementation. */
export function buildDeterministicVectors() {
  const ids = fixedIds();
  const staff = fixedStaff();
  const team = p.teamKeyPairFromSecret(p.asTeamSecretKey(IN.teamSecretKey));
  const cheapRequester = p.deriveRequesterKeys(IN.passphrase, ids.deskId, CHEAP_KDF);
  const staffSecrets = p.deriveStaffSecrets(IN.staffPassword, p.toB64(IN.staffSalt), CHEAP_KDF);
  const labelKey = p.deriveLabelKey(team.secretKey);
  const label = sealLabelNameWithNonce(labelKey, 'Phishing', IN.nonce);
  const { entries, state, genesis } = fixedKeyLog();
  const place = { ticketId: ids.ticketId, messageId: ids.messageId };
  const powChallenge = issuePowChallengeWithId(p.asPowMacKey(IN.powMacKey), { purpose: 'ticket', difficulty: 8, ttlSeconds: 300, now: IN.keyLogAt }, p.toB64(IN.powIdBytes));
  return {
    ids,
    requesterCheap: {
      kdf: CHEAP_KDF,
      passphrase: IN.passphrase,
      normalised: p.normalisePassphrase(IN.passphraseRetyped),
      saltHex: hex(p.requesterSalt(ids.deskId)),
      masterHex: hex(requesterMaster(IN.passphrase, ids.deskId, CHEAP_KDF)),
      boxPk: p.toB64(cheapRequester.box.publicKey),
      signPk: p.toB64(cheapRequester.sign.publicKey),
      sessionSig: p.signRequesterChallenge('challenge-123', cheapRequester.sign.secretKey),
    },
    staff: {
      kdf: CHEAP_KDF,
      password: IN.staffPassword,
      salt: p.toB64(IN.staffSalt),
      kek: p.toB64(staffSecrets.kek),
      authSecret: p.toB64(staffSecrets.authSecret),
      boxPk: p.toB64(staff.box.publicKey),
      signPk: p.toB64(staff.sign.publicKey),
      keyBlob: sealStaffKeyBlobWithNonce(staff, staffSecrets.kek, ids.staffId, IN.nonce),
    },
    team: {
      secretKeyHex: hex(team.secretKey),
      publicKey: p.toB64(team.publicKey),
      labelKeyHex: hex(labelKey),
      labelTagPhishing: p.labelTag(labelKey, '  PHISHING '),
      labelSealed: label,
    },
    messages: {
      nonceHex: hex(IN.nonce),
      adFirst: new TextDecoder().decode(p.messageAd('message', ids.ticketId, ids.messageId)),
      first: sealRecordWithNonce(MESSAGE_PAYLOAD, 'message', place, p.asTicketKey(IN.ticketKey), firstPayload, cheapRequester.sign.secretKey, IN.nonce),
      reply: sealRecordWithNonce(MESSAGE_PAYLOAD, 'message', { ...place, messageId: ids.replyId }, p.asTicketKey(IN.ticketKey), replyPayload, staff.sign.secretKey, IN.nonce),
      note: sealRecordWithNonce(NOTE_PAYLOAD, 'note', { ...place, messageId: ids.replyId }, p.asNoteKey(IN.noteKey), notePayload, staff.sign.secretKey, IN.nonce),
      attachmentMeta: sealRecordWithNonce(
        ATTACHMENT_META_PAYLOAD,
        'attachment',
        { ...place, messageId: ids.attachmentId },
        p.asTicketKey(IN.ticketKey),
        { v: 1, name: 'screenshot.png', type: 'image/png', size: IN.attachmentPlaintextBytes, fileKey: p.toB64(IN.fileKey) },
        cheapRequester.sign.secretKey,
        IN.nonce,
      ),
    },
    padding: { abcPaddedHex: hex(p.padPlaintext(new TextEncoder().encode('abc'))).slice(0, 16), paddedLength: p.padPlaintext(new TextEncoder().encode('abc')).length },
    keyLog: {
      genesisCanonical: new TextDecoder().decode(p.canonicalEntryBytes(genesis)),
      fingerprint: p.deskFingerprint(genesis),
      headHash: state.headHash,
      entries,
    },
    pow: {
      challenge: powChallenge,
      difficulty: 8,
      now: IN.keyLogAt,
    },
    trust: buildTrustVectors(),
  };
}
