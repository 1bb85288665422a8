import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { resolve } from 'node:path';
import type { Db, Sqlite } from '../../../db/client';
import type { AppPluginOptions } from '../options';
import { createDurabilityBarrier, type FsyncWal } from '../../services/durability-barrier';
import { asDb, transaction, type TransactionBody } from '../../services/data';
import { startWalCheckpointer } from '../../services/wal-checkpointer';
import { writeProcedures, type WriteArgs, type WriteContext, type WriteName, type WriteResult } from '../../services/writer-procedures';
import { createWriterThread } from '../../services/writer-thread';

/** Run a write in the next shared COMMIT (SQLite) or its own transaction (PostgreSQL); see services/data.ts. */
export type GroupCommit = <T>(work: TransactionBody<T>) => Promise<T>;
/** Run a named write procedure (services/writer-procedures.ts); on SQLite in the writer thread. */
export type Write = <K extends WriteName>(name: K, args: WriteArgs<K>, transfer?: ArrayBuffer[]) => Promise<WriteResult<K>>;

declare module 'fastify' {
  interface FastifyInstance {
    db: Db;
    /** The raw better-sqlite3 handle, for pragmas, backup and hand-tuned statements. */
    sqlite: Sqlite;
    /** Run a write in the next shared COMMIT; settles once it is committed (durable before any reply: see below). */
    groupCommit: GroupCommit;
    /**
     * Run a hot write procedure off the event loop: on SQLite in the writer thread
     * (services/writer-thread.ts), elsewhere inline on `db`. Settles once committed and durable.
     */
    write: Write;
  }
}

export interface DbPluginOptions extends Pick<AppPluginOptions, 'opened' | 'pg' | 'closeDbOnShutdown' | 'writerThread'> {
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
      app.decorate('write', inline(app, db));
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
    // The hot writes (writer-procedures.ts) run on their own connection in a worker thread, which
    // needs the database in a file under WAL (readers beside a writer); otherwise inline.
    const threaded = wal && opts.writerThread !== false && sqlite.name !== ':memory:' && sqlite.name !== '';
    const writer = threaded ? createWriterThread(resolve(sqlite.name), opts.writerThread || {}) : undefined;
    app.decorate('write', writer ? writer.run : inline(app, db));
    const checkpointer = wal ? startWalCheckpointer(sqlite, { onFailure: (err) => app.log.error({ err }, 'WAL checkpoint worker failed; checkpointing on the loop') }) : undefined;
    app.addHook('onClose', async () => {
      // Stopped first, so the loop's connection is the last one and closing it checkpoints. The
      // writer runs after the in-flight requests (onClose), so nothing new reaches it.
      await writer?.close();
      await checkpointer?.close();
      if (!opts.closeDbOnShutdown) return;
      // Commits made after the last reply (a background sweep) are flushed before close.
      await barrier?.untilDurable();
      if (sqlite.open) sqlite.close();
    });
  },
  { name: 'db' },
);

/** The write procedures run on `db` itself (PostgreSQL, or SQLite without a writer thread). */
function inline(app: FastifyInstance, db: Db): Write {
  // Looked up per call: the verify plugin decorates the app after this one.
  const context: WriteContext = { verifySignature: (m, signPk) => app.verifySignature(m, signPk) };
  return (name, args) => (writeProcedures[name] as (handle: Db, a: typeof args, ctx: WriteContext) => Promise<WriteResult<typeof name>>)(db, args, context);
}
