// Queue benchmark: `npx tsx bench/queue.ts`. Writes bench/queue.json.
// Seeds 100,000 tickets (fast path: batched inserts of random ciphertext of realistic size —
// this benches reads, not crypto), then times queue pages through app.inject() (server time,
// median of ≥200 requests each) against a raw indexed SELECT of the same rows, on SQLite and then
// on PostgreSQL in the same run: the same desk, staff and tickets copied row for row into a
// throwaway PostgreSQL cluster this bench starts (durable: fsync and synchronous commit on) and
// stops (test/helpers/postgres.ts), then VACUUM ANALYZE as an operator's autovacuum would.
// The default order is last activity (updated_at, seq); `sort=newest` cases read by seq.
// BENCH_DIALECTS=sqlite (or pg) runs one of them.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { getTableName, is, type Table } from 'drizzle-orm';
import { SQLiteTable } from 'drizzle-orm/sqlite-core';
import { openPgDb } from '../db/pg';
import * as sqliteSchema from '../db/schema';
import * as pgSchema from '../db/schema-pg';
import { buildApp } from '../server/app';
import { loadConfig } from '../server/config';
import { buildTestApp } from '../test/helpers/app';
import { labelKeyOf, labelTagOf, seedDesk, seedStaff, type SignedInStaff } from '../test/helpers/desk';
import { adminQuery, databaseUrl, startPgCluster, type PgCluster } from '../test/helpers/postgres';
import { labels } from '../db/schema';
import { sealLabelName } from '../protocol';

const TICKETS = Number(process.env.BENCH_TICKETS ?? 100_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 300);
const BATCH = 5_000;
const STATUSES = ['new', 'open', 'waiting_requester', 'resolved', 'closed'] as const;
const STATUS_WEIGHTS = [0.05, 0.1, 0.05, 0.2, 0.6]; // a desk that has been running a while
const PRIORITIES = ['low', 'normal', 'normal', 'normal', 'high', 'urgent'] as const;
const LABEL_NAMES = Array.from({ length: 20 }, (_, i) => `bench label ${i}`);
const DIALECTS = (process.env.BENCH_DIALECTS ?? 'sqlite,pg').split(',');
// Retention would delete the seeded closed tickets (closed in 2023) at the PostgreSQL app's boot.
const ENV = { SEALDESK_LOG_LEVEL: 'warn', SEALDESK_RETENTION_DAYS: '36500' };

const b64 = (n: number) => randomBytes(n).toString('base64url');
const id = () => b64(16);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const p95 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.95)]!;
const pick = <T>(xs: readonly T[], r: number): T => xs[Math.floor(r * xs.length) % xs.length]!;
function pickStatus(r: number): (typeof STATUSES)[number] {
  let acc = 0;
  for (let i = 0; i < STATUSES.length; i++) if (r < (acc += STATUS_WEIGHTS[i]!)) return STATUSES[i]!;
  return 'closed';
}

// Fastify's own measure from request start to send: the server's time without inject's client side.
const benchHeader = (app: App) => {
  app.addHook('onSend', async (_request, reply, payload) => {
    reply.header('x-bench-ms', String(reply.elapsedTime));
    return payload;
  });
};
type App = Awaited<ReturnType<typeof buildTestApp>>['app'];

