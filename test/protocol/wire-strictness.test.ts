// Issue 13 §5: one byte string, one accepted encoding; ciphertext lengths that no honest client
// can produce are refused at the schema, before any key is touched.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import * as p from '../../protocol/index';
import { CHEAP_KDF } from '../fixtures/kdf';
import { expectCryptoError, loadSodium } from './helpers';

beforeAll(loadSodium);

const committed = JSON.parse(readFileSync(new URL('../vectors/protocol-v1.json', import.meta.url), 'utf8'));
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** The same bytes as `value` with the unused low bits of its last character set (non-canonical). */
function flipUnusedBits(value: string): string {
  if (value.length % 4 === 0) throw new Error('no unused bits in a whole group');
  const unused = value.length % 4 === 2 ? 0b1111 : 0b11;
  const last = ALPHABET.indexOf(value.at(-1)!);
  return value.slice(0, -1) + ALPHABET[last | unused]!;
}

const zeros = (n: number) => p.toB64(new Uint8Array(n));

describe('canonical base64url', () => {
  it('accepts exactly what toB64 produces, for every length and every last character', () => {
    // Given every possible last character for tails of 2 and 3 characters (and none)
    for (let n = 0; n < 40; n++) {
      const good = p.toB64(p.utf8('x'.repeat(n)));
      expect(p.isCanonicalB64(good)).toBe(true);
      if (good.length % 4 === 0) continue;
      for (const c of ALPHABET) {
        const candidate = good.slice(0, -1) + c;
        // Then the pattern accepts a last character only if re-encoding the decoded bytes gives it back
        const bytes = Buffer.from(candidate, 'base64url');
        const roundTrips = Buffer.from(bytes).toString('base64url') === candidate;
        expect(p.isCanonicalB64(candidate), `${n} bytes, last char ${c}`).toBe(roundTrips);
      }
    }
  });

  it('refuses padding, the standard alphabet, a lone tail character and flipped unused bits', () => {
    const key = p.toB64(p.generateTeamKey().publicKey); // 43 chars: a 3-character tail
    for (const bad of [`${key}=`, key.replace(/.$/, '+'), 'AAAA/', 'AAAAA', flipUnusedBits(key), flipUnusedBits('AQ'), ' AQ', 'AQ\n']) {
      expect(p.isCanonicalB64(bad), bad).toBe(false);
      expectCryptoError(() => p.fromB64(bad), 'bad_encoding');
      expect(p.b64Schema.safeParse(bad).success, bad).toBe(false);
    }
  });

  it('checks a 16-million-character value in one pass, without exhausting the regex stack', () => {
    const big = 'A'.repeat(16_000_000);
    expect(p.b64Schema.safeParse(big).success).toBe(true);
    expect(p.b64Schema.safeParse(`${big}AB`).success).toBe(false);
  });

  it('refuses a public key with flipped unused bits, so the same key cannot be registered twice', () => {
    // Given a key and the same 32 bytes with the last character's two unused bits set
    const key = p.toB64(p.generateStaffKeys().sign.publicKey);
    const twin = flipUnusedBits(key);
    expect(twin).not.toBe(key);
    expect(Buffer.from(twin, 'base64url')).toEqual(Buffer.from(key, 'base64url'));
    // Then only the canonical spelling passes the schema every key field uses
    expect(p.b64OfLength(32).safeParse(key).success).toBe(true);
    expect(p.b64OfLength(32).safeParse(twin).success).toBe(false);
    expectCryptoError(() => p.asSignPublicKey(twin), 'bad_encoding');
  });

  it('refuses a key log entry whose key has flipped unused bits', () => {
    const admin = p.generateStaffKeys();
    const staffId = p.newId();
    const body = { deskId: p.newId(), staffId, username: 'a', boxPk: flipUnusedBits(p.toB64(admin.box.publicKey)), signPk: p.toB64(admin.sign.publicKey) };
    const genesis = p.signKeyLogEntry(p.buildGenesisEntry({ ...body, at: 1 }), admin.sign.secretKey);
    expectCryptoError(() => p.verifyKeyLog([genesis]), 'keylog_invalid');
  });
});

