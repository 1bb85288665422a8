import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import * as schema from '../../../db/schema';
import { applyPragmas, type Db, type Sqlite } from '../../../db/client';
import { transaction, TransactionYieldedError, type TransactionBody } from '../../../server/services/data';

let dir: string;
let sqlite: Sqlite;
let reader: Sqlite;
let db: Db;
// The transaction helper on a plain SQLite connection: the writer every service goes through.
const commit = <T>(body: TransactionBody<T>) => transaction(db, body);

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sealdesk-group-commit-'));
  sqlite = new Database(join(dir, 'desk.db'));
  applyPragmas(sqlite);
  sqlite.exec('create table rows (id text primary key)');
  // A second connection sees only what was committed.
  reader = new Database(join(dir, 'desk.db'));
  db = drizzle(sqlite, { schema }) as Db;
});
afterEach(() => {
  sqlite.close();
  reader.close();
  rmSync(dir, { recursive: true, force: true });
});

const insert = (id: string) => async () => sqlite.prepare('insert into rows (id) values (?)').run(id).changes;
const ids = () =>
  reader
    .prepare('select id from rows order by id')
    .all()
    .map((r) => (r as { id: string }).id);

describe('group commit', () => {
  it('commits the writes of one event-loop turn together, and each caller sees its own result', async () => {
    // The last write looks through another connection: with one COMMIT per write it would see a and b.
    const peek = async () => {
      await insert('c')();
      return ids();
    };
    const results = await Promise.all([commit(insert('a')), commit(insert('b')), commit(peek)]);
    expect(results).toEqual([1, 1, []]);
    expect(ids()).toEqual(['a', 'b', 'c']);
  });

  it('settles only after the COMMIT: another connection already sees the row', async () => {
    const seen = await commit(insert('x')).then(() => ids());
    expect(seen).toEqual(['x']);
  });

  it('rolls back only the write that failed, with its own error', async () => {
    const failing = async () => {
      sqlite.prepare('insert into rows (id) values (?)').run('half-done');
      throw new Error('refused');
    };
    const outcomes = await Promise.allSettled([commit(insert('a')), commit(failing), commit(insert('a')), commit(insert('b'))]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'fulfilled']);
    expect((outcomes[1] as PromiseRejectedResult).reason).toEqual(new Error('refused'));
    expect(String((outcomes[2] as PromiseRejectedResult).reason)).toMatch(/UNIQUE/);
    expect(ids()).toEqual(['a', 'b']);
  });

  it('lets a write open its own transaction (it becomes a savepoint inside the batch)', async () => {
    const nested = (id: string, fail: boolean) => (tx: Db) =>
      transaction(tx, async () => {
        await insert(id)();
        if (fail) throw new Error('nested refusal');
      });
    const outcomes = await Promise.allSettled([commit(nested('n1', false)), commit(nested('n2', true)), commit(nested('n3', false))]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(ids()).toEqual(['n1', 'n3']);
  });

  it('fails every caller of a batch whose COMMIT cannot happen, and writes nothing', async () => {
    // Another connection holds the write lock past busy_timeout: BEGIN IMMEDIATE cannot start.
    const blocker = new Database(join(dir, 'desk.db'));
    blocker.pragma('busy_timeout = 0');
    sqlite.pragma('busy_timeout = 0');
    blocker.exec('begin immediate');
    try {
      const outcomes = await Promise.allSettled([commit(insert('p')), commit(insert('q'))]);
      expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected']);
    } finally {
      blocker.exec('rollback');
      blocker.close();
    }
    expect(ids()).toEqual([]);
  });

  it('refuses a body that lets the event loop turn: the whole batch rolls back, every caller fails', async () => {
    // SECURITY/consistency: while the batch is open, another request's statements would land in it.
    const yielding = async () => {
      await insert('y')();
      await new Promise((done) => setTimeout(done, 5));
      return 1;
    };
    const outcomes = await Promise.allSettled([commit(insert('before')), commit(yielding), commit(insert('after'))]);
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect((outcomes[1] as PromiseRejectedResult).reason).toBeInstanceOf(TransactionYieldedError);
    expect(ids()).toEqual([]);
    // And the writer works again afterwards
    await commit(insert('later'));
    expect(ids()).toEqual(['later']);
  });

  it('splits a large queue into several commits without losing any write', async () => {
    const n = 200;
    const results = await Promise.all(Array.from({ length: n }, (_, i) => commit(insert(`r${String(i).padStart(3, '0')}`))));
    expect(results.every((r) => r === 1)).toBe(true);
    expect(ids()).toHaveLength(n);
  });
});
