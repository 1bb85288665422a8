import { beforeAll, describe, expect, it } from 'vitest';
import * as p from '../../../protocol/index';
import { appendKeyLogEntry } from '../../../server/services/keylog';
import { buildTestApp, type TestApp, sqlAll, sqlGet } from '../../helpers/app';
import { addTechnician, api, appendEntry, keyLogState, login, type StaffActor, withDesk } from '../../helpers/desk';

const fx = withDesk();
let tech: StaffActor;
let at = 1_800_000_000;
beforeAll(async () => {
  tech = await addTechnician(fx.app, fx.desk, 'tom', { admit: false });
});

const staffAdd = (m: StaffActor): p.KeyLogBodies['staff-add'] => ({
  staffId: m.staffId,
  username: m.username,
  role: m.role,
  boxPk: p.toB64(m.keys.box.publicKey),
  signPk: p.toB64(m.keys.sign.publicKey),
});
function build(state: p.KeyLogState, signer: { staffId: string; keys: p.StaffKeys }, body: p.KeyLogBodies['staff-add'], edit: Partial<p.UnsignedKeyLogEntry> = {}) {
  const unsigned = { ...p.buildKeyLogEntry(state, { type: 'staff-add', body, signer: signer.staffId, at: at++ }), ...edit };
  return p.signKeyLogEntry(unsigned, signer.keys.sign.secretKey);
}
const post = (entry: unknown, token = fx.desk.admin.token) => api(fx.app, 'POST', '/api/keylog', { entry }, token);

describe('POST /api/keylog', () => {
  it('refuses a forged entry (signature does not verify)', async () => {
    const entry = build(await keyLogState(fx.app), fx.desk.admin, staffAdd(tech));
    const forged = { ...entry, sig: p.toB64(new Uint8Array(64).fill(3)) };
    const res = await post(forged);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('keylog_invalid');
  });

  it('refuses a wrong seq (a reordered or replayed entry) with 409', async () => {
    const state = await keyLogState(fx.app);
    for (const seq of [state.nextSeq + 1, state.nextSeq - 1]) {
      const res = await post(build(state, fx.desk.admin, staffAdd(tech), { seq }));
      expect(res.status).toBe(409);
      expect(res.body.error.code).toBe('keylog_conflict');
    }
  });

  it('refuses an entry whose prev is not the head hash', async () => {
    const state = await keyLogState(fx.app);
    const res = await post(build(state, fx.desk.admin, staffAdd(tech), { prev: state.fingerprint }));
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('keylog_invalid');
  });

  it('refuses an entry signed by someone other than the caller', async () => {
    const other = await addTechnician(fx.app, fx.desk, 'ada', { role: 'admin' });
    const res = await post(build(await keyLogState(fx.app), other, staffAdd(tech)));
    expect(res.status).toBe(403);
  });

  it('refuses an entry from an admin whom the log does not list as admin', async () => {
    // Given a member promoted to admin in the staff table, but never via the key log
    const m = await addTechnician(fx.app, fx.desk, 'pat');
    await api(fx.app, 'PATCH', `/api/admin/staff/${m.staffId}`, { role: 'admin' }, fx.desk.admin.token);
    const { token } = await login(fx.app, 'pat', m.password);
    // When they sign and post an entry themselves
    const entry = build(await keyLogState(fx.app), m, staffAdd(tech));
    const res = await post(entry, token);
    // Then the admin guard refuses them: admin powers need the key log's word, not the staff table
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('forbidden');
    // And below the guard, the log's own rule refuses the entry too
    await expect(appendKeyLogEntry(fx.t.db, m.staffId, entry)).rejects.toThrow(expect.objectContaining({ code: 'keylog_invalid', message: expect.stringMatching(/not an admin/) }));
  });

  it("refuses a staff-add whose keys are not the account's", async () => {
    const wrongKeys = { ...staffAdd(tech), boxPk: p.toB64(p.generateStaffKeys().box.publicKey) };
    const res = await post(build(await keyLogState(fx.app), fx.desk.admin, wrongKeys));
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('keylog_mismatch');
  });

  it('refuses a second genesis and malformed bodies', async () => {
    const entries = (await api(fx.app, 'GET', '/api/keylog')).body.entries;
    expect((await post(entries[0])).status).toBe(400);
    expect((await post({ seq: 'x' })).status).toBe(400);
  });

  it('accepts a valid staff-add, and GET returns a chain that verifies against the pinned fingerprint', async () => {
    const state = await keyLogState(fx.app);
    const res = await post(build(state, fx.desk.admin, staffAdd(tech)));
    expect(res.status).toBe(201);
    expect(res.body.seq).toBe(state.nextSeq);
    const { fingerprint } = (await api(fx.app, 'GET', '/api/desk')).body;
    expect(fingerprint).toBe(fx.desk.fingerprint);
    const { entries } = (await api(fx.app, 'GET', '/api/keylog')).body;
    const verified = p.verifyKeyLog(entries, { pinnedFingerprint: fingerprint });
    expect(verified.staff.get(tech.staffId)).toMatchObject({ active: true, role: 'technician' });
    expect(res.body.hash).toBe(verified.headHash);
    // after= returns only the tail
    const tail = (await api(fx.app, 'GET', `/api/keylog?after=${res.body.seq - 1}`)).body.entries;
    expect(tail).toHaveLength(1);
    expect(tail[0].seq).toBe(res.body.seq);
  });

  it('refuses a log whose genesis differs from a pinned fingerprint of another desk', async () => {
    const { entries } = (await api(fx.app, 'GET', '/api/keylog')).body;
    expect(() => p.verifyKeyLog(entries, { pinnedFingerprint: p.toB64(new Uint8Array(32)) })).toThrow(p.FingerprintMismatchError);
  });
});

