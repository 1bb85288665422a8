import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MIGRATIONS_FOLDER, openDb, type OpenedDb } from '../../db/client';

const EXPECTED_TABLES = [
  'attachment_chunks',
  'attachments',
  'audit',
  'desk',
  'grants',
  'invites',
  'keylog_entries',
  'label_key_wraps',
  'labels',
  'messages',
  'pow_spent',
  'requesters',
  'rotation_skips',
  'sessions',
  'sign_in_failures',
  'staff',
  'staff_recovery_codes',
  'staff_totp',
  'team_keys',
  'ticket_counts',
  'ticket_labels',
  'tickets',
  'wraps',
];

interface Journal {
  entries: { idx: number; tag: string }[];
}
const journal = JSON.parse(readFileSync(join(MIGRATIONS_FOLDER, 'meta', '_journal.json'), 'utf8')) as Journal;

const tmpDirs: string[] = [];
const opened: OpenedDb[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sealdesk-db-'));
  tmpDirs.push(dir);
  return dir;
}
function open(file: string): OpenedDb {
  const db = openDb(file);
  opened.push(db);
  return db;
}
afterEach(() => {
  for (const o of opened.splice(0)) if (o.sqlite.open) o.sqlite.close();
  for (const d of tmpDirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tableNames(sqlite: Database.Database): string[] {
  return (
    sqlite.prepare("select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name != '__drizzle_migrations' order by name").all() as { name: string }[]
  ).map((r) => r.name);
}

function schemaSql(sqlite: Database.Database): string[] {
  return (sqlite.prepare("select sql from sqlite_master where sql is not null and name != '__drizzle_migrations' order by name").all() as { sql: string }[]).map((r) => r.sql);
}

/** A migrations folder holding only the first `count` journal entries. */
function partialMigrationsFolder(count: number): string {
  const dir = join(tempDir(), 'migrations');
  cpSync(MIGRATIONS_FOLDER, dir, { recursive: true });
  const partial = { ...journal, entries: journal.entries.slice(0, count) };
  writeFileSync(join(dir, 'meta', '_journal.json'), JSON.stringify(partial));
  return dir;
}

describe('openDb', () => {
  it('applies every migration to an empty database and creates every table', () => {
    const { sqlite } = open(join(tempDir(), 'desk.db'));
    expect(tableNames(sqlite)).toEqual(EXPECTED_TABLES);
  });

  it('sets the durability and safety pragmas on a file database', () => {
    const { sqlite } = open(join(tempDir(), 'desk.db'));
    expect(sqlite.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(sqlite.pragma('synchronous', { simple: true })).toBe(2); // FULL
    expect(sqlite.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(sqlite.pragma('secure_delete', { simple: true })).toBe(1);
    expect(sqlite.pragma('busy_timeout', { simple: true })).toBe(5000);
    expect(sqlite.pragma('cache_size', { simple: true })).toBe(-65536);
  });

  it('works in memory', () => {
    const { sqlite } = open(':memory:');
    expect(tableNames(sqlite)).toEqual(EXPECTED_TABLES);
  });

  it('keeps data when an existing database is reopened', () => {
    const file = join(tempDir(), 'desk.db');
    const first = open(file);
    first.sqlite.prepare("insert into requesters (id, box_pk, sign_pk, created_at) values ('r1', 'bp', 'sp', 1)").run();
    first.sqlite.close();

    const second = open(file);
    expect(second.sqlite.prepare('select id, sign_pk from requesters').all()).toEqual([{ id: 'r1', sign_pk: 'sp' }]);
    const applied = second.sqlite.prepare('select count(*) as n from __drizzle_migrations').get() as { n: number };
    expect(applied.n).toBe(journal.entries.length);
  });
});

describe('migrations', () => {
  it('reach the same schema step by step as in one go', () => {
    // Given a database migrated one journal entry at a time
    const stepwise = new Database(':memory:');
    const stepDb = drizzle(stepwise);
    for (let n = 1; n <= journal.entries.length; n += 1) migrate(stepDb, { migrationsFolder: partialMigrationsFolder(n) });
    // Then its schema equals a fresh database's
    const fresh = open(':memory:');
    expect(schemaSql(stepwise)).toEqual(schemaSql(fresh.sqlite));
    stepwise.close();
  });

  it('keep existing data when the latest migration is applied', () => {
    // Given a file database with every migration but the last, holding data in tables that exist then
    const file = join(tempDir(), 'desk.db');
    const before = new Database(file);
    before.pragma('foreign_keys = ON');
    migrate(drizzle(before), { migrationsFolder: partialMigrationsFolder(journal.entries.length - 1) });
    const existing = new Set(tableNames(before));
    const seeded: string[] = [];
    if (existing.has('desk')) {
      before.prepare("insert into desk (id, desk_id, created_at) values (1, 'desk-before', 1)").run();
      seeded.push('desk');
    }
    if (existing.has('requesters')) {
      before.prepare("insert into requesters (id, box_pk, sign_pk, created_at) values ('r-before', 'bp', 'sp', 1)").run();
      seeded.push('requesters');
    }
    before.close();

    // When openDb applies the rest
    const after = open(file);

    // Then the data is still there and the schema is complete
    if (seeded.includes('desk')) {
      expect(after.sqlite.prepare('select desk_id from desk').get()).toEqual({ desk_id: 'desk-before' });
      // 0001_two_factor: an existing desk starts with the two-factor policy off
      expect(after.sqlite.prepare('select two_factor_required from desk').get()).toEqual({ two_factor_required: 0 });
    }
    if (seeded.includes('requesters')) expect(after.sqlite.prepare('select id from requesters').all()).toEqual([{ id: 'r-before' }]);
    expect(tableNames(after.sqlite)).toEqual(EXPECTED_TABLES);
    // With a single migration the "before" database is empty, so nothing could be seeded yet;
    // from the second migration on this test seeds and checks real rows.
    expect(seeded.length).toBe(journal.entries.length > 1 ? 2 : 0);
  });
});
