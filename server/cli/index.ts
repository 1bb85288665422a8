import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError } from '../config';
import { admitCommand } from './admit';
import { auditVerifyCommand } from './audit-verify';
import { backupCommand } from './backup';
import { inviteCommand } from './invite';
import { retentionCommand } from './retention';
import { setupCommand } from './setup';

type Command = { run: (args: string[]) => Promise<number>; help: string };

/** Subcommands. Adding one is one line here plus its own file in server/cli/. */
const COMMANDS: Record<string, Command> = {
  backup: { run: backupCommand, help: 'backup FILE   online copy of the live database' },
  retention: { run: retentionCommand, help: 'retention [--dry-run] [--days N]   delete closed tickets past the retention period now, print the counts' },
  setup: { run: setupCommand, help: 'setup [--username admin]   create the first admin (password from SEALDESK_ADMIN_PASSWORD or a prompt)' },
  invite: { run: inviteCommand, help: 'invite USERNAME [--role technician|admin] [--as ADMIN]   one-time activation token' },
  activate: {
    run: (args) => import('./activate').then((m) => m.activateCommand(args)),
    help: 'activate TOKEN [--server URL] [--fingerprint FP]   an invited member sets their password and keys (password from SEALDESK_PASSWORD or a prompt)',
  },
  admit: { run: admitCommand, help: 'admit USERNAME [--expect KEY_FINGERPRINT] [--as ADMIN]   check the member’s key fingerprint, then staff-add the member’s keys and grant the team key' },
  'audit-verify': { run: auditVerifyCommand, help: 'audit-verify   check the audit hash chain (exit 1 on a break)' },
  queue: { run: (args) => import('./queue').then((m) => m.queueCommand(args)), help: 'queue --username NAME [--status S] [--priority P] [--assignee mine|unassigned|NAME] [--label NAME] [--limit N] [--server URL] [--fingerprint FP]   the decrypted queue' },
  show: { run: (args) => import('./show').then((m) => m.showCommand(args)), help: 'show TICKET_ID --username NAME [--server URL] [--fingerprint FP]   decrypted thread, ✓/✗ per signature' },
  reply: { run: (args) => import('./reply').then((m) => m.replyCommand(args)), help: 'reply TICKET_ID [--note] "text" --username NAME (or text on stdin)   sign, seal and post' },
  rotate: { run: (args) => import('./rotate').then((m) => m.rotateCommand(args)), help: 'rotate [--resume] [--as ADMIN] [--batch N] [--max-batches N]   rotate the team key and re-wrap every ticket' },
};

export async function runCli(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  const command = name === undefined ? undefined : COMMANDS[name];
  if (!command) {
    const list = Object.values(COMMANDS)
      .map((c) => `  ${c.help}`)
      .join('\n');
    process.stderr.write(`usage: npm run cli -- <command> [args]\n\ncommands:\n${list}\n`);
    return name === undefined || name === 'help' || name === '--help' ? 0 : 2;
  }
  try {
    return await command.run(args);
  } catch (err) {
    const message = err instanceof ConfigError || err instanceof Error ? err.message : String(err);
    process.stderr.write(`sealdesk ${name}: ${message}\n`);
    return 1;
  }
}

// Run only when executed directly (tests import runCli).
if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  // SECURITY: like the server (server.ts), files this process creates (a database opened for the
  // first time, its WAL, backups) are owner only.
  process.umask(0o077);
  runCli(process.argv.slice(2)).then((code) => process.exit(code));
}
