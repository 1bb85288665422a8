// The floor on a member's Argon2id parameters (PROTOCOL.md §3, DECISIONS "Staff passphrases
// (issue 12)"): setup and activation below the light passphrase parameters are refused with 400
// `kdf_too_weak` and store nothing; at the floor and above they are accepted. The app keeps the
// production floor here (the rest of the suite lowers it for its 8 KiB accounts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as core from '../../../client-core';
import * as p from '../../../protocol';
import { buildTestApp, type TestApp } from '../../helpers/app';
import { createSetupToken } from '../../../server/plugins/app/desk';
import { api, invite, withDesk } from '../../helpers/desk';
import { CHEAP_KDF } from '../../fixtures/kdf';

const fx = withDesk({ via: 'db', productionStaffKdfFloor: true });

/** A complete activation body for `staffId` under `kdf` (what any client would send). */
function activationBody(inviteToken: string, staffId: string, kdf: p.KdfParams) {
  return { inviteToken, staffId, ...p.enrolStaffKeys(staffId, 'a long chosen password', p.generateStaffKeys(), kdf) };
}

describe('POST /api/staff/activate with Argon2id parameters', () => {
  it('refuses parameters below the floor with 400 kdf_too_weak, and the invite stays usable', async () => {
    const inviteToken = await invite(fx.app, fx.desk, 'weak');
    const staffId = p.newId();
    for (const kdf of [CHEAP_KDF, { opslimit: 4, memlimit: p.STAFF_KDF_FLOOR.memlimit - 1024 }]) {
      const res = await api(fx.app, 'POST', '/api/staff/activate', activationBody(inviteToken, staffId, kdf));
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('kdf_too_weak');
      expect(res.body.error.message).toMatch(/floor/);
    }
    // Nothing was stored: the same invite still activates at the floor
    const ok = await api(fx.app, 'POST', '/api/staff/activate', activationBody(inviteToken, staffId, p.STAFF_KDF_FLOOR));
    expect(ok.status).toBe(201);
    const pre = await api(fx.app, 'POST', '/api/staff/prelogin', { username: 'weak' });
    expect(pre.body).toMatchObject(p.STAFF_PASSPHRASE_KDF);
  });

  it('accepts the chosen-password parameters and keeps them for the account', async () => {
    const inviteToken = await invite(fx.app, fx.desk, 'chooser');
    const res = await api(fx.app, 'POST', '/api/staff/activate', activationBody(inviteToken, p.newId(), p.STAFF_PASSWORD_KDF));
    expect(res.status).toBe(201);
    expect((await api(fx.app, 'POST', '/api/staff/prelogin', { username: 'chooser' })).body).toMatchObject(p.STAFF_PASSWORD_KDF);
  });

  it('checks the floor only on a complete, well-formed body (a missing field is validation_failed)', async () => {
    const inviteToken = await invite(fx.app, fx.desk, 'partial');
    const { kdf: _kdf, ...noKdf } = activationBody(inviteToken, p.newId(), CHEAP_KDF);
    const res = await api(fx.app, 'POST', '/api/staff/activate', noKdf);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
  });
});

describe('POST /api/setup with Argon2id parameters', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp({ productionStaffKdfFloor: true });
  });
  afterAll(async () => t?.close());

  it('refuses a first admin below the floor with 400 kdf_too_weak and stays unset; at the floor it sets up', async () => {
    const vault = core.createVault((await api(t.app, 'GET', '/api/desk')).body.deskId);
    const passphrase = core.newStaffPassphrase();
    const { token } = await createSetupToken(t.app.db);
    const weak = core.prepareSetup(vault, { username: 'ana', password: passphrase, generated: true }, CHEAP_KDF).request;
    const refused = await api(t.app, 'POST', '/api/setup', { token, ...weak });
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe('kdf_too_weak');
    expect((await api(t.app, 'GET', '/api/desk')).body.setupComplete).toBe(false);
    // The same token, with the parameters that fit a generated passphrase
    const fitting = core.prepareSetup(vault, { username: 'ana', password: passphrase, generated: true }).request;
    expect(fitting.kdf).toMatchObject(p.STAFF_PASSPHRASE_KDF);
    expect((await api(t.app, 'POST', '/api/setup', { token, ...fitting })).status).toBe(201);
  });
});
