import fp from 'fastify-plugin';
import type { Db, Sqlite } from '../../../db/client';
import type { AppPluginOptions } from '../options';
import { createDurabilityBarrier, type FsyncWal } from '../../services/durability-barrier';
import { asDb, transaction, type TransactionBody } from '../../services/data';
import { startWalCheckpointer } from '../../services/wal-checkpointer';

/** Run a write in the next shared COMMIT (SQLite) or its own transaction (PostgreSQL); see services/data.ts. */
export type GroupCommit = <T>(work: TransactionBody<T>) => Promise<T>;

declare module 'fastify' {
  interface FastifyInstance {
    db: Db;
    /** The raw better-sqlite3 handle, for pragmas, backup and hand-tuned statements. */
    sqlite: Sqlite;
    /** Run a write in the next shared COMMIT; settles once it is committed (durable before any reply: see below). */
    groupCommit: GroupCommit;
  }
}

export interface DbPluginOptions extends Pick<AppPluginOptions, 'opened' | 'pg' | 'closeDbOnShutdown'> {
  /** Test seam: how the barrier flushes the -wal file (default: fsync on the libuv thread pool). */
  fsyncWal?: FsyncWal;
}

export default fp<DbPluginOptions>(
  async (app, opts) => {
    if (opts.pg) {
      // PostgreSQL: no barrier. With synchronous_commit = on (the server default; the rate-limit
      // counters alone opt out, pgbase's store) COMMIT returns only after the WAL is flushed, so
      // an answered write is durable without one. No `sqlite` on this app.
      const pgDb = opts.pg;
      const db = asDb(pgDb.db);
      app.decorate('db', db);
      app.decorate('sqlite', undefined as unknown as Sqlite);
      app.decorate('groupCommit', <T>(work: TransactionBody<T>) => transaction(db, work));
      if (opts.closeDbOnShutdown) app.addHook('onClose', () => pgDb.close());
      return;
    }
    if (!opts.opened) throw new Error('no database to serve from');
    const { sqlite } = opts.opened;
    app.decorate('db', opts.opened.db);
    app.decorate('sqlite', sqlite);
    const db = opts.opened.db;
    app.decorate('groupCommit', <T>(work: TransactionBody<T>) => transaction(db, work));

    // SECURITY/durability: an acknowledged write (a ticket, a key-log append, a session…) must
    // survive power loss. COMMIT no longer fsyncs (synchronous=NORMAL keeps the event loop free);
    // instead no reply is sent, by any route, while a commit is not yet fsynced: one onSend hook
    // for the whole app, so no write path can forget it. Reads wait too while anything is
    // unsynced, so no response shows data a power cut could still take back. Remove the hook and
    // the pragma must go back to FULL. The argument is in docs/DECISIONS.md (durability).
    const wal = sqlite.pragma('journal_mode', { simple: true }) === 'wal';
    const barrier = wal ? createDurabilityBarrier(sqlite, opts.fsyncWal) : undefined;
    if (barrier) {
      sqlite.pragma('synchronous = NORMAL');
      app.addHook('onSend', async () => {
        if (barrier.pending()) await barrier.untilDurable();
      });
    }
    // WAL checkpoints run in a worker thread, not inside a request's COMMIT (docs/DECISIONS.md,
    // "Attachment throughput"); the loop's own automatic checkpoint stays as the backstop.
    const checkpointer = wal ? startWalCheckpointer(sqlite, { onFailure: (err) => app.log.error({ err }, 'WAL checkpoint worker failed; checkpointing on the loop') }) : undefined;
    app.addHook('onClose', async () => {
      // Stopped first, so the loop's connection is the last one and closing it checkpoints.
      await checkpointer?.close();
      if (!opts.closeDbOnShutdown) return;
      // Commits made after the last reply (a background sweep) are flushed before close.
      await barrier?.untilDurable();
      if (sqlite.open) sqlite.close();
    });
  },
  { name: 'db' },
);
