// The durability barrier (server/services/durability-barrier.ts, docs/DECISIONS.md): with
// synchronous=NORMAL, no reply may leave before the -wal file is fsynced. The real db plugin on
// a real Fastify instance and a real SQLite file; only the fsync is wrapped, so a test can hold it.
import Database from 'better-sqlite3';
import Fastify, { type FastifyInstance } from 'fastify';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDb, type OpenedDb } from '../../../db/client';
import dbPlugin from '../../../server/plugins/app/db';
import { createDurabilityBarrier, fsyncFile } from '../../../server/services/durability-barrier';

let dir: string;
let opened: OpenedDb;
let app: FastifyInstance;
/** Every fsync the barrier asked for, each released by the test (or at once when `autoRelease`). */
let fsyncs: { file: string; release: () => void }[];
let autoRelease: boolean;
/** Make the next fsyncs fail, as a failing disk would (EIO). */
let failing: boolean;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sealdesk-barrier-'));
  opened = openDb(join(dir, 'desk.db'), { migrate: false });
  opened.sqlite.exec('create table rows (id text primary key)');
  fsyncs = [];
  autoRelease = false;
  failing = false;
  app = Fastify();
  await app.register(dbPlugin, {
    opened,
    closeDbOnShutdown: true,
    fsyncWal: async (file) => {
      if (failing) throw new Error('EIO: i/o error, fsync');
      await new Promise<void>((release) => {
        fsyncs.push({ file, release });
        if (autoRelease) release();
      });
      await fsyncFile(file); // the real fsync still runs
    },
  });
  app.post<{ Params: { id: string } }>('/rows/:id', async (request) =>
    app.groupCommit(async () => app.sqlite.prepare('insert into rows (id) values (?)').run(request.params.id).changes),
  );
  app.get('/rows', async () => app.sqlite.prepare('select id from rows order by id').pluck().all());
  await app.ready();
});
afterEach(async () => {
  await app.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A few event-loop turns and timer ticks: time enough for a reply that is not held to go out. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((r) => setTimeout(r, 5));
}

describe('durability barrier', () => {
  it('runs the connection with synchronous=NORMAL only because the barrier is installed', () => {
    expect(opened.sqlite.pragma('synchronous', { simple: true })).toBe(1); // NORMAL
    expect(opened.sqlite.pragma('journal_mode', { simple: true })).toBe('wal');
  });

  it('holds the response to a write until the fsync of the -wal file resolves', async () => {
    // Given a write request whose commit has happened
    let answered = false;
    const response = app.inject({ method: 'POST', url: '/rows/a' }).then((res) => {
      answered = true;
      return res;
    });
    await settle();
    // Then the row is committed but the reply waits on the fsync of this database's WAL
    const reader = new Database(join(dir, 'desk.db'), { readonly: true });
    expect(reader.prepare('select count(*) from rows').pluck().get()).toBe(1);
    reader.close();
    expect(fsyncs.map((f) => f.file)).toEqual([join(dir, 'desk.db-wal')]);
    expect(answered).toBe(false);
    // When the fsync completes, the reply goes out
    fsyncs[0]!.release();
    expect((await response).statusCode).toBe(200);
    expect(answered).toBe(true);
  });

  it('lets one fsync serve every write that committed before it started', async () => {
    const responses = ['a', 'b', 'c', 'd'].map((id) => app.inject({ method: 'POST', url: `/rows/${id}` }));
    await settle();
    expect(fsyncs).toHaveLength(1);
    fsyncs[0]!.release();
    expect((await Promise.all(responses)).map((r) => r.statusCode)).toEqual([200, 200, 200, 200]);
    expect(fsyncs).toHaveLength(1);
  });

  it('starts a fresh fsync for a commit made while an earlier fsync was already running', async () => {
    const first = app.inject({ method: 'POST', url: '/rows/a' });
    await settle();
    expect(fsyncs).toHaveLength(1);
    // A commit after the first fsync started is not covered by it
    let secondAnswered = false;
    const second = app.inject({ method: 'POST', url: '/rows/b' }).then((res) => ((secondAnswered = true), res));
    await settle();
    fsyncs[0]!.release();
    expect((await first).statusCode).toBe(200);
    await settle();
    expect(secondAnswered).toBe(false);
    expect(fsyncs).toHaveLength(2);
    fsyncs[1]!.release();
    expect((await second).statusCode).toBe(200);
  });

  it('holds a read while a commit is unsynced, so no reply shows data a power cut could take back', async () => {
    const write = app.inject({ method: 'POST', url: '/rows/a' });
    await settle();
    let readAnswered = false;
    const read = app.inject({ method: 'GET', url: '/rows' }).then((res) => ((readAnswered = true), res));
    await settle();
    expect(readAnswered).toBe(false);
    fsyncs[0]!.release();
    await write;
    expect((await read).json()).toEqual(['a']);
  });

  it('answers a read at once, without any fsync, when nothing is unsynced', async () => {
    autoRelease = true;
    await app.inject({ method: 'POST', url: '/rows/a' });
    const before = fsyncs.length;
    autoRelease = false;
    // Nothing held: were the read to wait for an fsync it would never be answered
    const res = await app.inject({ method: 'GET', url: '/rows' });
    expect(res.json()).toEqual(['a']);
    expect(fsyncs).toHaveLength(before);
  });

  it('fails the reply, rather than acknowledge the write, when the fsync fails, and keeps failing', async () => {
    failing = true;
    const res = await app.inject({ method: 'POST', url: '/rows/a' });
    expect(res.statusCode).toBe(500);
    expect(res.body).not.toBe('1');
    // A later fsync that succeeds proves nothing (the kernel may have dropped the pages): no more acknowledgements
    failing = false;
    autoRelease = true;
    expect((await app.inject({ method: 'POST', url: '/rows/b' })).statusCode).toBe(500);
    expect((await app.inject({ method: 'GET', url: '/rows' })).statusCode).toBe(500);
    expect(fsyncs).toHaveLength(0);
    // (let afterEach close the app: its onClose barrier would fail the same way)
    opened.sqlite.close();
  });

  it('counts nothing as unsynced on a fresh connection', () => {
    const other = new Database(join(dir, 'desk.db'));
    expect(createDurabilityBarrier(other, () => Promise.reject(new Error('unexpected fsync'))).pending()).toBe(false);
    other.close();
  });
});
