// The queue's statements as PostgreSQL plans them (issue 14: the queue page at 100,000 tickets on
// PostgreSQL). Every page statement the route prepares is captured from the pool and EXPLAINed with
// the values it ran with, on a desk with many more requesters than a page has tickets: no plan may
// read the whole requesters table. It once did: a LEFT JOIN to requesters was planned as a hash of
// every requester (a sequential scan per page, ~2 ms of a 3 ms page at 10,000 requesters).
// SQLite's plans are test/server/queue/plan.test.ts.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPgDb, type OpenedPgDb } from '../../../db/pg';
import * as p from '../../../protocol/index';
import { tables } from '../../../server/services/data';
import { buildPgTestApp } from '../../helpers/app';
import { bearer, seedDesk, seedLabel, seedRequester, seedStaff, seedTicket, type SignedInStaff } from '../../helpers/desk';
import { testDatabase, type TestDatabase } from '../../helpers/postgres';

const REQUESTERS = 5_000;
const TICKETS = 60;

let database: TestDatabase;
let pg: OpenedPgDb;
let app: Awaited<ReturnType<typeof buildPgTestApp>>;
let tech: SignedInStaff;
let tag: string;
const captured: { name: string; text: string; values: unknown[] }[] = [];

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  Plans?: PlanNode[];
}
const nodesOf = (node: PlanNode): PlanNode[] => [node, ...(node.Plans ?? []).flatMap(nodesOf)];

beforeAll(async () => {
  await p.ready();
  database = await testDatabase();
  pg = await openPgDb(database.url);
  app = await buildPgTestApp(pg);
  const desk = await seedDesk(app.app);
  tech = await seedStaff(app.app, desk, 'tech');
  tag = await seedLabel(app.app, desk, 'plan');
  // One requester per ticket, as on a real desk: a page joins as many requesters as it has rows.
  for (let i = 0; i < TICKETS; i++)
    await seedTicket(app.app, desk, await seedRequester(app.app), { status: i % 2 ? 'open' : 'new', assigneeId: i % 3 ? tech.staffId : null, labelTags: i % 4 ? [] : [tag] });
  // Other requesters (their keys are never read here), then fresh statistics, as autovacuum keeps.
  const key = () => randomBytes(32).toString('base64url');
  const others = Array.from({ length: REQUESTERS }, () => ({ id: p.newId(), boxPk: key(), signPk: key(), createdAt: 0 }));
  await app.app.db.insert(tables(app.app.db).requesters).values(others);
  await pg.pool.query('ANALYZE');
  // Record what drizzle sends as named statements (its prepared queries go through pool.query).
  const query = pg.pool.query.bind(pg.pool) as (...args: unknown[]) => unknown;
  pg.pool.query = ((config: unknown, values?: unknown) => {
    const c = config as { name?: string; text?: string; values?: unknown[] } | string;
    if (typeof c === 'object' && c.name?.startsWith('queue_page') && c.text) captured.push({ name: c.name, text: c.text, values: (values as unknown[]) ?? c.values ?? [] });
    return query(config, values);
  }) as typeof pg.pool.query;
}, 120_000);

afterAll(async () => {
  await app?.close();
  await pg?.close();
  await database?.drop();
});

describe('queue plans on PostgreSQL', () => {
  it.each([
    [''],
    ['status=open'],
    ['assignee=mine'],
    ['assignee=unassigned&status=new'],
    ['label=TAG'],
    ['status=new&label=TAG'],
    ['sort=newest'],
    ['sort=newest&status=new&label=TAG'],
  ])('never reads every requester for %s', async (query) => {
    captured.length = 0;
    const res = await app.app.inject({ method: 'GET', url: `/api/staff/tickets?${query.replace('TAG', tag)}`, headers: bearer(tech.token) });
    expect(res.statusCode).toBe(200);
    expect(res.json<{ tickets: { requesterSignPk: string }[] }>().tickets.length).toBeGreaterThan(0);
    expect(captured).toHaveLength(1);
    const [{ text, values }] = captured as [(typeof captured)[number]];
    const { rows } = await pg.pool.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(`EXPLAIN (FORMAT JSON) ${text}`, values);
    const scans = nodesOf(rows[0]!['QUERY PLAN'][0].Plan).filter((n) => n['Node Type'] === 'Seq Scan' && n['Relation Name'] === 'requesters');
    expect(scans).toEqual([]);
  });
});
