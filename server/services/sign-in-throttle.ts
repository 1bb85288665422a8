// Per-account sign-in throttle (issue 13 §2; docs/DECISIONS.md "Sign-in throttling"). Behind an
// onion service every client is 127.0.0.1, so an address limit cannot tell an attacker from the
// staff: failures count per account NAME instead, real or not, and the address limit in
// rate-limits.ts is only a loose flood guard.
import { eq, lt, sql } from 'drizzle-orm';
import { createHmac } from 'node:crypto';
import { AppError } from '../errors';
import { tables, transaction, type Db } from './data';
import { nowSeconds } from '../plugins/app/tokens';

/** Failures allowed before any back-off: the 21st attempt after 20 failures already waits. */
export const FREE_FAILURES = 20;
/** The wait after the 20th failure; it doubles with each further failure, up to MAX_DELAY_SECONDS. */
export const FIRST_DELAY_SECONDS = 30;
export const MAX_DELAY_SECONDS = 60 * 60;
/** A name with no failure for this long starts again from zero (and its row is pruned). */
export const FORGET_AFTER_SECONDS = 24 * 60 * 60;

/** The key a name's failures are stored under: an HMAC, so the table never lists typed names. */
export type ThrottleKey = Buffer & { readonly __brand: 'ThrottleKey' };
export function throttleKey(serverSecret: Uint8Array): ThrottleKey {
  return createHmac('sha256', serverSecret).update('sealdesk/v1/sign-in-throttle-key').digest() as ThrottleKey;
}
function nameKey(key: ThrottleKey, username: string): string {
  return createHmac('sha256', key).update(username, 'utf8').digest('base64url');
}

/** Thrown while a name is backing off; the route copies retryAfterSeconds into Retry-After. */
export class SignInThrottled extends AppError {
  constructor(readonly retryAfterSeconds: number) {
    super('sign_in_throttled', 'too many failed sign-ins for this account; try again later');
  }
}

/** Seconds to wait after `failures` failures (0 while free tries remain). */
export function backOffSeconds(failures: number): number {
  if (failures < FREE_FAILURES) return 0;
  return Math.min(MAX_DELAY_SECONDS, FIRST_DELAY_SECONDS * 2 ** Math.min(failures - FREE_FAILURES, 20));
}

/**
 * SECURITY: call before checking the password (or a second factor). While a name backs off,
 * every attempt gets this same answer — a right password included — so the back-off cannot be
 * used as an oracle, and known and unknown names behave alike.
 */
export async function assertNotThrottled(db: Db, key: ThrottleKey, username: string, now = nowSeconds()): Promise<void> {
  const { signInFailures } = tables(db);
  const [row] = await db
    .select()
    .from(signInFailures)
    .where(eq(signInFailures.nameKey, nameKey(key, username)));
  if (!row || now - row.lastFailureAt >= FORGET_AFTER_SECONDS) return;
  const until = row.lastFailureAt + backOffSeconds(row.failures);
  if (now < until) throw new SignInThrottled(until - now);
}

/** Counts one failed sign-in (wrong password, wrong or replayed code) against the name. */
export async function recordSignInFailure(db: Db, key: ThrottleKey, username: string, now = nowSeconds()): Promise<void> {
  const forgetBefore = now - FORGET_AFTER_SECONDS;
  // The count lives in the database, so every node sees every node's failures; the upsert adds
  // one atomically (no read-modify-write), on either dialect.
  await transaction(db, async (tx) => {
    const { signInFailures } = tables(tx);
    // Stale rows go on every write: flooding with invented names cannot grow the table past a day's worth.
    await tx.delete(signInFailures).where(lt(signInFailures.lastFailureAt, forgetBefore));
    await tx
      .insert(signInFailures)
      .values({ nameKey: nameKey(key, username), failures: 1, lastFailureAt: now })
      .onConflictDoUpdate({ target: signInFailures.nameKey, set: { failures: sql`${signInFailures.failures} + 1`, lastFailureAt: now } });
  });
}

/** A complete sign-in (password and any second factor) clears the name's count. */
export async function clearSignInFailures(db: Db, key: ThrottleKey, username: string): Promise<void> {
  const { signInFailures } = tables(db);
  await db.delete(signInFailures).where(eq(signInFailures.nameKey, nameKey(key, username)));
}
