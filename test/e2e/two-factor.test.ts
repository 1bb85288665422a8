// Two-factor sign-in in the web console, in real Chromium against a desk of its own (enrolling
// the shared desk's admin would change every other file's sign-in): enrol from the console (QR
// drawn locally, secret shown, recovery codes shown once), sign in again with password + code,
// and a recovery code that works once. Codes are computed from the secret the page shows, with
// the library an authenticator app would use. Screenshots of each new screen in both languages.
import { Secret, TOTP } from 'otpauth';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import en from '../../client/src/i18n/en.json';
import vi from '../../client/src/i18n/vi.json';
import { closeVisitor, launchBrowser, newVisitor, reportFailures, screenshot, SLOW, type Visitor } from './browser';
import { ADMIN, startDesk, type Desk } from './desk';
import { runCommand } from '../cli/run';
import { hook, idle } from './flows';

let browser: Browser;
let desk: Desk;

beforeAll(async () => {
  [browser, desk] = await Promise.all([launchBrowser(), startDesk({ env: { SEALDESK_POW_DIFFICULTY: '10' } })]);
});
afterAll(async () => {
  await browser?.close();
  await desk?.stop();
});

const STEP_MS = 30_000;
const stepOf = (ms: number): number => Math.floor(ms / STEP_MS);
function codeForStep(secret: string, step: number): string {
  return new TOTP({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30 }).generate({ timestamp: step * STEP_MS });
}

/** Both languages of the screen on show, then back to English. */
async function shootBothLanguages(v: Visitor, name: string, heading: { en: string; vi: string }): Promise<void> {
  await expect.poll(() => v.page.locator('main h1').innerText()).toBe(heading.en);
  await screenshot(v, `two-factor-${name}-en`);
  await hook(v.page, 'lang-select').selectOption('vi');
  await expect.poll(() => v.page.locator('main h1').innerText()).toBe(heading.vi);
  await screenshot(v, `two-factor-${name}-vi`);
  await hook(v.page, 'lang-select').selectOption('en');
  await expect.poll(() => v.page.locator('main h1').innerText()).toBe(heading.en);
}

async function passwordStep(page: Page): Promise<void> {
  await page.goto(`${desk.url}/#/staff/login`);
  await hook(page, 'staff-username').fill(ADMIN.username);
  await hook(page, 'staff-password').fill(ADMIN.password);
  await hook(page, 'staff-login-submit').click();
}

async function lock(page: Page): Promise<void> {
  await hook(page, 'staff-lock').click();
  await hook(page, 'staff-login-form').waitFor();
}

