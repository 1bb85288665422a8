// The default staff secret (issue 12): a generated 8-word passphrase enrolled with the light
// Argon2id parameters, and a chosen password kept on OWASP's. Real libsodium against the real app
// with the production floor on enrolment parameters (the real light parameters, not CHEAP_KDF).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { wordlist } from '@scure/bip39/wordlists/english.js';
import * as p from '../../protocol';
import * as core from '../../client-core';
import { buildTestApp, type TestApp } from '../helpers/app';
import { api } from '../helpers/desk';
import { createSetupToken } from '../../server/plugins/app/desk';

beforeAll(() => p.ready());

describe('the staff secret: generated passphrase or chosen password', () => {
  it('generates 8 distinct-looking list words, different every time', () => {
    const a = core.newStaffPassphrase();
    const b = core.newStaffPassphrase();
    expect(a.split(' ')).toHaveLength(8);
    expect(a.split(' ').every((w) => wordlist.includes(w))).toBe(true);
    expect(a).not.toBe(b);
  });

  it('fits the parameters to the secret, and refuses a secret that is not what it claims', () => {
    expect(core.checkStaffSecret({ password: core.newStaffPassphrase(), generated: true })).toEqual(p.STAFF_PASSPHRASE_KDF);
    expect(core.checkStaffSecret({ password: 'a long chosen password' })).toEqual(p.STAFF_PASSWORD_KDF);
    // A "generated" secret must be 8 list words: the light parameters are only safe on 88 bits
    for (const password of ['a long chosen password that is long', 'abandon ability able about above absent absorb', 'abandon ability able about above absent absorb zzzz']) {
      expect(() => core.checkStaffSecret({ password, generated: true })).toThrow(expect.objectContaining({ code: 'bad_passphrase' }));
    }
    expect(() => core.checkStaffSecret({ password: 'eleven char' })).toThrow(expect.objectContaining({ code: 'weak_password' }));
  });
});

describe('enrolment and sign-in against the real app (production floor)', () => {
  let t: TestApp;
  let adminToken: string;
  let passphrase: string;
  const v = core.createVault();

  beforeAll(async () => {
    passphrase = core.newStaffPassphrase();
    t = await buildTestApp({ productionStaffKdfFloor: true });
    core.initDesk(v, (await api(t.app, 'GET', '/api/desk')).body.deskId);
  });
  afterAll(async () => t?.close());

  async function signIn(username: string, typed: string): Promise<{ status: number; token?: string; pre: { salt: string; opslimit: number; memlimit: number } }> {
    const pre = (await api(t.app, 'POST', '/api/staff/prelogin', { username })).body;
    const { authSecret } = core.deriveStaffLogin(v, { password: typed, ...pre });
    const res = await api(t.app, 'POST', '/api/staff/login', { username, authSecret });
    return { status: res.status, token: res.body.token, pre };
  }

  it('sets up the first admin with a generated passphrase; prelogin then tells the light parameters', async () => {
    const { token } = await createSetupToken(t.app.db);
    const { request } = core.prepareSetup(v, { username: 'ana', password: passphrase, generated: true });
    expect(request.kdf).toMatchObject(p.STAFF_PASSPHRASE_KDF);
    // Not the passphrase, nor any two of its words in a row (one random word alone may well
    // occur in the request: "name" is inside "username").
    const sent = JSON.stringify(request);
    const words = passphrase.split(' ');
    for (let i = 0; i + 1 < words.length; i++) expect(sent).not.toContain(`${words[i]} ${words[i + 1]}`);
    expect((await api(t.app, 'POST', '/api/setup', { token, ...request })).status).toBe(201);
    const signed = await signIn('ana', passphrase);
    expect(signed.pre).toMatchObject(p.STAFF_PASSPHRASE_KDF);
    expect(signed.status).toBe(200);
    adminToken = signed.token!;
  });

  it('signs in with the passphrase typed in other case and spacing, and not with one word wrong', async () => {
    const words = passphrase.split(' ');
    const sloppy = `  ${words.map((w, i) => (i % 2 === 0 ? w.toUpperCase() : w)).join('   ')}\n`;
    expect((await signIn('ana', sloppy)).status).toBe(200);
    const wrong = [...words.slice(0, 7), words[7] === 'zoo' ? 'abandon' : 'zoo'].join(' ');
    expect((await signIn('ana', wrong)).status).toBe(401);
  });

  it('activates a member who chose their own password with the OWASP parameters', async () => {
    const { inviteToken } = (await api(t.app, 'POST', '/api/admin/invites', { username: 'tom', role: 'technician' }, adminToken)).body;
    const prepared = core.prepareActivation({ staffId: null, password: 'Tom chose This one' });
    expect(prepared.enrolment.kdf).toMatchObject(p.STAFF_PASSWORD_KDF);
    expect((await api(t.app, 'POST', '/api/staff/activate', { inviteToken, staffId: prepared.staffId, ...prepared.enrolment })).status).toBe(201);
    const signed = await signIn('tom', 'Tom chose This one');
    expect(signed.pre).toMatchObject(p.STAFF_PASSWORD_KDF);
    expect(signed.status).toBe(200);
    // A chosen password keeps its case
    expect((await signIn('tom', 'tom chose this one')).status).toBe(401);
  });
});
