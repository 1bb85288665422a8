// `invite USERNAME [--role technician|admin] [--hours N] [--as ADMIN] [--server URL]`: a one-time
// activation token; `invite cancel USERNAME`: the pending invite (or re-enrolment link) stops working.
import * as core from '../../client-core';
import type { Invite, InviteCancelled } from '../../contract';
import { expectOk, serverUrl } from './api';
import { CliError, parseFlags, type CommandIo } from './io';
import { connect, DESK_OPTIONS, logout } from './session';

const USAGE = 'invite USERNAME [--role technician|admin] [--hours N] [--as ADMIN] [--server URL] [--fingerprint FP] | invite cancel USERNAME [--as ADMIN]';

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
  const { values, positionals } = parseFlags(args, { ...DESK_OPTIONS, role: { type: 'string' }, hours: { type: 'string' }, as: { type: 'string' } }, USAGE);
  if (positionals.length === 2 && positionals[0] === 'cancel') {
    const admin = await connect(io, values, values.as ?? 'admin', 'SEALDESK_ADMIN_PASSWORD');
    const done = (await expectOk(admin.desk, 'DELETE', `/api/admin/invites/${encodeURIComponent(positionals[1]!)}`, undefined, admin.token)) as InviteCancelled;
    await logout(admin);
    io.stdout.write(`cancelled ${done.cancelled} pending invite(s) for ${positionals[1]}: the link no longer works.\n`);
    return 0;
  }
  const [username] = positionals;
  const role = values.role ?? 'technician';
  const hours = values.hours === undefined ? undefined : Number(values.hours);
  if (!username || positionals.length !== 1 || (role !== 'technician' && role !== 'admin') || (hours !== undefined && !Number.isInteger(hours)))
    throw new CliError(`usage: ${USAGE}`);
  const body = core.inviteBody(username, role, hours);
  const admin = await connect(io, values, values.as ?? 'admin', 'SEALDESK_ADMIN_PASSWORD');
  const res = (await expectOk(admin.desk, 'POST', '/api/admin/invites', body, admin.token)) as Invite;
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
