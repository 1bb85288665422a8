// `admit USERNAME [--expect KEY_FINGERPRINT] [--as ADMIN]` (SPEC §4): vouch for a member's keys in
// the key log (staff-add) and seal the current team key to them. Safe to re-run: no staff-add when
// the log already lists exactly these keys.
import * as core from '../../client-core';
import type { StaffList } from '../../contract';
import { expectOk } from './api';
import { CliError, parseFlags, type CommandIo } from './io';
import { appendEntry, connect, DESK_OPTIONS, logout, type StaffSession } from './session';

const USAGE = 'admit USERNAME [--expect KEY_FINGERPRINT] [--as ADMIN] [--server URL] [--fingerprint FP]';

export async function admitMember(admin: StaffSession, username: string, expectedFingerprint?: string): Promise<core.Admission> {
  const { staff } = (await expectOk(admin.desk, 'GET', '/api/admin/staff', undefined, admin.token)) as StaffList;
  const member = staff.find((s) => s.username === username);
  if (!member) throw new CliError(`no staff member named ${username}`);
  const admission = core.prepareAdmission(admin.vault, member, expectedFingerprint);
  if (admission.staffAdd) await appendEntry(admin, admission.staffAdd);
  const grant = core.grantCurrentTeamKey(admin.vault, member.staffId);
  await expectOk(admin.desk, 'POST', '/api/admin/grants', { grants: [grant] }, admin.token);
  return admission;
}

export async function admitCommand(args: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseFlags(args, { ...DESK_OPTIONS, expect: { type: 'string' }, as: { type: 'string' } }, USAGE);
  const [username] = positionals;
  if (!username || positionals.length !== 1) throw new CliError(`usage: ${USAGE}`);
  const admin = await connect(io, values, values.as ?? 'admin', 'SEALDESK_ADMIN_PASSWORD');
  const result = await admitMember(admin, username, values.expect);
  await logout(admin);
  io.stdout.write(
    `${username} admitted${result.staffAdd ? ' (staff-add appended)' : ' (already in the key log)'}; granted team key v${admin.vault.keyLog?.currentTeamKey?.version}.\n` +
      (values.expect
        ? `Key fingerprint: ${result.keyFingerprint} (matches what ${username} read to you).\n`
        : `Key fingerprint: ${result.keyFingerprint}: confirm it with ${username} out of band (next time pass --expect to check before admitting).\n`),
  );
  return 0;
}
