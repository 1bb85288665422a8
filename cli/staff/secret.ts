// A new member's secret at the command line (activate, setup, the operator's headless setup).
// The default is what the browser defaults to: a generated 8-word passphrase, enrolled with the
// light Argon2id parameters, printed once to the terminal (DECISIONS "Staff passphrases (issue
// 12)"). A password from the environment, or typed after --choose-password, is a chosen password
// and keeps OWASP's parameters.
import * as core from '../../client-core';
import { CliError, readNewPassword, type CommandIo } from './io';

/** Flags every enrolling command takes. */
export const SECRET_OPTIONS = {
  'choose-password': { type: 'boolean' },
  'print-passphrase': { type: 'boolean' },
} as const;
export const SECRET_USAGE = '[--choose-password | --print-passphrase]';

export interface SecretFlags {
  'choose-password'?: boolean;
  'print-passphrase'?: boolean;
}

/**
 * `envName` set → that chosen password; --choose-password → typed twice (hidden); otherwise a
 * generated passphrase. SECURITY: the passphrase goes only to stdout, and only to a terminal
 * unless --print-passphrase says the redirection is meant: never into a log by accident.
 */
export async function newStaffSecret(io: CommandIo, flags: SecretFlags, envName: string, prompt: string): Promise<core.StaffSecret> {
  if (io.env[envName] || flags['choose-password']) {
    const password = await readNewPassword(io, envName, prompt);
    core.checkStaffPassword(password);
    return { password };
  }
  if (!io.stdout.isTTY && !flags['print-passphrase']) {
    throw new CliError(
      `this command would print your new passphrase, and its output is not a terminal: pass --print-passphrase to print it anyway, or set ${envName} (or --choose-password) to choose your own password`,
    );
  }
  return { password: core.newStaffPassphrase(), generated: true };
}

/** What to print once the account exists: the 8 words, 4 to a line, and what they are for. */
export function passphraseNotice(secret: core.StaffSecret): string {
  if (!secret.generated) return '';
  const words = secret.password.split(' ');
  return (
    `Your passphrase (shown only this once: write it down on paper now, and keep it safe):\n\n` +
    `    ${words.slice(0, 4).join(' ')}\n    ${words.slice(4).join(' ')}\n\n` +
    `Sign in with these 8 words (case and spacing do not matter). Nobody can recover it: if it is lost, an admin must reset your account.\n\n`
  );
}
