import { beforeAll, describe, expect, it } from 'vitest';
import * as p from '../../../protocol/index';
import { addTechnician, api, withDesk } from '../../helpers/desk';
import { sqlAll } from '../../helpers/app';

const fx = withDesk({ technicians: ['tom'] });
let adminRoutes: { method: string; url: string }[];
beforeAll(async () => {
  // Every /api/admin route the app serves, from the generated OpenAPI document: a route added
  // later is covered without touching this test.
  const doc = (await api(fx.app, 'GET', '/api/docs/json')).body as { paths: Record<string, Record<string, unknown>> };
  adminRoutes = Object.entries(doc.paths)
    .filter(([path]) => path === '/api/admin' || path.startsWith('/api/admin/'))
    .flatMap(([path, ops]) =>
      Object.keys(ops)
        .filter((m) => ['get', 'post', 'patch', 'put', 'delete'].includes(m))
        .map((m) => ({ method: m.toUpperCase(), url: path.replace(/\{[^}]+\}/g, p.newId()) })),
    );
});

describe('/api/admin/* authorization', () => {
  it('discovers the admin routes (invites, staff, grants, audit at least)', () => {
    const urls = adminRoutes.map((r) => `${r.method} ${r.url.replace(/[A-Za-z0-9_-]{22}/g, ':id')}`);
    for (const expected of ['POST /api/admin/invites', 'GET /api/admin/staff', 'PATCH /api/admin/staff/:id', 'POST /api/admin/grants', 'GET /api/admin/audit']) {
      expect(urls).toContain(expected);
    }
  });

  it('answers a technician with 403 forbidden on every admin route', async () => {
    for (const route of adminRoutes) {
      const res = await fx.app.inject({
        method: route.method as 'GET',
        url: route.url,
        headers: { authorization: `Bearer ${fx.staff.tom.token}` },
        ...(route.method === 'GET' ? {} : { payload: {} }),
      });
      expect({ route, status: res.statusCode, code: res.json().error?.code }).toEqual({ route, status: 403, code: 'forbidden' });
    }
  });

  it('answers an anonymous caller with 401 on every admin route', async () => {
    for (const route of adminRoutes) {
      const res = await fx.app.inject({ method: route.method as 'GET', url: route.url, ...(route.method === 'GET' ? {} : { payload: {} }) });
      expect({ route, status: res.statusCode }).toEqual({ route, status: 401 });
    }
  });

  it('refuses a technician appending to the key log', async () => {
    const res = await api(fx.app, 'POST', '/api/keylog', { entry: {} }, fx.staff.tom.token);
    expect(res.status).toBe(403);
  });
});

describe('PATCH /api/admin/staff/:id', () => {
  it('applies a role change at once by revoking the member’s sessions', async () => {
    const m = await addTechnician(fx.app, fx.desk, 'rita');
    const res = await api(fx.app, 'PATCH', `/api/admin/staff/${m.staffId}`, { role: 'admin' }, fx.desk.admin.token);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ role: 'admin', status: 'active' });
    expect((await api(fx.app, 'GET', '/api/staff/me', undefined, m.token)).status).toBe(401);
  });

  it('deletes a disabled member’s grants so they are no longer admitted', async () => {
    const m = await addTechnician(fx.app, fx.desk, 'dan');
    await api(fx.app, 'PATCH', `/api/admin/staff/${m.staffId}`, { status: 'disabled' }, fx.desk.admin.token);
    const list = (await api(fx.app, 'GET', '/api/admin/staff', undefined, fx.desk.admin.token)).body.staff;
    expect(list.find((s: { staffId: string }) => s.staffId === m.staffId)).toMatchObject({ status: 'disabled', admitted: false });
    // Login now fails exactly like a wrong password
    const login = await api(fx.app, 'POST', '/api/staff/login', { username: 'dan', authSecret: p.toB64(new Uint8Array(32)) });
    expect(login.status).toBe(401);
  });

  it('refuses an admin changing their own account', async () => {
    const res = await api(fx.app, 'PATCH', `/api/admin/staff/${fx.desk.admin.staffId}`, { status: 'disabled' }, fx.desk.admin.token);
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('self_change');
  });

  it('answers an unknown id with 404 and a malformed body with 400', async () => {
    expect((await api(fx.app, 'PATCH', `/api/admin/staff/${p.newId()}`, { status: 'disabled' }, fx.desk.admin.token)).status).toBe(404);
    const bad = await api(fx.app, 'PATCH', `/api/admin/staff/${fx.staff.tom.staffId}`, { status: 'disabled', role: 'admin' }, fx.desk.admin.token);
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('validation_failed');
  });
});

describe('POST /api/admin/invites', () => {
  it('refuses a username that already exists, and stores only the token hash', async () => {
    const dup = await api(fx.app, 'POST', '/api/admin/invites', { username: 'tom', role: 'technician' }, fx.desk.admin.token);
    expect(dup.status).toBe(409);
    const ok = await api(fx.app, 'POST', '/api/admin/invites', { username: 'ivy', role: 'technician' }, fx.desk.admin.token);
    expect(ok.status).toBe(201);
    expect(ok.body.expiresAt - Math.floor(Date.now() / 1000)).toBeGreaterThan(71 * 3600);
    const raw = await sqlAll(fx.t, 'select * from invites');
    expect(JSON.stringify(raw)).not.toContain(ok.body.inviteToken);
  });

  it('lets an invite token activate only once', async () => {
    const { inviteToken } = (await api(fx.app, 'POST', '/api/admin/invites', { username: 'once', role: 'technician' }, fx.desk.admin.token)).body;
    const { activate } = await import('../../helpers/desk');
    await activate(fx.app, inviteToken, 'once password 123');
    const again = await api(fx.app, 'POST', '/api/staff/invite', { inviteToken });
    expect(again.status).toBe(401);
  });
});

describe('GET /api/admin/audit', () => {
  it('lists staff actions in a chain that verifies', async () => {
    const res = await api(fx.app, 'GET', '/api/admin/audit?limit=500', undefined, fx.desk.admin.token);
    expect(res.status).toBe(200);
    const actions = new Set(res.body.entries.map((e: { action: string }) => e.action));
    for (const a of ['desk.setup', 'staff.login', 'staff.invite', 'staff.activate', 'keylog.append', 'staff.grant', 'staff.disable', 'staff.role']) expect(actions).toContain(a);
    const entries = res.body.entries as { prevHash: string; hash: string }[];
    for (let i = 1; i < entries.length; i++) expect(entries[i]!.prevHash).toBe(entries[i - 1]!.hash);
    expect((await fx.app.verifyAuditChain()).ok).toBe(true);
  });

  it('pages with after and limit', async () => {
    const first = (await api(fx.app, 'GET', '/api/admin/audit?limit=2', undefined, fx.desk.admin.token)).body;
    expect(first.entries).toHaveLength(2);
    const next = (await api(fx.app, 'GET', `/api/admin/audit?after=${first.nextAfter}&limit=2`, undefined, fx.desk.admin.token)).body;
    expect(next.entries[0].seq).toBe(first.entries[1].seq + 1);
  });
});
