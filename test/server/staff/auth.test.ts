import { eq } from 'drizzle-orm';
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { testTables } from '../../helpers/app';
import * as p from '../../../protocol/index';
import { buildTestApp } from '../../helpers/app';
import { addTechnician, api, withDesk } from '../../helpers/desk';

const { sessions } = testTables;

const fx = withDesk({
  technicians: ['tom'],
  extend: (app) => {
    // A stand-in for any desk-content route: the guard other rooms put on ticket routes.
    app.get('/test/desk-content', { onRequest: app.requireAdmitted }, async (request) => ({ id: request.staff?.id }));
  },
});

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
function handMade(header: object, payload: object, key: Buffer | null): string {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${key ? createHmac('sha256', key).update(input).digest('base64url') : ''}`;
}
const claimsOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;

async function expect401(token: string) {
  const res = await api(fx.app, 'GET', '/api/staff/me', undefined, token);
  expect(res.status).toBe(401);
  expect(res.body.error.code).toBe('unauthorized');
}

describe('GET /api/staff/me token hardening', () => {
  it('accepts a hand-made token signed with the real key (so the refusals below mean something)', async () => {
    const { jti, expiresAt } = await fx.app.issueSession('staff', fx.staff.tom.staffId);
    const token = handMade({ alg: 'HS256', typ: 'JWT' }, { sub: fx.staff.tom.staffId, typ: 'staff', jti, exp: expiresAt }, fx.app.secrets.jwtKey);
    expect((await api(fx.app, 'GET', '/api/staff/me', undefined, token)).status).toBe(200);
  });

  it('refuses alg none', async () => {
    const { jti, expiresAt } = await fx.app.issueSession('staff', fx.staff.tom.staffId);
    await expect401(handMade({ alg: 'none', typ: 'JWT' }, { sub: fx.staff.tom.staffId, typ: 'staff', jti, exp: expiresAt }, null));
  });

  it('refuses a token signed with another key', async () => {
    const { jti, expiresAt } = await fx.app.issueSession('staff', fx.staff.tom.staffId);
    await expect401(handMade({ alg: 'HS256', typ: 'JWT' }, { sub: fx.staff.tom.staffId, typ: 'staff', jti, exp: expiresAt }, Buffer.alloc(32, 1)));
  });

  it('refuses an expired token', async () => {
    const { jti } = await fx.app.issueSession('staff', fx.staff.tom.staffId);
    await expect401(handMade({ alg: 'HS256', typ: 'JWT' }, { sub: fx.staff.tom.staffId, typ: 'staff', jti, exp: Math.floor(Date.now() / 1000) - 5 }, fx.app.secrets.jwtKey));
  });

  it('refuses a tampered payload naming the admin', async () => {
    const [h, , s] = fx.staff.tom.token!.split('.');
    await expect401(`${h}.${b64({ ...claimsOf(fx.staff.tom.token!), sub: fx.desk.admin.staffId })}.${s}`);
  });

  it('refuses the token of a deleted session', async () => {
    const { token, jti } = await fx.app.issueSession('staff', fx.staff.tom.staffId);
    await fx.t.db.delete(sessions).where(eq(sessions.jti, jti));
    await expect401(token);
  });

  it('refuses a requester token', async () => {
    const { token } = await fx.app.issueSession('requester', fx.staff.tom.staffId);
    await expect401(token);
  });
});

describe('POST /api/staff/prelogin', () => {
  const pre = async (username: string) => api(fx.app, 'POST', '/api/staff/prelogin', { username });

  it('answers an unknown name with the same shape, stable across calls and different per name', async () => {
    const real = await pre('tom');
    const a1 = await pre('nobody');
    const a2 = await pre('nobody');
    const b = await pre('somebody-else');
    for (const r of [real, a1, b]) {
      expect(r.status).toBe(200);
      expect(Object.keys(r.body).sort()).toEqual(['memlimit', 'opslimit', 'salt']);
      expect(p.fromB64(r.body.salt)).toHaveLength(16);
    }
    expect(a1.body).toEqual(a2.body);
    expect(a1.body.salt).not.toBe(b.body.salt);
    expect([p.STAFF_PASSPHRASE_KDF, p.STAFF_PASSWORD_KDF]).toContainEqual({ opslimit: a1.body.opslimit, memlimit: a1.body.memlimit });
  });

  it('gives unknown names both parameter sets real accounts have, so neither one proves an account exists', async () => {
    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => pre(`ghost-${i}`)));
    const kinds = new Set(answers.map((r) => `${r.body.opslimit}:${r.body.memlimit}`));
    expect(kinds).toEqual(new Set([p.STAFF_PASSPHRASE_KDF, p.STAFF_PASSWORD_KDF].map((k) => `${k.opslimit}:${k.memlimit}`)));
  });

  it('keeps the fake salt across a restart (keyed by the server secret, not memory)', async () => {
    const before = (await pre('ghost')).body;
    const again = await buildTestApp({ dataDir: fx.t.dataDir });
    try {
      expect((await api(again.app, 'POST', '/api/staff/prelogin', { username: 'ghost' })).body).toEqual(before);
    } finally {
      await again.close();
    }
  });
});

describe('malformed staff input', () => {
  it('answers names no account can have with 400, so case variants are no oracle', async () => {
    for (const username of ['TOM', '  ', 'tom ', 'a'.repeat(65)]) {
      const res = await api(fx.app, 'POST', '/api/staff/prelogin', { username });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
    }
  });

  it('answers a non-canonical base64url secret or key with 400, never 500', async () => {
    // 43 characters whose last one carries stray bits: right length and alphabet, not canonical
    const stray = `${'A'.repeat(42)}B`;
    const login = await api(fx.app, 'POST', '/api/staff/login', { username: 'tom', authSecret: stray });
    expect(login.status).toBe(400);
    const { inviteToken } = (await api(fx.app, 'POST', '/api/admin/invites', { username: 'val', role: 'technician' }, fx.desk.admin.token)).body;
    const { enrolment } = await import('../../helpers/desk');
    const staffId = p.newId();
    const body = { inviteToken, staffId, ...enrolment(staffId, 'val password 123').body };
    for (const field of ['authSecret', 'boxPk', 'signPk'] as const) {
      const res = await api(fx.app, 'POST', '/api/staff/activate', { ...body, [field]: stray });
      expect(res.status).toBe(400);
    }
  });
});

describe('POST /api/staff/login', () => {
  it('gives identical 401 bodies for an unknown name and a wrong secret', async () => {
    const wrong = p.toB64(new Uint8Array(32).fill(9));
    const unknown = await api(fx.app, 'POST', '/api/staff/login', { username: 'nobody', authSecret: wrong });
    const badSecret = await api(fx.app, 'POST', '/api/staff/login', { username: 'tom', authSecret: wrong });
    expect(unknown.status).toBe(401);
    expect(badSecret.status).toBe(401);
    expect(unknown.body).toEqual(badSecret.body);
  });

  it('audits failures by username only, never the secret', async () => {
    const secret = p.toB64(new Uint8Array(32).fill(7));
    await api(fx.app, 'POST', '/api/staff/login', { username: 'mallory', authSecret: secret });
    const audit = await api(fx.app, 'GET', '/api/admin/audit?limit=500', undefined, fx.desk.admin.token);
    const row = audit.body.entries.find((e: { action: string; target: string }) => e.action === 'staff.login_failed' && e.target === 'mallory');
    expect(row).toBeDefined();
    expect(JSON.stringify(audit.body)).not.toContain(secret);
    expect(JSON.stringify(fx.t.logs)).not.toContain(secret);
  });
});

describe('requireAdmitted', () => {
  it('answers an activated but not admitted member with 403 not_admitted, and lets them in once admitted', async () => {
    const newbie = await addTechnician(fx.app, fx.desk, 'nadia', { admit: false });
    const before = await api(fx.app, 'GET', '/test/desk-content', undefined, newbie.token);
    expect(before.status).toBe(403);
    expect(before.body.error.code).toBe('not_admitted');
    // the real queue route (staff room's sub-plugin) uses the same guard
    const queue = await api(fx.app, 'GET', '/api/staff/tickets', undefined, newbie.token);
    expect(queue.status).toBe(403);
    expect(queue.body.error.code).toBe('not_admitted');
    expect((await api(fx.app, 'GET', '/test/desk-content', undefined, fx.staff.tom.token)).status).toBe(200);
  });

  it('is not satisfied by a grant alone: the key log must list the member', async () => {
    const m = await addTechnician(fx.app, fx.desk, 'gus', { admit: false });
    // An admin posting a grant before staff-add is refused outright
    const sealed = p.sealGrant(fx.desk.teamKey.secretKey, m.keys.box.publicKey);
    const res = await api(fx.app, 'POST', '/api/admin/grants', { grants: [{ staffId: m.staffId, teamKeyVersion: 1, sealed }] }, fx.desk.admin.token);
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('not_in_keylog');
    expect((await api(fx.app, 'GET', '/test/desk-content', undefined, m.token)).status).toBe(403);
  });
});
