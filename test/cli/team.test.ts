// The admin and triage commands of issue 10, run in-process against the real app listening on an
// ephemeral port (every call over HTTP, the client core in the command): staff list, invite and
// invite cancel, admit --expect as shown, disable, role, reset, rotate, audit, assign, status,
// labels and label add/remove.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as p from '../../protocol/index';
import type { TestApp } from '../helpers/app';
import { buildTestApp, sqlRun } from '../helpers/app';
import { TEST_POW_DIFFICULTY } from '../helpers/requester';
import { ADMIN, addMember, activateInvite, fileTicket, reply, teamDesk, type Member, type TeamDesk, type Ticket } from '../server/admin/team-desk';
import { listen, runCommand } from './run';

let t: TestApp;
let d: TeamDesk;
let url: string;
let tom: Member;
let ticket: Ticket;

const asAdmin = (args: string[]) => runCommand([...args, ...(args.includes('--as') ? [] : ['--as', ADMIN.username]), '--server', url], { SEALDESK_ADMIN_PASSWORD: ADMIN.password });
const as = (m: Member, args: string[]) => runCommand([...args, '--username', m.username, '--server', url], { SEALDESK_PASSWORD: m.password });
const tokenOf = (stdout: string) => stdout.trim().split('\n').at(-1)!;

beforeAll(async () => {
  t = await buildTestApp({ env: { SEALDESK_POW_DIFFICULTY: TEST_POW_DIFFICULTY } });
  d = await teamDesk(t);
  tom = await addMember(d, 'tom');
  ticket = await fileTicket(d, 'Phone seized at the border');
  url = await listen(t);
});
afterAll(async () => t.close());

