// Triage from the command line, on the same routes as the console:
//   assign TICKET_ID USERNAME|none --username NAME    who works on it (a member the verified key log names)
//   status TICKET_ID STATUS --username NAME     (the server refuses a status that does not exist)
import * as core from '../../client-core';
import type { StaffTicket, TicketStatus, TriageBody } from '../../contract';
import { expectOk } from './api';
import { CliError, parseFlags, type CommandIo } from './io';
import { connect, DESK_OPTIONS, type StaffSession } from './session';

const OPTIONS = { ...DESK_OPTIONS, username: { type: 'string' } } as const;

export async function triage(s: StaffSession, ticketId: string, body: TriageBody): Promise<StaffTicket> {
  return (await expectOk(s.desk, 'PATCH', `/api/staff/tickets/${encodeURIComponent(ticketId)}`, body, s.token)) as StaffTicket;
}

export async function assignCommand(args: string[], io: CommandIo): Promise<number> {
  const usage = 'assign TICKET_ID USERNAME|none --username NAME [--server URL] [--fingerprint FP]';
  const { values, positionals } = parseFlags(args, OPTIONS, usage);
  const [ticketId, assignee] = positionals;
  const username = values.username ?? io.env.SEALDESK_USERNAME;
  if (!ticketId || !assignee || positionals.length !== 2 || !username) throw new CliError(`usage: ${usage}`);
  const s = await connect(io, values, username, 'SEALDESK_PASSWORD');
  // SECURITY: the assignee is looked up in the VERIFIED key log, never in a server list.
  const member = assignee === 'none' ? null : core.staffDirectory(s.vault).find((d) => d.username === assignee && d.active);
  if (member === undefined) throw new CliError(`the key log lists no active member named ${assignee}`);
  const done = await triage(s, ticketId, { assigneeId: member?.staffId ?? null });
  io.stdout.write(`${done.ticketId}: ${member ? `assigned to ${member.username}` : 'unassigned'}\n`);
  return 0;
}

export async function statusCommand(args: string[], io: CommandIo): Promise<number> {
  const usage = 'status TICKET_ID new|open|waiting_requester|resolved|closed --username NAME [--server URL] [--fingerprint FP]';
  const { values, positionals } = parseFlags(args, OPTIONS, usage);
  const [ticketId, status] = positionals;
  const username = values.username ?? io.env.SEALDESK_USERNAME;
  if (!ticketId || !status || positionals.length !== 2 || !username) throw new CliError(`usage: ${usage}`);
  const s = await connect(io, values, username, 'SEALDESK_PASSWORD');
  const done = await triage(s, ticketId, { status: status as TicketStatus });
  io.stdout.write(`${done.ticketId}: ${done.status}\n`);
  return 0;
}
