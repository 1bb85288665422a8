import * as p from '../../protocol/index';
import { appendSigned, CliError, expectOk, loginStaff, openTransport, parseArgs, readPassword, type DeskTransport, type StaffSession } from './staff-session';

/**
 * Admission (SPEC §4): vouch for a member's keys in the key log (staff-add) and seal the
 * current team key to their box key. Skips the staff-add when the log already lists exactly
 * these keys, so it is safe to re-run.
 */
export async function admitMember(
  desk: DeskTransport,
  admin: StaffSession,
  username: string,
  expectedFingerprint?: string,
): Promise<{ staffId: string; keyFingerprint: string; appended: boolean }> {
  const { staff } = await expectOk(desk, 'GET', '/api/admin/staff', undefined, admin.token);
  const member = (staff as { staffId: string; username: string; role: 'admin' | 'technician'; status: string; boxPk: string | null; signPk: string | null }[]).find(
    (s) => s.username === username,
  );
  if (!member) throw new CliError(`no staff member named ${username}`);
  if (member.status !== 'active' || !member.boxPk || !member.signPk) throw new CliError(`${username} has not activated their account yet`);
  const fingerprint = keyFingerprint(member.boxPk, member.signPk);
  // SECURITY: compare BEFORE vouching: a server that swapped the member's keys at activation
  // must be caught before the admin signs them into the log and seals the team key to them.
  if (expectedFingerprint !== undefined && expectedFingerprint !== fingerprint) {
    throw new CliError(
      `the keys the desk holds for ${username} have fingerprint ${fingerprint}, not ${expectedFingerprint}: nothing was admitted. ` +
        'Ask the member to read their fingerprint again; if it still differs, the keys were replaced: invite them again.',
    );
  }
  const current = admin.log.currentTeamKey;
  if (!current) throw new CliError('the key log has no current team key');
  const team = admin.teamKeys.get(current.version);
  if (!team) throw new CliError(`you hold no grant for the current team key (v${current.version})`);

  const listed = admin.log.staff.get(member.staffId);
  const alreadyListed = listed?.active === true && listed.boxPk === member.boxPk && listed.signPk === member.signPk && listed.role === member.role;
  if (!alreadyListed) {
    await appendSigned(desk, admin, 'staff-add', { staffId: member.staffId, username, role: member.role, boxPk: member.boxPk, signPk: member.signPk });
  }
  const sealed = p.sealGrant(team.secretKey, p.asBoxPublicKey(member.boxPk));
  await expectOk(desk, 'POST', '/api/admin/grants', { grants: [{ staffId: member.staffId, teamKeyVersion: current.version, sealed }] }, admin.token);
  return { staffId: member.staffId, keyFingerprint: fingerprint, appended: !alreadyListed };
}

/**
 * A short hash of both public keys, for the admin and the member to compare out of band. The
 * protocol module computes it, so the member's activation page and `cli activate` show the same.
 */
export function keyFingerprint(boxPk: string, signPk: string): string {
  return p.staffKeyFingerprint(boxPk, signPk);
}

/** `admit USERNAME [--expect KEY_FINGERPRINT] [--as ADMIN]` */
export async function admitCommand(args: string[]): Promise<number> {
  const { flags, positional } = parseArgs(args);
  const [username] = positional;
  if (!username || positional.length !== 1) throw new CliError('usage: admit USERNAME [--expect KEY_FINGERPRINT] [--as ADMIN]');
  const adminName = flags.as ?? 'admin';
  const password = await readPassword('SEALDESK_ADMIN_PASSWORD', `Password for ${adminName}: `);
  const desk = await openTransport();
  try {
    const admin = await loginStaff(desk, adminName, password, process.env.SEALDESK_FINGERPRINT);
    const result = await admitMember(desk, admin, username, flags.expect);
    await expectOk(desk, 'POST', '/api/staff/logout', {}, admin.token);
    process.stdout.write(
      `${username} admitted${result.appended ? ' (staff-add appended)' : ' (already in the key log)'}; granted team key v${admin.log.currentTeamKey?.version}.\n` +
        (flags.expect
          ? `Key fingerprint: ${result.keyFingerprint} (matches what ${username} read to you).\n`
          : `Key fingerprint: ${result.keyFingerprint}: confirm it with ${username} out of band (next time pass --expect to check before admitting).\n`),
    );
    return 0;
  } finally {
    await desk.close();
  }
}