const t = await buildTestApp({ env: ENV, extend: benchHeader });
let cluster: PgCluster | undefined;
try {
  const desk = await seedDesk(t.app);
  const techs: SignedInStaff[] = [];
  for (let i = 0; i < 20; i++) techs.push(await seedStaff(t.app, desk, `tech${i}`));
  for (const name of LABEL_NAMES) {
    const sealed = sealLabelName(labelKeyOf(desk), name);
    t.db
      .insert(labels)
      .values({ tag: sealed.tag, sealedName: JSON.stringify(sealed.envelope), createdAt: 1 })
      .run();
  }
  const tags = LABEL_NAMES.map((n) => labelTagOf(desk, n));

  // ---- seed ----
  const s = t.sqlite;
  const t0 = performance.now();
  const requesterIds = Array.from({ length: 10_000 }, id);
  const insRequester = s.prepare('insert into requesters (id, box_pk, sign_pk, created_at) values (?, ?, ?, ?)');
  s.transaction(() => requesterIds.forEach((r) => insRequester.run(r, b64(32), b64(32), 1_700_000_000)))();
  const insTicket = s.prepare('insert into tickets (id, requester_id, status, priority, assignee_id, created_at, updated_at, closed_at) values (?, ?, ?, ?, ?, ?, ?, ?)');
  const insMessage = s.prepare("insert into messages (id, ticket_id, seq, kind, author_type, nonce, ct, sig, created_at) values (?, ?, 1, 'message', 'requester', ?, ?, ?, ?)");
  const insWrap = s.prepare('insert into wraps (ticket_id, key_kind, recipient, team_key_version, sealed) values (?, ?, ?, ?, ?)');
  const insLabel = s.prepare('insert into ticket_labels (ticket_seq, tag) values (?, ?)');
  for (let start = 0; start < TICKETS; start += BATCH) {
    s.transaction(() => {
      for (let i = start; i < Math.min(TICKETS, start + BATCH); i++) {
        const ticketId = id();
        const status = pickStatus(Math.random());
        const at = 1_700_000_000 + i * 60;
        // Last activity: some hours to a week after filing, so activity order is not seq order.
        const activity = at + Math.floor(Math.random() * 7 * 86_400);
        const assignee = Math.random() < 0.3 ? null : pick(techs, Math.random()).staffId;
        const { lastInsertRowid } = insTicket.run(
          ticketId,
          pick(requesterIds, Math.random()),
          status,
          pick(PRIORITIES, Math.random()),
          assignee,
          at,
          activity,
          status === 'closed' ? activity : null,
        );
        // A padded first message of 1–3 blocks of 512 bytes + the 16-byte tag.
        insMessage.run(id(), ticketId, b64(24), b64(512 * (1 + (i % 3)) + 16), b64(64), at);
        insWrap.run(ticketId, 'ticket', 'team', 1, b64(80));
        insWrap.run(ticketId, 'ticket', 'requester', null, b64(80));
        if (i % 4 === 0) insWrap.run(ticketId, 'note', 'team', 1, b64(80));
        const nLabels = Math.floor(Math.random() * 3);
        const chosen = new Set(Array.from({ length: nLabels }, () => pick(tags, Math.random())));
        for (const tag of chosen) insLabel.run(Number(lastInsertRowid), tag);
      }
    })();
  }
  const seedMs = performance.now() - t0;
  const busiestTag = tags[0]!;

  // ---- measure ----
  /** One database behind the queue: its app, a raw statement runner (the floor) and a one-row write. */
  interface Target {
    dialect: 'sqlite' | 'pg';
    app: App;
    /** Runs `sql` (with `?` placeholders) `times` times, prepared once; per-run ms and the row count. */
    raw(sql: string, params: unknown[], times: number): Promise<{ times: number[]; rows: number }>;
    touch(): Promise<void>;
  }
  const sqliteTarget: Target = {
    dialect: 'sqlite',
    app: t.app,
    raw: async (sql, params, n) => {
      const stmt = s.prepare(sql);
      const times: number[] = [];
      let rows = 0;
      for (let i = 0; i < n; i++) {
        const a = performance.now();
        rows = stmt.all(...params).length;
        times.push(performance.now() - a);
      }
      return { times, rows };
    },
    // A one-row write (as any triage or new message would make) before a request: the counts are
    // read fresh either way (no cache since ticket_counts and the label copies), kept for the record.
    touch: (() => {
      const stmt = s.prepare('update tickets set updated_at = updated_at + 1 where seq = 1');
      return async () => void stmt.run();
    })(),
  };

  async function measure(target: Target): Promise<Record<string, unknown>[]> {
    const { app } = target;
    const techIds = techs.map((x) => x.staffId);
    async function viaInject(url: string, cold: boolean, as: string): Promise<{ median: number; p95: number; rows: number }> {
      // Each case as its own technician: the queue's rate limit is per account (600/min).
      const headers = { authorization: `Bearer ${(await app.issueSession('staff', as)).token}` };
      const times: number[] = [];
      let rows = 0;
      for (let i = 0; i < RUNS + 20; i++) {
        if (cold) await target.touch();
        const res = await app.inject({ method: 'GET', url, headers });
        if (res.statusCode !== 200) throw new Error(`${target.dialect} ${url}: ${res.statusCode} ${res.body}`);
        // Server time as Fastify measures it (request received → response sent), no client work.
        if (i >= 20) times.push(Number(res.headers['x-bench-ms']));
        rows = res.json<{ tickets: unknown[] }>().tickets.length;
      }
      return { median: median(times), p95: p95(times), rows };
    }
    async function viaRaw(where: string, params: unknown[], join = '', sort: 'activity' | 'newest' = 'activity'): Promise<{ median: number; rows: number }> {
      // The same page with its first message and team wrap in one indexed statement: the floor.
      const order = sort === 'activity' ? 'updated_at desc, seq desc' : 'seq desc';
      const { times, rows } = await target.raw(
        `select p.seq, p.id, p.status, p.priority, p.assignee_id, p.created_at, p.updated_at, m.nonce, m.ct, m.sig, w.sealed
         from (select t.* from tickets t ${join} ${where} order by ${order.replace(/(\w+ desc)/g, 't.$1')} limit 50) p
         join messages m on m.ticket_id = p.id and m.seq = 1
         join wraps w on w.ticket_id = p.id and w.key_kind = 'ticket' and w.recipient = 'team' and w.team_key_version = 1
         order by ${order.replace(/(\w+ desc)/g, 'p.$1')}`,
        params,
        RUNS + 20,
      );
      return { median: median(times.slice(20)), rows };
    }
    const labelJoin = 'join ticket_labels l on l.ticket_seq = t.seq and l.tag = ?';
    // The second page by activity: the first page's cursor, and the position it stands for.
    const firstPage = await app.inject({ method: 'GET', url: '/api/staff/tickets', headers: { authorization: `Bearer ${(await app.issueSession('staff', techIds[0]!)).token}` } });
    const secondPageCursor = firstPage.json<{ nextCursor: string }>().nextCursor;
    const secondPageAfter = Buffer.from(secondPageCursor, 'base64url').toString('utf8').slice('a1:'.length).split('.').map(Number);
    const cases: { name: string; url: string; cold?: boolean; as?: string; raw: () => Promise<{ median: number; rows: number }> }[] = [
      { name: 'first page (50)', url: '/api/staff/tickets', raw: () => viaRaw('', []) },
      { name: 'first page, cold counts', url: '/api/staff/tickets', cold: true, raw: () => viaRaw('', []) },
      { name: 'first page, newest first', url: '/api/staff/tickets?sort=newest', raw: () => viaRaw('', [], '', 'newest') },
      { name: 'second page (cursor)', url: `/api/staff/tickets?cursor=${secondPageCursor}`, raw: () => viaRaw('where (t.updated_at, t.seq) < (?, ?)', secondPageAfter) },
      { name: 'status=open & label', url: `/api/staff/tickets?status=open&label=${busiestTag}`, raw: () => viaRaw('where t.status = ?', [busiestTag, 'open'], labelJoin) },
      { name: 'assignee=mine', url: '/api/staff/tickets?assignee=mine', as: techIds[0], raw: () => viaRaw('where t.assignee_id = ?', [techIds[0]]) },
      { name: 'assignee=mine, cold counts', url: '/api/staff/tickets?assignee=mine', cold: true, as: techIds[1], raw: () => viaRaw('where t.assignee_id = ?', [techIds[1]]) },
      {
        name: 'status=open & label, newest first',
        url: `/api/staff/tickets?status=open&label=${busiestTag}&sort=newest`,
        raw: () => viaRaw('where t.status = ?', [busiestTag, 'open'], labelJoin, 'newest'),
      },
      {
        name: 'status=open & label, cold counts',
        url: `/api/staff/tickets?status=open&label=${busiestTag}`,
        cold: true,
        raw: () => viaRaw('where t.status = ?', [busiestTag, 'open'], labelJoin),
      },
      {
        name: 'assignee=unassigned & status=new',
        url: '/api/staff/tickets?assignee=unassigned&status=new',
        raw: () => viaRaw("where t.assignee_id is null and t.status = 'new'", []),
      },
    ];
    const results: Record<string, unknown>[] = [];
    for (const [i, c] of cases.entries()) {
      const server = await viaInject(c.url, c.cold ?? false, c.as ?? techIds[2 + (i % (techIds.length - 2))]!);
      const raw = await c.raw();
      if (raw.rows !== server.rows) throw new Error(`${target.dialect} ${c.name}: ${server.rows} rows served, ${raw.rows} by the raw SELECT`);
      results.push({
        dialect: target.dialect,
        case: c.name,
        rows: server.rows,
        injectMedianMs: round(server.median),
        injectP95Ms: round(server.p95),
        rawSelectMedianMs: round(raw.median),
        ratio: round(server.median / raw.median),
      });
    }
    console.table(results);
    return results;
  }

  const results: Record<string, unknown>[] = [];
  if (DIALECTS.includes('sqlite')) results.push(...(await measure(sqliteTarget)));
  let pgSeedSeconds: number | undefined;
  if (DIALECTS.includes('pg')) {
    const started = performance.now();
    cluster = await startPgCluster({ durable: true });
    await adminQuery(cluster.url, 'CREATE DATABASE sealdesk_queue_bench');
    const pg = await openPgDb(databaseUrl(cluster.url, 'sealdesk_queue_bench'));
    const pgDir = mkdtempSync(join(tmpdir(), 'sealdesk-queue-bench-'));
    try {
      await copyToPostgres(pg.pool);
      pgSeedSeconds = round((performance.now() - started) / 1000);
      console.log(`PostgreSQL: cluster started and ${TICKETS} tickets copied in ${pgSeedSeconds}s`);
      // Under-pressure off (back-to-back requests, as buildPgTestApp). The KDF costs stay the
      // production ones: this app never hashes a secret (staff rows copied, sessions issued).
      const pgApp = await buildApp(loadConfig({ SEALDESK_DATA_DIR: pgDir, ...ENV }), { pg, underPressure: { maxEventLoopDelay: 0, maxEventLoopUtilization: 0 } });
      benchHeader(pgApp);
      await pgApp.ready();
      try {
        const client = await pg.pool.connect();
        try {
          let named = 0;
          const pgTarget: Target = {
            dialect: 'pg',
            app: pgApp,
            raw: async (sql, params, n) => {
              // A named statement: parsed and planned once, as the server's prepared statements are.
              let k = 0;
              const query = { name: `bench_raw_${++named}`, text: sql.replace(/\?/g, () => `$${++k}`), values: params };
              const times: number[] = [];
              let rows = 0;
              for (let i = 0; i < n; i++) {
                const a = performance.now();
                rows = (await client.query(query)).rows.length;
                times.push(performance.now() - a);
              }
              return { times, rows };
            },
            touch: async () => void (await client.query('update tickets set updated_at = updated_at + 1 where seq = 1')),
          };
          results.push(...(await measure(pgTarget)));
        } finally {
          client.release();
        }
      } finally {
        await pgApp.close();
      }
    } finally {
      await pg.close();
      rmSync(pgDir, { recursive: true, force: true });
    }
  }

  /**
   * The SQLite desk into PostgreSQL, row for row: first every small table (desk, staff, key log,
   * team keys, grants, labels, sessions), then the seeded tickets, messages, wraps and tags in
   * chunks of multi-row INSERT … SELECT FROM unnest(arrays), one statement per 5,000 rows. The
   * triggers run as for any write (ticket_counts, the tags' copies).
   */
  async function copyToPostgres(pool: import('pg').Pool): Promise<void> {
    const big = new Set(['tickets', 'messages', 'wraps', 'ticket_labels', 'requesters', 'ticket_counts']);
    const { drizzle } = await import('drizzle-orm/node-postgres');
    const pgDb = drizzle(pool, { schema: pgSchema });
    const pending = Object.entries(sqliteSchema).filter(([, v]) => is(v, SQLiteTable) && !big.has(getTableName(v as Table)));
    // In foreign-key order, found by retrying what failed until nothing is left.
    for (let stalled = 0; pending.length > 0;) {
      if (stalled > pending.length) throw new Error(`could not copy ${pending.map(([k]) => k).join(', ')}`);
      const [key, table] = pending.shift()!;
      const rows = await t.db.select().from(table as typeof sqliteSchema.staff);
      try {
        if (rows.length > 0) await pgDb.insert((pgSchema as unknown as Record<string, typeof pgSchema.staff>)[key]!).values(rows as never);
        stalled = 0;
      } catch (err) {
        // A foreign key to a table not copied yet (drizzle wraps the driver's error as its cause).
        const { code, cause } = err as { code?: string; cause?: { code?: string } };
        if ((cause?.code ?? code) !== '23503') throw err;
        pending.push([key, table]);
        stalled++;
      }
    }
    const copy = async (table: string, columns: [string, string][], order: string) => {
      const select = s.prepare(`select ${columns.map(([c]) => c).join(', ')} from ${table} order by ${order} limit ? offset ?`).raw();
      const insert = `insert into ${table} (${columns.map(([c]) => c).join(', ')}) select * from unnest(${columns.map(([, type], i) => `$${i + 1}::${type}[]`).join(', ')})`;
      for (let offset = 0; ; offset += 5_000) {
        const rows = select.all(5_000, offset) as unknown[][];
        if (rows.length === 0) break;
        await pool.query(
          insert,
          columns.map((_, i) => rows.map((r) => r[i])),
        );
      }
    };
    await copy(
      'requesters',
      [
        ['id', 'text'],
        ['box_pk', 'text'],
        ['sign_pk', 'text'],
        ['created_at', 'bigint'],
      ],
      'rowid',
    );
    await copy(
      'tickets',
      [
        ['seq', 'bigint'],
        ['id', 'text'],
        ['requester_id', 'text'],
        ['status', 'text'],
        ['priority', 'text'],
        ['assignee_id', 'text'],
        ['created_at', 'bigint'],
        ['updated_at', 'bigint'],
        ['closed_at', 'bigint'],
      ],
      'seq',
    );
    await pool.query(`select setval(pg_get_serial_sequence('tickets', 'seq'), (select max(seq) from tickets))`);
    await copy(
      'messages',
      [
        ['id', 'text'],
        ['ticket_id', 'text'],
        ['seq', 'bigint'],
        ['kind', 'text'],
        ['author_type', 'text'],
        ['nonce', 'text'],
        ['ct', 'text'],
        ['sig', 'text'],
        ['created_at', 'bigint'],
      ],
      'rowid',
    );
    await copy(
      'wraps',
      [
        ['ticket_id', 'text'],
        ['key_kind', 'text'],
        ['recipient', 'text'],
        ['team_key_version', 'bigint'],
        ['sealed', 'text'],
      ],
      'rowid',
    );
    await copy(
      'ticket_labels',
      [
        ['ticket_seq', 'bigint'],
        ['tag', 'text'],
      ],
      'rowid',
    );
    // What autovacuum would have done after 100,000 inserts: statistics and the visibility map
    // (PostgreSQL's index-only scans, the label counts' covering scan among them, need the latter).
    await pool.query('vacuum analyze');
  }

  // The counts alone, in the same run: summed from ticket_counts (what the queue does) against
  // counting every ticket's index entry (what it did before the table), both unfiltered.
  const countsCompared = (() => {
    const table = s.prepare('select status, sum(n) as n from ticket_counts group by status');
    const scan = s.prepare('select status, count(*) as n from tickets group by status');
    // The busiest tag: its copies' covering index (what the queue does) against every carrying ticket's row.
    const tagCopies = s.prepare('select status, count(*) as n from ticket_labels where tag = ? group by status order by status');
    const tagRows = s.prepare(
      'select t.status, count(*) as n from ticket_labels l cross join tickets t where l.tag = ? and t.seq = l.ticket_seq group by t.status order by t.status',
    );
    const ms: Record<'table' | 'scan' | 'tagCopies' | 'tagRows', number[]> = { table: [], scan: [], tagCopies: [], tagRows: [] };
    const timed = <T>(into: number[], fn: () => T): T => {
      const a = performance.now();
      const r = fn();
      into.push(performance.now() - a);
      return r;
    };
    for (let i = 0; i < 60; i++) {
      const viaTable = timed(ms.table, () => table.all());
      const viaScan = timed(ms.scan, () => scan.all());
      if (JSON.stringify(viaTable) !== JSON.stringify(viaScan)) throw new Error(`ticket_counts disagrees with the tickets: ${JSON.stringify({ viaTable, viaScan })}`);
      const viaCopies = timed(ms.tagCopies, () => tagCopies.all(busiestTag));
      const viaRows = timed(ms.tagRows, () => tagRows.all(busiestTag));
      if (JSON.stringify(viaCopies) !== JSON.stringify(viaRows)) throw new Error(`the label copies disagree with the tickets: ${JSON.stringify({ viaCopies, viaRows })}`);
    }
    return {
      tableMedianMs: round(median(ms.table)),
      indexScanMedianMs: round(median(ms.scan)),
      busiestTagTickets: (s.prepare('select count(*) as n from ticket_labels where tag = ?').get(busiestTag) as { n: number }).n,
      tagCopiesMedianMs: round(median(ms.tagCopies)),
      tagTicketRowsMedianMs: round(median(ms.tagRows)),
    };
  })();
  console.log('counts (SQLite, SQL alone):', countsCompared);

  const out = {
    tickets: TICKETS,
    runsPerCase: RUNS,
    seedSeconds: round(seedMs / 1000),
    pgSeedSeconds,
    pgDurable: true,
    targetMedianMs: 10,
    results,
    countsCompared,
    loadAverage: loadavg().map((x) => round(x)),
    node: process.version,
    at: new Date().toISOString(),
  };
  console.log(`seeded ${TICKETS} tickets in ${out.seedSeconds}s`);
  writeFileSync(new URL('./queue.json', import.meta.url), `${JSON.stringify(out, null, 2)}\n`);
} finally {
  // The cluster first: it is this bench's own server process (stopped through its data directory's PID).
  try {
    await cluster?.stop();
  } finally {
    await t.close();
  }
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
