// Issue 12, "a requester journey that loses nothing", in real Chromium on a 360×740 phone, in
// English and in Vietnamese (the browser's language picks the interface). Screenshots of each
// step go to the e2e artefacts directory (browser.ts prints the paths).
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import en from '../../client/src/i18n/en.json';
import vi from '../../client/src/i18n/vi.json';
import { closeVisitor, launchBrowser, newVisitor, PHONE, reportFailures, screenshot, SLOW, type Visitor } from './browser';
import { hook, idle, staffLogin } from './flows';

const desk = inject('desk');
let browser: Browser;

beforeAll(async () => {
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
});

const LANGS = [
  { lang: 'en', locale: 'en-US', s: en },
  { lang: 'vi', locale: 'vi-VN', s: vi },
] as const;

type Strings = typeof en;

/** The element that has the focus, as "tag:text" (enough to tell a heading from a field). */
const focused = (page: Page) => page.evaluate(() => `${document.activeElement?.tagName.toLowerCase()}:${document.activeElement?.textContent?.trim() ?? ''}`);

async function passphraseWords(page: Page): Promise<string[]> {
  const items = hook(page, 'passphrase-words').locator('li');
  await items.first().waitFor();
  return (await items.allInnerTexts()).map((w) => w.trim());
}

async function fillConfirm(page: Page, words: readonly string[]): Promise<void> {
  await hook(page, 'confirm-form').waitFor();
  for (const i of [0, 1]) {
    const label = await page.locator(`label[for="word${i}"]`).innerText();
    await hook(page, `confirm-word-${i}`).fill(words[Number(/\d+/.exec(label)?.[0]) - 1]!);
  }
}

/** Storage holds only the language and the pin, and nothing that was written or shown. */
async function expectNothingStored(v: Visitor, secrets: readonly string[]): Promise<void> {
  const stored = await v.page.evaluate(() => {
    const dump = (s: Storage) => Object.fromEntries(Array.from({ length: s.length }, (_, i) => s.key(i)!).map((k) => [k, s.getItem(k) ?? '']));
    return { local: dump(localStorage), session: dump(sessionStorage) };
  });
  for (const key of [...Object.keys(stored.local), ...Object.keys(stored.session)]) expect(['sealdesk.lang', 'sealdesk.fingerprint']).toContain(key);
  const all = JSON.stringify(stored);
  for (const secret of secrets) expect(all).not.toContain(secret);
}

