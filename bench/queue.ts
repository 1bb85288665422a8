// Queue benchmark: `npx tsx bench/queue.ts`. Writes bench/queue.json.
// Seeds 100,000 tickets (fast path: batched inserts of random ciphertext of realistic size —
// this benches reads, not crypto), then times queue pages through app.inject() (server time,
// median of ≥200 requests each) against a raw indexed better-sqlite3 SELECT of the same rows.
// The default order is last activity (updated_at, seq); `sort=newest` cases read by seq.
import { writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import { buildTestApp } from '../test/helpers/app';
import { labelKeyOf, labelTagOf, seedDesk, seedStaff, type SignedInStaff } from '../test/helpers/desk';
import { labels } from '../db/schema';
import { sealLabelName } from '../protocol';

const TICKETS = Number(process.env.BENCH_TICKETS ?? 100_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 300);
const BATCH = 5_000;
const STATUSES = ['new', 'open', 'waiting_requester', 'resolved', 'closed'] as const;
const STATUS_WEIGHTS = [0.05, 0.1, 0.05, 0.2, 0.6]; // a desk that has been running a while
const PRIORITIES = ['low', 'normal', 'normal', 'normal', 'high', 'urgent'] as const;
const LABEL_NAMES = Array.from({ length: 20 }, (_, i) => `bench label ${i}`);

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

const t = await buildTestApp({
  env: { SEALDESK_LOG_LEVEL: 'warn' },
  // Fastify's own measure from request start to send: the server's time without inject's client side.
  extend: (app) => {
    app.addHook('onSend', async (_request, reply, payload) => {
      reply.header('x-bench-ms', String(reply.elapsedTime));
      return payload;
    });
  },
});
try {
  const desk = await seedDesk(t.app);
  const techs: SignedInStaff[] = [];
  for (let i = 0; i < 20; i++) techs.push(await seedStaff(t.app, desk, `tech${i}`));
  const viewer = techs[0]!;
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
  // A one-row write (as any triage or new message would make) before a request drops the cached
  // counts, so that case measures the cold path: counts recomputed from the indexes.
  const touch = s.prepare('update tickets set updated_at = updated_at + 1 where seq = 1');
  async function viaInject(url: string, cold = false, as = viewer): Promise<{ median: number; p95: number; rows: number }> {
    // Each case as its own technician: the queue's rate limit is per account (600/min).
    const headers = { authorization: `Bearer ${(await t.app.issueSession('staff', as.staffId)).token}` };
    const times: number[] = [];
    let rows = 0;
    for (let i = 0; i < RUNS + 20; i++) {
      if (cold) touch.run();
      const res = await t.app.inject({ method: 'GET', url, headers });
      if (res.statusCode !== 200) throw new Error(`${url}: ${res.statusCode} ${res.body}`);
      // Server time as Fastify measures it (request received → response sent), no client work.
      if (i >= 20) times.push(Number(res.headers['x-bench-ms']));
      rows = res.json<{ tickets: unknown[] }>().tickets.length;
    }
    return { median: median(times), p95: p95(times), rows };
  }
  function viaRaw(where: string, params: unknown[], join = '', sort: 'activity' | 'newest' = 'activity'): { median: number; rows: number } {
    // The same page with its first message and team wrap in one indexed statement: the floor.
    const order = sort === 'activity' ? 'updated_at desc, seq desc' : 'seq desc';
    const stmt = s.prepare(
      `select p.seq, p.id, p.status, p.priority, p.assignee_id, p.created_at, p.updated_at, m.nonce, m.ct, m.sig, w.sealed
       from (select t.* from tickets t ${join} ${where} order by ${order.replace(/(\w+ desc)/g, 't.$1')} limit 50) p
       join messages m on m.ticket_id = p.id and m.seq = 1
       join wraps w on w.ticket_id = p.id and w.key_kind = 'ticket' and w.recipient = 'team' and w.team_key_version = 1
       order by ${order.replace(/(\w+ desc)/g, 'p.$1')}`,
    );
    const times: number[] = [];
    let rows = 0;
    for (let i = 0; i < RUNS + 20; i++) {
      const a = performance.now();
      rows = stmt.all(...params).length;
      if (i >= 20) times.push(performance.now() - a);
    }
    return { median: median(times), rows };
  }

  const cases: { name: string; url: string; cold?: boolean; as?: (typeof techs)[number]; raw: () => { median: number; rows: number } }[] = [
    { name: 'first page (50)', url: '/api/staff/tickets', raw: () => viaRaw('', []) },
    { name: 'first page, cold counts', url: '/api/staff/tickets', cold: true, raw: () => viaRaw('', []) },
    { name: 'first page, newest first', url: '/api/staff/tickets?sort=newest', raw: () => viaRaw('', [], '', 'newest') },
    { name: 'second page (cursor)', url: 'SECOND_PAGE', raw: () => viaRaw('where (t.updated_at, t.seq) < (?, ?)', secondPageAfter) },
    {
      name: 'status=open & label',
      url: `/api/staff/tickets?status=open&label=${busiestTag}`,
      raw: () => viaRaw('where t.status = ?', [busiestTag, 'open'], 'join ticket_labels l on l.ticket_seq = t.seq and l.tag = ?'),
    },
    { name: 'assignee=mine', url: '/api/staff/tickets?assignee=mine', as: viewer, raw: () => viaRaw('where t.assignee_id = ?', [viewer.staffId]) },
    {
      name: 'assignee=mine, cold counts',
      url: '/api/staff/tickets?assignee=mine',
      cold: true,
      as: techs[1],
      raw: () => viaRaw('where t.assignee_id = ?', [techs[1]!.staffId]),
    },
    {
      name: 'status=open & label, newest first',
      url: `/api/staff/tickets?status=open&label=${busiestTag}&sort=newest`,
      raw: () => viaRaw('where t.status = ?', [busiestTag, 'open'], 'join ticket_labels l on l.ticket_seq = t.seq and l.tag = ?', 'newest'),
    },
    {
      name: 'status=open & label, cold counts',
      url: `/api/staff/tickets?status=open&label=${busiestTag}`,
      cold: true,
      raw: () => viaRaw('where t.status = ?', [busiestTag, 'open'], 'join ticket_labels l on l.ticket_seq = t.seq and l.tag = ?'),
    },
    {
      name: 'assignee=unassigned & status=new',
      url: '/api/staff/tickets?assignee=unassigned&status=new',
      raw: () => viaRaw("where t.assignee_id is null and t.status = 'new'", []),
    },
  ];

  // The second page by activity: the first page's cursor, and the position it stands for.
  const firstPage = await t.app.inject({ method: 'GET', url: '/api/staff/tickets', headers: { authorization: `Bearer ${viewer.token}` } });
  const secondPageCursor = firstPage.json<{ nextCursor: string }>().nextCursor;
  const secondPageAfter = Buffer.from(secondPageCursor, 'base64url').toString('utf8').slice('a1:'.length).split('.').map(Number);
  for (const c of cases) if (c.url === 'SECOND_PAGE') c.url = `/api/staff/tickets?cursor=${secondPageCursor}`;

  const results: Record<string, unknown>[] = [];
  for (const [i, c] of cases.entries()) {
    const server = await viaInject(c.url, c.cold, c.as ?? techs[2 + (i % (techs.length - 2))]);
    const raw = c.raw();
    results.push({
      case: c.name,
      rows: server.rows,
      injectMedianMs: round(server.median),
      injectP95Ms: round(server.p95),
      rawSelectMedianMs: round(raw.median),
      ratio: round(server.median / raw.median),
    });
  }
  // The counts alone, in the same run: summed from ticket_counts (what the queue does) against
  // counting every ticket's index entry (what it did before the table), both unfiltered.
  const countsCompared = (() => {
    const table = s.prepare('select status, sum(n) as n from ticket_counts group by status');
    const scan = s.prepare('select status, count(*) as n from tickets group by status');
    const tableMs: number[] = [];
    const scanMs: number[] = [];
    for (let i = 0; i < 60; i++) {
      let a = performance.now();
      const viaTable = table.all();
      tableMs.push(performance.now() - a);
      a = performance.now();
      const viaScan = scan.all();
      scanMs.push(performance.now() - a);
      if (JSON.stringify(viaTable) !== JSON.stringify(viaScan)) throw new Error(`ticket_counts disagrees with the tickets: ${JSON.stringify({ viaTable, viaScan })}`);
    }
    return { tableMedianMs: round(median(tableMs)), indexScanMedianMs: round(median(scanMs)) };
  })();
  console.log(`counts: ${countsCompared.tableMedianMs} ms from ticket_counts, ${countsCompared.indexScanMedianMs} ms counting the status index`);

  if (process.env.BENCH_PROFILE) {
    const { listQueue } = await import('../server/services/queue');
    const requireAdmitted = (request: never) => t.app.requireAdmitted(request);
    const time = async (label: string, fn: () => Promise<unknown>) => {
      const xs: number[] = [];
      for (let i = 0; i < 40; i++) {
        const a = performance.now();
        await fn();
        xs.push(performance.now() - a);
      }
      console.log(label, median(xs).toFixed(3), 'ms');
    };
    await time('listQueue first page', () => listQueue(t.db, { limit: 50 }));
    await time('listQueue status+label', () => listQueue(t.db, { limit: 50, status: 'open', label: busiestTag }));
    await time('listQueue mine', () => listQueue(t.db, { limit: 50, assigneeId: viewer.staffId }));
    const fakeReq = { headers: { authorization: `Bearer ${viewer.token}` }, server: t.app } as never;
    const xs: number[] = [];
    for (let i = 0; i < 40; i++) {
      const a = performance.now();
      await requireAdmitted(fakeReq);
      xs.push(performance.now() - a);
    }
    console.log('requireAdmitted', median(xs).toFixed(3), 'ms');
  }
  if (process.env.BENCH_PLANS) {
    for (const [q, params] of [
      ['select status, count(*) from tickets group by status', []],
      ['select status, count(*) from tickets t join ticket_labels l on l.ticket_seq = t.seq and l.tag = ? group by status', [busiestTag]],
      ["select t.seq from tickets t join ticket_labels l on l.ticket_seq = t.seq and l.tag = ? where t.status = 'open' order by t.seq desc limit 51", [busiestTag]],
      ['select status, count(*) from tickets where assignee_id is null group by status', []],
    ] as [string, unknown[]][]) {
      const st = s.prepare(q);
      const a = performance.now();
      for (let i = 0; i < 20; i++) st.all(...params);
      console.log(
        ((performance.now() - a) / 20).toFixed(2),
        'ms',
        q,
        JSON.stringify(
          s
            .prepare(`explain query plan ${q}`)
            .all(...params)
            .map((r: any) => r.detail),
        ),
      );
    }
  }
  const out = {
    tickets: TICKETS,
    runsPerCase: RUNS,
    seedSeconds: round(seedMs / 1000),
    targetMedianMs: 10,
    results,
    countsCompared,
    loadAverage: loadavg().map((x) => round(x)),
    node: process.version,
    at: new Date().toISOString(),
  };
  console.table(results);
  console.log(`seeded ${TICKETS} tickets in ${out.seedSeconds}s`);
  writeFileSync(new URL('./queue.json', import.meta.url), `${JSON.stringify(out, null, 2)}\n`);
} finally {
  await t.close();
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
