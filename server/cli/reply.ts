// `npm run cli -- reply TICKET_ID [--note] "text"` (or the text on stdin): seals the reply under
// the ticket key K (or an internal note under N, creating N on the ticket's first note), signs it
// with this technician's key and posts it. The server stores only ciphertext and refuses a bad
// signature.
import * as p from '../../protocol/index';
import { connect, fetchThread, openTicketKeys } from './show';
import { CliError, expectOk } from './staff-session';

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) throw new CliError('give the text as an argument or on stdin');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

export async function replyCommand(args: string[]): Promise<number> {
  const c = await connect(args, ['note']);
  try {
    const [ticketId, ...words] = c.positional;
    if (!ticketId) throw new CliError('usage: reply TICKET_ID [--note] "text"');
    const text = (words.length > 0 ? words.join(' ') : await readStdin()).trim();
    if (text.length === 0) throw new CliError('the reply is empty');
    const asNote = c.flags.note === 'true';
    const thread = await fetchThread(c, ticketId);
    const keys = openTicketKeys(c.session, thread.ticket);
    const messageId = p.newId();
    const signSk = c.session.keys.sign.secretKey;
    let body: Record<string, unknown>;
    if (asNote) {
      let noteKey = keys.noteKey;
      let noteWrap: p.TeamWrap | undefined;
      if (!noteKey) {
        // First note on this ticket: a fresh N, sealed only to the current team key (SPEC §5).
        noteKey = p.newNoteKey();
        noteWrap = p.wrapKeyForTeam(noteKey, p.teamPublicKeyOf(c.session.log));
      }
      const envelope = p.sealMessage({ kind: 'note', ticketId, messageId, key: noteKey, payload: { v: 1, body: text }, authorSignSk: signSk });
      body = { messageId, kind: 'note', envelope, ...(noteWrap ? { noteWrap } : {}) };
    } else {
      const envelope = p.sealMessage({ kind: 'message', ticketId, messageId, key: keys.ticketKey, payload: { v: 1, body: text }, authorSignSk: signSk });
      body = { messageId, kind: 'message', envelope };
    }
    await expectOk(c.desk, 'POST', `/api/staff/tickets/${ticketId}/messages`, body, c.session.token);
    c.out(`${asNote ? 'note' : 'reply'} ${messageId} sent`);
    return 0;
  } finally {
    await c.desk.close();
  }
}