describe('console: two-factor sign-in', () => {
  // The admin's recovery codes, for the CLI calls of the policy test.
  let adminRecoveryCodes: string[] = [];

  it('enrols from the console, signs in again with password + code, and takes a recovery code once', async () => {
    reportFailures('two-factor-console');
    const v = await newVisitor(browser, 'two-factor');
    const { page } = v;

    // Given the admin signed in with the password alone (no factor yet)
    await passwordStep(page);
    await hook(page, 'staff-two-factor-link').waitFor({ timeout: SLOW });
    // When they open "Two-factor sign-in" and begin enrolment
    await hook(page, 'staff-two-factor-link').click();
    await expect.poll(() => hook(page, 'two-factor-status').innerText()).toBe(en.twoFactor.statusOff);
    await shootBothLanguages(v, 'status-off', { en: en.twoFactor.title, vi: vi.twoFactor.title });
    await hook(page, 'two-factor-begin').click();
    // Then a QR code drawn in the page and the secret as text are shown
    const qr = hook(page, 'two-factor-qr');
    await qr.waitFor();
    expect(await qr.evaluate((el) => el.tagName.toLowerCase())).toBe('svg');
    expect((await qr.locator('path').getAttribute('d'))?.length).toBeGreaterThan(500);
    const secret = (await hook(page, 'two-factor-secret').getAttribute('data-secret'))!;
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect((await hook(page, 'two-factor-secret').innerText()).replaceAll(' ', '')).toBe(secret);
    await shootBothLanguages(v, 'enrol', { en: en.twoFactor.enrolTitle, vi: vi.twoFactor.enrolTitle });
    // And nothing outside the desk was asked for the QR code
    expect(v.requests.filter((r) => !r.url.startsWith(desk.url) && !r.url.startsWith('blob:') && !r.url.startsWith('data:'))).toEqual([]);

    // When they confirm with the current code
    const enrolStep = stepOf(Date.now());
    await hook(page, 'two-factor-code').fill(codeForStep(secret, enrolStep));
    await hook(page, 'two-factor-confirm').click();
    // Then the ten recovery codes are shown, with a "save these" step
    const codeItems = hook(page, 'two-factor-recovery-codes').locator('li');
    await codeItems.first().waitFor();
    const recoveryCodes = (await codeItems.allInnerTexts()).map((c) => c.trim());
    expect(recoveryCodes).toHaveLength(10);
    adminRecoveryCodes = recoveryCodes;
    for (const c of recoveryCodes) expect(c).toMatch(/^[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}$/);
    await shootBothLanguages(v, 'recovery-codes', { en: en.twoFactor.codesTitle, vi: vi.twoFactor.codesTitle });
    await hook(page, 'two-factor-saved-submit').click();
    await expect.poll(() => page.locator('#saved-error').innerText()).toBe(en.twoFactor.savedMissing);
    await hook(page, 'two-factor-saved').check();
    await hook(page, 'two-factor-saved-submit').click();
    await expect.poll(() => hook(page, 'two-factor-status').innerText()).toBe(en.twoFactor.statusOn.replace('{{n}}', '10'));
    await shootBothLanguages(v, 'status-on', { en: en.twoFactor.title, vi: vi.twoFactor.title });

    // When they sign out and sign in again with the password
    await lock(page);
    await passwordStep(page);
    // Then the code is asked for, and a wrong one is refused in words tied to the field
    const code = hook(page, 'staff-code');
    await code.waitFor({ timeout: SLOW });
    await shootBothLanguages(v, 'code-step', { en: en.twoFactor.codeTitle, vi: vi.twoFactor.codeTitle });
    const nextStep = Math.max(stepOf(Date.now()), enrolStep + 1);
    const wrong = ['000000', '111111'].find((c) => c !== codeForStep(secret, nextStep) && c !== codeForStep(secret, nextStep - 1) && c !== codeForStep(secret, nextStep + 1))!;
    await code.fill(wrong);
    await hook(page, 'staff-code-submit').click();
    await expect.poll(() => hook(page, 'staff-code-error').innerText()).toBe(en.twoFactor.codeWrong);
    expect(await code.getAttribute('aria-invalid')).toBe('true');
    expect(await code.getAttribute('aria-describedby')).toContain('code-error');
    // And the current code opens the console
    await code.fill(codeForStep(secret, Math.max(stepOf(Date.now()), enrolStep + 1)));
    await hook(page, 'staff-code-submit').click();
    await hook(page, 'staff-two-factor-link').waitFor({ timeout: SLOW });

    // When they sign in with a recovery code instead
    await lock(page);
    await passwordStep(page);
    await hook(page, 'staff-code-switch').click();
    await code.fill(recoveryCodes[0]!);
    await hook(page, 'staff-code-submit').click();
    // Then it works once
    await hook(page, 'staff-two-factor-link').waitFor({ timeout: SLOW });
    await lock(page);
    await passwordStep(page);
    await hook(page, 'staff-code-switch').click();
    await code.fill(recoveryCodes[0]!);
    await hook(page, 'staff-code-submit').click();
    await idle(page);
    await expect.poll(() => hook(page, 'staff-code-error').innerText()).toBe(en.twoFactor.codeWrong);
    expect(await hook(page, 'staff-two-factor-link').count()).toBe(0);
    await screenshot(v, 'two-factor-recovery-refused-en');
    // And the status counts the one spent
    await code.fill(recoveryCodes[1]!);
    await hook(page, 'staff-code-submit').click();
    await hook(page, 'staff-two-factor-link').waitFor({ timeout: SLOW });
    await hook(page, 'staff-two-factor-link').click();
    await expect.poll(() => hook(page, 'two-factor-status').innerText()).toBe(en.twoFactor.statusOn.replace('{{n}}', '8'));
    expect(v.console.filter((l) => l.startsWith('[pageerror]'))).toEqual([]);
    await closeVisitor(v);
  });
  it('under the desk policy, a member without a factor lands on the two-factor screen and enrols to open the console', async () => {
    reportFailures('two-factor-policy');
    const admin = (recoveryCode: string) => ({ SEALDESK_ADMIN_PASSWORD: ADMIN.password, SEALDESK_RECOVERY_CODE: recoveryCode });
    // Given a new member, invited, activated and admitted from the CLI, and the policy turned on
    const invite = await runCommand(['invite', 'tina', '--server', desk.url], admin(adminRecoveryCodes[2]!));
    expect(invite.stderr).toBe('');
    const token = invite.stdout.trim().split('\n').at(-1)!;
    const password = 'tina has a long enough password';
    const activated = await runCommand(['activate', token, '--server', desk.url], { SEALDESK_PASSWORD: password });
    expect(activated.stderr).toBe('');
    const admitted = await runCommand(['admit', 'tina', '--server', desk.url], admin(adminRecoveryCodes[4]!));
    expect(admitted.stderr).toBe('');
    const policy = await runCommand(['two-factor', 'policy', 'on', '--server', desk.url], admin(adminRecoveryCodes[3]!));
    expect(policy.stderr).toBe('');
    expect(policy.code).toBe(0);

    // When she signs in with her password
    const v = await newVisitor(browser, 'two-factor-policy');
    const { page } = v;
    await page.goto(`${desk.url}/#/staff/login`);
    await hook(page, 'staff-username').fill('tina');
    await hook(page, 'staff-password').fill(password);
    await hook(page, 'staff-login-submit').click();
    // Then the two-factor screen says the desk requires it, and offers nothing but enrolment
    await hook(page, 'two-factor-required').waitFor({ timeout: SLOW });
    expect(page.url()).toContain('#/staff/two-factor');
    expect(await hook(page, 'staff-lock').count()).toBe(0);
    expect(await hook(page, 'two-factor-sign-out').count()).toBe(1);
    await shootBothLanguages(v, 'required', { en: en.twoFactor.title, vi: vi.twoFactor.title });
    // When she enrols and confirms
    await hook(page, 'two-factor-begin').click();
    const secret = (await hook(page, 'two-factor-secret').getAttribute('data-secret'))!;
    await hook(page, 'two-factor-code').fill(codeForStep(secret, stepOf(Date.now())));
    await hook(page, 'two-factor-confirm').click();
    await hook(page, 'two-factor-recovery-codes').waitFor();
    await hook(page, 'two-factor-saved').check();
    await hook(page, 'two-factor-saved-submit').click();
    // Then the console is open with the full session the confirmation returned
    await expect.poll(() => hook(page, 'two-factor-status').innerText()).toBe(en.twoFactor.statusOn.replace('{{n}}', '10'));
    await hook(page, 'staff-lock').waitFor();
    await hook(page, 'two-factor-back').click();
    await hook(page, 'staff-two-factor-link').waitFor({ timeout: SLOW });
    expect(v.console.filter((l) => l.startsWith('[pageerror]'))).toEqual([]);
    await closeVisitor(v);
  });
});
