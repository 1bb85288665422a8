// The team commands an admin runs (issue 10), on the same client-core functions as the console:
//   staff list                      the roster: state, key fingerprint, last sign-in day, invites
//   disable USERNAME                revoke sessions, delete grants, append the signed staff-remove
//   role USERNAME technician|admin  change the role, with the signed role-set
//   reset USERNAME                  clear a member's keys and issue a re-enrolment link
import * as core from '../../client-core';
import type { PatchedStaff, StaffList } from '../../contract';
import { expectOk, serverUrl } from './api';
import { table, when } from './format';
import { activationLink } from './invite';
import { CliError, parseFlags, type CommandIo } from './io';
import { connect, DESK_OPTIONS, logout, type StaffSession } from './session';

/** Why to rotate right after a disable, in words a volunteer understands (the console says the same). */
export const ROTATION_ADVICE =
  'Rotate the team key now: until you do, the removed member could still read everything sealed to the current team key with a copy they kept; after the rotation they read nothing new.';

const ADMIN_OPTIONS = { ...DESK_OPTIONS, as: { type: 'string' } } as const;

async function roster(admin: StaffSession): Promise<{ list: StaffList; entries: core.RosterEntry[] }> {
  const list = (await expectOk(admin.desk, 'GET', '/api/admin/staff', undefined, admin.token)) as StaffList;
  return { list, entries: core.rosterView(admin.vault, list) };
}

async function memberId(admin: StaffSession, username: string): Promise<string> {
  const { list } = await roster(admin);
  const row = list.staff.find((s) => s.username === username);
  if (!row) throw new CliError(`no staff account named ${username}`);
  return row.staffId;
}

async function patch(admin: StaffSession, staffId: string, body: unknown): Promise<PatchedStaff> {
  return (await expectOk(admin.desk, 'PATCH', `/api/admin/staff/${encodeURIComponent(staffId)}`, body, admin.token)) as PatchedStaff;
}

const STATE_WORDS: Record<core.RosterEntry['state'], string> = {
  invited: 'invited',
  awaiting_admission: 'awaiting admission',
  active: 'active',
  disabled: 'disabled',
};
const KEYLOG_WORDS: Record<core.RosterEntry['keyLog'], string> = {
  member: 'member',
  former_member: 'former member',
  other_keys: 'lists other keys',
  absent: '-',
};

export async function staffCommand(args: string[], io: CommandIo): Promise<number> {
  const usage = 'staff list [--as ADMIN] [--server URL] [--fingerprint FP]';
  const { values, positionals } = parseFlags(args, ADMIN_OPTIONS, usage);
  if (positionals.length !== 1 || positionals[0] !== 'list') throw new CliError(`usage: ${usage}`);
  const admin = await connect(io, values, values.as ?? 'admin', 'SEALDESK_ADMIN_PASSWORD');
  const { entries } = await roster(admin);
  await logout(admin);
  const rows = [['USERNAME', 'ROLE', 'STATE', 'KEY LOG', 'LAST SIGN-IN', 'INVITE EXPIRES', 'KEY FINGERPRINT']];
  for (const e of entries) {
    rows.push([
      e.username,
      e.role,
      STATE_WORDS[e.state],
      KEYLOG_WORDS[e.keyLog],
      e.lastSignInDay ?? '-',
      e.inviteExpiresAt === null ? '-' : when(e.inviteExpiresAt),
      // The fingerprint is the last column and never cut: it is read aloud in full.
      e.fingerprint ?? '-',
    ]);
  }
  const lines = table(rows.map((r) => r.slice(0, -1)));
  lines.forEach((line, i) => io.stdout.write(`${line}  ${rows[i]![6]}\n`));
  return 0;
}

export async function disableCommand(args: string[], io: CommandIo): Promise<number> {
  const usage = 'disable USERNAME [--as ADMIN] [--server URL] [--fingerprint FP]';
  const { values, positionals } = parseFlags(args, ADMIN_OPTIONS, usage);
  const [username] = positionals;
  if (!username || positionals.length !== 1) throw new CliError(`usage: ${usage}`);
  const adminName = values.as ?? 'admin';
  const admin = await connect(io, values, adminName, 'SEALDESK_ADMIN_PASSWORD');
  const staffId = await memberId(admin, username);
  const { body, entry } = core.prepareDisable(admin.vault, staffId);
  const done = await patch(admin, staffId, body);
  if (entry) core.recordKeyLogEntry(admin.vault, entry);
  await logout(admin);
  io.stdout.write(
    `${username} disabled: ${done.signedOut ?? 0} session(s) signed out, grants deleted` +
      (done.keyLogSeq !== undefined ? `, staff-remove appended to the key log (seq ${done.keyLogSeq}).\n` : ' (the key log did not list them as a member).\n') +
      `${ROTATION_ADVICE}\n  npm run cli -- rotate --as ${adminName}\n`,
  );
  return 0;
}

export async function roleCommand(args: string[], io: CommandIo): Promise<number> {
  const usage = 'role USERNAME technician|admin [--as ADMIN] [--server URL] [--fingerprint FP]';
  const { values, positionals } = parseFlags(args, ADMIN_OPTIONS, usage);
  const [username, role] = positionals;
  if (!username || positionals.length !== 2 || (role !== 'technician' && role !== 'admin')) throw new CliError(`usage: ${usage}`);
  const admin = await connect(io, values, values.as ?? 'admin', 'SEALDESK_ADMIN_PASSWORD');
  const staffId = await memberId(admin, username);
  const { body, entry } = core.prepareRoleChange(admin.vault, staffId, role);
  const done = await patch(admin, staffId, body);
  if (entry) core.recordKeyLogEntry(admin.vault, entry);
  await logout(admin);
  io.stdout.write(
    `${username} is now ${done.role}${done.keyLogSeq !== undefined ? ` (role-set appended to the key log, seq ${done.keyLogSeq})` : ''}; ${done.signedOut ?? 0} session(s) signed out.\n`,
  );
  return 0;
}

export async function resetCommand(args: string[], io: CommandIo): Promise<number> {
  const usage = 'reset USERNAME [--as ADMIN] [--server URL] [--fingerprint FP]';
  const { values, positionals } = parseFlags(args, ADMIN_OPTIONS, usage);
  const [username] = positionals;
  if (!username || positionals.length !== 1) throw new CliError(`usage: ${usage}`);
  const admin = await connect(io, values, values.as ?? 'admin', 'SEALDESK_ADMIN_PASSWORD');
  const staffId = await memberId(admin, username);
  const done = await patch(admin, staffId, core.prepareReset(admin.vault, staffId));
  await logout(admin);
  if (!done.inviteToken || done.expiresAt === undefined) throw new CliError('the desk did not return a re-enrolment token');
  io.stdout.write(
    `${username} reset: keys cleared, ${done.signedOut ?? 0} session(s) signed out. Re-enrolment link valid until ${new Date(done.expiresAt * 1000).toISOString()}.\n` +
      `${activationLink(done.inviteToken, serverUrl(values.server, io.env))}\n` +
      `After they re-enrol, admit them again (admit ${username} --expect "FINGERPRINT"); their earlier messages keep verifying as "former key".\n` +
      `${done.inviteToken}\n`,
  );
  return 0;
}
