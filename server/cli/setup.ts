import * as p from '../../protocol/index';
import { createSetupToken } from '../plugins/app/desk';
import { CliError, expectOk, fetchVerifiedKeyLog, openTransport, parseArgs, readPassword } from './staff-session';

const MIN_PASSWORD_CHARS = 12;

/**
 * `setup [--username admin]`: the first admin, headless. This process is the client: it derives
 * the admin's secrets, generates their keys and team key v1, signs genesis and the team-key
 * entry, and sends only what the browser would send. Without SEALDESK_URL it builds the app on
 * the data dir and mints the one-time setup token itself; with it, SEALDESK_SETUP_TOKEN is used.
 */
export async function setupCommand(args: string[]): Promise<number> {
  const { flags, positional } = parseArgs(args);
  if (positional.length > 0) throw new CliError('usage: setup [--username NAME]');
  const username = flags.username ?? 'admin';
  const password = await readPassword('SEALDESK_ADMIN_PASSWORD', `Password for ${username}: `);
  if (password.length < MIN_PASSWORD_CHARS) throw new CliError(`the password must be at least ${MIN_PASSWORD_CHARS} characters`);
  if (!process.env.SEALDESK_ADMIN_PASSWORD && (await readPassword('SEALDESK_ADMIN_PASSWORD', 'Again: ')) !== password) {
    throw new CliError('the passwords do not match');
  }

  const desk = await openTransport();
  try {
    const token = desk.app ? createSetupToken(desk.app.db).token : process.env.SEALDESK_SETUP_TOKEN;
    if (!token) throw new CliError('set SEALDESK_SETUP_TOKEN (printed by the server at first start)');
    const info = await expectOk(desk, 'GET', '/api/desk');
    if (info.setupComplete) throw new CliError('this desk is already set up');

    const staffId = p.newId();
    const keys = p.generateStaffKeys();
    const enrolment = p.enrolStaffKeys(staffId, password, keys);
    const { boxPk, signPk } = enrolment;
    const now = Math.floor(Date.now() / 1000);
    const genesis = p.signKeyLogEntry(p.buildGenesisEntry({ deskId: info.deskId, staffId, username, boxPk, signPk, at: now }), keys.sign.secretKey);
    const team = p.generateTeamKey();
    const teamKey = p.signKeyLogEntry(
      p.buildKeyLogEntry(p.verifyKeyLog([genesis]), { type: 'team-key', body: { version: 1, boxPk: p.toB64(team.publicKey) }, signer: staffId, at: now }),
      keys.sign.secretKey,
    );
    const fingerprint = p.deskFingerprint(genesis);
    await expectOk(desk, 'POST', '/api/setup', {
      token,
      username,
      ...enrolment,
      genesis,
      teamKey,
      grant: p.sealGrant(team.secretKey, keys.box.publicKey),
    });
    // Read the log back and pin it to what we signed: the desk now serves our genesis.
    await fetchVerifiedKeyLog(desk, fingerprint);
    process.stdout.write(`Desk set up. First admin: ${username}\nDesk fingerprint: ${fingerprint}\n`);
    return 0;
  } finally {
    await desk.close();
  }
}
