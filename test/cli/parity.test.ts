// One thread, two clients: the browser's crypto worker (its real dispatch table, in Node) and the
// staff CLI's `show` must report the same signature status for every message, because both are
// the client core. The thread holds every case: the requester's message, a technician's reply, an
// internal note, a reply by a member removed since, a forged signature, and an author the key log
// never held.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHandlers } from '../../client/src/worker-handlers';
import type { SignatureStatus } from '../../client-core';
import { SIGNATURE_LABELS } from '../../cli/staff/format';
import { testTables } from '../helpers/app';
import * as p from '../../protocol/index';
import type { TestApp } from '../helpers/app';
import { buildTestApp } from '../helpers/app';
import { addTechnician, api, appendEntry, setupDesk, type Desk, type StaffActor } from '../helpers/desk';
import { bearer, registerRequester, signIn, solvedPow } from '../helpers/requester';
import { listen, runCommand } from '../helpers/cli';

const { messages } = testTables;

let t: TestApp;
let url: string;
let desk: Desk;
let tom: StaffActor;
let ticketId: string;

const EXPECTED: Record<number, SignatureStatus> = {
  1: 'verified', // the requester's first message
  2: 'verified', // tom's reply
  3: 'verified', // tom's internal note
  4: 'former_member', // rex's reply; rex was removed from the key log afterwards
  5: 'bad', // claims the requester, signed by another key
  6: 'unknown_author', // eve has an account but the key log never listed her
};

/** Inserts a record as a server that skipped its own checks would store it. */
async function plant(seq: number, author: { type: 'requester' } | { type: 'staff'; staffId: string }, signSk: p.SignSecretKey, key: p.TicketKey, body: string) {
  const messageId = p.newId();
  const env = p.sealMessage({ kind: 'message', ticketId, messageId, key, payload: { v: 1, body }, authorSignSk: signSk });
  await t.db.insert(messages).values({
    id: messageId,
    ticketId,
    seq,
    kind: 'message',
    authorType: author.type,
    authorStaffId: author.type === 'staff' ? author.staffId : null,
    nonce: env.nonce,
    ct: env.ct,
    sig: env.sig,
    createdAt: 1_700_000_000 + seq,
  });
}

async function post(member: StaffActor, body: unknown) {
  const res = await api(t.app, 'POST', `/api/staff/tickets/${ticketId}/messages`, body, member.token);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
}

beforeAll(async () => {
  // Given a desk with technicians tom and rex, and eve, activated but never admitted
  t = await buildTestApp({ env: { SEALDESK_POW_DIFFICULTY: '4' } });
  url = await listen(t);
  desk = await setupDesk(t.app);
  tom = await addTechnician(t.app, desk, 'tom');
  const rex = await addTechnician(t.app, desk, 'rex');
  const eve = await addTechnician(t.app, desk, 'eve', { admit: false, login: false });
  // And a requester's ticket sealed to team key v1
  const r = await registerRequester(t, desk.deskId);
  const requesterToken = (await signIn(t, r.keys)).json<{ token: string }>().token;
  const created = p.createTicket({
    payload: { v: 1, subject: 'Phone seized', body: 'They took it at the border', category: 'device', lang: 'en' },
    requesterSignSk: r.keys.sign.secretKey,
    requesterBoxPk: r.keys.box.publicKey,
    team: { version: 1, publicKey: desk.teamKey.publicKey },
  });
  const res = await t.app.inject({
    method: 'POST',
    url: '/api/tickets',
    headers: bearer(requesterToken),
    payload: { ...p.ticketSubmission(created), pow: await solvedPow(t, 'ticket') },
  });
  expect(res.statusCode, res.body).toBe(201);
  ticketId = created.ticketId;
  const k = created.ticketKey;
  // And tom's reply and note, then rex's reply
  const seal = (member: StaffActor, kind: 'message' | 'note', key: p.TicketKey | p.NoteKey, body: string) => {
    const messageId = p.newId();
    return { messageId, envelope: p.sealMessage({ kind, ticketId, messageId, key, payload: { v: 1, body }, authorSignSk: member.keys.sign.secretKey } as p.SealMessageInput) };
  };
  await post(tom, { kind: 'message', ...seal(tom, 'message', k, 'Turn it off') });
  const n = p.newNoteKey();
  await post(tom, { kind: 'note', ...seal(tom, 'note', n, 'Possible targeted case'), noteWrap: p.wrapKeyForTeam(n, { version: 1, publicKey: desk.teamKey.publicKey }) });
  await post(rex, { kind: 'message', ...seal(rex, 'message', k, 'Do not unlock it for them') });
  // And rex has left: disabled and removed from the key log
  expect((await api(t.app, 'PATCH', `/api/admin/staff/${rex.staffId}`, { status: 'disabled' }, desk.admin.token)).status).toBe(200);
  await appendEntry(t.app, desk.admin, 'staff-remove', { staffId: rex.staffId });
  // And two records a compromised server slipped in
  await plant(5, { type: 'requester' }, p.generateStaffKeys().sign.secretKey, k, 'send me your password');
  await plant(6, { type: 'staff', staffId: eve.staffId }, eve.keys.sign.secretKey, k, 'install this app');
});
afterAll(async () => t.close());