describe.each(LANGS)('requester journey on a phone ($lang)', ({ lang, locale, s }) => {
  const S = s as Strings;
  const REQUEST = {
    subject: lang === 'vi' ? 'Tài khoản Facebook bị khoá' : 'My Facebook account was taken over',
    body: lang === 'vi' ? 'Tôi không đăng nhập được từ hôm qua, email khôi phục đã bị đổi.' : 'I cannot log in since yesterday and the recovery email was changed.',
  };
  const REPLY = lang === 'vi' ? 'Tôi đã đổi mật khẩu email rồi.' : 'I changed my email password already.';
  const LATE = lang === 'vi' ? 'Còn một câu hỏi nữa về tài khoản.' : 'One more question about the account.';
  let words: string[] = [];

  it('files a request: headings take focus, titles name steps, Back moves between steps, nothing is dropped', async () => {
    reportFailures(`reach-file-${lang}`);
    const v = await newVisitor(browser, `reach-${lang}`, { locale, viewport: PHONE });
    const { page } = v;
    await page.goto(`${desk.url}/`);
    await hook(page, 'desk-fingerprint').waitFor({ timeout: SLOW });
    expect(await page.locator('h1').innerText()).toBe(S.landing.title);

    // A skip link is the first thing a keyboard reaches, and it leads to the content
    await page.keyboard.press('Tab');
    expect(await focused(page)).toBe(`a:${S.header.skip}`);
    await page.keyboard.press('Enter');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('main');

    // When the person starts a request, the step's heading has the focus and names the tab
    await hook(page, 'start-new').click();
    await hook(page, 'new-form').waitFor();
    expect(await focused(page)).toBe(`h1:${S.new.title}`);
    expect(await page.title()).toContain(S.new.title);
    // The reply language is the interface language
    expect(await hook(page, 'new-lang').inputValue()).toBe(lang);

    // Back from the form returns to the start page, not off the desk; Forward comes back
    await page.goBack();
    await hook(page, 'start-new').waitFor();
    expect(page.url().startsWith(desk.url)).toBe(true);
    await page.goForward();
    await hook(page, 'new-form').waitFor();

    // An empty form: the error is under its field, tied to it, and the field has the focus
    await hook(page, 'new-continue').click();
    const subject = hook(page, 'new-subject');
    expect(await subject.getAttribute('aria-invalid')).toBe('true');
    expect(await subject.getAttribute('aria-describedby')).toContain('subject-error');
    expect((await hook(page, 'new-subject-error').innerText()).trim()).toBe(S.new.errSubjectMissing);
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('subject');
    await screenshot(v, `reach-${lang}-1-form-error`);

    // A reload while a draft exists asks first; staying keeps the draft
    await subject.fill(REQUEST.subject);
    await hook(page, 'new-body').fill(REQUEST.body);
    const asked = new Promise<string>((resolve) => {
      page.once('dialog', (d) => {
        resolve(d.type());
        void d.dismiss();
      });
    });
    await page.evaluate(() => setTimeout(() => location.reload(), 0));
    expect(await asked).toBe('beforeunload');
    expect(await hook(page, 'new-subject').inputValue()).toBe(REQUEST.subject);
    expect(await hook(page, 'new-body').inputValue()).toBe(REQUEST.body);

    // The passphrase step opens at its top with all 8 words on the phone's screen
    await hook(page, 'new-continue').click();
    words = await passphraseWords(page);
    expect(words).toHaveLength(8);
    expect(await page.evaluate(() => window.scrollY)).toBe(0);
    for (const li of await hook(page, 'passphrase-words').locator('li').all()) {
      const box = await li.boundingBox();
      expect(box && box.y >= 0 && box.y + box.height <= PHONE.height, 'every word is in view').toBe(true);
    }
    expect(await focused(page)).toBe(`h1:${S.passphrase.title}`);
    expect(await page.title()).toContain(S.passphrase.title);
    await screenshot(v, `reach-${lang}-2-passphrase`);

    // The printable view shows the words and none of the page around them
    await page.emulateMedia({ media: 'print' });
    expect(await hook(page, 'leave-quickly').isVisible()).toBe(false);
    expect(await hook(page, 'passphrase-copy').isVisible()).toBe(false);
    expect(await hook(page, 'passphrase-words').isVisible()).toBe(true);
    await screenshot(v, `reach-${lang}-3-passphrase-print`);
    await page.emulateMedia({ media: 'screen' });

    // Back returns to the form with the draft; Continue shows the same words again
    await page.goBack();
    await hook(page, 'new-form').waitFor();
    expect(await hook(page, 'new-subject').inputValue()).toBe(REQUEST.subject);
    await hook(page, 'new-continue').click();
    expect(await passphraseWords(page)).toEqual(words);

    // Confirm, then Back to the words and Forward to the check again
    await hook(page, 'passphrase-written').check();
    await hook(page, 'passphrase-next').click();
    await hook(page, 'confirm-form').waitFor();
    expect(await page.title()).toContain(S.confirm.title);
    await page.goBack();
    expect(await passphraseWords(page)).toEqual(words);
    await page.goForward();
    await fillConfirm(page, words);
    await screenshot(v, `reach-${lang}-4-confirm`);
    await hook(page, 'confirm-send').click();
    await hook(page, 'new-done').waitFor({ timeout: SLOW });
    expect(await page.title()).toContain(S.done.title);

    // The own message shows when it was really sent ("now"), not the server's rounded hour
    await hook(page, 'done-open').click();
    const own = hook(page, 'message').filter({ hasText: REQUEST.body });
    await own.waitFor({ timeout: SLOW });
    const now = new Intl.RelativeTimeFormat(lang, { numeric: 'auto' }).format(0, 'second');
    expect((await own.locator('[data-test="sent-here-time"]').innerText()).trim()).toBe(now);
    expect((await hook(page, 'thread-status').innerText()).trim()).toBe(S.status.new);
    // The page title never carries the decrypted subject (titles are kept in history)
    expect(await page.title()).not.toContain(REQUEST.subject);
    await screenshot(v, `reach-${lang}-5-thread`);
    await expectNothingStored(v, [REQUEST.subject, REQUEST.body, ...words]);
    // With WebAssembly, the worker loaded libsodium's small build and its .wasm, not the asm.js one
    const assets = v.requests.map((r) => new URL(r.url).pathname);
    expect(assets.some((p) => /^\/assets\/libsodium-[\w-]+\.wasm$/.test(p))).toBe(true);
    expect(assets.some((p) => /^\/assets\/wasm-[\w-]+\.js$/.test(p))).toBe(true);
    expect(assets.some((p) => /^\/assets\/asmjs-/.test(p))).toBe(false);

    // "Close my inbox" closes it and stays on the desk
    await hook(page, 'close-inbox').click();
    await hook(page, 'start-new').waitFor();
    expect((await hook(page, 'flash').innerText()).trim()).toBe(S.header.inboxClosed);
    expect(await hook(page, 'close-inbox').count()).toBe(0);

    // The step entries made Back work; "Leave quickly" still leaves none of the desk behind Back
    expect(await page.evaluate(() => (history.state as { sealdeskDepth?: number } | null)?.sealdeskDepth)).toBeGreaterThan(0);
    await hook(page, 'leave-quickly').click();
    await page.waitForURL('about:blank');
    await page.goBack().catch(() => null);
    expect(page.url().startsWith(desk.url)).toBe(false);
    await closeVisitor(v);
  });

  it('comes back: wrong word count and typos are named with a suggestion, typed words stay after a failure', async () => {
    reportFailures(`reach-return-${lang}`);
    expect(words).toHaveLength(8);
    const v = await newVisitor(browser, `reach-return-${lang}`, { locale, viewport: PHONE });
    const { page } = v;
    await page.goto(`${desk.url}/#/return`);
    const field = hook(page, 'return-passphrase');
    await field.waitFor({ timeout: SLOW });

    // Seven words: said as such, before any slow key derivation
    await field.fill(words.slice(0, 7).join(' '));
    await hook(page, 'return-submit').click();
    await hook(page, 'return-word-count').waitFor();
    expect(await hook(page, 'return-word-count').innerText()).toContain('7');
    expect(await field.getAttribute('aria-invalid')).toBe('true');
    expect(await field.getAttribute('aria-describedby')).toContain('passphrase-error');

    // A typo in the longest word (BIP-39 words are unique by four letters): named, with the
    // right word offered
    const at = words.reduce((best, w, i) => (w.length > words[best]!.length ? i : best), 0);
    const typo = [...words];
    typo[at] = `${words[at]}q`;
    await field.fill(typo.join(' '));
    await hook(page, 'return-submit').click();
    await hook(page, 'return-unknown-word').waitFor();
    expect(await hook(page, 'return-unknown-word').innerText()).toContain(typo[at]!);
    await screenshot(v, `reach-${lang}-6-return-typo`);
    await hook(page, 'return-suggestion').click();
    expect(await field.inputValue()).toBe(words.join(' '));

    // A real-looking passphrase that opens nothing: said so, and what was typed is still there
    const other = [...words];
    other[0] = words[0] === 'zoo' ? 'zone' : 'zoo';
    await field.fill(other.join(' '));
    await hook(page, 'return-submit').click();
    await expect
      .poll(async () => (await hook(page, 'return-error').count()) > 0 && (await hook(page, 'return-error').innerText()), { timeout: SLOW })
      .toContain(S.return.notRecognised);
    expect(await field.inputValue()).toBe(other.join(' '));

    // The right words open the inbox
    await field.fill(words.join(' '));
    await hook(page, 'return-submit').click();
    await hook(page, 'ticket-list').waitFor({ timeout: SLOW });
    await closeVisitor(v);
  });

  it('status follows the answers; the staff queue speaks staff words; a closed request offers a new one and keeps the reply', async () => {
    reportFailures(`reach-closed-${lang}`);
    expect(words).toHaveLength(8);
    const v = await newVisitor(browser, `reach-closed-${lang}`, { locale, viewport: PHONE });
    const staff = await newVisitor(browser, `reach-staff-${lang}`);
    const { page } = v;

    // Given staff waiting for the requester on this ticket
    await staffLogin(staff.page, desk.url);
    const row = hook(staff.page, 'staff-queue-item').filter({ hasText: REQUEST.subject });
    await expect.poll(() => row.count(), { timeout: SLOW }).toBe(1);
    await row.click();
    await hook(staff.page, 'staff-ticket-status').selectOption('waiting_requester');
    await idle(staff.page);
    await hook(staff.page, 'staff-back').click();
    await expect.poll(() => row.locator('[data-test="staff-queue-status"]').innerText(), { timeout: SLOW }).toBe(en.staffStatus.waitingRequester);
    expect(en.staffStatus.waitingRequester).not.toBe(en.status.waitingRequester);

    // When the requester opens it, they read that the desk waits for their answer
    await page.goto(`${desk.url}/#/return`);
    await hook(page, 'return-passphrase').fill(words.join(' '));
    await hook(page, 'return-submit').click();
    await hook(page, 'ticket-item').filter({ hasText: REQUEST.subject }).click();
    await expect.poll(() => hook(page, 'thread-status').innerText(), { timeout: SLOW }).toBe(S.status.waitingRequester);

    // And after answering, the status moves on without reloading anything
    await hook(page, 'reply-body').fill(REPLY);
    await hook(page, 'reply-send').click();
    const mine = hook(page, 'message').filter({ hasText: REPLY });
    await mine.locator('[data-test="sent-here-time"]').waitFor({ timeout: SLOW });
    await expect.poll(() => hook(page, 'thread-status').innerText(), { timeout: SLOW }).toBe(S.status.open);

    // Staff, coming back to the queue, see the row marked as changed since they opened it
    await staff.page.evaluate(() => location.replace('#/'));
    await staff.page.evaluate(() => location.replace('#/staff/queue'));
    await expect.poll(() => row.locator('[data-test="staff-queue-status"]').innerText(), { timeout: SLOW }).toBe(en.staffStatus.open);
    expect(await row.locator('[data-test="staff-queue-changed"]').count()).toBe(1);
    // Then close the request
    await row.click();
    await hook(staff.page, 'staff-ticket-status').selectOption('closed');
    await idle(staff.page);
    await hook(staff.page, 'staff-back').click();
    await screenshot(staff, `reach-${lang}-7-staff-queue`);

    // When the requester replies to the closed request, they are told why and offered a new one
    await hook(page, 'reply-body').fill(LATE);
    await hook(page, 'reply-send').click();
    await hook(page, 'thread-closed').waitFor({ timeout: SLOW });
    expect(await hook(page, 'thread-closed').innerText()).toContain(S.thread.closedTitle);
    expect(await page.locator('body').innerText()).not.toContain(S.error.generic);
    await screenshot(v, `reach-${lang}-8-closed`);
    await hook(page, 'thread-closed-new').click();
    await hook(page, 'new-form').waitFor();
    expect(await hook(page, 'new-body').inputValue()).toBe(LATE);

    // With that unsent draft on screen, "Leave quickly" still leaves at once, without asking
    const dialogs: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(d.type());
      void d.dismiss();
    });
    await hook(page, 'leave-quickly').click();
    await page.waitForURL('about:blank');
    expect(dialogs).toEqual([]);
    await closeVisitor(staff);
    await closeVisitor(v);
  });
});

