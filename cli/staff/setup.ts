// `setup [--username admin] [--server URL]` with SEALDESK_SETUP_TOKEN: the first admin, over HTTP.
// This process is the client: the core derives the admin's secrets, generates their keys and team
// key v1, signs genesis and the team-key entry; only what the browser's setup page would send is
// sent. The operator's headless setup (cli/operator/setup.ts) runs the same flow over app.inject.
import * as core from '../../client-core';
import { formatFingerprint, type KdfParams, type KeyLogEntry } from '../../protocol';
import { expectOk, httpDesk, serverUrl, type DeskApi } from './api';
import { CliError, parseFlags, readNewPassword, type CommandIo } from './io';

const USAGE = 'setup [--username NAME] [--server URL]   (SEALDESK_SETUP_TOKEN and SEALDESK_ADMIN_PASSWORD in the environment)';

/** The setup flow against any desk transport; returns the desk fingerprint to pin. */
export async function setUpDesk(desk: DeskApi, token: string, username: string, password: string, kdf?: KdfParams): Promise<string> {
  await core.ready();
  const info = await expectOk(desk, 'GET', '/api/desk');
  if (info.setupComplete) throw new CliError('this desk is already set up');
  const vault = core.createVault(info.deskId);
  const { request, fingerprint } = core.prepareSetup(vault, { username, password }, kdf);
  await expectOk(desk, 'POST', '/api/setup', { token, ...request });
  // Read the log back and pin it to what we signed: the desk now serves our genesis.
  const { entries } = (await expectOk(desk, 'GET', '/api/keylog')) as { entries: KeyLogEntry[] };
  core.trustKeyLog(vault, entries, fingerprint);
  return fingerprint;
}

/** Asks for the new admin's password (checked by the core's rule before anything is derived). */
export async function newAdminPassword(io: CommandIo, username: string): Promise<string> {
  const password = await readNewPassword(io, 'SEALDESK_ADMIN_PASSWORD', `Password for ${username}: `);
  core.checkStaffPassword(password);
  return password;
}

export function setupReport(username: string, fingerprint: string): string {
  // The first line is the pin (--fingerprint, SEALDESK_FINGERPRINT, scripts read it); the second is
  // the same fingerprint in the one form people compare aloud, as every screen shows it.
  return `Desk set up. First admin: ${username}\nDesk fingerprint: ${fingerprint}\nRead aloud: ${formatFingerprint(fingerprint)}\n`;
}

export async function setupCommand(args: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseFlags(args, { username: { type: 'string' }, server: { type: 'string' } }, USAGE);
  if (positionals.length > 0) throw new CliError(`usage: ${USAGE}`);
  const token = io.env.SEALDESK_SETUP_TOKEN;
  if (!token) throw new CliError('set SEALDESK_SETUP_TOKEN (printed by the server at first start)');
  const username = values.username ?? 'admin';
  const password = await newAdminPassword(io, username);
  const fingerprint = await setUpDesk(httpDesk(serverUrl(values.server, io.env)), token, username, password);
  io.stdout.write(setupReport(username, fingerprint));
  return 0;
}
