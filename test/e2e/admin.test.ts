// The admin console in real Chromium against a desk of its own (disabling, resetting and rotating
// would change every other file's desk): invite → activate → admit after comparing fingerprints →
// reply → disable (the member's open page is signed out on its next request; the key log shows
// staff-remove) → rotate from the console with progress → old tickets open, labels intact, the
// former member's reply verified as a former member → reset and re-enrolment, earlier replies
// verified with the former key. Then a rotation interrupted by closing the page after its first
// batch, resumed from the server's state. Screenshots of every admin screen in en and vi.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import en from '../../client/src/i18n/en.json';
import vi from '../../client/src/i18n/vi.json';
import { closeVisitor, launchBrowser, newVisitor, PHONE, reportFailures, screenshot, SLOW, type Visitor } from './browser';
import { ADMIN, startDesk, type Desk } from './desk';
import { hook, idle } from './flows';
import { seedTickets, type SeededTicket } from './seed';

let browser: Browser;
let desk: Desk;

beforeAll(async () => {
  [browser, desk] = await Promise.all([launchBrowser(), startDesk({ env: { SEALDESK_POW_DIFFICULTY: '8', SEALDESK_MAX_OPEN_TICKETS: '100' } })]);
});
afterAll(async () => {
  await browser?.close();
  await desk?.stop();
});

const TECH_PASSWORD = 'a long enough technician password';
const NEW_PASSWORD = 'a brand new password after reset';

/** The screen on show in both languages (heading checked each time), then back to English. */
async function shootBothLanguages(v: Visitor, name: string, heading: { en: string; vi: string }): Promise<void> {
  const h1 = () => v.page.locator('main h1').innerText();
  await expect.poll(h1).toContain(heading.en);
  await screenshot(v, `admin-${name}-en`);
  await hook(v.page, 'lang-select').selectOption('vi');
  await expect.poll(h1).toContain(heading.vi);
  await screenshot(v, `admin-${name}-vi`);
  await hook(v.page, 'lang-select').selectOption('en');
  await expect.poll(h1).toContain(heading.en);
}

/**
 * Signs in and waits for `expected`. On this shared 2-core machine the desk sheds load (503
 * `overloaded`) while Argon2id runs; a person would press the button again, and so does this.
 */
async function signIn(page: Page, username: string, password: string, expected = 'staff-queue'): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    await page.goto(`${desk.url}/#/staff/login`);
    await hook(page, 'staff-username').fill(username);
    await hook(page, 'staff-password').fill(password);
    await hook(page, 'staff-login-submit').click();
    const outcome = await Promise.race([
      hook(page, expected)
        .waitFor({ timeout: SLOW })
        .then(() => 'ok' as const)
        .catch(() => 'timeout' as const),
      hook(page, 'flash')
        .waitFor({ timeout: SLOW })
        .then(() => 'flash' as const)
        .catch(() => 'timeout' as const),
    ]);
    if (outcome === 'timeout') throw new Error(`sign-in as ${username}: neither ${expected} nor a message appeared`);
    if (outcome === 'ok') return;
    if (attempt >= 3) throw new Error(`sign-in as ${username} failed: ${await hook(page, 'flash').innerText()}`);
    await page.reload();
  }
}

async function adminSignIn(page: Page): Promise<void> {
  await signIn(page, ADMIN.username, ADMIN.password, 'staff-admin-link');
  await hook(page, 'staff-admin-link').click();
  await hook(page, 'admin-staff-list').waitFor();
}

/** Invites `username` from the console; returns the one-time link shown. */
async function invite(page: Page, username: string): Promise<string> {
  await hook(page, 'admin-invite-username').fill(username);
  await hook(page, 'admin-invite-role').selectOption('technician');
  await hook(page, 'admin-invite-submit').click();
  await expect.poll(() => hook(page, 'admin-invited').innerText(), { timeout: SLOW }).toContain(username);
  const link = await hook(page, 'admin-invite-link').inputValue();
  expect(link).toMatch(new RegExp(`^${desk.url}/#/activate/[A-Za-z0-9_-]{16,}$`));
  return link;
}

/** Opens an invitation link, sets a password; returns the key fingerprint the page shows. */
async function activate(page: Page, link: string, password: string): Promise<string> {
  await page.goto(link);
  await hook(page, 'secret-choose-own').click();
  await hook(page, 'activate-password').fill(password);
  await hook(page, 'activate-password2').fill(password);
  await hook(page, 'activate-submit').click();
  const fp = (await hook(page, 'activate-fingerprint').getAttribute('data-fingerprint', { timeout: SLOW }))!;
  expect(fp).toMatch(/^\d{5}( \d{5}){5}$/);
  expect(await hook(page, 'activate-fingerprint').innerText()).toBe(fp);
  return fp;
}

