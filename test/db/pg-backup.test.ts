// Backup and restore on PostgreSQL, against the real server and the real pg_dump/pg_restore:
// back up a desk, wipe its database, restore, and the key log and a ticket are back intact.
import { asc } from 'drizzle-orm';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backupCommand, restoreCommand } from '../../cli/operator/backup';
import type { CommandIo } from '../../cli/staff/io';
import { openPgDb } from '../../db/pg';
import { desk, keylogEntries, messages, requesters, tickets } from '../../db/schema-pg';
import { adminQuery, testClusterUrl, testDatabase, type TestDatabase } from '../helpers/postgres';

let dir: string;
let target: TestDatabase;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sealdesk-pgbackup-'));
  target = await testDatabase();
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await target?.drop();
});

function io(): CommandIo & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    env: { SEALDESK_DATA_DIR: dir, SEALDESK_DATABASE_URL: target.url },
    stdout: { write: (t: string) => (out += t) },
    stderr: { write: (t: string) => (err += t) },
    stdin: process.stdin,
    out: () => out,
    err: () => err,
  };
}

async function snapshot() {
  const { db, close } = await openPgDb(target.url, { poolSize: 1 });
  try {
    return {
      desk: await db.select().from(desk),
      keylog: await db.select().from(keylogEntries).orderBy(asc(keylogEntries.seq)),
      tickets: await db.select().from(tickets),
      messages: await db.select().from(messages),
    };
  } finally {
    await close();
  }
}

describe('backup and restore on PostgreSQL', () => {
  it('backs up, and after the database is wiped restores the key log and a ticket exactly', async () => {
    const { db, close } = await openPgDb(target.url);
    try {
      await db.insert(desk).values({ id: 1, deskId: 'desk-1', fingerprint: 'fp', twoFactorRequired: true, createdAt: 1_764_590_000 });
      await db.insert(keylogEntries).values([
        { seq: 0, hash: 'h0', type: 'genesis', entry: '{"seq":0}', at: 1_764_590_000 },
        { seq: 1, hash: 'h1', type: 'team-key-add', entry: '{"seq":1}', at: 1_764_590_100 },
      ]);
      await db.insert(requesters).values({ id: 'r1', boxPk: 'bpk', signPk: 'spk', createdAt: 1_764_590_000 });
      await db.insert(tickets).values({ id: 't1', requesterId: 'r1', createdAt: 1_764_590_000, updatedAt: 1_764_590_000 });
      await db
        .insert(messages)
        .values({ id: 'm1', ticketId: 't1', seq: 0, kind: 'message', authorType: 'requester', nonce: 'n', ct: 'sealed', sig: 's', createdAt: 1_764_590_000 });
    } finally {
      await close();
    }
    const before = await snapshot();
    const file = join(dir, 'desk.pgdump');

    const b = io();
    expect(await backupCommand([file], b), b.err()).toBe(0);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(b.out()).toContain('backup of');
    // A second backup to the same file is refused, not overwritten.
    await expect(backupCommand([file], io())).rejects.toThrow(/already exists/);

    // Wipe: the database is dropped and created again, empty.
    await target.drop();
    await adminQuery(testClusterUrl(), `CREATE DATABASE ${target.name}`);

    const r = io();
    expect(await restoreCommand([file], r), r.err()).toBe(0);
    const after = await snapshot();
    expect(after).toEqual(before);
    expect(after.keylog.map((e) => e.hash)).toEqual(['h0', 'h1']);
    // The identity sequence survives too: the next ticket does not reuse seq 1.
    const reopened = await openPgDb(target.url, { poolSize: 1 });
    try {
      const [next] = await reopened.db.insert(tickets).values({ id: 't2', requesterId: 'r1', createdAt: 2, updatedAt: 2 }).returning({ seq: tickets.seq });
      expect(next!.seq).toBeGreaterThan(before.tickets[0]!.seq);
    } finally {
      await reopened.close();
    }
  });

  it('refuses to restore over a database that holds a desk, unless --replace', async () => {
    const file = join(dir, 'desk.pgdump');
    await expect(restoreCommand([file], io())).rejects.toThrow(/not empty/);
    const r = io();
    expect(await restoreCommand([file, '--replace'], r), r.err()).toBe(0);
    const after = await snapshot();
    // The ticket made after the backup is gone; the backup's state is back.
    expect(after.tickets.map((t) => t.id)).toEqual(['t1']);
  });

  it('on SQLite, restore says how to restore instead', async () => {
    const r = io();
    const code = await restoreCommand([join(dir, 'x')], { ...r, env: { SEALDESK_DATA_DIR: dir } });
    expect(code).toBe(2);
    expect(r.err()).toMatch(/copy the backup/);
  });
});
