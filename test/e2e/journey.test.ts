// Issues #4 and #5 "works end to end", in a real browser against the real server process:
// a requester files a request, the admin (created by the setup CLI) answers it in the staff
// console, the requester comes back with the passphrase, reads the verified reply (but not the
// internal note) and follows up. Then what the browser sent and kept is checked.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { launchBrowser, newVisitor, reportFailures, SLOW, type Visitor } from './browser';
import { confirmAndSend, hook, idle, returnWithPassphrase, staffLogin, startRequest } from './flows';

const REQUEST = {
  category: 'phishing',
  subject: 'Strange login page for my bank',
  body: 'I got an SMS with a link to a page that looks like my bank. I typed my password before I noticed.',
};
const REPLY = 'Change that password now from another device, then turn on two-step verification.';
const NOTE = 'Internal: same SMS campaign as last week, escalate to the phishing takedown list.';
const FOLLOW_UP = 'Done, I changed it and turned on two-step verification. What about the SMS?';

const desk = inject('desk');
let browser: Browser;
// The journey's three people, kept for the privacy checks that follow it.
let requester: Visitor;
let staff: Visitor;
let returning: Visitor;
let words: string[] = [];

beforeAll(async () => {
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
});

describe('requester → staff → requester in the browser', () => {
  it('files a request, gets a verified staff reply without seeing the internal note, and follows up', async () => {
    reportFailures('journey');

    // Given a requester on the landing page, which shows the desk fingerprint the CLI printed
    requester = await newVisitor(browser, 'requester');
    await requester.page.goto(`${desk.url}/`);
    const shown = await hook(requester.page, 'desk-fingerprint').innerText();
    expect(shown.replace(/\s+/g, '')).toBe(desk.fingerprint);

    // When they file a request and prove they wrote the passphrase down
    words = await startRequest(requester.page, REQUEST);
    await confirmAndSend(requester.page, words);

    // Then the admin, signed in through the staff login page, sees it in the queue, decrypted
    staff = await newVisitor(browser, 'staff');
    await staffLogin(staff.page, desk.url);
    const row = hook(staff.page, 'staff-queue-item').filter({ hasText: REQUEST.subject });
    await expect.poll(() => row.count(), { timeout: SLOW }).toBe(1);
    expect((await row.locator('[data-test="staff-queue-subject"]').innerText()).trim()).toBe(REQUEST.subject);

    // And opens it: the body, signed by the requester, verifies
    await row.click();
    await expect.poll(() => hook(staff.page, 'staff-ticket-subject').innerText(), { timeout: SLOW }).toBe(REQUEST.subject);
    const first = hook(staff.page, 'staff-message').first();
    expect(await first.innerText()).toContain(REQUEST.body);
    expect(await first.locator('[data-test="sig-ok"]').count()).toBe(1);

    // When the admin replies and adds an internal note
    await hook(staff.page, 'staff-reply-body').fill(REPLY);
    await hook(staff.page, 'staff-reply-send').click();
    const staffReply = hook(staff.page, 'staff-message').filter({ hasText: REPLY });
    await staffReply.locator('[data-test="sig-ok"]').waitFor();
    await idle(staff.page);
    await hook(staff.page, 'staff-note-body').fill(NOTE);
    await hook(staff.page, 'staff-note-send').click();
    await hook(staff.page, 'staff-note').filter({ hasText: NOTE }).locator('[data-test="sig-ok"]').waitFor();
    await idle(staff.page);

    // Then the requester, back in a fresh browser context with only the passphrase, sees the list
    returning = await newVisitor(browser, 'returning');
    await returning.page.goto(`${desk.url}/`);
    await returnWithPassphrase(returning.page, words);
    const item = hook(returning.page, 'ticket-item').filter({ hasText: REQUEST.subject });
    expect(await item.count()).toBe(1);

    // And the thread: the staff reply verifies, the internal note is nowhere on the page
    await item.click();
    const reply = hook(returning.page, 'message').filter({ hasText: REPLY });
    await reply.waitFor();
    expect(await reply.locator('[data-test="sig-ok"]').count()).toBe(1);
    expect(await hook(returning.page, 'message').count()).toBe(2);
    expect(await returning.page.locator('body').innerText()).not.toContain(NOTE);

    // When the requester follows up
    await hook(returning.page, 'reply-body').fill(FOLLOW_UP);
    await hook(returning.page, 'reply-send').click();
    await hook(returning.page, 'message').filter({ hasText: FOLLOW_UP }).locator('[data-test="sig-ok"]').waitFor();

    // Then the staff view shows it once the ticket is opened again from the queue
    await hook(staff.page, 'staff-back').click();
    await hook(staff.page, 'staff-queue-item').filter({ hasText: REQUEST.subject }).click();
    const follow = hook(staff.page, 'staff-message').filter({ hasText: FOLLOW_UP });
    await follow.locator('[data-test="sig-ok"]').waitFor();
    expect(await hook(staff.page, 'staff-message').count()).toBe(3);
    expect(await hook(staff.page, 'staff-note').count()).toBe(1);
  });

  it('privacy: only same-origin requests, only the documented storage keys, no plaintext, Leave quickly ends on about:blank', async () => {
    reportFailures('privacy');
    const people = [requester, staff, returning];
    const origin = new URL(desk.url).origin;
    const secrets = [REQUEST.subject, REQUEST.body, REPLY, NOTE, FOLLOW_UP, ...words];

    for (const p of people) {
      // Every request the page and its worker made stayed on the desk's origin
      expect(p.requests.length).toBeGreaterThan(0);
      const foreign = p.requests.filter((r) => new URL(r.url).origin !== origin);
      expect(foreign, `${p.name} contacted another origin`).toEqual([]);
      // The strict CSP held: nothing was blocked (a blocked load would be a broken feature)
      expect(
        p.console.filter((l) => /Content Security Policy/i.test(l)),
        p.name,
      ).toEqual([]);

      // Storage holds only the documented keys, and none of what was written or read
      const stored = await p.page.evaluate(async () => {
        const dump = (s: Storage) => Object.fromEntries(Array.from({ length: s.length }, (_, i) => s.key(i)!).map((k) => [k, s.getItem(k) ?? '']));
        return {
          local: dump(localStorage),
          session: dump(sessionStorage),
          idb: (await indexedDB.databases()).map((d) => d.name ?? ''),
          caches: await caches.keys(),
          cookie: document.cookie,
        };
      });
      for (const key of [...Object.keys(stored.local), ...Object.keys(stored.session)]) {
        expect(['sealdesk.lang', 'sealdesk.fingerprint'], `${p.name} stored ${key}`).toContain(key);
      }
      expect(stored.local['sealdesk.fingerprint']).toBe(desk.fingerprint);
      expect(stored.idb, `${p.name} IndexedDB`).toEqual([]);
      expect(stored.caches, `${p.name} Cache Storage`).toEqual([]);
      expect(await p.context.cookies()).toEqual([]);
      // The key names were checked above; search what is stored under them (a passphrase word
      // such as "finger" is part of the documented key name "sealdesk.fingerprint").
      const everything = JSON.stringify([Object.values(stored.local), Object.values(stored.session), stored.idb, stored.caches, stored.cookie]);
      for (const s of secrets) expect(everything, `${p.name} stored plaintext`).not.toContain(s);
    }
    // The recorder did see the traffic that matters (so the origin check above means something)
    expect(requester.requests.some((r) => r.method === 'POST' && new URL(r.url).pathname === '/api/tickets')).toBe(true);
    expect(requester.requests.some((r) => /\/assets\/worker-.*\.js$/.test(r.url))).toBe(true);
    expect(staff.requests.some((r) => r.method === 'POST' && /^\/api\/staff\/tickets\/[^/]+\/messages$/.test(new URL(r.url).pathname))).toBe(true);

    // "Leave quickly" replaces the page with about:blank
    await hook(returning.page, 'leave-quickly').click();
    await returning.page.waitForURL('about:blank');
    expect(returning.page.url()).toBe('about:blank');
    expect(await returning.page.content()).not.toContain(REQUEST.subject);
  });
});
