import { beforeAll, describe, expect, it } from 'vitest';
import { seedLabel, seedRequester, seedTicket, withDesk } from '../../helpers/desk';

// Captures every SQL statement the queue route runs and asks SQLite how it would execute each:
// no statement may fall back to a full table scan or sort the queue in a temp B-tree.
const fx = withDesk({ via: 'db', technicians: ['tech'] });
let tag: string;
const statements: string[] = [];
const labelCountStatements = new Set<string>();

beforeAll(async () => {
  tag = await seedLabel(fx.app, fx.desk, 'plan');
  const requester = await seedRequester(fx.app);
  for (let i = 0; i < 30; i++)
    await seedTicket(fx.app, fx.desk, requester, {
      status: i % 2 ? 'open' : 'new',
      priority: i % 5 ? 'normal' : 'high',
      assigneeId: i % 3 ? fx.staff.tech.staffId : null,
      labelTags: i % 4 ? [] : [tag],
    });
  // Record what the route prepares (drizzle prepares every statement through this method).
  const prepare = fx.t.sqlite.prepare.bind(fx.t.sqlite);
  fx.t.sqlite.prepare = ((source: string) => {
    statements.push(source);
    return prepare(source);
  }) as typeof fx.t.sqlite.prepare;
});

function planOf(source: string): string[] {
  // Parameters do not change the plan's shape; bind each as a plausible value.
  const count = (source.match(/\?/g) ?? []).length;
  const stmt = fx.t.sqlite.prepare(`explain query plan ${source}`);
  return (stmt.all(...Array.from({ length: count }, () => 'x')) as { detail: string }[]).map((r) => r.detail);
}

describe('queue query plans', () => {
  it.each([
    [''],
    ['status=open'],
    ['assignee=mine'],
    ['assignee=unassigned'],
    ['priority=high'],
    ['label=TAG'],
    ['status=new&label=TAG'],
    ['label=TAG&assignee=mine&cursor=ACTIVITY'],
    ['status=new&label=TAG&priority=high'],
    ['status=open&assignee=mine&cursor=ACTIVITY'],
    ['assignee=unassigned&cursor=ACTIVITY'],
    ['sort=newest'],
    ['sort=newest&status=open'],
    ['sort=newest&label=TAG'],
    ['sort=newest&status=open&assignee=mine&cursor=NEWEST'],
  ])('uses indexes only for %s', async (query) => {
    statements.length = 0;
    const url = `/api/staff/tickets?${query
      .replace('TAG', tag)
      .replace('ACTIVITY', Buffer.from(`a1:${Math.floor(Date.now() / 1000) + 3600}.20`).toString('base64url'))
      .replace('NEWEST', Buffer.from('q1:20').toString('base64url'))}`;
    const res = await fx.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${fx.staff.tech.token}` } });
    expect(res.statusCode).toBe(200);
    // Statements are prepared once per filter combination (services/queue.ts), so what this
    // request prepared is its page's statement and, the first time they are needed, its counts'.
    const queueStatements = statements.filter((s) => /from "(tickets|messages|wraps|ticket_labels|requesters)"/.test(s) && !s.startsWith('explain'));
    // The page and every summary's first message, wraps, tags, key and turn: one statement.
    expect(queueStatements.filter((s) => s.startsWith('select "page".'))).toHaveLength(1);
    for (const source of queueStatements) {
      const plan = planOf(source);
      // A bare "SCAN <table>" (no index) reads every row; SEARCH or a covering-index SCAN is
      // fine, and so is the rowid-order walk of the unfiltered first page, which stops at LIMIT,
      // and the scan of the page itself (its ≤ limit + 1 rows, produced by the walk).
      const pagedWalk = /from "tickets" order by "tickets"\."seq" desc limit \?\) "page"/.test(source);
      const fullScans = plan.filter((d) => d !== 'SCAN page' && ((/^SCAN \w+$/.test(d) && !(pagedWalk && d === 'SCAN tickets')) || /^SCAN \w+ (?!USING)/.test(d)));
      expect({ source, fullScans }).toEqual({ source, fullScans: [] });
      // The page is read in its order straight from an index: never sorted after the fact, a
      // label view by activity included (ticket_labels' own activity indexes, DECISIONS).
      if (/order by "(tickets"\."seq|ticket_labels"\."ticket_seq|tickets"\."updated_at|ticket_labels"\."updated_at)" desc/.test(source))
        expect(plan.join('\n')).not.toMatch(/TEMP B-TREE FOR ORDER BY/);
      // A label view's counts never read a ticket row: the tag's copies' covering index.
      if (/from "ticket_labels" where .* group by "ticket_labels"\."status"$/.test(source)) {
        labelCountStatements.add(source);
        expect(plan.join('\n')).toMatch(/^SEARCH ticket_labels USING COVERING INDEX/);
      }
      if (/from "ticket_counts"/.test(source)) expect(query).not.toContain('label=');
    }
    // Every label filter combination here has had its counts statement checked by now.
    if (query.includes('label=')) expect(labelCountStatements.size).toBeGreaterThanOrEqual(1);
  });
  it('checked the counts of every label filter combination the cases use', () => {
    // label, label & assignee=one, label & priority: three count statements.
    expect(labelCountStatements.size).toBe(3);
  });
});
