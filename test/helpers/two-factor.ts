// Two-factor helpers for server tests: a raw sign-in (any answer, not just 200) and TOTP codes
// computed from the enrolment's secret with the same library an authenticator app would use.
import { Secret, TOTP } from 'otpauth';
import * as p from '../../protocol/index';
import type { TestApp } from './app';
import { api } from './desk';

type App = TestApp['app'];

/** prelogin → Argon2id → POST /api/staff/login with `extra` (totp / recoveryCode); the raw answer. */
export async function signIn(app: App, username: string, password: string, extra: Record<string, string> = {}) {
  await p.ready();
  const pre = (await api(app, 'POST', '/api/staff/prelogin', { username })).body;
  const { authSecret } = p.deriveStaffSecrets(password, pre.salt, { opslimit: pre.opslimit, memlimit: pre.memlimit });
  const res = await app.inject({ method: 'POST', url: '/api/staff/login', payload: { username, authSecret: p.toB64(authSecret), ...extra } });
  return { status: res.statusCode, body: res.json() as any, retryAfter: res.headers['retry-after'] };
}

/** The code an authenticator shows `steps` 30-second steps from now. */
export function totpCode(secretBase32: string, steps = 0): string {
  const totp = new TOTP({ secret: Secret.fromBase32(secretBase32), algorithm: 'SHA1', digits: 6, period: 30 });
  return totp.generate({ timestamp: Date.now() + steps * 30_000 });
}

/** Waits, if needed, until a fresh 30-second step starts, so a test's codes keep their steps. */
export async function startOfTotpStep(): Promise<void> {
  const into = Date.now() % 30_000;
  if (into > 15_000) await new Promise((r) => setTimeout(r, 30_000 - into + 50));
}

/** Begins and confirms TOTP enrolment for a signed-in member; returns the secret and recovery codes. */
export async function enrolTotp(app: App, token: string, steps = -1) {
  const begun = await api(app, 'POST', '/api/staff/two-factor/enrolment', {}, token);
  if (begun.status !== 201) throw new Error(`enrolment → ${begun.status} ${JSON.stringify(begun.body)}`);
  const secret: string = begun.body.secret;
  const confirmed = await api(app, 'POST', '/api/staff/two-factor/confirmation', { totp: totpCode(secret, steps) }, token);
  if (confirmed.status !== 200) throw new Error(`confirmation → ${confirmed.status} ${JSON.stringify(confirmed.body)}`);
  return { secret, recoveryCodes: confirmed.body.recoveryCodes as string[], session: confirmed.body.session };
}