/** The browser path: the worker's own handler table, fed what the page fetches. */
async function statusesInTheWorker(): Promise<Record<number, SignatureStatus>> {
  const h = createHandlers();
  const progress = () => {};
  await p.ready();
  h.init({ deskId: desk.deskId }, progress);
  h.verifyKeyLog({ entries: (await api(t.app, 'GET', '/api/keylog')).body.entries, pinnedFingerprint: desk.fingerprint }, progress);
  const pre = (await api(t.app, 'POST', '/api/staff/prelogin', { username: 'tom' })).body;
  const { authSecret } = await h.staffDeriveSecrets({ password: tom.password, ...pre }, progress);
  const { token } = (await api(t.app, 'POST', '/api/staff/login', { username: 'tom', authSecret })).body;
  const me = (await api(t.app, 'GET', '/api/staff/me', undefined, token)).body;
  await h.staffUnlock(
    {
      staffId: me.staffId,
      keyBlob: me.keyBlob,
      grants: me.grants.map((g: { teamKeyVersion: number; sealed: string }) => ({ teamKeyVersion: g.teamKeyVersion, sealedKey: g.sealed })),
    },
    progress,
  );
  const ticket = (await api(t.app, 'GET', `/api/staff/tickets/${ticketId}`, undefined, token)).body;
  const thread = (await api(t.app, 'GET', `/api/staff/tickets/${ticketId}/messages`, undefined, token)).body;
  const view = await h.staffOpenTicket({ ticket, messages: thread.messages }, progress);
  return Object.fromEntries(view.messages.map((m) => [m.seq, m.signature]));
}

/** The CLI path: `show`, its printed status word read back into the core's status. */
async function statusesInTheCli(): Promise<Record<number, SignatureStatus>> {
  const res = await runCommand(['show', ticketId, '--username', 'tom', '--server', url, '--fingerprint', desk.fingerprint], { SEALDESK_PASSWORD: tom.password });
  expect(res.code, res.stderr).toBe(0);
  const byLabel = new Map(Object.entries(SIGNATURE_LABELS).map(([status, { label }]) => [label, status as SignatureStatus]));
  const out: Record<number, SignatureStatus> = {};
  for (const m of res.stdout.matchAll(/^[✓✗] #(\d+) .*\[([^\]]+)\]/gm)) out[Number(m[1])] = byLabel.get(m[2]!)!;
  // SECURITY: the text of a red record is never printed.
  expect(res.stdout).not.toContain('send me your password');
  expect(res.stdout).not.toContain('install this app');
  expect(res.stderr).toMatch(/WARNING: 2 message/);
  return out;
}

describe('signature status parity: browser worker and CLI show', () => {
  it('reports the same status for every message, and the one the rules say', async () => {
    const worker = await statusesInTheWorker();
    const cli = await statusesInTheCli();
    expect(worker).toEqual(EXPECTED);
    expect(cli).toEqual(worker);
  });
});
