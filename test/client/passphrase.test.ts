import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkConfirmation, looksLikePassphrase, pickConfirmPositions, secureRandomInt, splitPassphrase } from '../../client/src/passphrase';

const WORDS = 'abandon ability able about above absent absorb abstract'.split(' ');

describe('passphrase confirmation', () => {
  it('accepts the right words at the asked positions, forgiving case and spaces', () => {
    expect(checkConfirmation(WORDS, [1, 6], ['  Ability ', 'ABSORB'])).toBe(true);
  });

  it('refuses a wrong word', () => {
    expect(checkConfirmation(WORDS, [1, 6], ['ability', 'abstract'])).toBe(false);
  });

  it('refuses the right words in the wrong order', () => {
    expect(checkConfirmation(WORDS, [1, 6], ['absorb', 'ability'])).toBe(false);
  });

  it('refuses empty answers and mismatched lengths', () => {
    expect(checkConfirmation(WORDS, [1, 6], ['', ''])).toBe(false);
    expect(checkConfirmation(WORDS, [1, 6], ['ability'])).toBe(false);
    expect(checkConfirmation(WORDS, [], [])).toBe(false);
  });

  it('refuses a position outside the passphrase', () => {
    expect(checkConfirmation(WORDS, [8], ['anything'])).toBe(false);
  });

  it('picks distinct, sorted, in-range positions for any randomness', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(), { minLength: 64, maxLength: 64 }), (seq) => {
        let i = 0;
        const positions = pickConfirmPositions(8, 2, (max) => ((seq[i++ % seq.length] ?? 0) % max) + (i > 200 ? i % max : 0));
        expect(positions).toHaveLength(2);
        expect(new Set(positions).size).toBe(2);
        expect([...positions].sort((a, b) => a - b)).toEqual(positions);
        for (const p of positions) expect(p >= 0 && p < 8).toBe(true);
      }),
    );
  });

  it('refuses to ask for more words than exist', () => {
    expect(() => pickConfirmPositions(2, 3, () => 0)).toThrow(RangeError);
  });

  it('draws secure random integers in range', () => {
    const seen = new Set<number>();
    for (let i = 0; i < 500; i++) {
      const v = secureRandomInt(8);
      expect(v >= 0 && v < 8).toBe(true);
      seen.add(v);
    }
    expect(seen.size).toBe(8);
  });

  it('splits and recognises a typed-back passphrase', () => {
    expect(splitPassphrase(' Abandon  ability\nable ')).toEqual(['abandon', 'ability', 'able']);
    expect(looksLikePassphrase(WORDS.join('  ').toUpperCase())).toBe(true);
    expect(looksLikePassphrase('abandon ability')).toBe(false);
    expect(looksLikePassphrase('abandon ability able about above absent absorb abstract1')).toBe(false);
  });
});
