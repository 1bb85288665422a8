import { describe, expect, it } from 'vitest';
import * as p from '../../../protocol/index';
import { addTechnician, api, keyLogState, login, withDesk } from '../../helpers/desk';

const fx = withDesk();

describe('staff lifecycle: setup → invite → activate → admit → login → me → logout', () => {
  it('gives an admitted technician a grant that opens to the key log’s current team key', async () => {
    // Given a technician invited, activated and admitted by the admin
    const tech = await addTechnician(fx.app, fx.desk, 'tom');
    // When they read their profile
    const me = await api(fx.app, 'GET', '/api/staff/me', undefined, tech.token);
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ staffId: tech.staffId, username: 'tom', role: 'technician', status: 'active', admitted: true });
    // Then the key blob opens with their password and the grant opens to the published team key
    const { kek } = p.deriveStaffSecrets(tech.password, me.body.kdf.salt, me.body.kdf);
    const keys = p.openStaffKeyBlob(me.body.keyBlob, kek, tech.staffId);
    expect(p.toB64(keys.box.publicKey)).toBe(p.toB64(tech.keys.box.publicKey));
    const state = await keyLogState(fx.app);
    expect(me.body.grants).toHaveLength(1);
    const team = p.openGrant(me.body.grants[0].sealed, keys.box, p.asTeamPublicKey(state.currentTeamKey!.boxPk));
    expect(p.toB64(team.publicKey)).toBe(state.currentTeamKey!.boxPk);
    expect(me.body.grants[0].teamKeyVersion).toBe(state.currentTeamKey!.version);
  });

  it('refuses the old token after logout', async () => {
    const { token } = await login(fx.app, fx.desk.admin.username, fx.desk.admin.password);
    expect((await api(fx.app, 'GET', '/api/staff/me', undefined, token)).status).toBe(200);
    expect((await api(fx.app, 'POST', '/api/staff/logout', {}, token)).status).toBe(200);
    const after = await api(fx.app, 'GET', '/api/staff/me', undefined, token);
    expect(after.status).toBe(401);
    expect(after.body.error.code).toBe('unauthorized');
  });

  it("refuses a disabled member's live token on the next request", async () => {
    const tech = await addTechnician(fx.app, fx.desk, 'dora');
    expect((await api(fx.app, 'GET', '/api/staff/me', undefined, tech.token)).status).toBe(200);
    const res = await api(fx.app, 'PATCH', `/api/admin/staff/${tech.staffId}`, { status: 'disabled' }, fx.desk.admin.token);
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('disabled');
    expect((await api(fx.app, 'GET', '/api/staff/me', undefined, tech.token)).status).toBe(401);
  });

  it('shows a member who is activated but not admitted as such, with no grants', async () => {
    const tech = await addTechnician(fx.app, fx.desk, 'newbie', { admit: false });
    const me = await api(fx.app, 'GET', '/api/staff/me', undefined, tech.token);
    expect(me.status).toBe(200);
    expect(me.body.admitted).toBe(false);
    expect(me.body.grants).toEqual([]);
  });
});
