// Checking a typed passphrase word by word before any key derivation, against the real BIP-39
// English list the protocol generates passphrases from.
import { wordlist } from '@scure/bip39/wordlists/english.js';
import { describe, expect, it } from 'vitest';
import { checkPassphrase, PASSPHRASE_WORDS, suggestWord } from '../../client/src/passphrase';

const GOOD = 'abandon ability able about above absent absorb abstract';

describe('checkPassphrase', () => {
  it('accepts eight list words, forgiving case and spaces', () => {
    expect(checkPassphrase(`  ${GOOD.toUpperCase()}  `, wordlist)).toEqual({ words: GOOD.split(' '), wrongCount: false, unknown: [] });
  });

  it('says when the count is wrong, and by how many words', () => {
    const seven = checkPassphrase(GOOD.split(' ').slice(0, 7).join(' '), wordlist);
    expect(seven.wrongCount).toBe(true);
    expect(seven.words).toHaveLength(PASSPHRASE_WORDS - 1);
    expect(checkPassphrase(`${GOOD} zoo`, wordlist).wrongCount).toBe(true);
  });

  it('names each word that is not on the list, by position, with a suggestion', () => {
    const out = checkPassphrase('abandon abilty able about abvoe absent absorb qqqqqq', wordlist);
    expect(out.unknown).toEqual([
      { position: 1, typed: 'abilty', suggestion: 'ability' },
      { position: 4, typed: 'abvoe', suggestion: 'above' },
      { position: 7, typed: 'qqqqqq', suggestion: null },
    ]);
  });
});

describe('suggestWord', () => {
  it('uses the unique four-letter prefix of BIP-39 words', () => {
    expect(suggestWord('abstrakt', wordlist)).toBe('abstract');
    expect(suggestWord('zebraa', wordlist)).toBe('zebra');
  });

  it('finds a swap, a missing or an extra letter', () => {
    expect(suggestWord('hlelo', wordlist)).toBe('hello');
    expect(suggestWord('helo', wordlist)).toBe('hello');
    expect(suggestWord('helllo', wordlist)).toBe('hello');
  });

  it('suggests nothing when no word is close', () => {
    expect(suggestWord('xqzvw', wordlist)).toBeNull();
  });
});
