// `show TICKET_ID --username NAME`: the thread of one ticket as the core opens it for display, one
// status per message from the same set the browser shows (format.ts says how each is printed).
// Red statuses (✗) are counted on stderr and their text is never printed.
import * as core from '../../client-core';
import type { MessageAuthor, StaffThread } from '../../contract';
import { ID_PATTERN } from '../../protocol';
import { expectOk } from './api';
import { isRed, messageLine } from './format';
import { CliError, parseFlags, type CommandIo } from './io';
import { connect, DESK_OPTIONS, type StaffSession } from './session';

const USAGE = 'show TICKET_ID --username NAME [--server URL] [--fingerprint FP]';

/** GET /api/staff/tickets/:id/messages: the staff thread (messages and notes) with its keys. */
export async function fetchStaffThread(s: StaffSession, ticketId: string): Promise<StaffThread> {
  if (!ID_PATTERN.test(ticketId)) throw new CliError('that is not a ticket id');
  return expectOk(s.desk, 'GET', `/api/staff/tickets/${ticketId}/messages`, undefined, s.token);
}

/** The author as the verified log names them. */
export function authorName(s: StaffSession, author: MessageAuthor): string {
  if (author.type === 'requester') return 'requester';
  const rec = core.staffDirectory(s.vault).find((d) => d.staffId === author.staffId);
  return rec ? `staff ${rec.username}` : `staff ${author.staffId}`;
}

export async function showCommand(args: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseFlags(args, { ...DESK_OPTIONS, username: { type: 'string' } }, USAGE);
  const [ticketId] = positionals;
  const username = values.username ?? io.env.SEALDESK_USERNAME;
  if (!ticketId || positionals.length !== 1 || !username) throw new CliError(`usage: ${USAGE}`);
  const s = await connect(io, values, username, 'SEALDESK_PASSWORD');
  const thread = await fetchStaffThread(s, ticketId);
  const triage = await expectOk(s.desk, 'GET', `/api/staff/tickets/${ticketId}`, undefined, s.token);
  const { messages } = core.openStaffThread(s.vault, thread.ticket, thread.messages);
  const assignee = triage.assigneeId ? authorName(s, { type: 'staff', staffId: triage.assigneeId }).replace(/^staff /, '') : '-';
  io.stdout.write(`Ticket ${ticketId}  [${triage.status}, ${triage.priority}, assignee ${assignee}]\n`);
  const first = messages.find((m) => m.subject !== undefined && !m.decryptFailed);
  if (first) {
    io.stdout.write(`Subject:  ${first.subject}\n`);
    io.stdout.write(`Category: ${first.category}${first.contact ? `   Contact: ${first.contact}` : ''}${first.lang ? `   Language: ${first.lang}` : ''}\n`);
  }
  for (const m of messages) {
    io.stdout.write(`\n${messageLine(m, authorName(s, m.author))}\n`);
    if (!m.decryptFailed) io.stdout.write(`${m.body}\n`);
  }
  const red = messages.filter((m) => isRed(m.signature)).length;
  if (red > 0) io.stderr.write(`WARNING: ${red} message(s) failed verification (marked ✗); their text is not shown.\n`);
  return 0;
}
