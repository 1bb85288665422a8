// `npm run cli -- <command>`: one entry point for the staff client (cli/staff) and the operator
// commands (cli/operator, imported only when one of them runs).
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { STAFF_COMMANDS } from './staff/index';
import { processIo, type CommandIo } from './staff/io';
import { errorLine } from './staff/session';

const OPERATOR_HELP: Record<string, string> = {
  backup: 'backup FILE   online copy of the live database',
  restore: 'restore FILE [--replace]   PostgreSQL: load a backup into the database, every server stopped',
  retention: 'retention [--dry-run] [--days N]   delete closed tickets past the retention period now, print the counts',
  'audit-verify': 'audit-verify   check the audit hash chain (exit 1 on a break)',
};

const SIGN_IN_HELP =
  'sign-in with two-factor: --totp CODE (or SEALDESK_TOTP); a recovery code only from SEALDESK_RECOVERY_CODE or, with --recovery-code, a prompt; without any of them, a prompt on a terminal';

/** `setup` without a setup token is the operator's headless setup on the data dir. */
function isOperatorCommand(name: string, io: CommandIo): boolean {
  return name in OPERATOR_HELP || (name === 'setup' && !io.env.SEALDESK_SETUP_TOKEN);
}

export async function runCli(argv: string[], io: CommandIo = processIo()): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || !(name in STAFF_COMMANDS || name in OPERATOR_HELP)) {
    const list = [...Object.values(STAFF_COMMANDS).map((c) => c.help), ...Object.values(OPERATOR_HELP)].map((h) => `  ${h}`).join('\n');
    io.stderr.write(`usage: npm run cli -- <command> [args]\n\ncommands:\n${list}\n\n${SIGN_IN_HELP}\n`);
    return name === undefined || name === 'help' || name === '--help' ? 0 : 2;
  }
  try {
    if (isOperatorCommand(name, io)) {
      const { OPERATOR_COMMANDS } = await import('./operator/index');
      return await OPERATOR_COMMANDS[name]!(args, io);
    }
    return await STAFF_COMMANDS[name]!.run(args, io);
  } catch (err) {
    io.stderr.write(`sealdesk ${name}: ${errorLine(err)}\n`);
    return 1;
  }
}

// Run only when executed directly (tests import runCli).
if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  // SECURITY: like the server (server.ts), files this process creates (a database opened for the
  // first time, its WAL, backups) are owner only.
  process.umask(0o077);
  void runCli(process.argv.slice(2)).then((code) => process.exit(code));
}