describe('libsodium build choice', () => {
  it('jitless (no WebAssembly): the worker loads the asm.js build and never fetches the .wasm', async () => {
    reportFailures('reach-jitless-build');
    const jitless = await launchBrowser(['--js-flags=--jitless']);
    try {
      const v = await newVisitor(jitless, 'reach-jitless', { viewport: PHONE });
      await v.page.goto(`${desk.url}/`);
      // The landing page's key-log check runs in the worker, so libsodium has loaded once it is pinned
      await expect.poll(() => v.page.evaluate(() => localStorage.getItem('sealdesk.fingerprint')), { timeout: SLOW }).toBe(desk.fingerprint);
      const assets = v.requests.map((r) => new URL(r.url).pathname);
      expect(assets.some((p) => /^\/assets\/asmjs-[\w-]+\.js$/.test(p))).toBe(true);
      expect(assets.some((p) => /\.wasm$|^\/assets\/wasm-/.test(p))).toBe(false);
      await closeVisitor(v);
    } finally {
      await jitless.close();
    }
  });
});

describe('slow mode on a phone', () => {
  it('without WebAssembly the page says the step can take a minute or more, and the time ticks', async () => {
    reportFailures('reach-slow-mode');
    const v = await newVisitor(browser, 'reach-slow', { viewport: PHONE });
    // WebAssembly is removed from the page only: the page's detection and copy are what is
    // checked here (no-wasm.test.ts runs the crypto itself without WebAssembly).
    await v.context.addInitScript('delete globalThis.WebAssembly;');
    const { page } = v;
    await page.goto(`${desk.url}/#/new`);
    await hook(page, 'new-subject').fill('Slow browser');
    await hook(page, 'new-body').fill('Checking what the progress panel says.');
    await hook(page, 'new-continue').click();
    const words = await passphraseWords(page);
    await hook(page, 'passphrase-written').check();
    await hook(page, 'passphrase-next').click();
    await fillConfirm(page, words);
    await hook(page, 'confirm-send').click();
    await hook(page, 'busy-slow-mode').waitFor({ timeout: SLOW });
    expect((await hook(page, 'busy-slow-mode').innerText()).trim()).toBe(en.progress.slowMode);
    expect(await hook(page, 'busy-elapsed').count()).toBe(1);
    await screenshot(v, 'reach-slow-mode-progress');
    await hook(page, 'new-done').waitFor({ timeout: SLOW });
    // No copy anywhere promises a short wait
    for (const strings of [en, vi]) expect(JSON.stringify(strings)).not.toMatch(/few seconds|vài giây/i);
    await closeVisitor(v);
  });
});
