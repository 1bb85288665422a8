import { describe, expect, it } from 'vitest';
import * as p from '../../../protocol/index';
import { activate, addTechnician, admit, api, keyLogState, login, withDesk } from '../../helpers/desk';

const fx = withDesk();

describe('re-enrolment (PATCH /api/admin/staff/:id {reset: true})', () => {
  it('resets, re-activates with new keys, is re-admitted, and opens the grant; the old keys are gone', async () => {
    // Given an admitted technician who lost their password
    const old = await addTechnician(fx.app, fx.desk, 'lena');
    // When an admin resets the account
    const reset = await api(fx.app, 'PATCH', `/api/admin/staff/${old.staffId}`, { reset: true }, fx.desk.admin.token);
    expect(reset.status).toBe(200);
    expect(reset.body).toMatchObject({ status: 'reset', staffId: old.staffId });
    expect(typeof reset.body.inviteToken).toBe('string');
    // Then the old session and the old password stop working, and prelogin looks like an unknown name
    expect((await api(fx.app, 'GET', '/api/staff/me', undefined, old.token)).status).toBe(401);
    await expect(login(fx.app, 'lena', old.password)).rejects.toThrow(/401/);
    const listed = (await api(fx.app, 'GET', '/api/admin/staff', undefined, fx.desk.admin.token)).body.staff.find((s: { staffId: string }) => s.staffId === old.staffId);
    expect(listed).toMatchObject({ status: 'reset', boxPk: null, signPk: null, admitted: false });

    // When the member activates with a new password and new keys (same staffId)
    const fresh = await activate(fx.app, reset.body.inviteToken, 'lena new password 456');
    expect(fresh.staffId).toBe(old.staffId);
    const { token } = await login(fx.app, 'lena', 'lena new password 456');
    // Then they are not admitted until an admin vouches for the new keys
    expect((await api(fx.app, 'GET', '/api/staff/me', undefined, token)).body.admitted).toBe(false);
    expect((await api(fx.app, 'GET', '/api/staff/tickets', undefined, token)).status).toBe(403);

    // When the admin admits them again
    await admit(fx.app, fx.desk, { staffId: fresh.staffId, username: 'lena', role: 'technician', keys: fresh.keys });
    // Then the grant opens with the new keys to the key log's team key, and the log lists only the new keys
    const me = (await api(fx.app, 'GET', '/api/staff/me', undefined, token)).body;
    expect(me.admitted).toBe(true);
    const state = await keyLogState(fx.app);
    const team = p.openGrant(me.grants[0].sealed, fresh.keys.box, p.asTeamPublicKey(state.currentTeamKey!.boxPk));
    expect(p.toB64(team.publicKey)).toBe(state.currentTeamKey!.boxPk);
    expect(state.staff.get(old.staffId)?.boxPk).toBe(p.toB64(fresh.keys.box.publicKey));
    expect(() => p.openGrant(me.grants[0].sealed, old.keys.box)).toThrow(p.DecryptError);
    const { kek } = p.deriveStaffSecrets('lena new password 456', me.kdf.salt, me.kdf);
    expect(p.toB64(p.openStaffKeyBlob(me.keyBlob, kek, old.staffId).sign.publicKey)).toBe(p.toB64(fresh.keys.sign.publicKey));
  });

  it('refuses to re-enrol under another staffId', async () => {
    const m = await addTechnician(fx.app, fx.desk, 'omar');
    const { inviteToken } = (await api(fx.app, 'PATCH', `/api/admin/staff/${m.staffId}`, { reset: true }, fx.desk.admin.token)).body;
    const { enrolment } = await import('../../helpers/desk');
    const otherId = p.newId();
    const res = await api(fx.app, 'POST', '/api/staff/activate', { inviteToken, staffId: otherId, ...enrolment(otherId, 'omar pw 123456').body });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('staff_id_mismatch');
  });
});
