// `reply TICKET_ID [--note] "text" --username NAME` (or the text on stdin): the core seals the
// reply under K (or an internal note under N, creating N on the ticket's first note) and signs it
// with this member's key; this command posts it to the staff thread.
import * as core from '../../client-core';
import { expectOk } from './api';
import { CliError, parseFlags, readStdin, type CommandIo } from './io';
import { connect, DESK_OPTIONS } from './session';
import { fetchStaffThread } from './show';

const USAGE = 'reply TICKET_ID [--note] "text" --username NAME [--lang xx] [--server URL] [--fingerprint FP]   (or the text on stdin)';

export async function replyCommand(args: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseFlags(args, { ...DESK_OPTIONS, username: { type: 'string' }, note: { type: 'boolean' }, lang: { type: 'string' } }, USAGE);
  const [ticketId, ...words] = positionals;
  const username = values.username ?? io.env.SEALDESK_USERNAME;
  if (!ticketId || !username) throw new CliError(`usage: ${USAGE}`);
  const text = (words.length > 0 ? words.join(' ') : await readStdin(io)).trim();
  if (text.length === 0) throw new CliError('the reply is empty');
  const s = await connect(io, values, username, 'SEALDESK_PASSWORD');
  const thread = await fetchStaffThread(s, ticketId);
  // Opening the thread gives the vault K and N (and tells the core whether N exists already).
  core.openStaffThread(s.vault, thread.ticket, thread.messages);
  const body = values.note
    ? { kind: 'note' as const, ...core.sealNote(s.vault, ticketId, text) }
    : { kind: 'message' as const, ...core.sealStaffReply(s.vault, ticketId, text, values.lang) };
  await expectOk(s.desk, 'POST', `/api/staff/tickets/${ticketId}/messages`, body, s.token);
  io.stdout.write(`${values.note ? 'note' : 'reply'} ${body.messageId} sent\n`);
  return 0;
}
