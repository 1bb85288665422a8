// The writes the SQLite writer thread runs (writer-thread.ts). Each procedure is an ordinary
// service call over a handle, `(db, args) => Promise<result>`, with plain-data arguments and
// result (they cross a worker boundary by structured clone). The writer thread runs it on its
// own connection; on PostgreSQL, or a desk without a WAL file, the db plugin runs the very same
// function on the app's handle. So one definition serves both, and a procedure's transaction is
// the ordinary `transaction(db, …)` of services/data.ts, with its group commit.
//
// To move another hot write off the event loop (an attachment chunk, a reply), add its service
// function here and call `app.write('<name>', args)` from the route.
import { writeChunk, type ChunkWrite } from './attachment-writes';
import type { Db } from './data';
import { createTicket, submitTicket, type NewTicket, type SubmittedTicket, type VerifySignature } from './tickets';

/** What a procedure may use besides the handle: on the writer thread, checks run in that thread. */
export interface WriteContext {
  /** assertSigned in the writer thread; the verify pool (app.verifySignature) when inline. */
  verifySignature: VerifySignature;
}

export const writeProcedures = {
  /** Ticket, wraps, first message and PoW spend, already verified by the caller. */
  createTicket: (db: Db, t: NewTicket) => createTicket(db, t),
  /** The submit route's whole write: the signing key, the signature, then createTicket. */
  submitTicket: (db: Db, t: SubmittedTicket, ctx: WriteContext) => submitTicket(db, t, ctx.verifySignature),
  /** One attachment chunk, its bytes transferred (attachment-writes.ts). */
  writeChunk: (db: Db, c: ChunkWrite) => writeChunk(db, c),
} satisfies Record<string, (db: Db, args: never, ctx: WriteContext) => Promise<unknown>>;

export type WriteProcedures = typeof writeProcedures;
export type WriteName = keyof WriteProcedures;
export type WriteArgs<K extends WriteName> = Parameters<WriteProcedures[K]>[1];
export type WriteResult<K extends WriteName> = Awaited<ReturnType<WriteProcedures[K]>>;
