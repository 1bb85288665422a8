import { eq } from 'drizzle-orm';
import { Secret } from 'otpauth';
import { describe, expect, it } from 'vitest';
import { testTables, sqlAll } from '../../helpers/app';
import { addTechnician, api, withDesk } from '../../helpers/desk';
import { enrolTotp, signIn, startOfTotpStep, totpCode } from '../../helpers/two-factor';

const { staffTotp } = testTables;

const fx = withDesk({ technicians: ['tom'] });

const status = async (token: string) => (await api(fx.app, 'GET', '/api/staff/two-factor', undefined, token)).body;

// The steps below use codes one step back, now and one ahead (the accepted drift window), so they
// start early in a 30-second step and finish well inside it.
describe('staff two-factor: enrol, sign in, recover, disable', () => {
  let secret = '';
  let recoveryCodes: string[] = [];
  let token = '';

  it('enrols in two steps: a pending secret is no factor until a code confirms it', async () => {
    await startOfTotpStep();
    // Given a signed-in member who begins enrolment
    const begun = await api(fx.app, 'POST', '/api/staff/two-factor/enrolment', {}, fx.staff.tom.token);
    expect(begun.status).toBe(201);
    expect(begun.body.secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(begun.body.uri).toMatch(/^otpauth:\/\/totp\/Sealdesk:tom\?/);
    expect(begun.body.uri).toContain(`secret=${begun.body.secret}`);
    secret = begun.body.secret;
    expect(await status(fx.staff.tom.token!)).toEqual({ enabled: false, pending: true, required: false, recoveryCodesLeft: 0 });
    // Then the password alone still signs in while it is pending
    expect((await signIn(fx.app, 'tom', fx.staff.tom.password)).status).toBe(200);
    // And a wrong code does not confirm it
    const wrong = await api(fx.app, 'POST', '/api/staff/two-factor/confirmation', { totp: '000000' === totpCode(secret) ? '111111' : '000000' }, fx.staff.tom.token);
    expect(wrong.status).toBe(400);
    expect(wrong.body.error.code).toBe('two_factor_invalid');
    // When a current code confirms it
    const confirmed = await api(fx.app, 'POST', '/api/staff/two-factor/confirmation', { totp: totpCode(secret, -1) }, fx.staff.tom.token);
    // Then it is on, with ten recovery codes shown once
    expect(confirmed.status).toBe(200);
    expect(confirmed.body.session).toBeNull();
    recoveryCodes = confirmed.body.recoveryCodes;
    expect(recoveryCodes).toHaveLength(10);
    expect(new Set(recoveryCodes).size).toBe(10);
    for (const c of recoveryCodes) expect(c).toMatch(/^[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}$/);
    expect(await status(fx.staff.tom.token!)).toEqual({ enabled: true, pending: false, required: false, recoveryCodesLeft: 10 });
  });

  it('stores the TOTP secret sealed and the recovery codes only hashed', async () => {
    const row = (await fx.t.db.select().from(staffTotp).where(eq(staffTotp.staffId, fx.staff.tom.staffId)))[0]!;
    expect(row.sealedSecret).toMatch(/^v1\./);
    const dump = JSON.stringify(await sqlAll(fx.t, 'select * from staff_totp')) + JSON.stringify(await sqlAll(fx.t, 'select * from staff_recovery_codes'));
    const raw = Buffer.from(Secret.fromBase32(secret).bytes);
    for (const form of [secret, raw.toString('hex'), raw.toString('base64url'), raw.toString('base64')]) expect(dump).not.toContain(form);
    for (const c of recoveryCodes) {
      expect(dump).not.toContain(c);
      expect(dump).not.toContain(c.replaceAll('-', ''));
    }
  });

  it('refuses the password alone, then signs in with a current code and releases the key blob', async () => {
    const bare = await signIn(fx.app, 'tom', fx.staff.tom.password);
    expect(bare.status).toBe(401);
    expect(bare.body.error.code).toBe('two_factor_required');
    expect(bare.body.token).toBeUndefined();
    const wrongCode = await signIn(fx.app, 'tom', fx.staff.tom.password, { totp: '123456' === totpCode(secret) ? '654321' : '123456' });
    expect(wrongCode.status).toBe(400);
    expect(wrongCode.body.error.code).toBe('two_factor_invalid');
    // a code with the wrong password is the usual 401, so codes cannot be tested without it
    const wrongPassword = await signIn(fx.app, 'tom', 'not the password', { totp: totpCode(secret) });
    expect(wrongPassword.status).toBe(401);
    expect(wrongPassword.body.error.code).toBe('unauthorized');

    const ok = await signIn(fx.app, 'tom', fx.staff.tom.password, { totp: totpCode(secret) });
    expect(ok.status).toBe(200);
    expect(ok.body.scope).toBe('staff');
    token = ok.body.token;
    const me = await api(fx.app, 'GET', '/api/staff/me', undefined, token);
    expect(me.status).toBe(200);
    expect(me.body.keyBlob).toBeDefined();
  });

  it('refuses a code that was used already, for the rest of its window', async () => {
    const replay = await signIn(fx.app, 'tom', fx.staff.tom.password, { totp: totpCode(secret) });
    expect(replay.status).toBe(400);
    expect(replay.body.error.code).toBe('two_factor_invalid');
    // an earlier step's code, still inside the clock-drift window, is refused too
    expect((await signIn(fx.app, 'tom', fx.staff.tom.password, { totp: totpCode(secret, -1) })).status).toBe(400);
  });

  it('accepts a recovery code once, in any case and with or without dashes, then never again', async () => {
    const [first, second] = recoveryCodes as [string, string];
    expect((await signIn(fx.app, 'tom', fx.staff.tom.password, { recoveryCode: first })).status).toBe(200);
    const again = await signIn(fx.app, 'tom', fx.staff.tom.password, { recoveryCode: first });
    expect(again.status).toBe(400);
    expect(again.body.error.code).toBe('two_factor_invalid');
    expect((await signIn(fx.app, 'tom', fx.staff.tom.password, { recoveryCode: second.replaceAll('-', '').toLowerCase() })).status).toBe(200);
    expect((await status(token)).recoveryCodesLeft).toBe(8);
  });

  it("refuses another member's recovery code", async () => {
    const val = await addTechnician(fx.app, fx.desk, 'val');
    const valCodes = await enrolTotp(fx.app, val.token!);
    const res = await signIn(fx.app, 'tom', fx.staff.tom.password, { recoveryCode: valCodes.recoveryCodes[0]! });
    expect(res.status).toBe(400);
    expect((await signIn(fx.app, 'val', val.password, { recoveryCode: valCodes.recoveryCodes[0]! })).status).toBe(200);
  });

  it('lets the member disable it with a current code, signing them out everywhere', async () => {
    const wrong = await api(fx.app, 'POST', '/api/staff/two-factor/disable', { totp: totpCode(secret, -1) }, token);
    expect(wrong.status).toBe(400);
    expect(wrong.body.error.code).toBe('two_factor_invalid');
    const off = await api(fx.app, 'POST', '/api/staff/two-factor/disable', { totp: totpCode(secret, 1) }, token);
    expect(off.status).toBe(200);
    expect(off.body).toEqual({ ok: true, signedOut: true });
    expect((await api(fx.app, 'GET', '/api/staff/me', undefined, token)).status).toBe(401);
    const bare = await signIn(fx.app, 'tom', fx.staff.tom.password);
    expect(bare.status).toBe(200);
    fx.staff.tom.token = bare.body.token;
    expect(await status(fx.staff.tom.token!)).toEqual({ enabled: false, pending: false, required: false, recoveryCodesLeft: 0 });
    const audit = (await api(fx.app, 'GET', '/api/admin/audit?limit=500', undefined, fx.desk.admin.token)).body.entries as { action: string; target: string }[];
    expect(audit.some((e) => e.action === 'staff.two_factor_enabled' && e.target === fx.staff.tom.staffId)).toBe(true);
    expect(audit.some((e) => e.action === 'staff.two_factor_disabled' && e.target === fx.staff.tom.staffId)).toBe(true);
  });

  it('refuses to begin a second enrolment while a factor is on', async () => {
    const admin = await enrolTotp(fx.app, fx.desk.admin.token, 0);
    const again = await api(fx.app, 'POST', '/api/staff/two-factor/enrolment', {}, fx.desk.admin.token);
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('two_factor_enabled');
    // keep the admin's factor for the tests below
    adminSecret = admin.secret;
  });
});

let adminSecret = '';

describe('POST /api/admin/two-factor/reset', () => {
  it('removes a member’s factor, revokes their sessions, and is audited', async () => {
    // Given tom with a factor and a live session
    const { secret } = await enrolTotp(fx.app, fx.staff.tom.token!, 0);
    const live = await signIn(fx.app, 'tom', fx.staff.tom.password, { totp: totpCode(secret, 1) });
    expect(live.status).toBe(200);
    // When a technician tries, it is refused; when the admin resets
    const byTech = await api(fx.app, 'POST', '/api/admin/two-factor/reset', { staffId: fx.staff.tom.staffId }, live.body.token);
    expect(byTech.status).toBe(403);
    const reset = await api(fx.app, 'POST', '/api/admin/two-factor/reset', { staffId: fx.staff.tom.staffId }, fx.desk.admin.token);
    // Then the factor is gone, tom is signed out, and the audit log names the admin
    expect(reset.status).toBe(200);
    expect(reset.body.staffId).toBe(fx.staff.tom.staffId);
    expect(reset.body.signedOut).toBeGreaterThanOrEqual(2);
    expect((await api(fx.app, 'GET', '/api/staff/me', undefined, live.body.token)).status).toBe(401);
    const bare = await signIn(fx.app, 'tom', fx.staff.tom.password);
    expect(bare.status).toBe(200);
    fx.staff.tom.token = bare.body.token;
    const audit = (await api(fx.app, 'GET', '/api/admin/audit?limit=500', undefined, fx.desk.admin.token)).body.entries as {
      action: string;
      actorStaffId: string;
      target: string;
    }[];
    expect(audit.find((e) => e.action === 'staff.two_factor_reset')).toMatchObject({ actorStaffId: fx.desk.admin.staffId, target: fx.staff.tom.staffId });
  });

  it('refuses an unknown member and the admin’s own account', async () => {
    const unknown = await api(fx.app, 'POST', '/api/admin/two-factor/reset', { staffId: 'AAAAAAAAAAAAAAAAAAAAAA' }, fx.desk.admin.token);
    expect(unknown.status).toBe(404);
    const self = await api(fx.app, 'POST', '/api/admin/two-factor/reset', { staffId: fx.desk.admin.staffId }, fx.desk.admin.token);
    expect(self.status).toBe(409);
    expect(self.body.error.code).toBe('self_change');
  });
});

describe('desk policy: two-factor required for all staff', () => {
  it('is an admin power', async () => {
    const byTech = await api(fx.app, 'PUT', '/api/admin/two-factor/policy', { required: true }, fx.staff.tom.token);
    expect(byTech.status).toBe(403);
  });

  it('signs out members without a factor and lets them sign in only far enough to enrol', async () => {
    // When the admin (who has a factor) turns the policy on
    const on = await api(fx.app, 'PUT', '/api/admin/two-factor/policy', { required: true }, fx.desk.admin.token);
    expect(on.status).toBe(200);
    expect(on.body.required).toBe(true);
    expect(on.body.signedOut).toBeGreaterThanOrEqual(1);
    expect((await api(fx.app, 'GET', '/api/staff/me', undefined, fx.staff.tom.token)).status).toBe(401);
    // the admin keeps their session
    expect((await api(fx.app, 'GET', '/api/staff/me', undefined, fx.desk.admin.token)).status).toBe(200);

    // Then tom's password gets an enrolment-only session
    const half = await signIn(fx.app, 'tom', fx.staff.tom.password);
    expect(half.status).toBe(200);
    expect(half.body.scope).toBe('two_factor_enrolment');
    for (const url of ['/api/staff/me', '/api/staff/tickets', '/api/admin/staff']) {
      const res = await api(fx.app, 'GET', url, undefined, half.body.token);
      expect(res.status, url).toBe(403);
      expect(res.body.error.code, url).toBe('two_factor_enrolment_required');
    }
    expect(await status(half.body.token)).toMatchObject({ enabled: false, required: true });

    // And enrolling from it hands over a full session in place of the half one
    const { session, secret } = await enrolTotp(fx.app, half.body.token, 0);
    expect(session.scope).toBe('staff');
    expect((await api(fx.app, 'GET', '/api/staff/me', undefined, session.token)).status).toBe(200);
    expect((await api(fx.app, 'GET', '/api/staff/two-factor', undefined, half.body.token)).status).toBe(401);
    expect((await signIn(fx.app, 'tom', fx.staff.tom.password, { totp: totpCode(secret, 1) })).body.scope).toBe('staff');
  });

  it('is not published in GET /api/desk', async () => {
    const res = await api(fx.app, 'GET', '/api/desk');
    expect(JSON.stringify(res.body)).not.toMatch(/two.?factor/i);
  });

  it('can be turned off again, and the admin cannot turn it on without their own factor', async () => {
    const off = await api(fx.app, 'PUT', '/api/admin/two-factor/policy', { required: false }, fx.desk.admin.token);
    expect(off.body).toEqual({ required: false, signedOut: 0 });
    const disabled = await api(fx.app, 'POST', '/api/staff/two-factor/disable', { totp: totpCode(adminSecret, 1) }, fx.desk.admin.token);
    expect(disabled.status).toBe(200);
    const admin = await signIn(fx.app, fx.desk.admin.username, fx.desk.admin.password);
    const on = await api(fx.app, 'PUT', '/api/admin/two-factor/policy', { required: true }, admin.body.token);
    expect(on.status).toBe(409);
    expect(on.body.error.code).toBe('two_factor_not_enabled');
  });
});
