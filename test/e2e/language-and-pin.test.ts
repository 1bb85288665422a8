// Two checks that need no passphrase (no Argon2): the Vietnamese interface and its persistence,
// and the key-log pin — a desk whose fingerprint changed must block every submission.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import en from '../../client/src/i18n/en.json';
import vi from '../../client/src/i18n/vi.json';
import { closeVisitor, launchBrowser, newVisitor, reportFailures, SLOW } from './browser';
import { hook, idle } from './flows';

const desk = inject('desk');
let browser: Browser;

beforeAll(async () => {
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
});

describe('Vietnamese', () => {
  it('switching lang-select to vi changes the visible strings, and the choice survives a reload', async () => {
    reportFailures('vietnamese');
    const v = await newVisitor(browser, 'vi');
    // Given an English browser on the landing page
    await v.page.goto(`${desk.url}/`);
    const title = v.page.locator('h1');
    await expect.poll(() => title.innerText(), { timeout: SLOW }).toBe(en.landing.title);
    expect(await hook(v.page, 'start-new').innerText()).toBe(en.landing.newRequest);

    // When Vietnamese is chosen
    await hook(v.page, 'lang-select').selectOption('vi');

    // Then the interface is in Vietnamese
    await expect.poll(() => title.innerText(), { timeout: SLOW }).toBe(vi.landing.title);
    expect(vi.landing.title).not.toBe(en.landing.title);
    expect(await hook(v.page, 'start-new').innerText()).toBe(vi.landing.newRequest);
    expect(await v.page.getAttribute('html', 'lang')).toBe('vi');

    // And after a reload it still is
    await v.page.reload();
    await expect.poll(() => title.innerText(), { timeout: SLOW }).toBe(vi.landing.title);
    expect(await hook(v.page, 'lang-select').inputValue()).toBe('vi');
    expect(await v.page.evaluate(() => localStorage.getItem('sealdesk.lang'))).toBe('vi');
    await closeVisitor(v);
  });
});

describe('key-log pin', () => {
  it('a pinned fingerprint that differs from the desk shows trust-warning and blocks the request', async () => {
    reportFailures('pin-mismatch');
    const v = await newVisitor(browser, 'pinned');
    // Given a browser that pinned the desk fingerprint on its first visit
    await v.page.goto(`${desk.url}/`);
    await expect.poll(() => v.page.evaluate(() => localStorage.getItem('sealdesk.fingerprint')), { timeout: SLOW }).toBe(desk.fingerprint);
    expect(await hook(v.page, 'trust-warning').count()).toBe(0);

    // When the pin no longer matches (the desk identity "changed") and the page is reloaded
    await v.page.evaluate(() => localStorage.setItem('sealdesk.fingerprint', 'A'.repeat(43)));
    await v.page.reload();

    // Then the loud warning shows, in both languages at once
    const warning = hook(v.page, 'trust-warning');
    await warning.waitFor();
    expect(await warning.locator('[lang="en"]').count()).toBe(1);
    expect(await warning.locator('[lang="vi"]').count()).toBe(1);

    // And a filled-in request goes nowhere: no passphrase step, nothing registered or sent
    await hook(v.page, 'start-new').click();
    await hook(v.page, 'new-subject').fill('This must not be sent');
    await hook(v.page, 'new-body').fill('The desk identity changed.');
    await hook(v.page, 'new-continue').click();
    await idle(v.page);
    expect(await hook(v.page, 'new-form').count()).toBe(1);
    expect(await hook(v.page, 'passphrase-words').count()).toBe(0);
    expect(await warning.isVisible()).toBe(true);
    const sent = v.requests.filter((r) => r.method === 'POST').map((r) => new URL(r.url).pathname);
    expect(sent).toEqual([]);
    // The pin was not silently replaced by the desk's current fingerprint
    expect(await v.page.evaluate(() => localStorage.getItem('sealdesk.fingerprint'))).toBe('A'.repeat(43));
    await closeVisitor(v);
  });
});
