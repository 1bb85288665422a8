// `two-factor status|enrol|confirm CODE|disable [CODE]` for the signed-in member, and
// `two-factor reset USERNAME` / `two-factor policy on|off` for an admin (docs/API.md
// "Two-factor sign-in"). The member's commands work on an enrolment-only session too, so a member
// the policy holds back can enrol from here.
import { renderUnicodeCompact } from 'uqr';
import type { StaffList, TotpConfirmed, TotpEnrolment, TwoFactorPolicy, TwoFactorReset, TwoFactorStatus } from '../../contract';
import { expectOk, httpDesk, serverUrl, type DeskApi } from './api';
import { CliError, parseFlags, readPassword, type CommandIo } from './io';
import { connect, DESK_OPTIONS, factorSource, logout, pinnedFingerprint, signInStaff, type DeskFlags, type SignedIn } from './session';

const USAGE =
  'two-factor status|enrol|confirm CODE|disable [CODE] --username NAME [--totp CODE] [--recovery-code]   |   two-factor reset USERNAME [--as ADMIN]   |   two-factor policy on|off [--as ADMIN]';

const OPTIONS = { ...DESK_OPTIONS, username: { type: 'string' }, as: { type: 'string' } } as const;

/** Signs the member in without unlocking: enough for /api/staff/two-factor, whatever the scope. */
async function signInMember(io: CommandIo, flags: DeskFlags, username: string): Promise<SignedIn & { desk: DeskApi }> {
  const desk = httpDesk(serverUrl(flags.server, io.env));
  const password = await readPassword(io, 'SEALDESK_PASSWORD', `Password for ${username}: `);
  const signedIn = await signInStaff(desk, username, password, pinnedFingerprint(io, flags), factorSource(io, flags));
  return { ...signedIn, desk };
}

export async function twoFactorCommand(args: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseFlags(args, OPTIONS, USAGE);
  const [action, arg, ...rest] = positionals;
  if (rest.length > 0) throw new CliError(`usage: ${USAGE}`);

  if (action === 'reset' || action === 'policy') {
    if (!arg) throw new CliError(`usage: ${USAGE}`);
    const admin = await connect(io, values, values.as ?? 'admin', 'SEALDESK_ADMIN_PASSWORD');
    try {
      if (action === 'reset') {
        const { staff } = (await expectOk(admin.desk, 'GET', '/api/admin/staff', undefined, admin.token)) as StaffList;
        const member = staff.find((s) => s.username === arg);
        if (!member) throw new CliError(`no staff member named ${arg}`);
        const done = (await expectOk(admin.desk, 'POST', '/api/admin/two-factor/reset', { staffId: member.staffId }, admin.token)) as TwoFactorReset;
        io.stdout.write(`Two-factor removed for ${arg} (${done.signedOut} session(s) signed out). They sign in with the password alone and should enrol again.\n`);
      } else {
        if (arg !== 'on' && arg !== 'off') throw new CliError(`usage: ${USAGE}`);
        const done = (await expectOk(admin.desk, 'PUT', '/api/admin/two-factor/policy', { required: arg === 'on' }, admin.token)) as TwoFactorPolicy;
        io.stdout.write(
          done.required
            ? `Two-factor is now required for all staff (${done.signedOut} session(s) of members without it signed out; they must enrol at their next sign-in).\n`
            : 'Two-factor is now optional.\n',
        );
      }
    } finally {
      await logout(admin);
    }
    return 0;
  }

  const username = values.username ?? io.env.SEALDESK_USERNAME;
  if (!username || !action) throw new CliError(`usage: ${USAGE}`);
  if (action === 'confirm' ? !arg : arg !== undefined && action !== 'disable') throw new CliError(`usage: ${USAGE}`);
  if (!['status', 'enrol', 'confirm', 'disable'].includes(action)) throw new CliError(`usage: ${USAGE}`);

  const member = await signInMember(io, values, username);
  let token = member.token;
  try {
    if (action === 'status') {
      const s = (await expectOk(member.desk, 'GET', '/api/staff/two-factor', undefined, token)) as TwoFactorStatus;
      io.stdout.write(
        `Two-factor for ${username}: ${s.enabled ? 'on' : s.pending ? 'enrolment begun, not confirmed' : 'off'}\n` +
          `Required by the desk: ${s.required ? 'yes' : 'no'}\n` +
          (s.enabled ? `Recovery codes left: ${s.recoveryCodesLeft}\n` : ''),
      );
    } else if (action === 'enrol') {
      const e = (await expectOk(member.desk, 'POST', '/api/staff/two-factor/enrolment', {}, token)) as TotpEnrolment;
      // SECURITY: the QR code is drawn here from the URI; the secret goes to no other service.
      io.stdout.write(
        `Scan this with your authenticator app, or type the secret into it:\n\n${renderUnicodeCompact(e.uri, { border: 2 })}\n\n` +
          `Secret: ${e.secret}\nURI: ${e.uri}\n\nThen run: two-factor confirm CODE --username ${username}\n`,
      );
    } else if (action === 'confirm') {
      const c = (await expectOk(member.desk, 'POST', '/api/staff/two-factor/confirmation', { totp: arg }, token)) as TotpConfirmed;
      // An enrolment-only session was swapped for a full one; sign that one out instead.
      if (c.session) token = c.session.token;
      io.stdout.write(
        `Two-factor is on for ${username}.\n\nRecovery codes (each works once, if you lose the authenticator). SAVE THEM NOW: they are not shown again.\n\n` +
          `${c.recoveryCodes.map((code) => `  ${code}`).join('\n')}\n`,
      );
    } else {
      const body = arg ? { totp: arg } : { recoveryCode: (await readPassword(io, 'SEALDESK_RECOVERY_CODE', 'Recovery code: ')).trim() };
      await expectOk(member.desk, 'POST', '/api/staff/two-factor/disable', body, token);
      token = ''; // every session is signed out already
      io.stdout.write(`Two-factor is off for ${username}; every session was signed out.\n`);
    }
  } finally {
    if (token) await expectOk(member.desk, 'POST', '/api/staff/logout', {}, token);
  }
  return 0;
}
