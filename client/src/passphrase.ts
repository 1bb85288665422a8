// Pure helpers for the "write this down" step. The passphrase itself is generated in the worker;
// these only decide which words to ask back and whether the answers match.

/** Same normalisation the protocol applies (NFKD, lower-case, single spaces), for comparing words. */
export function normaliseWord(word: string): string {
  return word.normalize('NFKD').trim().toLowerCase();
}

export function splitPassphrase(passphrase: string): string[] {
  return passphrase
    .normalize('NFKD')
    .trim()
    .toLowerCase()
    .split(/\s+/)
    .filter((w) => w !== '');
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

/** Words in a requester passphrase (protocol/requester.ts generates them from the BIP-39 list). */
export const PASSPHRASE_WORDS = 8;

/** Rough sanity check before spending seconds on Argon2: 8 words of letters. */
export function looksLikePassphrase(input: string): boolean {
  const words = splitPassphrase(input);
  return words.length === PASSPHRASE_WORDS && words.every((w) => /^[a-z]+$/.test(w));
}

/** Edit distance with adjacent swaps (Damerau, optimal string alignment): "hlelo" is 1 from "hello". */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

/**
 * The list word a mistyped word most likely meant, or null. BIP-39 words are unique by their
 * first four letters, so a typed word that starts like exactly one list word means that one;
 * otherwise the closest word within two edits (a slip, a swap, a missing letter).
 */
export function suggestWord(typed: string, wordlist: readonly string[]): string | null {
  const word = normaliseWord(typed);
  if (word.length >= 4) {
    const byPrefix = wordlist.filter((w) => w.startsWith(word.slice(0, 4)));
    if (byPrefix.length === 1) return byPrefix[0] ?? null;
  }
  let best: string | null = null;
  let bestDistance = 3;
  for (const w of wordlist) {
    if (Math.abs(w.length - word.length) >= bestDistance) continue;
    const dist = editDistance(word, w);
    if (dist < bestDistance) {
      best = w;
      bestDistance = dist;
    }
  }
  return best;
}

export interface UnknownWord {
  /** 0-based position in what was typed. */
  position: number;
  typed: string;
  suggestion: string | null;
}

export interface PassphraseCheck {
  words: string[];
  /** True when the count is not PASSPHRASE_WORDS. */
  wrongCount: boolean;
  unknown: UnknownWord[];
}

/** Checks a typed passphrase word by word against the list, before any key derivation. */
export function checkPassphrase(input: string, wordlist: readonly string[]): PassphraseCheck {
  const words = splitPassphrase(input);
  const known = new Set(wordlist);
  const unknown = words.flatMap((typed, position) => (known.has(typed) ? [] : [{ position, typed, suggestion: suggestWord(typed, wordlist) }]));
  return { words, wrongCount: words.length !== PASSPHRASE_WORDS, unknown };
}
