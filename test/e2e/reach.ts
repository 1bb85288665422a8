// Issue 12's timed journeys, shared by test/e2e/reach.test.ts and bench/reach.ts: a first request,
// returning with the passphrase, and a technician's sign-in, each timed as MACHINE time (the
// person's typing is not counted) and with every progress line the page showed recorded. The
// technician is enrolled first as a new member would be: invited (CLI), activated in the browser
// with the generated passphrase the page shows (or a password of their own), admitted (CLI).
// Plain playwright-core, no vitest: the bench runs it outside the test runner.
import { existsSync } from 'node:fs';
import { Readable } from 'node:stream';
import { chromium, type Browser, type Page } from 'playwright-core';
import { runCli } from '../../cli/index';
import { ADMIN } from './desk';

const BASE_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking'];
/** Tor Browser "safer": no JIT and, with it, no WebAssembly. */
export const JITLESS = ['--js-flags=--jitless'];
const STEP_TIMEOUT = 450_000;

export function launchChromium(extraArgs: string[]): Promise<Browser> {
  const path = process.env.SEALDESK_CHROMIUM || '/usr/bin/chromium';
  if (!existsSync(path)) throw new Error(`chromium not found at ${path}: run scripts/ensure-chromium.sh`);
  return chromium.launch({ executablePath: path, headless: true, args: [...BASE_ARGS, ...extraArgs] });
}

const hook = (page: Page, name: string) => page.locator(`[data-test="${name}"]`);

/**
 * Records the text of every progress line the busy panel shows (key derivation, proof of work,
 * slow mode), as a person would have read it: a MutationObserver installed before the app runs.
 */
const RECORD_PROGRESS = `(() => {
  const seen = (window.__progress = []);
  const timeline = (window.__timeline = []);
  const names = ['busy-kdf', 'busy-pow', 'busy-slow-mode'];
  let label = null;
  const look = () => {
    for (const n of names) for (const el of document.querySelectorAll('[data-test="' + n + '"]')) {
      const text = n + ': ' + el.textContent.replace(/\\s+/g, ' ').trim();
      if (!seen.includes(text)) seen.push(text);
    }
    const status = document.querySelector('[data-test="busy"] [role="status"]');
    const now = status ? status.textContent.trim() : null;
    if (now !== label) timeline.push(Math.round(performance.now()) + ' ms: ' + (now ?? '(idle)'));
    label = now;
  };
  new MutationObserver(look).observe(document, { subtree: true, childList: true, characterData: true });
})();`;

export interface Timed {
  /** Sum of the machine steps, ms. */
  totalMs: number;
  steps: Record<string, number>;
  /** Progress lines the page showed meanwhile. */
  progress: string[];
  /** When each busy label appeared (page clock): where the time went. */
  timeline: string[];
  webAssembly: boolean;
}

export interface FirstRequest extends Timed {
  words: string[];
}

async function timed(work: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await work();
  return Math.round(performance.now() - t0);
}

async function newPage(browser: Browser, locale = 'en-US'): Promise<Page> {
  const context = await browser.newContext({ locale, viewport: { width: 360, height: 740 } });
  context.setDefaultTimeout(STEP_TIMEOUT);
  await context.addInitScript(RECORD_PROGRESS);
  return context.newPage();
}

/** Page load until the engine is up and the key log verified (the landing pins the desk). */
async function openDesk(page: Page, url: string, fingerprint: string): Promise<number> {
  return timed(async () => {
    await page.goto(`${url}/`);
    await page.waitForFunction((fp) => localStorage.getItem('sealdesk.fingerprint') === fp, fingerprint, { timeout: STEP_TIMEOUT, polling: 100 });
  });
}

const progressOf = (page: Page) => page.evaluate(() => (window as unknown as { __progress: string[] }).__progress.slice());
const timelineOf = (page: Page) => page.evaluate(() => (window as unknown as { __timeline: string[] }).__timeline.slice());
const wasmOf = (page: Page) => page.evaluate(() => typeof WebAssembly === 'object');

/** Landing → form → passphrase → confirm → sent. Machine time: load, passphrase, and send → done. */
export async function firstRequest(browser: Browser, desk: { url: string; fingerprint: string }, subject: string): Promise<FirstRequest> {
  const page = await newPage(browser);
  try {
    const load = await openDesk(page, desk.url, desk.fingerprint);
    await hook(page, 'start-new').click();
    await hook(page, 'new-category').selectOption('censorship');
    await hook(page, 'new-subject').fill(subject);
    await hook(page, 'new-body').fill('The news site only loads through Tor since Monday. Is my ISP blocking it?');
    const items = hook(page, 'passphrase-words').locator('li');
    const passphrase = await timed(async () => {
      await hook(page, 'new-continue').click();
      await items.first().waitFor();
    });
    const words = (await items.allInnerTexts()).map((w) => w.trim());
    await hook(page, 'passphrase-written').check();
    await hook(page, 'passphrase-next').click();
    await hook(page, 'confirm-form').waitFor();
    for (const i of [0, 1]) {
      const label = await page.locator(`label[for="word${i}"]`).innerText();
      const n = Number(/\d+/.exec(label)?.[0]);
      await hook(page, `confirm-word-${i}`).fill(words[n - 1]!);
    }
    const send = await timed(async () => {
      await hook(page, 'confirm-send').click();
      await hook(page, 'new-done').waitFor({ timeout: STEP_TIMEOUT });
    });
    const steps = { load, passphrase, send };
    return { totalMs: load + passphrase + send, steps, words, progress: await progressOf(page), timeline: await timelineOf(page), webAssembly: await wasmOf(page) };
  } finally {
    await page.context().close();
  }
}

