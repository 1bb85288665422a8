// Pure helpers for the "write this down" step. The passphrase itself is generated in the worker;
// these only decide which words to ask back and whether the answers match.

/** Same normalisation the protocol applies (NFKD, lower-case, single spaces), for comparing words. */
export function normaliseWord(word: string): string {
  return word.normalize('NFKD').trim().toLowerCase();
}

export function splitPassphrase(passphrase: string): string[] {
  return passphrase.normalize('NFKD').trim().toLowerCase().split(/\s+/).filter((w) => w !== '');
}

/**
 * Picks `count` distinct word positions (0-based, ascending) to ask back. `random` returns an
 * integer in [0, max); the page passes crypto.getRandomValues-backed randomness so the user
 * cannot predict which words will be asked.
 */
export function pickConfirmPositions(wordCount: number, count: number, random: (max: number) => number): number[] {
  if (count > wordCount) throw new RangeError('cannot ask for more words than the passphrase has');
  const chosen = new Set<number>();
  while (chosen.size < count) chosen.add(random(wordCount));
  return [...chosen].sort((x, y) => x - y);
}

/** True when every answer matches the word at its position (case and spacing forgiven). */
export function checkConfirmation(words: readonly string[], positions: readonly number[], answers: readonly string[]): boolean {
  if (positions.length === 0 || positions.length !== answers.length) return false;
  return positions.every((pos, i) => {
    const expected = words[pos];
    const given = answers[i];
    return expected !== undefined && given !== undefined && normaliseWord(given) === normaliseWord(expected);
  });
}

/** An unbiased random integer in [0, max) from the Web Crypto RNG. */
export function secureRandomInt(max: number): number {
  if (!Number.isInteger(max) || max <= 0 || max > 2 ** 32) throw new RangeError('max out of range');
  const limit = Math.floor(2 ** 32 / max) * max;
  const buf = new Uint32Array(1);
  for (;;) {
    crypto.getRandomValues(buf);
    const v = buf[0] ?? 0;
    if (v < limit) return v % max;
  }
}

/** Rough sanity check before spending seconds on Argon2: 8 words of letters. */
export function looksLikePassphrase(input: string): boolean {
  const words = splitPassphrase(input);
  return words.length === 8 && words.every((w) => /^[a-z]+$/.test(w));
}