const memberRow = (page: Page, username: string) => page.locator(`[data-test="admin-member"][data-username="${username}"]`);

async function openMember(page: Page, username: string): Promise<void> {
  await page.goto(`${desk.url}/#/admin`);
  await hook(page, 'admin-staff-refresh').click();
  await memberRow(page, username).locator('[data-test="admin-member-open"]').click();
  await expect.poll(() => hook(page, 'admin-member-name').innerText()).toBe(username);
}

/** Admits after comparing fingerprints: what the member read out, typed with other spacing. */
async function admit(page: Page, username: string, readOut: string): Promise<void> {
  await openMember(page, username);
  await expect.poll(() => hook(page, 'admin-admit-fingerprint').innerText()).toBe(readOut);
  await hook(page, 'admin-admit-readout').fill(readOut.replaceAll(' ', '-'));
  await hook(page, 'admin-admit-submit').click();
  await expect.poll(() => hook(page, 'flash').innerText(), { timeout: SLOW }).toContain(en.admin.admit.done.replace('{{name}}', username));
  await expect.poll(() => hook(page, 'admin-member-state').innerText()).toBe(en.admin.states.active);
}

async function openTicket(page: Page, ticketId: string): Promise<void> {
  await page.goto(`${desk.url}/#/staff/tickets/${ticketId}`);
  await hook(page, 'staff-thread').waitFor({ timeout: SLOW });
  await idle(page);
}

async function reply(page: Page, ticketId: string, body: string): Promise<void> {
  await openTicket(page, ticketId);
  await hook(page, 'staff-reply-body').fill(body);
  await hook(page, 'staff-reply-send').click();
  await expect.poll(() => hook(page, 'staff-thread').innerText(), { timeout: SLOW }).toContain(body);
}

/** The signature line of the message containing `text`. */
const signatureOf = (page: Page, text: string) => page.locator('[data-test="staff-message"]', { hasText: text }).locator('[data-test="sig-ok"], [data-test="sig-bad"]');

async function keyLogTypes(): Promise<{ type: string; body: Record<string, unknown> }[]> {
  const { entries } = (await (await fetch(`${desk.url}/api/keylog`)).json()) as { entries: { type: string; body: Record<string, unknown> }[] };
  return entries;
}

