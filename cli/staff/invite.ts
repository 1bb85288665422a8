// `invite USERNAME [--role technician|admin] [--as ADMIN] [--server URL]`: a one-time activation token.
import { expectOk, serverUrl } from './api';
import { CliError, parseFlags, type CommandIo } from './io';
import { connect, DESK_OPTIONS, logout } from './session';

const USAGE = 'invite USERNAME [--role technician|admin] [--as ADMIN] [--server URL] [--fingerprint FP]';

/**
 * The browser activation link (#/activate/TOKEN; the token is in the fragment, which browsers never
 * send to a server), on the address this CLI reaches the desk by. `base` undefined: the path to append.
 */
export function activationLink(inviteToken: string, base: string | undefined): string {
  const path = `/#/activate/${inviteToken}`;
  if (base) return `Activation link: ${base.replace(/\/+$/, '')}${path}`;
  return `Activation link: the desk's address (as members reach it, e.g. https://desk.example.org or its onion address) followed by\n  ${path}`;
}

export async function inviteCommand(args: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseFlags(args, { ...DESK_OPTIONS, role: { type: 'string' }, as: { type: 'string' } }, USAGE);
  const [username] = positionals;
  const role = values.role ?? 'technician';
  if (!username || positionals.length !== 1 || (role !== 'technician' && role !== 'admin')) throw new CliError(`usage: ${USAGE}`);
  const admin = await connect(io, values, values.as ?? 'admin', 'SEALDESK_ADMIN_PASSWORD');
  const res = await expectOk(admin.desk, 'POST', '/api/admin/invites', { username, role }, admin.token);
  await logout(admin);
  io.stdout.write(
    `Invite for ${username} (${role}), valid until ${new Date(res.expiresAt * 1000).toISOString()}.\n` +
      `${activationLink(res.inviteToken, serverUrl(values.server, io.env))}\n` +
      `Send it to ${username} over a private channel. The bare token, for \`npm run cli -- activate TOKEN\`:\n` +
      // The token stays the last line: scripts take it from there.
      `${res.inviteToken}\n`,
  );
  return 0;
}
