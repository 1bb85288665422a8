import { wordlist } from '@scure/bip39/wordlists/english.js';
import { beforeAll, describe, expect, it } from 'vitest';
import * as p from '../../protocol/index';
import { CHEAP_KDF } from '../fixtures/kdf';
import { expectCryptoError, loadSodium } from './helpers';

beforeAll(loadSodium);
const deskId = 'AAECAwQFBgcICQoLDA0ODw';
const phrase = 'abandon ability able about above absent absorb abstract';

describe('requester passphrase', () => {
  it('generates 8 words from the BIP-39 English list', () => {
    const words = p.generatePassphrase().split(' ');
    expect(words).toHaveLength(8);
    for (const w of words) expect(wordlist).toContain(w);
  });

  it('generates different passphrases each time', () => {
    const seen = new Set(Array.from({ length: 50 }, () => p.generatePassphrase()));
    expect(seen.size).toBe(50);
  });

  it('normalises case, whitespace runs and surrounding space', () => {
    expect(p.normalisePassphrase('  Abandon\t ABILITY\n able  ')).toBe('abandon ability able');
  });

  it('derives the same keys from a passphrase retyped with different case and spacing', () => {
    const a = p.deriveRequesterKeys(phrase, deskId, CHEAP_KDF);
    const b = p.deriveRequesterKeys(`  ${phrase.toUpperCase().replaceAll(' ', '   ')}\n`, deskId, CHEAP_KDF);
    expect(p.toB64(b.box.publicKey)).toBe(p.toB64(a.box.publicKey));
    expect(p.toB64(b.sign.publicKey)).toBe(p.toB64(a.sign.publicKey));
  });

  it('derives different keys when one word changes', () => {
    const a = p.deriveRequesterKeys(phrase, deskId, CHEAP_KDF);
    const b = p.deriveRequesterKeys(phrase.replace('absorb', 'absurd'), deskId, CHEAP_KDF);
    expect(p.toB64(b.box.publicKey)).not.toBe(p.toB64(a.box.publicKey));
    expect(p.toB64(b.sign.publicKey)).not.toBe(p.toB64(a.sign.publicKey));
  });

  it('derives different keys for the same passphrase on another desk', () => {
    const a = p.deriveRequesterKeys(phrase, deskId, CHEAP_KDF);
    const b = p.deriveRequesterKeys(phrase, p.newId(), CHEAP_KDF);
    expect(p.toB64(b.sign.publicKey)).not.toBe(p.toB64(a.sign.publicKey));
  });

  it('refuses a deskId that is not a 16-byte id', () => {
    expectCryptoError(() => p.deriveRequesterKeys(phrase, 'not-an-id', CHEAP_KDF), 'bad_encoding');
  });
});

describe('requester session challenge', () => {
  const keys = () => p.deriveRequesterKeys(phrase, deskId, CHEAP_KDF);

  it('accepts a signature over the issued challenge', () => {
    const k = keys();
    const sig = p.signRequesterChallenge('abc123', k.sign.secretKey);
    expect(() => p.verifyRequesterChallenge('abc123', sig, k.sign.publicKey)).not.toThrow();
  });

  it('refuses a signature made for another challenge', () => {
    const k = keys();
    const sig = p.signRequesterChallenge('abc123', k.sign.secretKey);
    expectCryptoError(() => p.verifyRequesterChallenge('abc124', sig, k.sign.publicKey), 'bad_signature');
  });

  it('refuses a signature from another requester', () => {
    const sig = p.signRequesterChallenge('abc123', keys().sign.secretKey);
    const other = p.deriveRequesterKeys('zoo zoo zoo zoo zoo zoo zoo wrong', deskId, CHEAP_KDF);
    expectCryptoError(() => p.verifyRequesterChallenge('abc123', sig, other.sign.publicKey), 'bad_signature');
  });
});
