// `setup [--username admin] [--server URL]` with SEALDESK_SETUP_TOKEN: the first admin, over HTTP.
// This process is the client: the core derives the admin's secrets, generates their keys and team
// key v1, signs genesis and the team-key entry; only what the browser's setup page would send is
// sent. The operator's headless setup (cli/operator/setup.ts) runs the same flow over app.inject.
import * as core from '../../client-core';
import { formatFingerprint, type KdfParams, type KeyLogEntry } from '../../protocol';
import { expectOk, httpDesk, serverUrl, type DeskApi } from './api';
import { CliError, parseFlags, type CommandIo } from './io';
import { newStaffSecret, passphraseNotice, SECRET_OPTIONS, SECRET_USAGE, type SecretFlags } from './secret';

const USAGE = `setup [--username NAME] [--server URL] ${SECRET_USAGE}   (SEALDESK_SETUP_TOKEN in the environment; SEALDESK_ADMIN_PASSWORD: a password of your own)`;

/** The setup flow against any desk transport; returns the desk fingerprint to pin. */
export async function setUpDesk(desk: DeskApi, token: string, username: string, secret: core.StaffSecret, kdf?: KdfParams): Promise<string> {
  await core.ready();
  const info = await expectOk(desk, 'GET', '/api/desk');
  if (info.setupComplete) throw new CliError('this desk is already set up');
  const vault = core.createVault(info.deskId);
  const { request, fingerprint } = core.prepareSetup(vault, { username, ...secret }, kdf);
  await expectOk(desk, 'POST', '/api/setup', { token, ...request });
  // Read the log back and pin it to what we signed: the desk now serves our genesis.
  const { entries } = (await expectOk(desk, 'GET', '/api/keylog')) as { entries: KeyLogEntry[] };
  core.trustKeyLog(vault, entries, fingerprint);
  return fingerprint;
}

/** The new admin's secret: a generated passphrase, or SEALDESK_ADMIN_PASSWORD / --choose-password (checked before anything is derived). */
export async function newAdminSecret(io: CommandIo, flags: SecretFlags, username: string): Promise<core.StaffSecret> {
  return newStaffSecret(io, flags, 'SEALDESK_ADMIN_PASSWORD', `Password for ${username}: `);
}

export function setupReport(username: string, fingerprint: string, secret: core.StaffSecret): string {
  // The first line is the pin (--fingerprint, SEALDESK_FINGERPRINT, scripts read it); the second is
  // the same fingerprint in the one form people compare aloud, as every screen shows it. A
  // generated passphrase comes after, so the pin stays the first line.
  return `Desk set up. First admin: ${username}\nDesk fingerprint: ${fingerprint}\nRead aloud: ${formatFingerprint(fingerprint)}\n${secret.generated ? `\n${passphraseNotice(secret)}` : ''}`;
}

export async function setupCommand(args: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseFlags(args, { username: { type: 'string' }, server: { type: 'string' }, ...SECRET_OPTIONS }, USAGE);
  if (positionals.length > 0) throw new CliError(`usage: ${USAGE}`);
  const token = io.env.SEALDESK_SETUP_TOKEN;
  if (!token) throw new CliError('set SEALDESK_SETUP_TOKEN (printed by the server at first start)');
  const username = values.username ?? 'admin';
  const secret = await newAdminSecret(io, values, username);
  const fingerprint = await setUpDesk(httpDesk(serverUrl(values.server, io.env)), token, username, secret);
  io.stdout.write(setupReport(username, fingerprint, secret));
  return 0;
}
