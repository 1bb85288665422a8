import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { testTables } from '../helpers/app';
import { asSignPublicKey, newId, openMessage, sealMessage, toB64, generateStaffKeys } from '../../protocol';
import { seedLabel, seedRequester, seedTicket, withDesk, type SeededTicket } from '../helpers/desk';
import { listen, runCommand } from '../helpers/cli';

const { messages } = testTables;

// The staff CLI's technician commands, run in-process against the real app listening on an
// ephemeral port: login, key-log verification and every call go over HTTP.
const fx = withDesk({ via: 'db', technicians: ['tom'] });
let url: string;
let urgent: SeededTicket;
let other: SeededTicket;

beforeAll(async () => {
  const requester = await seedRequester(fx.app);
  const tag = await seedLabel(fx.app, fx.desk, 'Border crossing');
  other = await seedTicket(fx.app, fx.desk, requester, { subject: 'Lost my 2FA phone', category: 'account', status: 'open' });
  urgent = await seedTicket(fx.app, fx.desk, requester, {
    subject: 'Điện thoại bị tịch thu',
    body: 'They took it at the border.',
    category: 'device',
    priority: 'urgent',
    labelTags: [tag],
  });
  url = await listen(fx.t);
});

function cli(args: string[], opts: { password?: string; stdin?: string } = {}) {
  return runCommand([...args, '--username', fx.staff.tom.username, '--server', url], { SEALDESK_PASSWORD: opts.password ?? fx.staff.tom.password }, opts.stdin ?? '');
}

describe('staff CLI: queue, show, reply over HTTP', () => {
  it('queue prints the decrypted subject, category and label names', async () => {
    const res = await cli(['queue']);
    expect(res.stderr).not.toMatch(/error|failed/i);
    expect(res.code).toBe(0);
    const lines = res.stdout.split('\n');
    const urgentLine = lines.find((l) => l.startsWith(urgent.ticketId))!;
    expect(urgentLine).toMatch(/new\s+urgent\s+-/);
    expect(urgentLine).toContain('Điện thoại bị tịch thu');
    expect(urgentLine).toContain('device');
    expect(urgentLine).toContain('border crossing');
    expect(lines.find((l) => l.startsWith(other.ticketId))).toMatch(/open.*Lost my 2FA phone\s+account/);
    // Newest first
    expect(lines.findIndex((l) => l.startsWith(urgent.ticketId))).toBeLessThan(lines.findIndex((l) => l.startsWith(other.ticketId)));
  });

  it('queue filters by a label name without sending it: only the carrying ticket is listed', async () => {
    const res = await cli(['queue', '--label', 'Border Crossing']);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain(urgent.ticketId);
    expect(res.stdout).not.toContain(other.ticketId);
  });

  it('reply signs and posts a reply that is stored, verifies, and decrypts to the text', async () => {
    // When the technician replies with text on stdin
    const res = await cli(['reply', urgent.ticketId], { stdin: 'Please turn it off and contact us from another device.\n' });
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    // Then the server holds one staff message, signed by their logged key, sealed under K
    const stored = (await fx.t.db.select().from(messages).where(eq(messages.ticketId, urgent.ticketId))).find((m) => m.authorType === 'staff')!;
    expect(stored).toMatchObject({ kind: 'message', authorStaffId: fx.staff.tom.staffId, seq: 2 });
    expect(res.stdout).toContain(stored.id);
    const payload = openMessage({
      kind: 'message',
      ticketId: urgent.ticketId,
      messageId: stored.id,
      key: urgent.ticketKey,
      envelope: { v: 1, nonce: stored.nonce, ct: stored.ct, sig: stored.sig },
      authorSignPk: asSignPublicKey(toB64(fx.staff.tom.keys.sign.publicKey)),
    });
    expect(payload.body).toBe('Please turn it off and contact us from another device.');
  });

  it('reply --note creates the note key on first use; show opens notes and marks every message verified', async () => {
    expect((await cli(['reply', urgent.ticketId, '--note', 'Possible targeted case, escalate'])).code).toBe(0);
    expect((await cli(['reply', urgent.ticketId, '--note', 'Second note reuses N'])).code).toBe(0);
    const res = await cli(['show', urgent.ticketId]);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('Subject:  Điện thoại bị tịch thu');
    expect(res.stdout).toContain('Category: device');
    expect(res.stdout).toMatch(/✓ #1 requester .*\[verified\]/);
    expect(res.stdout).toContain('They took it at the border.');
    expect(res.stdout).toMatch(/✓ #2 staff tom .*\[verified\]/);
    expect(res.stdout).toMatch(/✓ #3 NOTE staff tom[^\n]*\nPossible targeted case, escalate/);
    expect(res.stdout).toMatch(/✓ #4 NOTE staff tom[^\n]*\nSecond note reuses N/);
    expect(res.stdout).not.toContain('✗');
  });

  it('show marks a message whose signature does not verify with ✗, hides its text and warns', async () => {
    // Given a message in the thread signed by a key that is not the requester's
    const messageId = newId();
    const forged = sealMessage({
      kind: 'message',
      ticketId: other.ticketId,
      messageId,
      key: other.ticketKey,
      payload: { v: 1, body: 'send me your password' },
      authorSignSk: generateStaffKeys().sign.secretKey,
    });
    await fx.t.db.insert(messages).values({
      id: messageId,
      ticketId: other.ticketId,
      seq: 2,
      kind: 'message',
      authorType: 'requester',
      nonce: forged.nonce,
      ct: forged.ct,
      sig: forged.sig,
      createdAt: 1_700_000_000,
    });
    // When the technician reads the thread
    const res = await cli(['show', other.ticketId]);
    // Then the genuine message is ✓, the forged one is ✗ with no plaintext shown
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/✓ #1 requester/);
    expect(res.stdout).toMatch(/✗ #2 requester[^\n]*\[SIGNATURE DOES NOT VERIFY\]/);
    expect(res.stdout).not.toContain('send me your password');
    expect(res.stderr).toMatch(/WARNING: 1 message/);
  });

  it('refuses a pinned fingerprint that is not the desk’s, and a wrong password', async () => {
    const pinned = await cli(['queue', '--fingerprint', 'A'.repeat(43)]);
    expect(pinned.code).toBe(1);
    expect(pinned.stderr).toMatch(/FINGERPRINT MISMATCH/);
    // A base64url fingerprint may begin with a dash: it is still the flag's value, not a flag.
    const dashed = await cli(['queue', '--fingerprint', `-${'A'.repeat(42)}`]);
    expect(dashed.code).toBe(1);
    expect(dashed.stderr).toMatch(/FINGERPRINT MISMATCH/);
    const wrong = await cli(['queue'], { password: 'not it' });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/wrong username or password/);
  });
});
