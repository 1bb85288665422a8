// `queue --username NAME [--status S] [--priority P] [--assignee mine|unassigned|USERNAME] [--label NAME] [--limit N] [--cursor C]`:
// the queue as a table, subject and category opened by the core, label names from the dictionary.
// Nothing decrypted leaves this process; a label filter reaches the server only as its blind tag.
import * as core from '../../client-core';
import type { Labels, QueuePage } from '../../contract';
import { expectOk } from './api';
import { table, SIGNATURE_LABELS, isRed } from './format';
import { CliError, parseFlags, type CommandIo } from './io';
import { connect, DESK_OPTIONS } from './session';

const USAGE = 'queue --username NAME [--status S] [--priority P] [--assignee mine|unassigned|NAME] [--label NAME] [--limit N] [--cursor C] [--server URL] [--fingerprint FP]';

export async function queueCommand(args: string[], io: CommandIo): Promise<number> {
  const options = {
    ...DESK_OPTIONS,
    username: { type: 'string' },
    status: { type: 'string' },
    priority: { type: 'string' },
    assignee: { type: 'string' },
    label: { type: 'string' },
    limit: { type: 'string' },
    cursor: { type: 'string' },
  } as const;
  const { values, positionals } = parseFlags(args, options, USAGE);
  const username = values.username ?? io.env.SEALDESK_USERNAME;
  if (!username || positionals.length > 0) throw new CliError(`usage: ${USAGE}`);
  const s = await connect(io, values, username, 'SEALDESK_PASSWORD');
  const directory = core.staffDirectory(s.vault);
  const nameOf = (staffId: string) => directory.find((d) => d.staffId === staffId)?.username ?? staffId;

  const q = new URLSearchParams();
  for (const name of ['status', 'priority', 'limit', 'cursor'] as const) if (values[name]) q.set(name, values[name]);
  if (values.assignee) {
    const byName = directory.find((d) => d.username === values.assignee);
    q.set('assignee', values.assignee === 'mine' || values.assignee === 'unassigned' ? values.assignee : (byName?.staffId ?? values.assignee));
  }
  if (values.label) q.set('label', core.labelTagFor(s.vault, values.label));
  const page = (await expectOk(s.desk, 'GET', `/api/staff/tickets${q.size ? `?${q}` : ''}`, undefined, s.token)) as QueuePage;
  // Label names need the current team key; without it, tags are shown cut short.
  const canName = s.vault.keyLog?.currentTeamKey ? core.holdsTeamKey(s.vault, s.vault.keyLog.currentTeamKey.version) : false;
  if (canName) core.openLabels(s.vault, ((await expectOk(s.desk, 'GET', '/api/staff/labels', undefined, s.token)) as Labels).labels);
  const summaries = new Map(core.openQueue(s.vault, page.tickets).map((m) => [m.ticketId, m]));

  const rows = [['ID', 'STATUS', 'PRIORITY', 'ASSIGNEE', 'CREATED', 'SUBJECT', 'CATEGORY', 'LABELS']];
  for (const t of page.tickets) {
    const m = summaries.get(t.ticketId)!;
    const subject = isRed(m.signature) ? `✗ ${SIGNATURE_LABELS[m.signature].label}` : m.decryptFailed ? '(no key for this ticket)' : (m.subject ?? '');
    const created = new Date(t.createdAt * 1000).toISOString().slice(0, 16).replace('T', ' ');
    const labels = t.labels.map((tag) => core.labelNameOf(s.vault, tag) ?? tag.slice(0, 8)).join(', ');
    rows.push([t.ticketId, t.status, t.priority, t.assigneeId ? nameOf(t.assigneeId) : '-', created, subject, m.category ?? '', labels]);
  }
  for (const line of table(rows)) io.stdout.write(`${line}\n`);
  io.stdout.write(
    `\n${Object.entries(page.counts)
      .map(([st, n]) => `${st}: ${n}`)
      .join('   ')}\n`,
  );
  if (page.nextCursor) io.stdout.write(`more: --cursor ${page.nextCursor}\n`);
  return 0;
}
