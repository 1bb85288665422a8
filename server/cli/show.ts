// `npm run cli -- show TICKET_ID`: the decrypted thread of one ticket, each message marked ✓ when
// its signature verifies against its author's key (the requester's key for the ticket, a staff
// key from the verified key log) and ✗ otherwise. Also home of the connection helper the other
// technician commands (queue, reply) share.
import * as p from '../../protocol/index';
import { CliError, expectOk, loginStaff, openTransport, parseArgs, readPassword, type DeskTransport, type StaffSession } from './staff-session';

export const DEFAULT_SERVER = 'http://127.0.0.1:8080';

export interface Connection {
  desk: DeskTransport;
  session: StaffSession;
  flags: Record<string, string>;
  positional: string[];
  out: (line: string) => void;
}

/**
 * Parses flags, talks to the server over HTTP (--server, SEALDESK_URL, or the default), checks
 * the desk fingerprint, logs in and verifies the key log. `booleans` are flags without a value.
 */
export async function connect(args: string[], booleans: string[] = []): Promise<Connection> {
  const present = new Set(args.filter((a) => booleans.includes(a.replace(/^--/, '')) && a.startsWith('--')).map((a) => a.slice(2)));
  const { flags, positional } = parseArgs(args.filter((a) => !(a.startsWith('--') && present.has(a.slice(2)))));
  for (const b of present) flags[b] = 'true';
  const username = flags.username ?? process.env.SEALDESK_USERNAME;
  if (!username) throw new CliError('--username is required');
  // SECURITY: never the in-process fallback here — this client exists to talk to a server
  // without running anything it serves, over the network like any other client.
  const server = flags.server ?? process.env.SEALDESK_URL ?? DEFAULT_SERVER;
  const desk = await openTransport({ ...process.env, SEALDESK_URL: server });
  try {
    const info = await expectOk(desk, 'GET', '/api/desk');
    const pinned = flags.fingerprint;
    // SECURITY: a pinned fingerprint that differs from what the server now claims is the loud
    // failure SPEC §2.6 asks for: the server may be presenting another desk's key log.
    if (pinned && pinned !== info.fingerprint) {
      throw new CliError(`DESK FINGERPRINT MISMATCH: pinned ${pinned}, server says ${info.fingerprint}. Do not continue; ask an admin.`);
    }
    if (!info.fingerprint) throw new CliError('the desk is not set up yet');
    const password = await readPassword('SEALDESK_PASSWORD', `Password for ${username}: `);
    const session = await loginStaff(desk, username, password, pinned ?? info.fingerprint);
    return { desk, session, flags, positional, out: (line) => process.stdout.write(`${line}\n`) };
  } catch (err) {
    await desk.close();
    throw err;
  }
}

export interface WireMessage {
  messageId: string;
  seq: number;
  kind: 'message' | 'note';
  author: { type: 'requester' } | { type: 'staff'; staffId: string };
  envelope: unknown;
  createdAt: number;
}
interface WireWrap {
  teamKeyVersion: number;
  sealed: string;
}
export interface Thread {
  ticket: { ticketId: string; status: string; requesterSignPk: string; teamWrap?: WireWrap | null; noteWrap?: WireWrap | null };
  messages: WireMessage[];
}

/** Opens K (and N when the ticket has notes) with the team key version each wrap names. */
export function openTicketKeys(session: StaffSession, ticket: Thread['ticket']): { ticketKey: p.TicketKey; noteKey: p.NoteKey | null } {
  const teamFor = (w: WireWrap) => {
    const team = session.teamKeys.get(w.teamKeyVersion);
    if (!team) throw new CliError(`you hold no grant for team key v${w.teamKeyVersion}`);
    return team;
  };
  if (!ticket.teamWrap) throw new CliError('the server sent no team wrap for this ticket');
  const ticketKey = p.openTeamWrap(ticket.teamWrap, teamFor(ticket.teamWrap), 'ticket');
  const noteKey = ticket.noteWrap ? p.openTeamWrap(ticket.noteWrap, teamFor(ticket.noteWrap), 'note') : null;
  return { ticketKey, noteKey };
}

