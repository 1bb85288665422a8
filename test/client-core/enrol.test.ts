// Staff enrolment in the client core, with real libsodium against the real app (buildTestApp +
// inject): the setup request it builds creates the desk, the activation request creates a member,
// and that member can then sign in (prelogin → Argon2id → login), open their key blob and, once
// admitted, unlock the console exactly as the browser and the CLI do.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as p from '../../protocol';
import * as core from '../../client-core';
import { createSetupToken } from '../../server/plugins/app/desk';
import { buildTestApp, type TestApp } from '../helpers/app';
import { api, login } from '../helpers/desk';
import { CHEAP_KDF } from '../fixtures/kdf';

describe('client-core enrolment against the real app', () => {
  let t: TestApp;
  let deskId: string;
  const ADMIN_PASSWORD = 'a long admin password for the browser';
  let fingerprint: string;
  let adminToken: string;
  const v = core.createVault();

  beforeAll(async () => {
    await p.ready();
    t = await buildTestApp();
    deskId = (await api(t.app, 'GET', '/api/desk')).body.deskId;
  });
  afterAll(async () => t.close());

  it('refuses to build a setup request before the desk id is known, and bad input', () => {
    expect(() => core.prepareSetup(v, { username: 'ana', password: ADMIN_PASSWORD }, CHEAP_KDF)).toThrow(core.CoreError);
    core.initDesk(v, deskId);
    expect(() => core.prepareSetup(v, { username: 'Ana', password: ADMIN_PASSWORD }, CHEAP_KDF)).toThrow(/lower-case/);
    expect(() => core.prepareSetup(v, { username: 'ana', password: 'short pw' }, CHEAP_KDF)).toThrow(/at least 12/);
    expect(() => core.prepareActivation({ staffId: null, password: 'eleven char' }, CHEAP_KDF)).toThrow(/at least 12/);
  });

  it('builds a setup request the server accepts, whose key log verifies to the fingerprint it computed', async () => {
    // Given the desk id (initDesk, above) and a one-time setup token
    const { token } = await createSetupToken(t.app.db);
    // When the worker prepares the first admin and the page posts it
    const { request, fingerprint: expected } = core.prepareSetup(v, { username: 'ana', password: ADMIN_PASSWORD }, CHEAP_KDF);
    const res = await api(t.app, 'POST', '/api/setup', { token, ...request });
    // Then the desk is set up with exactly that genesis
    expect(res.status).toBe(201);
    expect(res.body.fingerprint).toBe(expected);
    expect(res.body.deskId).toBe(deskId);
    const { entries } = (await api(t.app, 'GET', '/api/keylog')).body;
    const log = p.verifyKeyLog(entries, { pinnedFingerprint: expected });
    expect(log.currentTeamKey?.version).toBe(1);
    expect(log.staff.get(res.body.staffId)).toMatchObject({ username: 'ana', role: 'admin', active: true, boxPk: request.boxPk, signPk: request.signPk });
    expect((await api(t.app, 'GET', '/api/desk')).body).toMatchObject({ setupComplete: true, fingerprint: expected });
    // And nothing secret is in the request: only public keys, the auth secret and sealed values
    expect(JSON.stringify(request)).not.toContain(ADMIN_PASSWORD);
    fingerprint = expected;
  });

  it('the admin signs in like the browser and unlocks the key blob and the team key grant', async () => {
    // When the admin logs in (prelogin → Argon2id → login) and the worker unlocks
    const pre = (await api(t.app, 'POST', '/api/staff/prelogin', { username: 'ana' })).body;
    expect(pre).toMatchObject({ opslimit: CHEAP_KDF.opslimit, memlimit: CHEAP_KDF.memlimit });
    const { authSecret } = core.deriveStaffLogin(v, { password: ADMIN_PASSWORD, ...pre });
    const session = await api(t.app, 'POST', '/api/staff/login', { username: 'ana', authSecret });
    expect(session.status).toBe(200);
    adminToken = session.body.token;
    const me = (await api(t.app, 'GET', '/api/staff/me', undefined, adminToken)).body;
    core.trustKeyLog(v, (await api(t.app, 'GET', '/api/keylog')).body.entries, fingerprint);
    const unlocked = core.unlockStaff(v, { staffId: me.staffId, keyBlob: me.keyBlob, grants: me.grants });
    // Then the key blob held the logged keys (unlock checks) and the grant opened team key v1
    expect(unlocked.teamKeyVersions).toEqual([1]);
  });

  it('a second setup with a new token is refused: the desk is already set up', async () => {
    const { token } = await createSetupToken(t.app.db);
    const { request } = core.prepareSetup(v, { username: 'eve', password: 'another long password' }, CHEAP_KDF);
    const res = await api(t.app, 'POST', '/api/setup', { token, ...request });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('already_set_up');
  });

  it('builds an activation the server accepts; the member signs in, opens the blob, and is admitted', async () => {
    // Given an invite
    const { inviteToken } = (await api(t.app, 'POST', '/api/admin/invites', { username: 'tom', role: 'technician' }, adminToken)).body;
    const invite = (await api(t.app, 'POST', '/api/staff/invite', { inviteToken })).body;
    expect(invite).toMatchObject({ username: 'tom', role: 'technician', staffId: null });
    // When the worker prepares the activation (a new member: it chooses the staffId)
    const prepared = core.prepareActivation({ staffId: invite.staffId, password: 'tom has a long password' }, CHEAP_KDF);
    expect(prepared.staffId).toMatch(p.ID_PATTERN);
    const res = await api(t.app, 'POST', '/api/staff/activate', { inviteToken, staffId: prepared.staffId, ...prepared.enrolment });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ staffId: prepared.staffId, username: 'tom', role: 'technician' });

    // Then the key fingerprint shown to the member is what `cli admit` shows the admin
    const { staff: list } = (await api(t.app, 'GET', '/api/admin/staff', undefined, adminToken)).body;
    const row = list.find((s: { username: string }) => s.username === 'tom');
    expect(prepared.keyFingerprint).toBe(p.formatFingerprint(p.staffKeyFingerprintHash(row.boxPk, row.signPk)));
    expect(prepared.keyFingerprint).toMatch(/^[0-9]{5}( [0-9]{5}){5}$/);
    // …over the same digest admit computed before the protocol module took it over (node's BLAKE2b-512)
    const legacy = createHash('blake2b512').update(`sealdesk/v1/staff-keys|${row.boxPk}|${row.signPk}`).digest();
    expect(prepared.keyFingerprint).toBe(p.formatFingerprint(new Uint8Array(legacy)));

    // And the member signs in and opens their own key blob with the password
    const { token } = await login(t.app, 'tom', 'tom has a long password');
    const me = (await api(t.app, 'GET', '/api/staff/me', undefined, token)).body;
    expect(me).toMatchObject({ staffId: prepared.staffId, admitted: false, grants: [] });
    const { kek } = p.deriveStaffSecrets('tom has a long password', me.kdf.salt, me.kdf);
    const keys = p.openStaffKeyBlob(me.keyBlob, kek, prepared.staffId);
    expect(p.toB64(keys.box.publicKey)).toBe(prepared.enrolment.boxPk);
    expect(p.toB64(keys.sign.publicKey)).toBe(prepared.enrolment.signPk);
    // Not admitted yet: the queue is closed
    expect((await api(t.app, 'GET', '/api/staff/tickets', undefined, token)).status).toBe(403);

    // When the admin's client admits tom (staff-add + grant), as `cli admit` does
    expect(() => core.prepareAdmission(v, row, 'AAAAAAAAAAAAAAAA')).toThrow(/nothing was admitted/);
    const admission = core.prepareAdmission(v, row, prepared.keyFingerprint);
    expect(admission.keyFingerprint).toBe(prepared.keyFingerprint);
    expect((await api(t.app, 'POST', '/api/keylog', { entry: admission.staffAdd }, adminToken)).status).toBe(201);
    core.recordKeyLogEntry(v, admission.staffAdd!);
    const grant = core.grantCurrentTeamKey(v, prepared.staffId);
    expect((await api(t.app, 'POST', '/api/admin/grants', { grants: [grant] }, adminToken)).status).toBe(201);
    // And re-running admission signs nothing new: the log already lists exactly these keys
    expect(core.prepareAdmission(v, row).staffAdd).toBeNull();

    // Then tom's console opens the queue
    expect((await api(t.app, 'GET', '/api/staff/tickets', undefined, token)).status).toBe(200);
  });

  it('re-enrolment keeps the staffId the invite names', async () => {
    // Given tom's account reset by the admin
    const { staff: list } = (await api(t.app, 'GET', '/api/admin/staff', undefined, adminToken)).body;
    const tomId: string = list.find((s: { username: string }) => s.username === 'tom').staffId;
    const reset = await api(t.app, 'PATCH', `/api/admin/staff/${tomId}`, { reset: true }, adminToken);
    expect(reset.status).toBe(200);
    const invite = (await api(t.app, 'POST', '/api/staff/invite', { inviteToken: reset.body.inviteToken })).body;
    expect(invite.staffId).toBe(tomId);
    // When the worker prepares the activation for that id
    const prepared = core.prepareActivation({ staffId: invite.staffId, password: 'tom has a new long password' }, CHEAP_KDF);
    expect(prepared.staffId).toBe(tomId);
    const res = await api(t.app, 'POST', '/api/staff/activate', { inviteToken: reset.body.inviteToken, staffId: prepared.staffId, ...prepared.enrolment });
    // Then the account is back under its id and the new password signs in
    expect(res.status).toBe(201);
    expect((await login(t.app, 'tom', 'tom has a new long password')).staffId).toBe(tomId);
  });

  it('a used invite token is refused on lookup and activation', async () => {
    const { inviteToken } = (await api(t.app, 'POST', '/api/admin/invites', { username: 'lan', role: 'technician' }, adminToken)).body;
    const prepared = core.prepareActivation({ staffId: null, password: 'lan has a long password' }, CHEAP_KDF);
    expect((await api(t.app, 'POST', '/api/staff/activate', { inviteToken, staffId: prepared.staffId, ...prepared.enrolment })).status).toBe(201);
    expect((await api(t.app, 'POST', '/api/staff/invite', { inviteToken })).status).toBe(401);
    const again = core.prepareActivation({ staffId: null, password: 'lan has a long password' }, CHEAP_KDF);
    expect((await api(t.app, 'POST', '/api/staff/activate', { inviteToken, staffId: again.staffId, ...again.enrolment })).status).toBe(401);
  });
});
