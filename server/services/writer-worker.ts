// The SQLite writer thread (writer-thread.ts): its own connection to the desk database, running
// the write procedures (writer-procedures.ts) the event loop posts to it. Its transactions are
// the ordinary group commit of services/data.ts, on this connection and this thread's loop.
import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import { applyPragmas } from '../../db/client';
import * as schema from '../../db/schema';
import { ready } from '../../protocol/index';
import { AppError } from '../errors';
import { assertSigned } from './messages';
import { BACKSTOP_FRAMES } from './wal-checkpointer';
import { writeProcedures, type WriteContext, type WriteName } from './writer-procedures';
import type { WriteFailure, WriteReply, WriteRequest } from './writer-thread';

await ready();
const port = parentPort;
if (!port) throw new Error('server/services/writer-worker.ts runs only as a worker thread');
const { file } = workerData as { file: string };

const sqlite = new Database(file, { fileMustExist: true });
// SECURITY/durability: synchronous = FULL, so COMMIT returns only after the WAL is fsynced, and
// SQLite makes a commit visible to other connections only after that sync: an answer from this
// thread (and any read on the loop's connection that sees the row) vouches only for data on
// stable storage. The fsync blocks this thread, never the event loop, so the loop's barrier is
// not needed here. WAL is append-only, so that fsync also covers every earlier commit of the
// loop's own connection that this transaction could have read.
applyPragmas(sqlite);
// Checkpoints are the checkpointer thread's job (wal-checkpointer.ts); this is the backstop, as on the loop.
sqlite.pragma(`wal_autocheckpoint = ${BACKSTOP_FRAMES}`);
const db = drizzle(sqlite, { schema });
// The same assertSigned the event loop and the verify pool run: the same refusal, code and message.
const context: WriteContext = { verifySignature: async (m, signPk) => assertSigned(m, signPk) };

function failure(err: unknown): WriteFailure {
  // A domain refusal crosses as its code and message; a storage error as its SQLite code (the
  // error handler maps it to 503/507); anything else as a generic failure (a 500 on the loop).
  if (err instanceof AppError) return { app: { code: err.code, message: err.message } };
  const code = (err as { code?: unknown } | null)?.code;
  const message = err instanceof Error ? err.message : String(err);
  return typeof code === 'string' && code.startsWith('SQLITE_') ? { sqliteCode: code, message } : { message };
}

async function serve(job: WriteRequest): Promise<WriteReply> {
  try {
    const procedure = writeProcedures[job.name as WriteName] as ((handle: typeof db, args: unknown, ctx: WriteContext) => Promise<unknown>) | undefined;
    if (procedure === undefined) throw new Error(`no write procedure '${job.name}'`);
    return { id: job.id, ok: true, value: await procedure(db, job.args, context) };
  } catch (err) {
    return { id: job.id, ok: false, error: failure(err) };
  }
}

port.on('message', (job: WriteRequest | 'close') => {
  if (job === 'close') {
    // The loop sends this only once every job it posted has been answered.
    sqlite.close();
    port.close();
    return;
  }
  // An ArrayBuffer answer (writeChunk's stored chunk) goes back by transfer, not by copy.
  void serve(job).then((reply) => port.postMessage(reply, reply.ok && reply.value instanceof ArrayBuffer ? [reply.value] : []));
});
