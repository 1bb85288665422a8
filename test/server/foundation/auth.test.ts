import { eq } from 'drizzle-orm';
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testTables } from '../../helpers/app';
import { buildTestApp, type TestApp } from '../../helpers/app';

const { sessions, staff } = testTables;

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp({
    extend: (app) => {
      app.get('/test/staff', { onRequest: app.requireStaff }, async (request) => ({ id: request.staff?.id, role: request.staff?.role }));
      app.get('/test/admin', { onRequest: app.requireAdmin }, async (request) => ({ id: request.staff?.id }));
      app.get('/test/requester', { onRequest: app.requireRequester }, async (request) => ({ id: request.requester?.id }));
    },
  });
  await addStaff('tech', 'technician');
  await addStaff('boss', 'admin');
});
afterAll(async () => t.close());

async function addStaff(id: string, role: 'technician' | 'admin', status: 'active' | 'disabled' | 'reset' = 'active') {
  await t.db.insert(staff).values({
    id,
    username: id,
    role,
    status,
    kdfSalt: 'salt',
    kdfOpslimit: 3,
    kdfMemlimit: 67108864,
    authHash: 'hash',
    boxPk: 'box',
    signPk: 'sign',
    keyBlob: '{}',
    createdAt: 1,
    updatedAt: 1,
  });
}

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
function handMadeToken(header: object, payload: object, key: Buffer | null): string {
  const signingInput = `${b64(header)}.${b64(payload)}`;
  const sig = key ? createHmac('sha256', key).update(signingInput).digest('base64url') : '';
  return `${signingInput}.${sig}`;
}
const get = (url: string, token?: string) => t.app.inject({ method: 'GET', url, headers: token === undefined ? {} : { authorization: `Bearer ${token}` } });

async function expectUnauthorized(url: string, token?: string) {
  const res = await get(url, token);
  expect(res.statusCode).toBe(401);
  expect(res.json().error.code).toBe('unauthorized');
}

