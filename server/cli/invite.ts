import { CliError, expectOk, loginStaff, openTransport, parseArgs, readPassword } from './staff-session';

/** `invite USERNAME [--role technician|admin] [--as ADMIN]`: prints a one-time activation token. */
export async function inviteCommand(args: string[]): Promise<number> {
  const { flags, positional } = parseArgs(args);
  const [username] = positional;
  const role = flags.role ?? 'technician';
  if (!username || positional.length !== 1 || (role !== 'technician' && role !== 'admin')) {
    throw new CliError('usage: invite USERNAME [--role technician|admin] [--as ADMIN]');
  }
  const adminName = flags.as ?? 'admin';
  const password = await readPassword('SEALDESK_ADMIN_PASSWORD', `Password for ${adminName}: `);
  const desk = await openTransport();
  try {
    const admin = await loginStaff(desk, adminName, password, process.env.SEALDESK_FINGERPRINT);
    const res = await expectOk(desk, 'POST', '/api/admin/invites', { username, role }, admin.token);
    await expectOk(desk, 'POST', '/api/staff/logout', {}, admin.token);
    process.stdout.write(`Invite for ${username} (${role}), valid until ${new Date(res.expiresAt * 1000).toISOString()}:\n${res.inviteToken}\n`);
    return 0;
  } finally {
    await desk.close();
  }
}
