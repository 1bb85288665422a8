import { describe, expect, it } from 'vitest';
import { FIRST_DELAY_SECONDS, FREE_FAILURES } from '../../../server/services/sign-in-throttle';
import { buildTestApp, sqlAll, sqlRun } from '../../helpers/app';
import { addTechnician, api, withDesk } from '../../helpers/desk';
import { enrolTotp, signIn, totpCode } from '../../helpers/two-factor';

const fx = withDesk({ technicians: ['tom'] });

// 32 bytes of 0x09, base64url (p.toB64 needs the library loaded, and this runs at import)
const wrongSecret = Buffer.alloc(32, 9).toString('base64url');
const tryWrong = async (username: string) => {
  const res = await fx.app.inject({ method: 'POST', url: '/api/staff/login', payload: { username, authSecret: wrongSecret } });
  return { status: res.statusCode, body: res.json() as any, retryAfter: res.headers['retry-after'] };
};
/** Moves every stored failure `seconds` into the past: the clock of the back-off, without waiting. */
const timePasses = async (seconds: number) => await sqlRun(fx.t, 'update sign_in_failures set last_failure_at = last_failure_at - ?', seconds);

describe('POST /api/staff/login per-account back-off', () => {
  it('allows 20 failures, then refuses even the right password with the same answer as for an unknown name', async () => {
    // Given 20 wrong tries against a real name and against a name nobody has, all from one address
    // (issue 13: the back-off starts by the 21st attempt at the latest)
    expect(FREE_FAILURES).toBeLessThanOrEqual(20);
    for (let i = 0; i < 20; i++) {
      const real = await tryWrong('tom');
      const ghost = await tryWrong('ghost');
      // the address limit is only a flood guard now: 40 failures in a minute from 127.0.0.1 pass it
      expect([real.status, ghost.status]).toEqual([401, 401]);
    }
    // When tom then uses the right password
    const right = await signIn(fx.app, 'tom', fx.staff.tom.password);
    const ghost = await tryWrong('ghost');
    // Then both are refused alike, before any password check
    expect(right.status).toBe(429);
    expect(right.body.error.code).toBe('sign_in_throttled');
    expect(right.body).toEqual(ghost.body);
    expect(right.retryAfter).toBe(String(FIRST_DELAY_SECONDS));
    expect(ghost.retryAfter).toBe(String(FIRST_DELAY_SECONDS));
    // and other members are not affected
    expect((await signIn(fx.app, fx.desk.admin.username, fx.desk.admin.password)).status).toBe(200);
  });

  it('keeps the back-off across a restart and stores no names', async () => {
    const again = await buildTestApp({ dataDir: fx.t.dataDir });
    try {
      const res = await again.app.inject({ method: 'POST', url: '/api/staff/login', payload: { username: 'tom', authSecret: wrongSecret } });
      expect(res.statusCode).toBe(429);
    } finally {
      await again.close();
    }
    const dump = JSON.stringify(await sqlAll(fx.t, 'select * from sign_in_failures'));
    expect(dump).not.toContain('tom');
    expect(dump).not.toContain('ghost');
  });

  it('doubles the wait with each further failure, and ends it', async () => {
    // Given the first wait has passed
    await timePasses(FIRST_DELAY_SECONDS);
    // When one more wrong try is made, the next wait is twice as long
    expect((await tryWrong('tom')).status).toBe(401);
    const blocked = await tryWrong('tom');
    expect(blocked.status).toBe(429);
    expect(blocked.retryAfter).toBe(String(2 * FIRST_DELAY_SECONDS));
    // Then once it has passed, the right password signs in and clears the count
    await timePasses(2 * FIRST_DELAY_SECONDS);
    expect((await signIn(fx.app, 'tom', fx.staff.tom.password)).status).toBe(200);
    expect((await tryWrong('tom')).status).toBe(401);
    expect((await signIn(fx.app, 'tom', fx.staff.tom.password)).status).toBe(200);
  });

  it('counts wrong second-factor codes toward the same back-off', async () => {
    // Given val with two-factor on
    const val = await addTechnician(fx.app, fx.desk, 'val');
    const { secret } = await enrolTotp(fx.app, val.token!, -1);
    const current = totpCode(secret);
    const wrong = current === '000000' ? '111111' : '000000';
    // When 20 codes are wrong (with the right password)
    for (let i = 0; i < FREE_FAILURES; i++) expect((await signIn(fx.app, 'val', val.password, { totp: wrong })).status).toBe(400);
    // Then even the right code waits
    const res = await signIn(fx.app, 'val', val.password, { totp: current });
    expect(res.status).toBe(429);
    expect(res.body.error.code).toBe('sign_in_throttled');
    // And so does disabling the factor from a live session, which would otherwise be a way around it
    const disable = await api(fx.app, 'POST', '/api/staff/two-factor/disable', { totp: current }, val.token);
    expect(disable.status).toBe(429);
  });
});
