// SECURITY fix: admin powers need an admin the KEY LOG vouches for, not just `staff.role`.
// The attack: an intercepted admin invite gives an activated admin account the key log never
// vouched for. Before the fix it could reset the genesis admin (deleting the only key blob that
// holds a key able to sign the next key-log entry), get a fresh invite for that account, and
// leave the desk with a root of trust nobody can extend.
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { testTables } from '../../helpers/app';
import * as p from '../../../protocol/index';
import { patchStaff } from '../../../server/services/staff-accounts';
import { buildTestApp } from '../../helpers/app';
import { activate, addTechnician, api, invite, login, setupDesk, withDesk } from '../../helpers/desk';

const { staff } = testTables;

const fx = withDesk({ technicians: ['tom'] });

const genesisRow = async () => (await fx.t.db.select().from(staff).where(eq(staff.id, fx.desk.admin.staffId)))[0]!;

describe('an activated admin account the key log does not vouch for', () => {
  it('is refused (403) on every admin route and the key log, and the genesis admin keeps its keys', async () => {
    // Given an admin invite that fell into the wrong hands, activated but never admitted
    const inviteToken = await invite(fx.app, fx.desk, 'eve', 'admin');
    const password = 'eve has a long password';
    const eve = await activate(fx.app, inviteToken, password);
    const eveToken = (await login(fx.app, 'eve', password)).token;
    const before = await genesisRow();

    // When eve tries each admin power with a well-formed body
    const attempts: [string, string, unknown?][] = [
      ['PATCH', `/api/admin/staff/${fx.desk.admin.staffId}`, { reset: true }],
      ['PATCH', `/api/admin/staff/${fx.desk.admin.staffId}`, { status: 'disabled' }],
      ['PATCH', `/api/admin/staff/${fx.desk.admin.staffId}`, { role: 'technician' }],
      ['PATCH', `/api/admin/staff/${fx.staff.tom.staffId}`, { reset: true }],
      ['POST', '/api/admin/invites', { username: 'mallory', role: 'admin' }],
      ['POST', '/api/admin/grants', { grants: [{ staffId: eve.staffId, teamKeyVersion: 1, sealed: p.sealGrant(fx.desk.teamKey.secretKey, eve.keys.box.publicKey) }] }],
      ['GET', '/api/admin/staff'],
      ['GET', '/api/admin/audit'],
      ['GET', '/api/admin/rotation'],
      [
        'POST',
        '/api/admin/rewrap',
        { wraps: [{ ticketId: p.newId(), keyKind: 'ticket', teamKeyVersion: 1, sealed: p.sealGrant(fx.desk.teamKey.secretKey, eve.keys.box.publicKey) }] },
      ],
    ];
    for (const [method, url, body] of attempts) {
      const res = await api(fx.app, method as 'GET', url, body, eveToken);
      expect({ method, url, status: res.status, code: res.body.error?.code }).toEqual({ method, url, status: 403, code: 'forbidden' });
    }
    // …and on every admin route the OpenAPI document lists, whatever the body
    const doc = (await api(fx.app, 'GET', '/api/docs/json')).body as { paths: Record<string, Record<string, unknown>> };
    for (const [path, ops] of Object.entries(doc.paths).filter(([path]) => path.startsWith('/api/admin/'))) {
      for (const method of Object.keys(ops).filter((m) => ['get', 'post', 'patch', 'put', 'delete'].includes(m))) {
        const url = path.replace(/\{[^}]+\}/g, fx.desk.admin.staffId);
        const res = await fx.app.inject({
          method: method.toUpperCase() as 'GET',
          url,
          headers: { authorization: `Bearer ${eveToken}` },
          ...(method === 'get' ? {} : { payload: {} }),
        });
        expect({ method, url, status: res.statusCode }).toEqual({ method, url, status: 403 });
      }
    }
    // …and a key-log entry she signs herself is refused too
    const keylog = await api(
      fx.app,
      'POST',
      '/api/keylog',
      { entry: { seq: 2, prev: null, type: 'staff-add', at: 1, body: {}, signer: eve.staffId, sig: p.toB64(new Uint8Array(64)) } },
      eveToken,
    );
    expect(keylog.status).toBe(403);

    // Then the genesis admin is untouched: active, same keys, same key blob, still able to sign
    expect(await genesisRow()).toEqual(before);
    const stillAdmin = await api(fx.app, 'GET', '/api/admin/staff', undefined, fx.desk.admin.token);
    expect(stillAdmin.status).toBe(200);
    expect(stillAdmin.body.staff.find((s: { staffId: string }) => s.staffId === eve.staffId)).toMatchObject({ role: 'admin', admitted: false });
  });

  it('gains admin powers once the key log vouches for it (staff-add as admin)', async () => {
    const ada = await addTechnician(fx.app, fx.desk, 'ada', { role: 'admin' });
    expect((await api(fx.app, 'GET', '/api/admin/staff', undefined, ada.token)).status).toBe(200);
  });

  it('a staff-table promotion alone (PATCH role admin) gives no admin powers', async () => {
    const rita = await addTechnician(fx.app, fx.desk, 'rita');
    expect((await api(fx.app, 'PATCH', `/api/admin/staff/${rita.staffId}`, { role: 'admin' }, fx.desk.admin.token)).status).toBe(200);
    const token = (await login(fx.app, 'rita', rita.password)).token;
    const res = await api(fx.app, 'GET', '/api/admin/staff', undefined, token);
    expect(res.status).toBe(403);
  });
});

describe('the last key-log admin', () => {
  it('cannot be reset, disabled or demoted, whoever asks (the service refuses, 409 last_admin)', async () => {
    // Given a fresh desk whose only key-log admin is the genesis admin (plus a staff-table "admin")
    const local = await buildTestApp();
    try {
      const d = await setupDesk(local.app);
      const rita = await addTechnician(local.app, d, 'rita');
      await api(local.app, 'PATCH', `/api/admin/staff/${rita.staffId}`, { role: 'admin' }, d.admin.token);
      const row = async () => (await local.db.select().from(staff).where(eq(staff.id, d.admin.staffId)))[0]!;
      const before = await row();
      // When an operator path (no HTTP guard) tries each narrowing change
      for (const patch of [{ reset: true as const }, { status: 'disabled' as const }, { role: 'technician' as const }]) {
        await expect(patchStaff(local.db, rita.staffId, d.admin.staffId, patch, { revokeSessions: async () => 0 })).rejects.toThrow(
          expect.objectContaining({ code: 'last_admin', status: 409 }),
        );
      }
      // Then nothing changed: the only keys that can sign the next key-log entry survive
      expect(await row()).toEqual(before);
      // And the genesis admin can still extend the key log
      const bob = await addTechnician(local.app, d, 'bob');
      expect((await api(local.app, 'GET', '/api/staff/me', undefined, bob.token)).body.admitted).toBe(true);
    } finally {
      await local.close();
    }
  });

  it('can be reset by another key-log admin when one remains', async () => {
    const local = await buildTestApp();
    try {
      const d = await setupDesk(local.app);
      const ada = await addTechnician(local.app, d, 'ada', { role: 'admin' });
      const res = await api(local.app, 'PATCH', `/api/admin/staff/${d.admin.staffId}`, { reset: true }, ada.token);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ status: 'reset' });
      // …and now ada is the last one: the genesis admin, once re-enrolled, cannot reset her
      await expect(patchStaff(local.db, d.admin.staffId, ada.staffId, { reset: true }, { revokeSessions: async () => 0 })).rejects.toThrow(
        expect.objectContaining({ code: 'last_admin' }),
      );
    } finally {
      await local.close();
    }
  });
});
