import { CliError, expectOk, loginStaff, openTransport, parseArgs, readPassword } from './staff-session';

/**
 * The browser activation link (#/activate/TOKEN; the token is in the fragment, which browsers
 * never send to a server). The desk has no public-address setting, so the full link is known
 * only when this CLI reaches the desk by SEALDESK_URL; otherwise the path to append.
 */
export function activationLink(inviteToken: string, base = process.env.SEALDESK_URL): string {
  const path = `/#/activate/${inviteToken}`;
  if (base) return `Activation link: ${base.replace(/\/+$/, '')}${path}`;
  return `Activation link: the desk's address (as members reach it, e.g. https://desk.example.org or its onion address) followed by\n  ${path}`;
}

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
    process.stdout.write(
      `Invite for ${username} (${role}), valid until ${new Date(res.expiresAt * 1000).toISOString()}.\n` +
        `${activationLink(res.inviteToken)}\n` +
        `Send it to ${username} over a private channel. The bare token, for \`npm run cli -- activate TOKEN\`:\n` +
        // The token stays the last line: scripts take it from there.
        `${res.inviteToken}\n`,
    );
    return 0;
  } finally {
    await desk.close();
  }
}
