// `npm run cli -- queue [--status S] [--priority P] [--assignee mine|unassigned|USERNAME] [--label NAME] [--limit N]`:
// the queue as a table, with subject and category decrypted locally and label names opened
// from the dictionary. Nothing decrypted leaves this process.
import * as p from '../../protocol/index';
import { connect, type Connection } from './show';
import { CliError, expectOk } from './staff-session';

interface QueueTicket {
  ticketId: string;
  status: string;
  priority: string;
  assigneeId: string | null;
  labels: string[];
  createdAt: number;
  firstMessage: { messageId: string; envelope: unknown };
  teamWrap: { teamKeyVersion: number; sealed: string };
  requesterSignPk: string;
}

/** Label key of the current team key from the verified log (what every client tags with). */
function currentLabelKey(c: Connection): p.LabelKey | null {
  const current = c.session.log.currentTeamKey;
  const team = current ? c.session.teamKeys.get(current.version) : undefined;
  return team ? p.deriveLabelKey(team.secretKey) : null;
}

async function labelNames(c: Connection, key: p.LabelKey | null): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  if (!key) return names;
  const { labels } = (await expectOk(c.desk, 'GET', '/api/staff/labels', undefined, c.session.token)) as { labels: { tag: string; sealedName: unknown }[] };
  for (const l of labels) {
    try {
      names.set(l.tag, p.openLabelName(key, l.tag, l.sealedName));
    } catch {
      // An entry that does not open under L is shown as its tag, not trusted.
    }
  }
  return names;
}

function summary(c: Connection, t: QueueTicket): { subject: string; category: string } {
  const team = c.session.teamKeys.get(t.teamWrap.teamKeyVersion);
  if (!team) return { subject: `(no grant for team key v${t.teamWrap.teamKeyVersion})`, category: '' };
  try {
    const key = p.openTeamWrap(t.teamWrap, team, 'ticket');
    const payload = p.openMessage({
      kind: 'message',
      ticketId: t.ticketId,
      messageId: t.firstMessage.messageId,
      key,
      envelope: t.firstMessage.envelope,
      authorSignPk: p.asSignPublicKey(t.requesterSignPk),
    });
    return p.isFirstMessage(payload) ? { subject: payload.subject, category: payload.category } : { subject: '(not a first message)', category: '' };
  } catch (err) {
    return { subject: err instanceof p.SignatureError ? '✗ SIGNATURE DOES NOT VERIFY' : '✗ unreadable', category: '' };
  }
}

function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.min(48, Math.max(...rows.map((r) => [...r[i]!].length))));
  const cell = (s: string, w: number) => {
    const chars = [...s];
    return chars.length > w ? `${chars.slice(0, w - 1).join('')}…` : s + ' '.repeat(w - chars.length);
  };
  return rows.map((r) => r.map((s, i) => cell(s, widths[i]!)).join('  ').trimEnd());
}

export async function queueCommand(args: string[]): Promise<number> {
  const c = await connect(args);
  try {
    const labelKey = currentLabelKey(c);
    const q = new URLSearchParams();
    for (const name of ['status', 'priority', 'limit', 'cursor'] as const) if (c.flags[name]) q.set(name, c.flags[name]!);
    const assignee = c.flags.assignee;
    if (assignee) {
      const byName = [...c.session.log.staff.values()].find((s) => s.username === assignee);
      q.set('assignee', assignee === 'mine' || assignee === 'unassigned' ? assignee : (byName?.staffId ?? assignee));
    }
    if (c.flags.label) {
      if (!labelKey) throw new CliError('you do not hold the current team key, so labels cannot be computed');
      // The server only ever sees the blind tag of the name typed here.
      q.set('label', p.labelTag(labelKey, c.flags.label));
    }
    const page = (await expectOk(c.desk, 'GET', `/api/staff/tickets${q.size ? `?${q}` : ''}`, undefined, c.session.token)) as {
      tickets: QueueTicket[];
      nextCursor: string | null;
      counts: Record<string, number>;
    };
    const names = await labelNames(c, labelKey);
    const rows = [['ID', 'STATUS', 'PRIORITY', 'ASSIGNEE', 'CREATED', 'SUBJECT', 'CATEGORY', 'LABELS']];
    for (const t of page.tickets) {
      const { subject, category } = summary(c, t);
      const assigneeName = t.assigneeId ? (c.session.log.staff.get(t.assigneeId)?.username ?? t.assigneeId) : '-';
      const created = new Date(t.createdAt * 1000).toISOString().slice(0, 16).replace('T', ' ');
      rows.push([t.ticketId, t.status, t.priority, assigneeName, created, subject, category, t.labels.map((tag) => names.get(tag) ?? tag.slice(0, 8)).join(', ')]);
    }
    for (const line of table(rows)) c.out(line);
    c.out('');
    c.out(Object.entries(page.counts).map(([s, n]) => `${s}: ${n}`).join('   '));
    if (page.nextCursor) c.out(`more: --cursor ${page.nextCursor}`);
    return 0;
  } finally {
    await c.desk.close();
  }
}