describe('requireStaff', () => {
  it('accepts a fresh staff session and sets request.staff', async () => {
    const { token } = await t.app.issueSession('staff', 'tech');
    const res = await get('/test/staff', token);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ id: 'tech', role: 'technician' });
  });

  it('refuses a request without a token', async () => {
    await expectUnauthorized('/test/staff');
  });

  it('refuses a token with alg none', async () => {
    const { jti, expiresAt } = await t.app.issueSession('staff', 'tech');
    await expectUnauthorized('/test/staff', handMadeToken({ alg: 'none', typ: 'JWT' }, { sub: 'tech', typ: 'staff', jti, exp: expiresAt }, null));
  });

  it('refuses a token signed with another key', async () => {
    const { jti, expiresAt } = await t.app.issueSession('staff', 'tech');
    const token = handMadeToken({ alg: 'HS256', typ: 'JWT' }, { sub: 'tech', typ: 'staff', jti, exp: expiresAt }, Buffer.alloc(32, 7));
    await expectUnauthorized('/test/staff', token);
  });

  it('accepts the same hand-made token signed with the real key (the forgery tests are meaningful)', async () => {
    const { jti, expiresAt } = await t.app.issueSession('staff', 'tech');
    const token = handMadeToken({ alg: 'HS256', typ: 'JWT' }, { sub: 'tech', typ: 'staff', jti, exp: expiresAt }, t.app.secrets.jwtKey);
    expect((await get('/test/staff', token)).statusCode).toBe(200);
  });

  it('refuses a token signed with the real key but another algorithm (HS512)', async () => {
    const { jti, expiresAt } = await t.app.issueSession('staff', 'tech');
    const signingInput = `${b64({ alg: 'HS512', typ: 'JWT' })}.${b64({ sub: 'tech', typ: 'staff', jti, exp: expiresAt })}`;
    const sig = createHmac('sha512', t.app.secrets.jwtKey).update(signingInput).digest('base64url');
    await expectUnauthorized('/test/staff', `${signingInput}.${sig}`);
  });

  it('refuses an expired JWT even if the session row is live', async () => {
    const { jti } = await t.app.issueSession('staff', 'tech');
    const past = Math.floor(Date.now() / 1000) - 60;
    const token = handMadeToken({ alg: 'HS256', typ: 'JWT' }, { sub: 'tech', typ: 'staff', jti, exp: past }, t.app.secrets.jwtKey);
    await expectUnauthorized('/test/staff', token);
  });

  it('refuses a token whose session row has expired', async () => {
    const { token, jti } = await t.app.issueSession('staff', 'tech');
    await t.db
      .update(sessions)
      .set({ expiresAt: Math.floor(Date.now() / 1000) - 1 })
      .where(eq(sessions.jti, jti));
    await expectUnauthorized('/test/staff', token);
  });

  it('refuses a tampered payload', async () => {
    // Given a valid technician token, When its payload is swapped to name the admin
    const { token } = await t.app.issueSession('staff', 'tech');
    const [header, payload, sig] = token.split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString()) as Record<string, unknown>;
    const tampered = `${header}.${b64({ ...claims, sub: 'boss' })}.${sig}`;
    // Then neither guard accepts it
    await expectUnauthorized('/test/staff', tampered);
    await expectUnauthorized('/test/admin', tampered);
  });

  it('refuses a revoked session', async () => {
    const { token, jti } = await t.app.issueSession('staff', 'tech');
    expect((await get('/test/staff', token)).statusCode).toBe(200);
    await t.app.revokeSession(jti);
    await expectUnauthorized('/test/staff', token);
  });

  it('refuses a token whose session row was deleted', async () => {
    const { token, jti } = await t.app.issueSession('staff', 'tech');
    await t.db.delete(sessions).where(eq(sessions.jti, jti));
    await expectUnauthorized('/test/staff', token);
  });

  it('refuses a requester token', async () => {
    const { token } = await t.app.issueSession('requester', 'tech');
    await expectUnauthorized('/test/staff', token);
  });

  it('refuses a disabled or reset staff member at once', async () => {
    await addStaff('gone', 'technician');
    const { token } = await t.app.issueSession('staff', 'gone');
    expect((await get('/test/staff', token)).statusCode).toBe(200);
    await t.db.update(staff).set({ status: 'disabled' }).where(eq(staff.id, 'gone'));
    await expectUnauthorized('/test/staff', token);
    await t.db.update(staff).set({ status: 'reset' }).where(eq(staff.id, 'gone'));
    await expectUnauthorized('/test/staff', token);
  });

  it('revokes every session of a subject', async () => {
    await addStaff('many', 'technician');
    const a = await t.app.issueSession('staff', 'many');
    const b = await t.app.issueSession('staff', 'many');
    expect(await t.app.revokeSubjectSessions('staff', 'many')).toBe(2);
    await expectUnauthorized('/test/staff', a.token);
    await expectUnauthorized('/test/staff', b.token);
  });

  it('issues staff sessions for one hour', async () => {
    const now = Math.floor(Date.now() / 1000);
    const { expiresAt } = await t.app.issueSession('staff', 'tech');
    expect(expiresAt - now).toBeGreaterThanOrEqual(3599);
    expect(expiresAt - now).toBeLessThanOrEqual(3601);
  });
});

describe('requireAdmin', () => {
  it('refuses an admin by the staff table alone (403): admin powers need the key log (test/server/admin covers the vouched admin)', async () => {
    const { token } = await t.app.issueSession('staff', 'boss');
    const res = await get('/test/admin', token);
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe('forbidden');
  });

  it('answers a technician with 403 forbidden', async () => {
    const { token } = await t.app.issueSession('staff', 'tech');
    const res = await get('/test/admin', token);
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe('forbidden');
  });
});

describe('requireRequester', () => {
  it('accepts a requester session for thirty minutes', async () => {
    const now = Math.floor(Date.now() / 1000);
    const { token, expiresAt } = await t.app.issueSession('requester', 'req-1');
    expect(expiresAt - now).toBeLessThanOrEqual(1801);
    expect((await get('/test/requester', token)).json()).toEqual({ id: 'req-1' });
  });

  it('refuses a staff token', async () => {
    const { token } = await t.app.issueSession('staff', 'tech');
    await expectUnauthorized('/test/requester', token);
  });

  it('refuses a revoked requester session', async () => {
    const { token, jti } = await t.app.issueSession('requester', 'req-2');
    await t.app.revokeSession(jti);
    await expectUnauthorized('/test/requester', token);
  });
});
