import { Secret, TOTP } from 'otpauth';
import { beforeAll, describe, expect, it } from 'vitest';
import { withDesk, type SignedInStaff } from '../helpers/desk';
import { startOfTotpStep } from '../helpers/two-factor';
import { listen, runCommand } from '../helpers/cli';

// The staff CLI's two-factor sign-in and commands, in-process against the real app listening on an
// ephemeral port. Codes come from the secret the CLI printed, for fixed 30-second steps counted from
// the start of each test (the server accepts one step either side, and each step only once).
const fx = withDesk({ via: 'db', technicians: ['tom', 'ana'] });
let url: string;

beforeAll(async () => {
  url = await listen(fx.t);
});

function codeAt(secret: string, stepStart: number, steps: number): string {
  const totp = new TOTP({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30 });
  return totp.generate({ timestamp: stepStart + steps * 30_000 });
}

function member(who: SignedInStaff, args: string[], env: Record<string, string> = {}) {
  return runCommand([...args, '--username', who.username, '--server', url], { SEALDESK_PASSWORD: who.password, ...env });
}

function admin(args: string[]) {
  return runCommand([...args, '--as', 'admin', '--server', url], { SEALDESK_ADMIN_PASSWORD: fx.desk.admin.password });
}

/** enrol + confirm from the CLI; the printed secret and recovery codes. */
async function enrolFromCli(who: SignedInStaff, stepStart: number) {
  const enrol = await member(who, ['two-factor', 'enrol']);
  expect(enrol.stderr).toBe('');
  expect(enrol.code).toBe(0);
  const secret = /^Secret: ([A-Z2-7]+)$/m.exec(enrol.stdout)![1]!;
  expect(enrol.stdout).toContain(`otpauth://totp/Sealdesk:${who.username}?`);
  expect(enrol.stdout).toMatch(/[█▀▄]{7}/); // the QR code, drawn in the terminal
  const confirm = await member(who, ['two-factor', 'confirm', codeAt(secret, stepStart, -1)]);
  expect(confirm.stderr).toBe('');
  expect(confirm.code).toBe(0);
  expect(confirm.stdout).toMatch(/SAVE THEM NOW/);
  const recoveryCodes = [...confirm.stdout.matchAll(/^ {2}([A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4})$/gm)].map((m) => m[1]!);
  expect(recoveryCodes).toHaveLength(10);
  return { secret, recoveryCodes };
}

const stepStartNow = () => Date.now() - (Date.now() % 30_000);

describe('staff CLI: two-factor sign-in', () => {
  let secret = '';
  let recoveryCodes: string[] = [];

  it('enrols, then signs in with --totp, and refuses the password alone', async () => {
    await startOfTotpStep();
    const step = stepStartNow();
    // Given tom enrolled from the CLI
    ({ secret, recoveryCodes } = await enrolFromCli(fx.staff.tom, step));
    // When he signs in with the password alone, without a terminal
    const bare = await member(fx.staff.tom, ['queue']);
    // Then he is told how to give the code
    expect(bare.code).toBe(1);
    expect(bare.stderr).toMatch(/two-factor sign-in: pass --totp CODE/);
    // And a wrong code is refused in plain words
    const wrong = await member(fx.staff.tom, ['queue', '--totp', codeAt(secret, step, 0) === '123456' ? '654321' : '123456']);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/two-factor code is wrong/);
    // When he gives a current code, the command runs
    const withCode = await member(fx.staff.tom, ['queue', '--totp', codeAt(secret, step, 0)]);
    expect(withCode.stderr).toBe('');
    expect(withCode.code).toBe(0);
    // And SEALDESK_TOTP works alike; status counts the recovery codes
    const status = await member(fx.staff.tom, ['two-factor', 'status'], { SEALDESK_TOTP: codeAt(secret, step, 1) });
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/Two-factor for tom: on/);
    expect(status.stdout).toMatch(/Recovery codes left: 10/);
  });

  it('accepts a recovery code from SEALDESK_RECOVERY_CODE once, then refuses it', async () => {
    const first = await member(fx.staff.tom, ['queue'], { SEALDESK_RECOVERY_CODE: recoveryCodes[0]! });
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    const again = await member(fx.staff.tom, ['queue'], { SEALDESK_RECOVERY_CODE: recoveryCodes[0]! });
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/two-factor code is wrong, expired or already used/);
    // a recovery code never comes from argv: there is no flag that takes one
    const argv = await member(fx.staff.tom, ['queue', `--recovery-code=${recoveryCodes[1]}`]);
    expect(argv.code).toBe(1);
    expect(argv.stderr).not.toContain('failed (');
    const left = await member(fx.staff.tom, ['two-factor', 'status'], { SEALDESK_RECOVERY_CODE: recoveryCodes[1]! });
    expect(left.stdout).toMatch(/Recovery codes left: 8/);
  });
});

describe('staff CLI: admin reset and the two-factor policy', () => {
  it('resets a member, then requires two-factor: a member without it can only enrol', async () => {
    await startOfTotpStep();
    const step = stepStartNow();
    // Given an admin with a factor of their own
    const adminActor = { ...fx.desk.admin, username: 'admin' };
    const { secret } = await enrolFromCli(adminActor, step);
    // When the admin resets tom's factor
    const reset = await runCommand(['two-factor', 'reset', 'tom', '--as', 'admin', '--totp', codeAt(secret, step, 0), '--server', url], {
      SEALDESK_ADMIN_PASSWORD: fx.desk.admin.password,
    });
    expect(reset.stderr).toBe('');
    expect(reset.code).toBe(0);
    expect(reset.stdout).toMatch(/Two-factor removed for tom/);
    // Then tom signs in with the password alone again
    expect((await member(fx.staff.tom, ['queue'])).code).toBe(0);
    // When the admin turns the policy on
    const policy = await runCommand(['two-factor', 'policy', 'on', '--as', 'admin', '--totp', codeAt(secret, step, 1), '--server', url], {
      SEALDESK_ADMIN_PASSWORD: fx.desk.admin.password,
    });
    expect(policy.stderr).toBe('');
    expect(policy.code).toBe(0);
    expect(policy.stdout).toMatch(/now required for all staff/);
    // Then ana, who has no factor, is refused everything but enrolment
    const queue = await member(fx.staff.ana, ['queue']);
    expect(queue.code).toBe(1);
    expect(queue.stderr).toMatch(/requires two-factor sign-in and ana has none yet/);
    const status = await member(fx.staff.ana, ['two-factor', 'status']);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/Two-factor for ana: off\nRequired by the desk: yes/);
    const enrol = await member(fx.staff.ana, ['two-factor', 'enrol']);
    expect(enrol.code).toBe(0);
    expect(enrol.stdout).toMatch(/^Secret: [A-Z2-7]+$/m);
    // And an admin command without the admin's code is refused
    expect((await admin(['two-factor', 'policy', 'off'])).code).toBe(1);
  });
});
