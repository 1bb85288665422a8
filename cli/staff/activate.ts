// `activate TOKEN [--server URL] [--fingerprint FP] [--choose-password | --print-passphrase]`: an
// invited member activates their account (or re-enrols after a reset) without running any
// JavaScript the desk serves. The secret is a generated passphrase, printed once (cli/staff/secret.ts),
// or a password the member chooses (SEALDESK_PASSWORD, --choose-password). The core derives the secrets from it,
// makes the keys and seals them under kek, exactly like the browser's activation page; only public
// keys, the auth secret (stored hashed) and the sealed blob are sent. It prints the key
// fingerprint the admin sees in `admit`.
import * as core from '../../client-core';
import { formatFingerprint } from '../../protocol';
import { httpDesk, serverUrl, type DeskApi } from './api';
import { CliError, parseFlags, type CommandIo } from './io';
import { newStaffSecret, passphraseNotice, SECRET_OPTIONS, SECRET_USAGE } from './secret';
import { DESK_OPTIONS, openVerifiedDesk } from './session';

const USAGE = `activate TOKEN [--server URL] [--fingerprint FP] ${SECRET_USAGE}   (SEALDESK_PASSWORD: a password of your own instead)`;

/** The bare token, from the token itself or from the whole activation link an admin sent. */
export function inviteTokenFrom(arg: string): string {
  const m = /#\/activate\/([^/?#\s]+)\/?$/.exec(arg);
  return m ? (m[1] as string) : arg;
}

/** Every activation refusal that is about the token: say what to do, not the status code. */
async function lookUpInvite(desk: DeskApi, inviteToken: string) {
  const res = await desk.call('POST', '/api/staff/invite', { inviteToken });
  if (res.status === 401 || res.status === 400) {
    throw new CliError('this activation token is not valid: it was used, it expired (72 hours) or it was copied incompletely. Ask an admin for a new one.');
  }
  if (res.status !== 200) throw new CliError(`invite lookup failed (${res.status}): ${res.body?.error?.message ?? 'no details'}`);
  return res.body as { username: string; role: 'admin' | 'technician'; staffId: string | null; expiresAt: number };
}

export async function activateCommand(args: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseFlags(args, { ...DESK_OPTIONS, ...SECRET_OPTIONS }, USAGE);
  const [arg] = positionals;
  if (!arg || positionals.length !== 1) throw new CliError(`usage: ${USAGE}`);
  const inviteToken = inviteTokenFrom(arg);
  const desk = httpDesk(serverUrl(values.server, io.env));
  // The log must verify from its genesis to the fingerprint we enrol with.
  const { fingerprint } = await openVerifiedDesk(desk, values.fingerprint || io.env.SEALDESK_FINGERPRINT || undefined);
  const invite = await lookUpInvite(desk, inviteToken);
  const secret = await newStaffSecret(io, values, 'SEALDESK_PASSWORD', `New password for ${invite.username}: `);
  const prepared = core.prepareActivation({ staffId: invite.staffId, ...secret });
  const res = await desk.call('POST', '/api/staff/activate', { inviteToken, staffId: prepared.staffId, ...prepared.enrolment });
  if (res.status === 401) throw new CliError('this activation token is not valid any more (used or expired). Ask an admin for a new one.');
  if (res.status !== 201)
    throw new CliError(`activation failed (${res.status}${res.body?.error?.code ? ` ${res.body.error.code}` : ''}): ${res.body?.error?.message ?? 'no details'}`);
  io.stdout.write(
    passphraseNotice(secret) +
      `Activated ${invite.username} (${invite.role}) on the desk with fingerprint ${formatFingerprint(fingerprint)}.\n` +
      `Now ask an admin to admit you (npm run cli -- admit ${invite.username}); until then you cannot read the queue.\n` +
      `Key fingerprint: ${prepared.keyFingerprint}\n` +
      `The admin sees a key fingerprint when admitting you: read this one to them in person or on a call. It must be the same.\n`,
  );
  return 0;
}
