// Tor Browser's "safer" mode disables WebAssembly (and the JIT). libsodium must then run its
// pure-JS backup module for Argon2id, the proof-of-work and every seal.
//
// Chromium 156's V8 no longer has the `expose_wasm` flag, so `--js-flags=--noexpose_wasm` is
// ignored there (WebAssembly stays defined). Two ways that do work are used instead:
//  - `--js-flags=--jitless` removes WebAssembly and the JIT, like "safer" mode. Argon2id (64 MiB)
//    then takes about two minutes on this machine, so that browser only checks that the engine
//    starts, verifies the key log and makes a passphrase;
//  - for the full file-and-return journey, WebAssembly is deleted from the page and from the
//    crypto worker (its script is served with `delete globalThis.WebAssembly` in front), JIT on.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { closeVisitor, launchBrowser, newVisitor, reportFailures, SLOW } from './browser';
import { confirmAndSend, hook, returnWithPassphrase, startRequest } from './flows';

const REQUEST = {
  category: 'censorship',
  subject: 'Trang tin bị chặn',
  body: 'Since Monday the news site only loads through Tor. Is my ISP blocking it?',
};
const NO_WASM = 'delete globalThis.WebAssembly;\n';

const desk = inject('desk');
const browsers: Browser[] = [];

afterAll(async () => {
  for (const b of browsers) await b.close();
});

async function launch(args: string[]): Promise<Browser> {
  const b = await launchBrowser(args);
  browsers.push(b);
  return b;
}

/** Serves the crypto worker with WebAssembly removed before any of its code runs. */
async function withoutWasm(context: BrowserContext): Promise<void> {
  await context.addInitScript(NO_WASM);
  await context.route(/\/assets\/worker-[\w-]+\.js$/, async (route) => {
    const res = await route.fetch();
    // The worker bundle has no import statements, so this line runs before libsodium loads.
    await route.fulfill({ response: res, body: NO_WASM + (await res.text()) });
  });
}

/** typeof WebAssembly in the page and in its crypto worker (started by the landing's key-log check). */
async function wasmTypes(page: Page): Promise<string[]> {
  await expect.poll(() => page.workers().length, { timeout: SLOW }).toBeGreaterThan(0);
  return [await page.evaluate(() => typeof WebAssembly), await page.workers()[0]!.evaluate(() => typeof WebAssembly)];
}

/** The landing's key-log check ran in the worker (so libsodium loaded) and pinned the desk. */
async function expectTrusted(page: Page): Promise<void> {
  await expect.poll(() => page.evaluate(() => localStorage.getItem('sealdesk.fingerprint')), { timeout: SLOW }).toBe(desk.fingerprint);
  expect(await hook(page, 'trust-warning').count()).toBe(0);
}

describe('without WebAssembly', () => {
  it('jitless (no JIT, no WebAssembly): the engine starts on the JS fallback, verifies the key log and makes a passphrase', async () => {
    reportFailures('no-wasm-jitless');
    const browser = await launch(['--js-flags=--jitless']);
    const v = await newVisitor(browser, 'jitless');
    await v.page.goto(`${desk.url}/`);
    expect(await wasmTypes(v.page)).toEqual(['undefined', 'undefined']);
    await expectTrusted(v.page);
    const words = await startRequest(v.page, REQUEST);
    expect(new Set(words).size).toBeGreaterThan(1);
    await closeVisitor(v);
  });

  it('a requester files a request and comes back with the passphrase', async () => {
    reportFailures('no-wasm-journey');
    // `--noexpose_wasm` for Chromium versions that still honour it; withoutWasm() for the rest.
    const browser = await launch(['--js-flags=--noexpose_wasm']);

    // Given a browser without WebAssembly
    const first = await newVisitor(browser, 'no-wasm-first');
    await withoutWasm(first.context);
    await first.page.goto(`${desk.url}/`);
    expect(await wasmTypes(first.page)).toEqual(['undefined', 'undefined']);
    await expectTrusted(first.page);

    // When they file a request (Argon2id, proof-of-work and sealing in the JS fallback)
    const words = await startRequest(first.page, REQUEST);
    await confirmAndSend(first.page, words);
    await closeVisitor(first);

    // Then, in a fresh context, the passphrase opens the request again
    const back = await newVisitor(browser, 'no-wasm-return');
    await withoutWasm(back.context);
    await back.page.goto(`${desk.url}/`);
    expect(await wasmTypes(back.page)).toEqual(['undefined', 'undefined']);
    await returnWithPassphrase(back.page, words);
    const item = hook(back.page, 'ticket-item').filter({ hasText: REQUEST.subject });
    expect(await item.count()).toBe(1);
    await item.click();
    await hook(back.page, 'message').filter({ hasText: REQUEST.body }).locator('[data-test="sig-ok"]').waitFor();
    await closeVisitor(back);
  });
});
