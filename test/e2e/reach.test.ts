// Issue 12 under Chromium `--jitless` (Tor Browser "safer": no JIT, no WebAssembly): a first
// request, returning with the passphrase and a technician's sign-in all complete, the slow mode is
// detected and said, and the slow steps show a percent and a time left. The hard targets (30 s /
// 10 s / 30 s) are measured by `npm run bench -- reach`; here the bounds leave room for CI load.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { firstRequest, JITLESS, launchChromium, returnWithPassphrase, staffSignIn } from './reach';

const desk = inject('desk');
const SUBJECT = `Jitless request ${Date.now()}`;
/**
 * Loose bounds for a loaded 2-core machine (at load average 28 the staff sign-in measured 230 s);
 * the old parameters (Argon2id 3 × 64 MiB: 5× the staff work, two BLAKE2b proofs of work) fail them.
 */
const BOUND = { first: 120_000, back: 60_000, staff: 420_000 };
let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium(JITLESS);
});
afterAll(async () => {
  await browser?.close();
});

describe('without JIT or WebAssembly (Tor Browser "safer")', () => {
  let words: string[] = [];

  it('files a first request with truthful progress', { timeout: 400_000 }, async () => {
    const r = await firstRequest(browser, desk, SUBJECT);
    process.stderr.write(`jitless first request: ${JSON.stringify(r.steps)} total ${r.totalMs} ms\n`);
    words = r.words;
    expect(r.webAssembly).toBe(false);
    expect(r.words).toHaveLength(8);
    // Slow mode is detected and said; key derivation shows a percent and a time left
    expect(r.progress.some((l) => l.startsWith('busy-slow-mode:') && /minute/.test(l))).toBe(true);
    expect(r.progress.some((l) => l.startsWith('busy-kdf:') && /\d+%/.test(l) && /left|longer than estimated/.test(l))).toBe(true);
    expect(r.totalMs).toBeLessThan(BOUND.first);
  });

  it('returns with the passphrase and reads the request, verified', { timeout: 400_000 }, async () => {
    expect(words).toHaveLength(8);
    const r = await returnWithPassphrase(browser, desk, words, SUBJECT);
    process.stderr.write(`jitless return: ${JSON.stringify(r.steps)} total ${r.totalMs} ms\n`);
    expect(r.webAssembly).toBe(false);
    expect(r.totalMs).toBeLessThan(BOUND.back);
  });

  it("signs a technician in and decrypts the queue, with the key derivation's percent and time left", { timeout: 480_000 }, async () => {
    const r = await staffSignIn(browser, desk, SUBJECT);
    process.stderr.write(`jitless staff sign-in: ${JSON.stringify(r.steps)} total ${r.totalMs} ms\n${r.timeline.join('\n')}\n${r.progress.join('\n')}\n`);
    expect(r.webAssembly).toBe(false);
    expect(r.progress.some((l) => l.startsWith('busy-kdf:') && /\d+%/.test(l))).toBe(true);
    expect(r.progress.some((l) => l.startsWith('busy-slow-mode:'))).toBe(true);
    expect(r.totalMs).toBeLessThan(BOUND.staff);
  });
});