describe('admin console', () => {
  let tickets: SeededTicket[] = [];

  it('invites, admits, disables, rotates, resets: trust survives every change', async () => {
    reportFailures('admin-console');
    tickets = await seedTickets(desk.url, 3, 'Admin journey', 1);
    const admin = await newVisitor(browser, 'admin');
    const tina = await newVisitor(browser, 'tina');
    const rex = await newVisitor(browser, 'rex');
    const { page } = admin;

    // Given the admin in the console, on the team page
    await adminSignIn(page);
    await shootBothLanguages(admin, 'team', { en: en.admin.staffTitle, vi: vi.admin.staffTitle });

    // When they invite two technicians, and both activate with the one-time links
    const tinaLink = await invite(page, 'tina');
    await screenshot(admin, 'admin-invite-link-en');
    const rexLink = await invite(page, 'rex');
    const tinaFp = await activate(tina.page, tinaLink, TECH_PASSWORD);
    const rexFp = await activate(rex.page, rexLink, TECH_PASSWORD);

    // Then signing in before admission says what is next, not a tampering warning
    await signIn(tina.page, 'tina', TECH_PASSWORD, 'staff-awaiting-admission');
    expect(await hook(tina.page, 'trust-warning').count()).toBe(0);
    await shootBothLanguages(tina, 'awaiting-admission', { en: en.staff.awaitingTitle, vi: vi.staff.awaitingTitle });

    // And the team list shows them waiting, with their key fingerprints
    await hook(page, 'admin-staff-refresh').click();
    await expect.poll(() => memberRow(page, 'tina').getAttribute('data-state')).toBe('awaiting_admission');
    expect(await memberRow(page, 'tina').locator('[data-test="admin-member-fingerprint"]').innerText()).toBe(tinaFp);

    // When the admin types a fingerprint that differs, nothing is admitted and the expected value is not shown
    await openMember(page, 'tina');
    await shootBothLanguages(admin, 'admit', { en: en.admin.memberTitle, vi: vi.admin.memberTitle });
    const wrong = tinaFp.replace(/^\d/, (d) => String((Number(d) + 1) % 10));
    await hook(page, 'admin-admit-readout').fill(wrong);
    await hook(page, 'admin-admit-submit').click();
    await expect.poll(() => hook(page, 'admin-admit-error').innerText()).toBe(en.admin.admit.mismatch);
    expect(await hook(page, 'admin-admit-error').innerText()).not.toContain(tinaFp.slice(0, 11));
    expect(await page.locator('#readout').getAttribute('aria-invalid')).toBe('true');
    await screenshot(admin, 'admin-admit-mismatch-en');
    expect((await keyLogTypes()).filter((e) => e.type === 'staff-add')).toHaveLength(0);

    // And with what each member read out they are admitted (staff-add signed, grant sealed)
    await admit(page, 'tina', tinaFp);
    await admit(page, 'rex', rexFp);
    expect((await keyLogTypes()).filter((e) => e.type === 'staff-add')).toHaveLength(2);

    // When the admin labels the first ticket, and both technicians reply
    await openTicket(page, tickets[0]!.ticketId);
    await hook(page, 'staff-label-name').fill('Needs a call');
    await hook(page, 'staff-label-create').click();
    const labelBox = page.locator('[data-test="staff-label-toggle"][data-label="needs a call"]');
    await expect.poll(() => labelBox.isChecked(), { timeout: SLOW }).toBe(true);
    await hook(tina.page, 'staff-awaiting-check').click();
    await signIn(tina.page, 'tina', TECH_PASSWORD);
    await reply(tina.page, tickets[0]!.ticketId, 'Tina here: change your password now.');
    await signIn(rex.page, 'rex', TECH_PASSWORD);
    await reply(rex.page, tickets[1]!.ticketId, 'Rex here: turn on two-factor sign-in.');

    // When the admin disables tina: one action, then the case for rotating now
    await openMember(page, 'tina');
    await hook(page, 'admin-disable').click();
    await hook(page, 'admin-rotate-prompt').waitFor({ timeout: SLOW });
    expect(await hook(page, 'admin-rotate-prompt').innerText()).toContain(en.admin.disable.rotateWhy.replace('{{name}}', 'tina').slice(0, 40));
    await shootBothLanguages(admin, 'disabled-rotate-prompt', { en: en.admin.memberTitle, vi: vi.admin.memberTitle });

    // Then tina's open page is signed out on its next request
    await tina.page.goto(`${desk.url}/#/staff/queue`);
    await hook(tina.page, 'staff-login-form').waitFor({ timeout: SLOW });
    await expect.poll(() => hook(tina.page, 'flash').innerText()).toBe(en.staff.sessionEnded);
    // And the key log shows her staff-remove
    const removed = (await keyLogTypes()).filter((e) => e.type === 'staff-remove');
    expect(removed).toHaveLength(1);

    // When the admin rotates from the prompt, the progress is shown until it is done
    await hook(page, 'admin-rotate-now').click();
    await hook(page, 'admin-rotation-progress').waitFor({ timeout: SLOW });
    await hook(page, 'admin-rotation-done').waitFor({ timeout: SLOW });
    const counts = hook(page, 'admin-rotation-counts');
    expect(await counts.getAttribute('data-done')).toBe(await counts.getAttribute('data-total'));
    await shootBothLanguages(admin, 'rotation-done', { en: en.admin.rotationTitle, vi: vi.admin.rotationTitle });
    const log = await keyLogTypes();
    expect(log.filter((e) => e.type === 'team-key').map((e) => e.body.version)).toEqual([1, 2]);
    expect(log.filter((e) => e.type === 'team-key-retire').map((e) => e.body.version)).toEqual([1]);

    // Then every old ticket opens, the label is intact, and tina's reply verifies as a former member's
    for (const tk of tickets) {
      await openTicket(page, tk.ticketId);
      expect(await hook(page, 'staff-ticket-subject').innerText()).toBe(tk.subject);
    }
    await openTicket(page, tickets[0]!.ticketId);
    await expect.poll(() => labelBox.isChecked()).toBe(true);
    expect(await hook(page, 'staff-ticket-labels').innerText()).not.toContain(en.console.labels.unknownCount.split('{{')[0]!);
    await expect.poll(() => signatureOf(page, 'Tina here').innerText()).toContain(en.thread.formerMember);
    expect(await signatureOf(page, 'Tina here').getAttribute('data-test')).toBe('sig-ok');

    // When rex lost his password: the admin resets him, he re-enrols with the new link and is admitted again
    await openMember(page, 'rex');
    await hook(page, 'admin-reset').click();
    const resetLink = await hook(page, 'admin-reset-link').inputValue({ timeout: SLOW });
    await shootBothLanguages(admin, 'reset-link', { en: en.admin.memberTitle, vi: vi.admin.memberTitle });
    const rexNewFp = await activate(rex.page, resetLink, NEW_PASSWORD);
    expect(rexNewFp).not.toBe(rexFp);
    await admit(page, 'rex', rexNewFp);

    // Then his earlier reply still verifies, marked as signed with his former key
    await signIn(rex.page, 'rex', NEW_PASSWORD);
    await openTicket(rex.page, tickets[1]!.ticketId);
    await expect.poll(() => signatureOf(rex.page, 'Rex here').innerText()).toContain(en.thread.formerKey);
    expect(await signatureOf(rex.page, 'Rex here').getAttribute('data-test')).toBe('sig-ok');

    // And the audit log and desk policy screens show the chain check and the policy
    await page.goto(`${desk.url}/#/admin/audit`);
    await expect.poll(() => hook(page, 'admin-audit-chain').getAttribute('data-ok'), { timeout: SLOW }).toBe('true');
    expect(await page.locator('[data-test="admin-audit-entry"][data-action="staff.disable"]').count()).toBeGreaterThanOrEqual(1);
    await hook(page, 'admin-audit-what').selectOption('keylog.');
    await expect
      .poll(async () =>
        (await page.locator('[data-test="admin-audit-entry"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-action')))).every((a) => a?.startsWith('keylog.')),
      )
      .toBe(true);
    await shootBothLanguages(admin, 'audit', { en: en.admin.auditTitle, vi: vi.admin.auditTitle });
    await page.goto(`${desk.url}/#/admin/policy`);
    await expect.poll(() => hook(page, 'admin-policy-pow').innerText()).toBe(en.admin.policy.powValue.replace('{{bits}}', '8'));
    await shootBothLanguages(admin, 'policy', { en: en.admin.policyTitle, vi: vi.admin.policyTitle });

    // And the team page works on a phone-sized screen
    await page.setViewportSize(PHONE);
    await page.goto(`${desk.url}/#/admin`);
    await hook(page, 'admin-staff-list').waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
    await screenshot(admin, 'admin-team-phone-en');

    await Promise.all([closeVisitor(admin), closeVisitor(tina), closeVisitor(rex)]);
    // Six Argon2id derivations in the browser and two on the desk: minutes on a loaded 2-core machine.
  }, 600_000);

  it('resumes a rotation whose page was closed after the first batch', async () => {
    reportFailures('admin-rotation-resume');
    // Given more tickets than one re-wrap batch (50) holds
    const many = await seedTickets(desk.url, 120, 'Rotation batch', 4);
    const first = await newVisitor(browser, 'admin-first-tab');
    await adminSignIn(first.page);
    await first.page.goto(`${desk.url}/#/admin/rotation`);

    // When the tab is closed while the second batch is on its way (it never reaches the desk)
    let rewraps = 0;
    let closed!: () => void;
    const tabClosed = new Promise<void>((resolve) => (closed = resolve));
    await first.page.route('**/api/admin/rewrap', async (route) => {
      rewraps += 1;
      if (rewraps === 1) return route.continue();
      await route.abort();
      closed();
    });
    await hook(first.page, 'admin-rotation-start').click({ timeout: SLOW });
    await tabClosed;
    await closeVisitor(first);
    const status = await (async () => {
      const { entries } = (await (await fetch(`${desk.url}/api/keylog`)).json()) as { entries: { type: string; body: { version?: number } }[] };
      return entries;
    })();
    expect(status.filter((e) => e.type === 'team-key').map((e) => e.body.version)).toEqual([1, 2, 3]);
    expect(status.filter((e) => e.type === 'team-key-retire').map((e) => e.body.version)).toEqual([1]);

    // Then a new sign-in offers to continue, shows what is already done, and finishes
    const second = await newVisitor(browser, 'admin-second-tab');
    await adminSignIn(second.page);
    await second.page.goto(`${desk.url}/#/admin/rotation`);
    await hook(second.page, 'admin-rotation-unfinished').waitFor({ timeout: SLOW });
    const counts = hook(second.page, 'admin-rotation-counts');
    const doneBefore = Number(await counts.getAttribute('data-done'));
    expect(doneBefore).toBeGreaterThanOrEqual(50);
    expect(doneBefore).toBeLessThan(Number(await counts.getAttribute('data-total')));
    await shootBothLanguages(second, 'rotation-unfinished', { en: en.admin.rotationTitle, vi: vi.admin.rotationTitle });
    await hook(second.page, 'admin-rotation-continue').click();
    await hook(second.page, 'admin-rotation-done').waitFor({ timeout: SLOW });
    const log = await keyLogTypes();
    expect(log.filter((e) => e.type === 'team-key-retire').map((e) => e.body.version)).toEqual([1, 2]);

    // And tickets from every batch open with the new key
    for (const tk of [many[0]!, many[60]!, many[119]!]) {
      await openTicket(second.page, tk.ticketId);
      expect(await hook(second.page, 'staff-ticket-subject').innerText()).toBe(tk.subject);
    }
    await closeVisitor(second);
  }, 300_000);
});
