// §6 metadata: what the database keeps about requesters and failed sign-ins.
import { and, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { testTables } from '../../helpers/app';
import { FAILED_SIGN_IN_ACTION, FAILED_SIGN_IN_NAMES_PER_HOUR, FAILED_SIGN_IN_TALLY_ACTION, flushFailedSignIns, recordFailedSignIn } from '../../../server/plugins/app/audit';
import { SESSION_TTL_SECONDS } from '../../../server/plugins/app/auth';
import { bearer, withDesk } from '../../helpers/desk';
import { newRequester } from '../../helpers/requester';

const { audit, sessions } = testTables;

const fx = withDesk({ via: 'db', each: true });

const HOUR = 3600;

describe('requester sessions', () => {
  it('are stored with times to the hour, and still expire, work and log out exactly', async () => {
    // Given a requester who signed in
    const before = Math.floor(Date.now() / 1000);
    const r = await newRequester(fx.t, fx.desk);
    const row = (
      await fx.app.db
        .select()
        .from(sessions)
        .where(and(eq(sessions.subjectType, 'requester'), eq(sessions.subjectId, r.requesterId)))
    )[0]!;

    // Then the stored row says only which hours, not when
    expect(row.createdAt % HOUR).toBe(0);
    expect(row.expiresAt % HOUR).toBe(0);
    expect(row.createdAt).toBeLessThanOrEqual(before);
    // the row never dies before the token does; the token's own exp stays exact
    const exp = JSON.parse(Buffer.from(r.token.split('.')[1]!, 'base64url').toString()).exp as number;
    expect(exp - before).toBeGreaterThanOrEqual(SESSION_TTL_SECONDS.requester);
    expect(exp - before).toBeLessThan(SESSION_TTL_SECONDS.requester + 5);
    expect(row.expiresAt).toBeGreaterThanOrEqual(exp);

    // And the session works until logout, then not at all
    const list = () => fx.app.inject({ method: 'GET', url: '/api/tickets/mine', headers: bearer(r.token) });
    expect((await list()).statusCode).toBe(200);
    const out = await fx.app.inject({ method: 'POST', url: '/api/requesters/logout', headers: bearer(r.token), payload: {} });
    expect(out.statusCode).toBeLessThan(300);
    expect((await list()).statusCode).toBe(401);
    const revoked = (await fx.app.db.select().from(sessions).where(eq(sessions.jti, row.jti)))[0]!;
    expect(revoked.revokedAt! % HOUR).toBe(0);
  });

  it('still expire at the exact time the token says, whatever the rounded row says', async () => {
    // Given a session row that lives on for an hour, and its token whose exp has just passed
    const r = await newRequester(fx.t, fx.desk);
    const now = Math.floor(Date.now() / 1000);
    const jti = 'expired-token-session-row';
    await fx.app.db.insert(sessions).values({ jti, subjectType: 'requester', subjectId: r.requesterId, createdAt: now - HOUR, expiresAt: now + HOUR });
    const token = fx.app.jwt.sign({ sub: r.requesterId, typ: 'requester', jti, exp: now - 1 });
    // When it is used, Then it is refused
    const res = await fx.app.inject({ method: 'GET', url: '/api/tickets/mine', headers: bearer(token) });
    expect(res.statusCode).toBe(401);
  });
});

describe('failed staff sign-ins', () => {
  const rows = async (action: string) => await fx.app.db.select().from(audit).where(eq(audit.action, action));

  it('add one audit row per username per hour, then one tally row', async () => {
    // Given many failures for one name within an hour
    const now = 1_800_000_000 - (1_800_000_000 % HOUR) + 10;
    for (let i = 0; i < 500; i++) await recordFailedSignIn(fx.app.db, 'admin', now + i);
    await recordFailedSignIn(fx.app.db, 'nobody-like-this', now);

    // Then the chain grew by one row per name, at once
    expect((await rows(FAILED_SIGN_IN_ACTION)).map((r) => r.target).sort()).toEqual(['admin', 'nobody-like-this']);
    expect(await rows(FAILED_SIGN_IN_TALLY_ACTION)).toEqual([]);

    // When the next hour begins, the finished hour is written as one tally per repeated name
    await recordFailedSignIn(fx.app.db, 'admin', now + HOUR);
    const tallies = await rows(FAILED_SIGN_IN_TALLY_ACTION);
    expect(tallies.map((r) => [r.target, JSON.parse(r.detail)])).toEqual([['admin', { hour: now - 10, count: 500 }]]);
    expect(await rows(FAILED_SIGN_IN_ACTION)).toHaveLength(3);
    expect((await fx.app.verifyAuditChain()).ok).toBe(true);
  });

  it('pool a spray of distinct names past the per-hour cap', async () => {
    const now = 1_800_000_000;
    for (let i = 0; i < 5 * FAILED_SIGN_IN_NAMES_PER_HOUR; i++) await recordFailedSignIn(fx.app.db, `guess-${i}`, now);
    await flushFailedSignIns(fx.app.db);
    expect(await rows(FAILED_SIGN_IN_ACTION)).toHaveLength(FAILED_SIGN_IN_NAMES_PER_HOUR + 1);
    const pooled = await rows(FAILED_SIGN_IN_TALLY_ACTION);
    expect(pooled.map((r) => [r.target, JSON.parse(r.detail).count])).toEqual([['*', 4 * FAILED_SIGN_IN_NAMES_PER_HOUR]]);
  });

  it('through the login route, repeated failures do not grow the chain', async () => {
    const login = () => fx.app.inject({ method: 'POST', url: '/api/staff/login', payload: { username: 'admin', authSecret: Buffer.alloc(32, 7).toString('base64url') } });
    const first = await login();
    expect(first.statusCode).toBe(401);
    const count = async () => (await fx.app.db.select().from(audit)).length;
    const after = await count();
    for (let i = 0; i < 10; i++) expect((await login()).statusCode).toBe(401);
    expect(await count()).toBe(after);
  });
});
