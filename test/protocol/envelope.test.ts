import { beforeAll, describe, expect, it } from 'vitest';
import * as p from '../../protocol/index';
import { expectCryptoError, loadSodium } from './helpers';

beforeAll(loadSodium);

describe('versioned envelopes and encodings', () => {
  // Built lazily: encoding needs libsodium, which loads in beforeAll.
  // ct is one padded block plus the tag: the smallest length a message can have.
  const envelope = () => ({ v: 1, nonce: p.toB64(new Uint8Array(24)), ct: p.toB64(new Uint8Array(512 + 16)), sig: p.toB64(new Uint8Array(64)) });

  it('parses a v1 message envelope', () => {
    const good = envelope();
    expect(p.parseMessageEnvelope(good)).toEqual(good);
  });

  it('throws UnsupportedVersionError for missing, unknown or non-numeric versions', () => {
    const good = envelope();
    for (const v of [undefined, 0, 2, '1', null]) expect(() => p.parseMessageEnvelope({ ...good, v })).toThrow(p.UnsupportedVersionError);
  });

  it('refuses non-objects and wrong field lengths as format errors', () => {
    const good = envelope();
    expectCryptoError(() => p.parseMessageEnvelope('x'), 'bad_format');
    expectCryptoError(() => p.parseMessageEnvelope([good]), 'bad_format');
    expectCryptoError(() => p.parseMessageEnvelope({ ...good, nonce: p.toB64(new Uint8Array(12)) }), 'bad_format');
  });

  it('decodes base64url strictly: no padding, no standard alphabet, canonical trailing bits', () => {
    expect(Array.from(p.fromB64('AQI'))).toEqual([1, 2]);
    for (const bad of ['AQI=', 'A+/B', 'AQJ', 'A']) expectCryptoError(() => p.fromB64(bad), 'bad_encoding');
    expectCryptoError(() => p.fromB64('AQI', 3), 'bad_encoding');
  });

  it('pads to 512-byte blocks and refuses bad padding', () => {
    const padded = p.padPlaintext(p.utf8('abc'));
    expect(padded).toHaveLength(512);
    expect(p.fromUtf8(p.unpadPlaintext(padded))).toBe('abc');
    expect(p.padPlaintext(new Uint8Array(512))).toHaveLength(1024);
    expectCryptoError(() => p.unpadPlaintext(new Uint8Array(512)), 'bad_format');
  });

  it('builds associated data only from well-formed ids', () => {
    const t = p.newId();
    const m = p.newId();
    expect(p.fromUtf8(p.messageAd('note', t, m))).toBe(`sealdesk/v1/note|${t}|${m}`);
    expectCryptoError(() => p.messageAd('message', `${t.slice(0, 21)}|`, m), 'bad_format');
  });

  it('refuses keys of the wrong length at the boundary', () => {
    expectCryptoError(() => p.asTicketKey(new Uint8Array(31)), 'bad_encoding');
    expectCryptoError(() => p.asSignSecretKey(p.toB64(new Uint8Array(32))), 'bad_encoding');
  });
});