export interface OpenedMessage {
  seq: number;
  kind: 'message' | 'note';
  author: string;
  verified: boolean;
  /** The plaintext payload, or why it could not be shown. */
  payload: p.MessagePayload | p.NotePayload | null;
  problem: string | null;
  createdAt: number;
}

/** Verifies and opens one message; a failure is reported on the message, never thrown away. */
export function openOne(session: StaffSession, thread: Thread, keys: ReturnType<typeof openTicketKeys>, m: WireMessage): OpenedMessage {
  const base = { seq: m.seq, kind: m.kind, createdAt: m.createdAt };
  let author = 'requester';
  let signPk: string | undefined = thread.ticket.requesterSignPk;
  if (m.author.type === 'staff') {
    const rec = session.log.staff.get(m.author.staffId);
    author = rec ? `staff ${rec.username}` : `staff ${m.author.staffId} (not in the key log)`;
    signPk = rec?.signPk;
  }
  if (!signPk) return { ...base, author, verified: false, payload: null, problem: 'author key unknown' };
  try {
    const place = { ticketId: thread.ticket.ticketId, messageId: m.messageId, envelope: m.envelope, authorSignPk: p.asSignPublicKey(signPk) };
    if (m.kind === 'note') {
      if (!keys.noteKey) return { ...base, author, verified: false, payload: null, problem: 'note key missing' };
      return { ...base, author, verified: true, payload: p.openMessage({ ...place, kind: 'note', key: keys.noteKey }), problem: null };
    }
    return { ...base, author, verified: true, payload: p.openMessage({ ...place, kind: 'message', key: keys.ticketKey }), problem: null };
  } catch (err) {
    const problem = err instanceof p.SignatureError ? 'SIGNATURE DOES NOT VERIFY' : err instanceof Error ? err.message : 'unreadable';
    return { ...base, author, verified: false, payload: null, problem };
  }
}

export async function fetchThread(c: Connection, ticketId: string): Promise<Thread> {
  if (!p.ID_PATTERN.test(ticketId)) throw new CliError('that is not a ticket id');
  return (await expectOk(c.desk, 'GET', `/api/staff/tickets/${ticketId}/messages`, undefined, c.session.token)) as Thread;
}

const when = (t: number) => new Date(t * 1000).toISOString().replace('T', ' ').slice(0, 16);

export async function showCommand(args: string[]): Promise<number> {
  const c = await connect(args);
  try {
    const [ticketId] = c.positional;
    if (!ticketId) throw new CliError('usage: show TICKET_ID');
    const thread = await fetchThread(c, ticketId);
    const triage = await expectOk(c.desk, 'GET', `/api/staff/tickets/${ticketId}`, undefined, c.session.token);
    const keys = openTicketKeys(c.session, thread.ticket);
    const opened = [...thread.messages].sort((a, b) => a.seq - b.seq).map((m) => openOne(c.session, thread, keys, m));
    const first = opened.find((m) => m.seq === 1)?.payload;
    const assignee = triage.assigneeId ? (c.session.log.staff.get(triage.assigneeId)?.username ?? triage.assigneeId) : '-';
    c.out(`Ticket ${ticketId}  [${triage.status}, ${triage.priority}, assignee ${assignee}]`);
    if (first && p.isFirstMessage(first as p.MessagePayload)) {
      const f = first as p.FirstMessagePayload;
      c.out(`Subject:  ${f.subject}`);
      c.out(`Category: ${f.category}${f.contact ? `   Contact: ${f.contact}` : ''}   Language: ${f.lang}`);
    }
    for (const m of opened) {
      c.out('');
      c.out(`${m.verified ? '✓' : '✗'} #${m.seq} ${m.kind === 'note' ? 'NOTE ' : ''}${m.author}  ${when(m.createdAt)}${m.problem ? `  — ${m.problem}` : ''}`);
      if (m.payload) c.out(m.payload.body);
    }
    const bad = opened.filter((m) => !m.verified).length;
    if (bad > 0) process.stderr.write(`WARNING: ${bad} message(s) failed verification (marked ✗).\n`);
    return 0;
  } finally {
    await c.desk.close();
  }
}
