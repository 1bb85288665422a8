// Private labels from the command line (SPEC §5): names are sealed and tagged by the core with the
// desk label key; the server sees blind tags and ciphertext only.
//   labels --username NAME                            the dictionary, decrypted
//   label add|remove TICKET_ID NAME --username NAME   tag or untag a ticket (a new name joins the dictionary)
import * as core from '../../client-core';
import type { Labels, StaffTicket } from '../../contract';
import { ApiCallError, expectOk } from './api';
import { CliError, parseFlags, type CommandIo } from './io';
import { connect, DESK_OPTIONS, type StaffSession } from './session';
import { triage } from './triage';

const OPTIONS = { ...DESK_OPTIONS, username: { type: 'string' } } as const;

async function openDictionary(s: StaffSession): Promise<{ labels: core.LabelName[]; unreadable: number }> {
  return core.openLabels(s.vault, ((await expectOk(s.desk, 'GET', '/api/staff/labels', undefined, s.token)) as Labels).labels);
}

export async function labelsCommand(args: string[], io: CommandIo): Promise<number> {
  const usage = 'labels --username NAME [--server URL] [--fingerprint FP]';
  const { values, positionals } = parseFlags(args, OPTIONS, usage);
  const username = values.username ?? io.env.SEALDESK_USERNAME;
  if (!username || positionals.length > 0) throw new CliError(`usage: ${usage}`);
  const s = await connect(io, values, username, 'SEALDESK_PASSWORD');
  const { labels, unreadable } = await openDictionary(s);
  for (const l of labels) io.stdout.write(`${l.name}\n`);
  if (unreadable > 0) io.stdout.write(`(${unreadable} entr${unreadable === 1 ? 'y' : 'ies'} did not open under the desk label key and are not shown)\n`);
  return 0;
}

export async function labelCommand(args: string[], io: CommandIo): Promise<number> {
  const usage = 'label add|remove TICKET_ID NAME --username NAME [--server URL] [--fingerprint FP]';
  const { values, positionals } = parseFlags(args, OPTIONS, usage);
  const [action, ticketId, ...words] = positionals;
  const username = values.username ?? io.env.SEALDESK_USERNAME;
  const name = words.join(' ');
  if ((action !== 'add' && action !== 'remove') || !ticketId || !name || !username) throw new CliError(`usage: ${usage}`);
  const s = await connect(io, values, username, 'SEALDESK_PASSWORD');
  await openDictionary(s);
  const tag = core.labelTagFor(s.vault, name);
  const ticket = (await expectOk(s.desk, 'GET', `/api/staff/tickets/${encodeURIComponent(ticketId)}`, undefined, s.token)) as StaffTicket;
  if (action === 'add' && core.labelNameOf(s.vault, tag) === undefined) {
    const sealed = core.sealLabel(s.vault, name);
    try {
      await expectOk(s.desk, 'POST', '/api/staff/labels', { tag: sealed.tag, sealedName: sealed.sealedName }, s.token);
    } catch (err) {
      // Another member added the same name meanwhile: the same name always gives the same tag.
      if (!(err instanceof ApiCallError && err.code === 'label_exists')) throw err;
    }
  }
  const labels = action === 'add' ? [...new Set([...ticket.labels, tag])] : ticket.labels.filter((t) => t !== tag);
  const done = await triage(s, ticketId, { labels });
  const names = done.labels.map((t) => core.labelNameOf(s.vault, t) ?? t.slice(0, 8));
  io.stdout.write(`${done.ticketId}: ${names.length > 0 ? names.join(', ') : 'no labels'}\n`);
  return 0;
}
