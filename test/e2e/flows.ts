// What people do in the client, step by step, through the stable `data-test` hooks only.
import { expect } from 'vitest';
import type { Page } from 'playwright-core';
import { ADMIN } from './desk';
import { SLOW } from './browser';

export const hook = (page: Page, name: string) => page.locator(`[data-test="${name}"]`);

export interface NewRequest {
  category: string;
  subject: string;
  body: string;
}

/** Fills the form up to the passphrase step and returns the words shown there. */
export async function startRequest(page: Page, req: NewRequest): Promise<string[]> {
  await hook(page, 'start-new').click();
  await hook(page, 'new-category').selectOption(req.category);
  await hook(page, 'new-subject').fill(req.subject);
  await hook(page, 'new-body').fill(req.body);
  await hook(page, 'new-continue').click();
  const items = hook(page, 'passphrase-words').locator('li');
  await items.first().waitFor();
  const words = (await items.allInnerTexts()).map((w) => w.trim());
  expect(words.length).toBeGreaterThanOrEqual(6);
  return words;
}

/** Proves the words were written down (the two asked positions) and sends; waits for "sent". */
export async function confirmAndSend(page: Page, words: readonly string[]): Promise<void> {
  await hook(page, 'passphrase-written').check();
  await hook(page, 'passphrase-next').click();
  await hook(page, 'confirm-form').waitFor();
  for (const i of [0, 1]) {
    // The label says which word is asked ("Word number N"); positions are random.
    const label = await page.locator(`label[for="word${i}"]`).innerText();
    const n = Number(/\d+/.exec(label)?.[0]);
    expect(n).toBeGreaterThanOrEqual(1);
    await hook(page, `confirm-word-${i}`).fill(words[n - 1]!);
  }
  await hook(page, 'confirm-send').click();
  await hook(page, 'new-done').waitFor({ timeout: SLOW });
}

/** Landing → "I have a passphrase" → the list of own tickets. */
export async function returnWithPassphrase(page: Page, words: readonly string[]): Promise<void> {
  await hook(page, 'start-return').click();
  await hook(page, 'return-passphrase').fill(words.join(' '));
  await hook(page, 'return-submit').click();
  await hook(page, 'ticket-list').waitFor({ timeout: SLOW });
}

/** The staff login page with the admin created by the setup CLI; ends on the queue. */
export async function staffLogin(page: Page, url: string): Promise<void> {
  await page.goto(`${url}/#/staff/login`);
  await hook(page, 'staff-username').fill(ADMIN.username);
  await hook(page, 'staff-password').fill(ADMIN.password);
  await hook(page, 'staff-login-submit').click();
  await hook(page, 'staff-queue').waitFor({ timeout: SLOW });
}

/** Waits until no operation is in progress (the `busy` panel is gone). */
export async function idle(page: Page): Promise<void> {
  await hook(page, 'busy').waitFor({ state: 'detached', timeout: SLOW });
}
