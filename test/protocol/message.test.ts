import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import * as p from '../../protocol/index';
import { expectCryptoError, flipB64, loadSodium } from './helpers';

beforeAll(loadSodium);

function setup() {
  const author = p.generateStaffKeys();
  const ticketId = p.newId();
  const messageId = p.newId();
  const key = p.newTicketKey();
  const payload = { v: 1 as const, body: 'hello from the desk', lang: 'vi' };
  const envelope = p.sealMessage({ kind: 'message', ticketId, messageId, key, payload, authorSignSk: author.sign.secretKey });
  const open = (over: Partial<{ ticketId: string; messageId: string; envelope: unknown; key: p.TicketKey; authorSignPk: p.SignPublicKey }> = {}) =>
    p.openMessage({ kind: 'message', ticketId, messageId, key, envelope, authorSignPk: author.sign.publicKey, ...over });
  return { author, ticketId, messageId, key, payload, envelope, open };
}

describe('sealMessage / openMessage', () => {
  it('round-trips a reply and pads the ciphertext to a 512-byte block', () => {
    const { envelope, open, payload } = setup();
    expect(open()).toEqual(payload);
    expect(p.fromB64(envelope.ct).length).toBe(512 + 16);
  });

  it('hides the length of short messages behind the same padded size', () => {
    const a = setup();
    const long = p.sealMessage({ ...a, kind: 'message', payload: { v: 1, body: 'x'.repeat(400) }, authorSignSk: a.author.sign.secretKey });
    expect(p.fromB64(long.ct).length).toBe(p.fromB64(a.envelope.ct).length);
  });

  it('uses a fresh nonce for every seal', () => {
    const a = setup();
    const again = p.sealMessage({ kind: 'message', ticketId: a.ticketId, messageId: a.messageId, key: a.key, payload: a.payload, authorSignSk: a.author.sign.secretKey });
    expect(again.nonce).not.toBe(a.envelope.nonce);
  });

  it('refuses a message moved to another ticket', () => {
    const { open } = setup();
    expectCryptoError(() => open({ ticketId: p.newId() }), 'bad_signature');
  });

  it('refuses a message moved to another message id', () => {
    const { open } = setup();
    expectCryptoError(() => open({ messageId: p.newId() }), 'bad_signature');
  });

  it('refuses a message re-labelled as a note', () => {
    const { ticketId, messageId, envelope, author } = setup();
    expectCryptoError(() => p.openMessage({ kind: 'note', ticketId, messageId, key: p.newNoteKey(), envelope, authorSignPk: author.sign.publicKey }), 'bad_signature');
  });

  it('reports a forged author before trying to decrypt', () => {
    const { open } = setup();
    expectCryptoError(() => open({ authorSignPk: p.generateStaffKeys().sign.publicKey }), 'bad_signature');
  });

  it('reports a correctly signed message under the wrong key as a decrypt failure', () => {
    const { open } = setup();
    expectCryptoError(() => open({ key: p.newTicketKey() }), 'decrypt_failed');
  });

  it('refuses an envelope of an unknown version', () => {
    const { open, envelope } = setup();
    expectCryptoError(() => open({ envelope: { ...envelope, v: 2 } }), 'unsupported_version');
  });

  it('refuses an envelope with unknown fields', () => {
    const { open, envelope } = setup();
    expectCryptoError(() => open({ envelope: { ...envelope, extra: 1 } }), 'bad_format');
  });

  it('refuses to seal a payload that other clients would reject', () => {
    const { ticketId, messageId, key, author } = setup();
    expectCryptoError(
      () => p.sealMessage({ kind: 'message', ticketId, messageId, key, payload: { v: 1, body: 'x', extra: true } as never, authorSignSk: author.sign.secretKey }),
      'bad_format',
    );
  });

  it('round-trips the first message and an internal note', () => {
    const a = setup();
    const first = { v: 1 as const, subject: 'Phishing SMS', body: 'b', category: 'phishing', contact: 'signal: @x', lang: 'en' };
    const env = p.sealMessage({ kind: 'message', ticketId: a.ticketId, messageId: a.messageId, key: a.key, payload: first, authorSignSk: a.author.sign.secretKey });
    expect(a.open({ envelope: env })).toEqual(first);
    const noteKey = p.newNoteKey();
    const note = p.sealMessage({ kind: 'note', ticketId: a.ticketId, messageId: a.messageId, key: noteKey, payload: { v: 1, body: 'n' }, authorSignSk: a.author.sign.secretKey });
    expect(p.openMessage({ kind: 'note', ticketId: a.ticketId, messageId: a.messageId, key: noteKey, envelope: note, authorSignPk: a.author.sign.publicKey })).toEqual({
      v: 1,
      body: 'n',
    });
  });

  it('lets the server check the signature without the key', () => {
    const { ticketId, messageId, envelope, author } = setup();
    expect(() => p.verifyMessageSignature({ kind: 'message', ticketId, messageId, envelope, authorSignPk: author.sign.publicKey })).not.toThrow();
    expectCryptoError(
      () => p.verifyMessageSignature({ kind: 'message', ticketId, messageId, envelope: { ...envelope, ct: flipB64(envelope.ct, 3) }, authorSignPk: author.sign.publicKey }),
      'bad_signature',
    );
  });
});

describe('tampering (property)', () => {
  it('fails with a typed CryptoError when any single byte of nonce, ciphertext, signature, ids, kind or wrap changes', () => {
    const a = setup();
    const team = p.generateTeamKey();
    const wrap = p.wrapKeyForTeam(a.key, { version: 1, publicKey: team.publicKey });
    const ID = 16;
    fc.assert(
      fc.property(fc.constantFrom('nonce', 'ct', 'sig', 'ticketId', 'messageId', 'kind', 'wrap'), fc.nat(), fc.integer({ min: 0, max: 7 }), (field, index, bit) => {
        const run = (): unknown => {
          switch (field) {
            case 'nonce':
            case 'ct':
            case 'sig':
              return a.open({ envelope: { ...a.envelope, [field]: flipB64(a.envelope[field], index, bit) } });
            case 'ticketId':
              return a.open({ ticketId: flipB64(a.ticketId, index % ID, bit) });
            case 'messageId':
              return a.open({ messageId: flipB64(a.messageId, index % ID, bit) });
            case 'kind':
              return p.verifyMessageSignature({
                kind: index % 2 ? 'note' : 'attachment',
                ticketId: a.ticketId,
                messageId: a.messageId,
                envelope: a.envelope,
                authorSignPk: a.author.sign.publicKey,
              });
            case 'wrap':
              return p.openTeamWrap({ ...wrap, sealed: flipB64(wrap.sealed, index, bit) }, team, 'ticket');
          }
        };
        expect(run).toThrow(p.CryptoError);
      }),
      { numRuns: 300 },
    );
  });
});