describe('admin commands', () => {
  let una: Member;

  it('invite --hours, staff list with states and fingerprints in the one form, invite cancel', async () => {
    const inv = await asAdmin(['invite', 'una', '--hours', '4', '--as', 'ana']);
    expect(inv.code, inv.stderr).toBe(0);
    una = await activateInvite(d, tokenOf(inv.stdout), 'una has a long password');
    const other = await asAdmin(['invite', 'vic']);
    expect(other.code).toBe(0);
    await d.session('tom', tom.password);
    const list = await asAdmin(['staff', 'list']);
    expect(list.code, list.stderr).toBe(0);
    const line = (name: string) => list.stdout.split('\n').find((l) => l.startsWith(`${name} `))!;
    expect(line('una')).toMatch(/technician\s+awaiting admission\s+-\s+-\s+-/);
    expect(line('una').endsWith(una.keyFingerprint)).toBe(true);
    expect(line('tom')).toMatch(/technician\s+active\s+member\s+\d{4}-\d{2}-\d{2}/);
    expect(line('tom').endsWith(tom.keyFingerprint)).toBe(true);
    expect(line('vic')).toMatch(/invited/);
    const cancel = await asAdmin(['invite', 'cancel', 'vic']);
    expect(cancel.stdout).toContain('cancelled 1 pending invite(s) for vic');
    expect((await asAdmin(['staff', 'list'])).stdout).not.toMatch(/^vic /m);
  });

  it('admit --expect refuses a wrong fingerprint without printing the right one, and accepts it as shown', async () => {
    const wrong = p.formatFingerprint(new Uint8Array(64).fill(7));
    const refused = await asAdmin(['admit', 'una', '--expect', wrong]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('nothing was admitted');
    expect(refused.stderr).not.toContain(una.keyFingerprint);
    expect(refused.stderr.replace(/\D/g, '')).not.toContain(una.keyFingerprint.replace(/\D/g, ''));
    // What the member's screen shows, read out with other separators, is accepted
    const ok = await asAdmin(['admit', 'una', '--expect', ` ${una.keyFingerprint.replaceAll(' ', ' - ')} `]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain(`Key fingerprint: ${una.keyFingerprint}`);
    expect((await as(una, ['queue'])).code).toBe(0);
  });

  it('role changes the role with role-set; reset prints a re-enrolment link', async () => {
    const promoted = await asAdmin(['role', 'una', 'admin']);
    expect(promoted.code, promoted.stderr).toBe(0);
    expect(promoted.stdout).toMatch(/una is now admin \(role-set appended to the key log, seq \d+\)/);
    const back = await asAdmin(['role', 'una', 'technician']);
    expect(back.stdout).toMatch(/una is now technician/);
    const reset = await asAdmin(['reset', 'una']);
    expect(reset.code, reset.stderr).toBe(0);
    expect(reset.stdout).toContain('#/activate/');
    una = await activateInvite(d, tokenOf(reset.stdout), 'una has a second long password');
    expect((await asAdmin(['staff', 'list'])).stdout).toMatch(/^una\s+technician\s+awaiting admission\s+lists other keys/m);
    expect((await asAdmin(['admit', 'una', '--expect', una.keyFingerprint])).code).toBe(0);
  });

  it('disable signs the member out, appends staff-remove and tells the admin to rotate; rotate prints progress', async () => {
    await reply(await d.session('tom', tom.password), ticket.ticketId, 'tom was here');
    const disabled = await asAdmin(['disable', 'tom']);
    expect(disabled.code, disabled.stderr).toBe(0);
    expect(disabled.stdout).toMatch(/tom disabled: \d+ session\(s\) signed out, grants deleted, staff-remove appended to the key log \(seq \d+\)/);
    expect(disabled.stdout).toContain('Rotate the team key now');
    expect(disabled.stdout).toContain('npm run cli -- rotate --as ana');
    expect((await as(tom, ['queue'])).code).toBe(1);
    const rotated = await asAdmin(['rotate', '--as', 'ana', '--batch', '1']);
    expect(rotated.code, rotated.stderr).toBe(0);
    expect(rotated.stderr).toMatch(/appended team-key v2/);
    expect(rotated.stderr).toMatch(/rewrapped 1 key\(s\); \d+ left/);
    expect(rotated.stderr).toMatch(/of \d+ keys re-wrapped \(tickets 1\/1, notes 0\/0, label 1\/1\)/);
    expect(rotated.stdout).toContain('rotation to team key v2 complete');
    // And tom's reply now shows as a former member's
    const shown = await as(una, ['show', ticket.ticketId]);
    expect(shown.stdout).toMatch(/✓ #\d+ staff tom .*\[former member\]/);
  });

  it('audit prints the filtered log and the chain check', async () => {
    const res = await asAdmin(['audit', '--what', 'staff.disable', '--since', new Date().toISOString().slice(0, 10)]);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/staff\.disable/);
    expect(res.stdout).not.toMatch(/staff\.login/);
    expect(res.stdout).toMatch(/audit chain verified: \d+ row\(s\)/);
    const byWho = await asAdmin(['audit', '--who', 'una', '--limit', '3']);
    expect(
      byWho.stdout
        .split('\n')
        .filter((l) => /^\d+ /.test(l))
        .every((l) => l.includes(' una ')),
    ).toBe(true);
    await sqlRun(t, `UPDATE audit SET action = 'staff.nothing' WHERE seq = 2`);
    const broken = await asAdmin(['audit', '--limit', '1']);
    expect(broken.code).toBe(4);
    expect(broken.stdout).toContain('AUDIT CHAIN BROKEN at row 2');
  });
});

describe('triage and label commands', () => {
  it('assign, status, label add/remove and labels, with the names sealed by the client', async () => {
    const una = { username: 'una', password: 'una has a second long password' } as Member;
    expect((await as(una, ['assign', ticket.ticketId, 'una'])).stdout).toContain('assigned to una');
    expect((await as(una, ['assign', ticket.ticketId, 'nobody'])).stderr).toContain('lists no active member named nobody');
    expect((await as(una, ['status', ticket.ticketId, 'open'])).stdout).toContain(': open');
    expect((await as(una, ['status', ticket.ticketId, 'bogus'])).code).toBe(1);
    const added = await as(una, ['label', 'add', ticket.ticketId, 'Border', 'crossing']);
    expect(added.code, added.stderr).toBe(0);
    expect(added.stdout).toContain('border crossing');
    await as(una, ['label', 'add', ticket.ticketId, 'urgent-legal']);
    expect((await as(una, ['labels'])).stdout).toBe('border crossing\nurgent-legal\n');
    expect((await as(una, ['queue', '--label', 'BORDER CROSSING'])).stdout).toContain(ticket.ticketId);
    const removed = await as(una, ['label', 'remove', ticket.ticketId, 'border crossing']);
    expect(removed.stdout).toContain(`${ticket.ticketId}: urgent-legal`);
    expect((await as(una, ['queue', '--label', 'border crossing'])).stdout).not.toContain(ticket.ticketId);
    expect((await as(una, ['queue', '--assignee', 'mine'])).stdout).toContain(ticket.ticketId);
  });
});
