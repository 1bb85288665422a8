// The staff commands: a client on the client core and the wire contract over HTTP. SECURITY: no
// module under cli/staff imports server/ or db/, so these commands run no server code and no
// JavaScript the desk serves (checked by the boundary rules).
import { activateCommand } from './activate';
import { admitCommand } from './admit';
import { auditCommand } from './audit';
import { attachCommand, attachmentsCommand, downloadCommand } from './attach';
import { inviteCommand } from './invite';
import type { Command } from './io';
import { labelCommand, labelsCommand } from './labels';
import { queueCommand } from './queue';
import { replyCommand } from './reply';
import { rotateCommand } from './rotate';
import { setupCommand } from './setup';
import { showCommand } from './show';
import { disableCommand, resetCommand, roleCommand, staffCommand } from './team';
import { assignCommand, statusCommand } from './triage';
import { twoFactorCommand } from './two-factor';

export const STAFF_COMMANDS: Record<string, { run: Command; help: string }> = {
  activate: {
    run: activateCommand,
    help: 'activate TOKEN [--server URL] [--fingerprint FP]   an invited member sets their password and keys (password from SEALDESK_PASSWORD or a prompt)',
  },
  invite: {
    run: inviteCommand,
    help: 'invite USERNAME [--role technician|admin] [--hours N] [--as ADMIN]   one-time activation link; invite cancel USERNAME   the pending link stops working',
  },
  admit: {
    run: admitCommand,
    help: 'admit USERNAME --expect "KEY FINGERPRINT" [--as ADMIN]   compare the fingerprint the member reads out (digit groups, as shown), then staff-add their keys and grant the team key',
  },
  staff: { run: staffCommand, help: 'staff list [--as ADMIN]   every account: role, state, key log, last sign-in day, key fingerprint; pending invites' },
  disable: { run: disableCommand, help: 'disable USERNAME [--as ADMIN]   sign the member out, delete their grants, append staff-remove; then rotate' },
  role: { run: roleCommand, help: 'role USERNAME technician|admin [--as ADMIN]   change the role (role-set in the key log)' },
  reset: { run: resetCommand, help: 'reset USERNAME [--as ADMIN]   a member who lost their password: clear their keys, print a re-enrolment link' },
  audit: { run: auditCommand, help: 'audit [--who USERNAME] [--what ACTION] [--since YYYY-MM-DD] [--limit N] [--as ADMIN]   the audit log and its chain check' },
  assign: { run: assignCommand, help: 'assign TICKET_ID USERNAME|none --username NAME   assign or unassign a ticket' },
  status: { run: statusCommand, help: 'status TICKET_ID STATUS --username NAME   set a ticket’s status' },
  labels: { run: labelsCommand, help: 'labels --username NAME   the label dictionary, decrypted' },
  label: { run: labelCommand, help: 'label add|remove TICKET_ID NAME --username NAME   tag or untag a ticket' },
  queue: { run: queueCommand, help: 'queue --username NAME [--status S] [--priority P] [--assignee mine|unassigned|NAME] [--label NAME] [--limit N]   the decrypted queue' },
  show: { run: showCommand, help: 'show TICKET_ID --username NAME   the decrypted thread, a signature status per message' },
  reply: { run: replyCommand, help: 'reply TICKET_ID [--note] "text" --username NAME (or text on stdin)   sign, seal and post' },
  attach: { run: attachCommand, help: 'attach TICKET_ID FILE [--message "text"] --username NAME   seal and upload a file (streamed, resumable), then optionally a reply' },
  attachments: { run: attachmentsCommand, help: "attachments TICKET_ID --username NAME   the ticket's files, a signature status per file" },
  download: {
    run: downloadCommand,
    help: 'download TICKET_ID [ATTACHMENT_ID] [--out DIR] --username NAME   decrypt to disk (streamed, checked; never opened)',
  },
  rotate: {
    run: rotateCommand,
    help: 'rotate [--resume] [--as ADMIN] [--batch N] [--max-batches N]   rotate the team key and re-wrap every ticket, note and the label key; re-run to continue an unfinished one',
  },
  'two-factor': {
    run: twoFactorCommand,
    help: 'two-factor status|enrol|confirm CODE|disable [CODE] --username NAME   your own TOTP factor (enrol prints a QR code; confirm prints the recovery codes once); two-factor reset USERNAME | policy on|off [--as ADMIN]   an admin removes a member’s factor, requires two-factor for all',
  },
  setup: { run: setupCommand, help: 'setup [--username admin]   the first admin: over HTTP with SEALDESK_SETUP_TOKEN, else headless on SEALDESK_DATA_DIR' },
};
