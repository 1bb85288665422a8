// `npm run cli -- activate TOKEN [--server URL] [--fingerprint FP]`: an invited member activates
// their account without running any JavaScript the desk serves. This process is the member's
// client, exactly like the browser's activation page: it derives the secrets from the password,
// makes the keys, seals them under kek and sends only public keys, the auth secret (stored
// hashed) and the sealed blob. It prints the key fingerprint the admin sees in `cli admit`.
import * as p from '../../protocol/index';
import { DEFAULT_SERVER } from './show';
import { CliError, expectOk, fetchVerifiedKeyLog, openTransport, parseArgs, readPassword } from './staff-session';

/** Same rule as `setup` and the browser pages. */
const MIN_PASSWORD_CHARS = 12;

/** The bare token, from the token itself or from the whole activation link an admin sent. */
export function inviteTokenFrom(arg: string): string {
  const m = /#\/activate\/([^/?#\s]+)\/?$/.exec(arg);
  return m ? (m[1] as string) : arg;
}

/** Every activation refusal that is about the token: say what to do, not the status code. */
async function lookUpInvite(desk: Awaited<ReturnType<typeof openTransport>>, inviteToken: string) {
  const res = await desk.call('POST', '/api/staff/invite', { inviteToken });
  if (res.status === 401 || res.status === 400) {
    throw new CliError('this activation token is not valid: it was used, it expired (72 hours) or it was copied incompletely. Ask an admin for a new one.');
  }
  if (res.status !== 200) throw new CliError(`invite lookup failed (${res.status}): ${res.body?.error?.message ?? 'no details'}`);
  return res.body as { username: string; role: 'admin' | 'technician'; staffId: string | null; expiresAt: number };
}

export async function activateCommand(args: string[]): Promise<number> {
  const { flags, positional } = parseArgs(args);
  const [arg] = positional;
  if (!arg || positional.length !== 1) throw new CliError('usage: activate TOKEN [--server URL] [--fingerprint FP]');
  const inviteToken = inviteTokenFrom(arg);
  // SECURITY: always over the network, never the in-process fallback: the member talks to the
  // desk like any other client and checks its key log itself.
  const server = flags.server ?? process.env.SEALDESK_URL ?? DEFAULT_SERVER;
  const desk = await openTransport({ ...process.env, SEALDESK_URL: server });
  try {
    const info = await expectOk(desk, 'GET', '/api/desk');
    if (!info.fingerprint) throw new CliError('the desk is not set up yet');
    const pinned = flags.fingerprint;
    if (pinned && pinned !== info.fingerprint) {
      throw new CliError(`DESK FINGERPRINT MISMATCH: pinned ${pinned}, server says ${info.fingerprint}. Do not continue; ask an admin.`);
    }
    // The log must verify from its genesis to the fingerprint we enrol with.
    await fetchVerifiedKeyLog(desk, pinned ?? info.fingerprint);
    const invite = await lookUpInvite(desk, inviteToken);

    const password = await readPassword('SEALDESK_PASSWORD', `New password for ${invite.username}: `);
    if (password.length < MIN_PASSWORD_CHARS) throw new CliError(`the password must be at least ${MIN_PASSWORD_CHARS} characters`);
    if (!process.env.SEALDESK_PASSWORD && (await readPassword('SEALDESK_PASSWORD', 'Again: ')) !== password) {
      throw new CliError('the passwords do not match');
    }

    // A new member chooses the id (the blob's AD binds it); a re-enrolment keeps the account's.
    const staffId = invite.staffId ?? p.newId();
    const enrolment = p.enrolStaffKeys(staffId, password, p.generateStaffKeys());
    const { boxPk, signPk } = enrolment;
    const res = await desk.call('POST', '/api/staff/activate', {
      inviteToken,
      staffId,
      ...enrolment,
    });
    if (res.status === 401) throw new CliError('this activation token is not valid any more (used or expired). Ask an admin for a new one.');
    if (res.status !== 201) throw new CliError(`activation failed (${res.status}${res.body?.error?.code ? ` ${res.body.error.code}` : ''}): ${res.body?.error?.message ?? 'no details'}`);
    process.stdout.write(
      `Activated ${invite.username} (${invite.role}) on the desk with fingerprint ${pinned ?? info.fingerprint}.\n` +
        `Now ask an admin to admit you (npm run cli -- admit ${invite.username}); until then you cannot read the queue.\n` +
        `Key fingerprint: ${p.staffKeyFingerprint(boxPk, signPk)}\n` +
        `The admin sees a key fingerprint when admitting you: read this one to them in person or on a call. It must be the same.\n`,
    );
    return 0;
  } finally {
    await desk.close();
  }
}
