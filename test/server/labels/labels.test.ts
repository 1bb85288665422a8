import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openLabelName, sealLabelName } from '../../../protocol';
import { labelKeyOf, seedRequester, seedTicket, withDesk } from '../../helpers/desk';
import { sqlAll, tableNames } from '../../helpers/app';

// Distinctive names so a substring hit can only be a leak. Mixed case and a non-ASCII one: the
// protocol normalises (NFKC, lower-case) before tagging and sealing.
const NAMES = ['Border Seizure Kilo', 'Phishing Wave Lima', 'Spyware Pegasus Mike', 'Bạo lực mạng November'];

const fx = withDesk({ via: 'db', technicians: ['tech'] });
const responses: string[] = [];

async function call(method: 'GET' | 'POST' | 'PATCH', url: string, payload?: object) {
  const res = await fx.app.inject({ method, url, payload, headers: { authorization: `Bearer ${fx.staff.tech.token}` } });
  responses.push(res.body);
  return res;
}

describe('POST /api/staff/labels and GET /api/staff/labels', () => {
  it('stores sealed names that only a holder of the label key can open', async () => {
    for (const name of NAMES) {
      const { tag, envelope } = sealLabelName(labelKeyOf(fx.desk), name);
      const res = await call('POST', '/api/staff/labels', { tag, sealedName: envelope });
      expect(res.statusCode).toBe(201);
      expect(res.json()).toMatchObject({ tag, sealedName: envelope });
    }
    const list = (await call('GET', '/api/staff/labels')).json<{ labels: { tag: string; sealedName: unknown }[] }>().labels;
    expect(list.map((l) => openLabelName(labelKeyOf(fx.desk), l.tag, l.sealedName)).sort()).toEqual(NAMES.map((n) => n.normalize('NFKC').toLowerCase()).sort());
  });

  it('refuses the same label twice with 409 label_exists', async () => {
    const { tag, envelope } = sealLabelName(labelKeyOf(fx.desk), NAMES[0]!.toUpperCase());
    const res = await call('POST', '/api/staff/labels', { tag, sealedName: envelope });
    expect(res.statusCode).toBe(409);
    expect(res.json().error.code).toBe('label_exists');
  });

  it('records the creation in the audit chain by tag', async () => {
    const rows = (await sqlAll(fx.t, "select actor_staff_id as actor, target from audit where action = 'label.create'")) as { actor: string; target: string }[];
    expect(rows).toHaveLength(NAMES.length);
    expect(rows.every((r) => r.actor === fx.staff.tech.staffId)).toBe(true);
  });

  it.each([
    [{ tag: 'short', sealedName: { v: 1, nonce: 'A'.repeat(32), ct: 'AAAA' } }],
    [{ tag: 'A'.repeat(43), sealedName: 'plain name' }],
    [{ tag: 'A'.repeat(43), sealedName: { v: 2, nonce: 'A'.repeat(32), ct: 'AAAA' } }],
    [{ tag: 'A'.repeat(43), sealedName: { v: 1, nonce: 'A'.repeat(32), ct: 'A'.repeat(5000) } }],
    [{ tag: 'A'.repeat(43), sealedName: { v: 1, nonce: 'A'.repeat(32), ct: 'AAAA' }, name: 'Phishing' }],
  ])('refuses the malformed entry %# with 400', async (body) => {
    const res = await call('POST', '/api/staff/labels', body);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('validation_failed');
  });
});

describe('label filters without label names', () => {
  it('filters by blind tag to exactly the carrying tickets, and nothing anywhere holds a name', async () => {
    // Given twelve tickets, labelled through the API with a varying subset of the dictionary
    const tags = NAMES.map((n) => sealLabelName(labelKeyOf(fx.desk), n).tag);
    const requester = await seedRequester(fx.app);
    const carrying = new Map<string, Set<string>>(tags.map((tag) => [tag, new Set()]));
    for (let i = 0; i < 12; i++) {
      const { ticketId } = await seedTicket(fx.app, fx.desk, requester, { subject: `case ${i}` });
      const mine = tags.filter((_, k) => (i >> k) & 1);
      expect((await call('PATCH', `/api/staff/tickets/${ticketId}`, { labels: mine })).statusCode).toBe(200);
      for (const tag of mine) carrying.get(tag)!.add(ticketId);
    }
    // When filtering by each tag
    for (const [tag, expected] of carrying) {
      const res = await call('GET', `/api/staff/tickets?label=${tag}&limit=100`);
      const got = res.json<{ tickets: { ticketId: string; labels: string[] }[] }>().tickets;
      // Then exactly the tickets carrying it come back
      expect(new Set(got.map((x) => x.ticketId))).toEqual(expected);
      expect(got.every((x) => x.labels.includes(tag))).toBe(true);
      for (const x of got) responses.push(JSON.stringify((await call('GET', `/api/staff/tickets/${x.ticketId}`)).json()));
    }

    // And no label name appears in any column of any table, in any form we could have stored
    const needles = NAMES.flatMap((n) => [n, n.normalize('NFKC').toLowerCase(), n.normalize('NFD')]).map((n) => n.toLowerCase());
    const tables = await tableNames(fx.t);
    expect(tables).toEqual(expect.arrayContaining(['labels', 'ticket_labels', 'tickets', 'audit']));
    let cells = 0;
    for (const table of tables) {
      for (const row of await sqlAll(fx.t, `select * from "${table}"`)) {
        for (const value of Object.values(row)) {
          const text = typeof value === 'string' ? value : Buffer.isBuffer(value) ? value.toString('utf8') : null;
          if (text === null) continue;
          cells++;
          for (const needle of needles) expect(text.toLowerCase().includes(needle), `${table} holds "${needle}"`).toBe(false);
        }
      }
    }
    expect(cells).toBeGreaterThan(100);
    // Nor in the raw database files (free pages, WAL): SQLite's file is in the data dir; a
    // PostgreSQL server's files are not the desk's to read
    if (fx.t.backend === 'sqlite') fx.t.sqlite.pragma('wal_checkpoint(PASSIVE)');
    for (const file of readdirSync(fx.t.dataDir).filter((f) => f.startsWith('sealdesk.db'))) {
      const bytes = readFileSync(join(fx.t.dataDir, file)).toString('latin1').toLowerCase();
      for (const needle of needles) expect(bytes.includes(Buffer.from(needle, 'utf8').toString('latin1')), `${file} holds "${needle}"`).toBe(false);
    }
    // Nor in any staff API response of this suite
    expect(responses.length).toBeGreaterThan(20);
    for (const body of responses) for (const needle of needles) expect(body.toLowerCase().includes(needle)).toBe(false);
  });
});