describe('team keys in the key log', () => {
  it('mirrors team-key into team_keys, and retire deletes that version’s grants', async () => {
    // Given team key v2 appended and granted to the admin
    const v2 = p.generateTeamKey();
    await appendEntry(fx.app, fx.desk.admin, 'team-key', { version: 2, boxPk: p.toB64(v2.publicKey) });
    expect(await sqlAll(fx.t, 'select version, retired_at from team_keys order by version')).toEqual([
      { version: 1, retired_at: null },
      { version: 2, retired_at: null },
    ]);
    const sealed = p.sealGrant(v2.secretKey, fx.desk.admin.keys.box.publicKey);
    expect((await api(fx.app, 'POST', '/api/admin/grants', { grants: [{ staffId: fx.desk.admin.staffId, teamKeyVersion: 2, sealed }] }, fx.desk.admin.token)).status).toBe(201);
    // When v1 is retired
    await appendEntry(fx.app, fx.desk.admin, 'team-key-retire', { version: 1 });
    // Then v1 is marked retired, its grants are gone, and grants to it are refused
    expect(await sqlGet(fx.t, 'select retired_at from team_keys where version = 1')).not.toEqual({ retired_at: null });
    expect(await sqlGet(fx.t, 'select count(*) as n from grants where team_key_version = 1')).toEqual({ n: 0 });
    const me = (await api(fx.app, 'GET', '/api/staff/me', undefined, fx.desk.admin.token)).body;
    expect(me.grants.map((g: { teamKeyVersion: number }) => g.teamKeyVersion)).toEqual([2]);
    const stale = await api(fx.app, 'POST', '/api/admin/grants', { grants: [{ staffId: fx.desk.admin.staffId, teamKeyVersion: 1, sealed }] }, fx.desk.admin.token);
    expect(stale.status).toBe(409);
    expect(stale.body.error.code).toBe('stale_team_key');
  });
});

describe('POST /api/setup', () => {
  it('refuses a malformed body, a wrong token, and a second setup', async () => {
    const malformed = await api(fx.app, 'POST', '/api/setup', {});
    expect(malformed.status).toBe(400);
    const fresh = await buildTestApp();
    try {
      const { createSetupToken } = await import('../../../server/plugins/app/desk');
      await createSetupToken(fresh.app.db);
      // a full valid-looking body with a wrong token
      const body = await validSetupBody(fresh.app);
      const res = await api(fresh.app, 'POST', '/api/setup', { ...body, token: 'wrong-token' });
      expect(res.status).toBe(401);
      // the right token works once, then the desk is set up
      const { token } = await createSetupToken(fresh.app.db);
      expect((await api(fresh.app, 'POST', '/api/setup', { ...body, token })).status).toBe(201);
      const replay = await api(fresh.app, 'POST', '/api/setup', { ...body, token });
      expect(replay.status).toBe(409);
      expect(replay.body.error.code).toBe('already_set_up');
    } finally {
      await fresh.close();
    }
  });

  it('refuses an expired setup token', async () => {
    const fresh = await buildTestApp();
    try {
      const { createSetupToken } = await import('../../../server/plugins/app/desk');
      const { token } = await createSetupToken(fresh.app.db, Math.floor(Date.now() / 1000) - 25 * 3600);
      const res = await api(fresh.app, 'POST', '/api/setup', { ...(await validSetupBody(fresh.app)), token });
      expect(res.status).toBe(401);
    } finally {
      await fresh.close();
    }
  });
});

async function validSetupBody(app: TestApp['app']) {
  const { enrolment } = await import('../../helpers/desk');
  const { deskId } = (await api(app, 'GET', '/api/desk')).body;
  const staffId = p.newId();
  const { keys, body } = enrolment(staffId, 'setup password 123');
  const genesis = p.signKeyLogEntry(p.buildGenesisEntry({ deskId, staffId, username: 'root', boxPk: body.boxPk, signPk: body.signPk, at: at++ }), keys.sign.secretKey);
  const team = p.generateTeamKey();
  const teamKey = p.signKeyLogEntry(
    p.buildKeyLogEntry(p.verifyKeyLog([genesis]), { type: 'team-key', body: { version: 1, boxPk: p.toB64(team.publicKey) }, signer: staffId, at: at++ }),
    keys.sign.secretKey,
  );
  return { username: 'root', ...body, genesis, teamKey, grant: p.sealGrant(team.secretKey, keys.box.publicKey) };
}
