// Issue 10: fingerprints people compare aloud, the same in the browser, the CLI and the docs.
import { beforeAll, describe, expect, it } from 'vitest';
import * as p from '../../protocol/index';
import { expectCryptoError, loadSodium } from './helpers';

beforeAll(loadSodium);

const hashOf = (text: string) =>
  p.fromB64(p.entryHash({ seq: 0, prev: null, type: 'genesis', at: 0, body: { x: text }, signer: 'AAAAAAAAAAAAAAAAAAAAAA', sig: p.toB64(new Uint8Array(64)) }));

describe('formatFingerprint', () => {
  it('turns each 5 bytes of the hash into 5 digits (big-endian mod 100000), 6 groups', () => {
    // 0x0000000001 → 1; 0xffffffffff = 1099511627775 → 27775; 0x00000186a0 = 100000 → 0
    const bytes = new Uint8Array(32);
    bytes.set([0, 0, 0, 0, 1], 0);
    bytes.set([0xff, 0xff, 0xff, 0xff, 0xff], 5);
    bytes.set([0, 0, 0x01, 0x86, 0xa0], 10);
    bytes.set([0, 0, 0x01, 0x86, 0x9f], 15);
    expect(p.formatFingerprint(bytes)).toBe('00001 27775 00000 99999 00000 00000');
  });

  it('reads the base64url a desk fingerprint travels as, and ignores bytes after the first 30', () => {
    const hash = hashOf('a');
    const tweaked = hash.slice();
    tweaked[31]! ^= 1;
    expect(p.formatFingerprint(p.toB64(hash))).toBe(p.formatFingerprint(hash));
    expect(p.formatFingerprint(tweaked)).toBe(p.formatFingerprint(hash));
    expect(p.formatFingerprint(hash)).toMatch(/^\d{5}( \d{5}){5}$/);
  });

  it('refuses a hash shorter than 30 bytes and non-canonical base64url', () => {
    expectCryptoError(() => p.formatFingerprint(new Uint8Array(29)), 'bad_format');
    expectCryptoError(() => p.formatFingerprint('AB'), 'bad_encoding');
  });

  it('gives a staff member the digit form of the same digest the legacy fingerprint cuts down', () => {
    const keys = p.generateStaffKeys();
    const boxPk = p.toB64(keys.box.publicKey);
    const signPk = p.toB64(keys.sign.publicKey);
    const digest = p.staffKeyFingerprintHash(boxPk, signPk);
    expect(digest).toHaveLength(64);
    expect(p.toB64(digest).slice(0, 16)).toBe(p.staffKeyFingerprint(boxPk, signPk));
    expect(p.formatFingerprint(digest)).toMatch(/^\d{5}( \d{5}){5}$/);
  });
});

describe('normaliseFingerprint and fingerprintsMatch', () => {
  // Built lazily: hashing needs libsodium, which loads in beforeAll.
  let hash: Uint8Array;
  beforeAll(() => {
    hash = hashOf('desk');
  });
  const shown = () => p.formatFingerprint(hash);

  it('accepts what a person types: no spaces, dashes, dots, extra spaces, full-width digits', () => {
    const s = shown();
    const digits = s.replaceAll(' ', '');
    const fullWidth = [...digits].map((c) => String.fromCharCode(0xff10 + Number(c))).join('');
    for (const typed of [s, digits, s.replaceAll(' ', '-'), s.replaceAll(' ', '.'), `  ${s.replaceAll(' ', '   ')}\n`, fullWidth, s.replaceAll(' ', ' – ')]) {
      expect(p.normaliseFingerprint(typed), typed).toBe(s);
      expect(p.fingerprintsMatch(hash, typed), typed).toBe(true);
    }
  });

  it('accepts the legacy base64url desk fingerprint, so existing pins keep working', () => {
    const legacy = p.toB64(hash);
    expect(p.normaliseFingerprint(legacy)).toBe(shown());
    expect(p.fingerprintsMatch(legacy, shown())).toBe(true);
    expect(p.fingerprintsMatch(legacy, hash)).toBe(true);
    // base64url is case-sensitive: another case is another hash, or nothing
    expect(p.fingerprintsMatch(legacy.toLowerCase(), hash)).toBe(false);
  });

  it('treats a different fingerprint, one wrong digit, a missing digit or garbage as a mismatch', () => {
    const s = shown();
    const oneOff = s.slice(0, -1) + String((Number(s.at(-1)) + 1) % 10);
    for (const other of [oneOff, s.slice(0, -1), `${s}1`, p.formatFingerprint(hashOf('other')), '', 'not a fingerprint', 'AQ', p.staffKeyFingerprint('a', 'b')]) {
      expect(p.fingerprintsMatch(hash, other), other).toBe(false);
    }
  });

  it('throws FormatError on unreadable input without repeating it', () => {
    const err = expectCryptoError(() => p.normaliseFingerprint('12345 secret-ish 999'), 'bad_format');
    expect(err.message).not.toContain('secret');
    expectCryptoError(() => p.normaliseFingerprint('1234'), 'bad_format');
  });
});