/** A fresh browser context (another day, nothing kept): load, passphrase → own tickets → the thread, verified. */
export async function returnWithPassphrase(browser: Browser, desk: { url: string; fingerprint: string }, words: readonly string[], subject: string): Promise<Timed> {
  const page = await newPage(browser);
  try {
    const load = await openDesk(page, desk.url, desk.fingerprint);
    await hook(page, 'start-return').click();
    await hook(page, 'return-passphrase').fill(words.join(' '));
    const unlock = await timed(async () => {
      await hook(page, 'return-submit').click();
      await hook(page, 'ticket-list').waitFor({ timeout: STEP_TIMEOUT });
    });
    const thread = await timed(async () => {
      await hook(page, 'ticket-item').filter({ hasText: subject }).click();
      await hook(page, 'message').locator('[data-test="sig-ok"]').first().waitFor({ timeout: STEP_TIMEOUT });
    });
    const steps = { load, unlock, thread };
    return { totalMs: load + unlock + thread, steps, progress: await progressOf(page), timeline: await timelineOf(page), webAssembly: await wasmOf(page) };
  } finally {
    await page.context().close();
  }
}

export interface StaffCredentials {
  username: string;
  password: string;
}

/** A staff CLI command in this process, as the desk's admin; its stdout, or a thrown error with its stderr. */
async function adminCli(desk: { url: string; fingerprint: string }, args: string[]): Promise<string> {
  let stdout = '';
  let stderr = '';
  const io = {
    env: { NO_COLOR: '1', SEALDESK_ADMIN_PASSWORD: ADMIN.password },
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    stdin: Readable.from([]),
  };
  const code = await runCli([...args, '--as', ADMIN.username, '--server', desk.url, '--fingerprint', desk.fingerprint], io);
  if (code !== 0) throw new Error(`cli ${args[0]} failed (${code}): ${stderr}`);
  return stdout;
}

/** The admin invites `username` as a technician; returns the activation link. */
export async function inviteTechnician(desk: { url: string; fingerprint: string }, username: string): Promise<string> {
  const out = await adminCli(desk, ['invite', username]);
  const link = /Activation link: (\S+)/.exec(out)?.[1];
  if (!link) throw new Error(`no activation link in: ${out}`);
  return link;
}

/**
 * The activation page of `link` on `page`: by default the generated passphrase it shows (read
 * from the page, "written down" ticked), or `chosen` typed twice after "Choose my own password".
 * Returns the secret and the key fingerprint the page shows for admission.
 */
export async function activateInBrowser(page: Page, link: string, chosen?: string): Promise<{ password: string; keyFingerprint: string }> {
  await page.goto(link);
  let password: string;
  if (chosen === undefined) {
    const words = hook(page, 'staff-passphrase-words').locator('li');
    await words.first().waitFor();
    password = (await words.allInnerTexts()).map((w) => w.trim()).join(' ');
    await hook(page, 'secret-written').check();
  } else {
    // The page may show the passphrase (the default) or already the password fields
    await hook(page, 'secret-choose-own').or(hook(page, 'activate-password')).first().waitFor();
    if (await hook(page, 'secret-choose-own').isVisible()) await hook(page, 'secret-choose-own').click();
    await hook(page, 'activate-password').fill(chosen);
    await hook(page, 'activate-password2').fill(chosen);
    password = chosen;
  }
  await hook(page, 'activate-submit').click();
  const keyFingerprint = await hook(page, 'activate-fingerprint').getAttribute('data-fingerprint', { timeout: STEP_TIMEOUT });
  if (!keyFingerprint) throw new Error('no key fingerprint on the activation page');
  return { password, keyFingerprint };
}

/** The admin admits `username` after checking the fingerprint the member read out (`admit --expect`). */
export async function admitTechnician(desk: { url: string; fingerprint: string }, username: string, keyFingerprint: string): Promise<void> {
  await adminCli(desk, ['admit', username, '--expect', keyFingerprint]);
}

/** Invite → activate in a fresh 360-px context of `browser` → admit: a technician ready to sign in. */
export async function enrolTechnician(browser: Browser, desk: { url: string; fingerprint: string }, username: string, chosen?: string): Promise<StaffCredentials> {
  const link = await inviteTechnician(desk, username);
  const page = await newPage(browser);
  try {
    const { password, keyFingerprint } = await activateInBrowser(page, link, chosen);
    await admitTechnician(desk, username, keyFingerprint);
    return { username, password };
  } finally {
    await page.context().close();
  }
}

/**
 * Staff login page → queue with `subject`'s row decrypted (or just the queue), as `who` (the
 * desk's first admin unless given). Machine time: load, and submit → row.
 */
export async function staffSignIn(browser: Browser, desk: { url: string }, subject: string | null, who: StaffCredentials = ADMIN): Promise<Timed> {
  const page = await newPage(browser);
  try {
    const load = await timed(async () => {
      await page.goto(`${desk.url}/#/staff/login`);
      await hook(page, 'staff-username').waitFor();
    });
    await hook(page, 'staff-username').fill(who.username);
    await hook(page, 'staff-password').fill(who.password);
    const signIn = await timed(async () => {
      await hook(page, 'staff-login-submit').click();
      if (subject === null) await hook(page, 'staff-queue').waitFor({ state: 'attached', timeout: STEP_TIMEOUT });
      else await hook(page, 'staff-queue-item').filter({ hasText: subject }).first().waitFor({ timeout: STEP_TIMEOUT });
    });
    const steps = { load, signIn };
    return { totalMs: load + signIn, steps, progress: await progressOf(page), timeline: await timelineOf(page), webAssembly: await wasmOf(page) };
  } finally {
    await page.context().close();
  }
}