describe('ciphertext lengths', () => {
  const env = (ct: string) => ({ v: 1, nonce: zeros(24), ct, sig: zeros(64) });

  it('accepts message ciphertexts of k × 512 + 16 bytes only', () => {
    for (const n of [528, 1040, 512 * 7 + 16]) expect(p.messageEnvelopeV1.safeParse(env(zeros(n))).success, String(n)).toBe(true);
    for (const n of [1, 16, 512, 527, 529, 1039, 1024 + 15]) {
      expect(p.messageEnvelopeV1.safeParse(env(zeros(n))).success, String(n)).toBe(false);
      expectCryptoError(() => p.parseMessageEnvelope(env(zeros(n))), 'bad_format');
    }
    expect(p.isPaddedCiphertextLength(0)).toBe(false);
  });

  it('refuses a padded-length ct that is not canonical', () => {
    // 1040 bytes (2 × 512 + 16) encode to 1387 characters: a 3-character tail with 2 unused bits
    const ct = zeros(1040);
    expect(p.messageEnvelopeV1.safeParse(env(ct)).success).toBe(true);
    expect(p.messageEnvelopeV1.safeParse(env(flipUnusedBits(ct))).success).toBe(false);
  });

  it('checks the real outputs: every sealed message, note and attachment record has a padded length', () => {
    // Given records sealed by the protocol itself, from the shortest to a long one
    const key = p.newTicketKey();
    const signer = p.generateStaffKeys().sign;
    for (const body of ['', 'x'.repeat(480), 'y'.repeat(5000)]) {
      const e = p.sealMessage({ kind: 'message', ticketId: p.newId(), messageId: p.newId(), key, payload: { v: 1, body }, authorSignSk: signer.secretKey });
      const n = p.sealMessage({ kind: 'note', ticketId: p.newId(), messageId: p.newId(), key: p.newNoteKey(), payload: { v: 1, body }, authorSignSk: signer.secretKey });
      // Then each parses under the strict schema the server validates with
      for (const x of [e, n]) expect(p.messageEnvelopeV1.safeParse(x).success).toBe(true);
    }
    const meta = p.sealAttachmentMeta({
      ticketId: p.newId(),
      attachmentId: p.newId(),
      key,
      meta: { name: 'a.png', type: 'image/png', size: 1, fileKey: p.newFileKey() },
      authorSignSk: signer.secretKey,
    });
    expect(p.messageEnvelopeV1.safeParse(meta).success).toBe(true);
  });

  it('fixes the staff key blob ct at exactly one v1 payload (175 bytes)', async () => {
    const staffId = p.newId();
    const keys = p.generateStaffKeys();
    const { kek } = p.deriveStaffSecrets('pw', p.newStaffSalt(), CHEAP_KDF);
    const blob = p.sealStaffKeyBlob(keys, kek, staffId);
    expect(p.fromB64(blob.ct)).toHaveLength(p.STAFF_KEY_BLOB_PLAINTEXT_BYTES + 16);
    expect(p.STAFF_KEY_BLOB_PLAINTEXT_BYTES).toBe(159);
    expect(p.staffKeyBlobV1.safeParse(blob).success).toBe(true);
    // A blob one byte longer or shorter cannot be a v1 key blob
    for (const n of [174, 176]) {
      const bad = { ...blob, ct: zeros(n) };
      expect(p.staffKeyBlobV1.safeParse(bad).success).toBe(false);
      expectCryptoError(() => p.openStaffKeyBlob(bad, kek, staffId), 'bad_format');
    }
    expect(p.toB64(p.openStaffKeyBlob(blob, kek, staffId).sign.publicKey)).toBe(p.toB64(keys.sign.publicKey));
  });

  it('bounds a label name ct to 1–300 bytes of name plus the tag', () => {
    const l = p.newLabelKey();
    const short = p.sealLabelName(l, 'a');
    const long = p.sealLabelName(l, 'ệ'.repeat(100)); // 3 UTF-8 bytes each: the longest a name can be
    expect(p.fromB64(long.envelope.ct)).toHaveLength(300 + 16);
    for (const s of [short, long]) expect(p.labelNameEnvelopeV1.safeParse(s.envelope).success).toBe(true);
    for (const n of [16, 317]) {
      expect(p.labelNameEnvelopeV1.safeParse({ ...short.envelope, ct: zeros(n) }).success).toBe(false);
      expectCryptoError(() => p.openLabelName(l, short.tag, { ...short.envelope, ct: zeros(n) }), 'bad_format');
    }
  });

  it('requires a sealed 32-byte key to be exactly 80 bytes in canonical form', () => {
    const team = p.generateTeamKey();
    const wrap = p.wrapKeyForTeam(p.newTicketKey(), { version: 1, publicKey: team.publicKey });
    expect(p.sealedKeySchema.safeParse(wrap.sealed).success).toBe(true);
    expect(p.teamWrapSchema.safeParse(wrap).success).toBe(true);
    for (const sealed of [zeros(79), zeros(81), flipUnusedBits(wrap.sealed)]) {
      expect(p.sealedKeySchema.safeParse(sealed).success).toBe(false);
      expectCryptoError(() => p.parseTeamWrap({ ...wrap, sealed }), 'bad_format');
    }
    expect(p.requesterWrapSchema.safeParse({ sealed: zeros(80) }).success).toBe(true);
  });
});

describe('committed vectors under the strict schemas', () => {
  it('parses every committed envelope, wrap and key', () => {
    const d = committed.deterministic;
    for (const m of [d.messages.first, d.messages.reply, d.messages.note, d.messages.attachmentMeta]) expect(p.messageEnvelopeV1.safeParse(m).success).toBe(true);
    expect(p.staffKeyBlobV1.safeParse(d.staff.keyBlob).success).toBe(true);
    expect(p.labelNameEnvelopeV1.safeParse(d.team.labelSealed.envelope).success).toBe(true);
    expect(p.teamWrapSchema.safeParse(committed.sealed.teamWrapOfTicketKey).success).toBe(true);
    expect(p.requesterWrapSchema.safeParse(committed.sealed.requesterWrapOfTicketKey).success).toBe(true);
    expect(p.sealedKeySchema.safeParse(committed.sealed.grantToStaff).success).toBe(true);
    for (const k of [d.staff.boxPk, d.staff.signPk, d.team.publicKey, d.requesterCheap.boxPk, d.keyLog.fingerprint]) expect(p.isCanonicalB64(k)).toBe(true);
    expect(() => p.verifyKeyLog(d.keyLog.entries)).not.toThrow();
    expect(p.teamWrapSchema.safeParse(committed.sealed.labelKeyWrap).success).toBe(true);
    expect(p.messageEnvelopeV1.safeParse(d.trust.replyByFormerMember).success).toBe(true);
    expect(p.labelNameEnvelopeV1.safeParse(d.trust.labelSealed.envelope).success).toBe(true);
    expect(() => p.verifyKeyLog([...d.keyLog.entries, ...d.trust.keyLog.appended])).not.toThrow();
  });
});
