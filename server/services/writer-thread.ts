// The SQLite writer thread: hot writes off the event loop (docs/DECISIONS.md, "Submit
// throughput"). better-sqlite3 is synchronous, so on the loop every statement of a write, its
// COMMIT and the durability barrier's fsync dispatch cost event-loop time that no other request
// can use. Here one worker thread owns a second connection to the same database and runs whole
// write procedures (writer-procedures.ts: checks + inserts as one message, not one per
// statement) with the same group commit, under synchronous = FULL, and answers once committed
// and fsynced. Reads stay on the loop's connection: WAL lets them run beside the writer, and a
// commit acknowledged here is visible to the next read on any connection.
//
// Writes not moved here stay on the loop's connection; SQLite's write lock (BEGIN IMMEDIATE,
// busy_timeout) orders the two writers, so every invariant a transaction checks still holds.
import { Worker } from 'node:worker_threads';
import type { ErrorCode } from '../../contract/index';
import { AppError } from '../errors';
import type { WriteArgs, WriteName, WriteResult } from './writer-procedures';

export interface WriteRequest {
  id: number;
  name: string;
  args: unknown;
}
export type WriteFailure = { app: { code: ErrorCode; message: string } } | { sqliteCode: string; message: string } | { message: string };
export type WriteReply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: WriteFailure };

export interface WriterThreadOptions {
  /** Writes posted and not yet answered; one more is refused with 503 `overloaded`. */
  maxQueued?: number;
}

export interface WriterThread {
  /** Runs the named procedure on the writer's connection; settles once committed and fsynced. */
  run<K extends WriteName>(name: K, args: WriteArgs<K>, transfer?: ArrayBuffer[]): Promise<WriteResult<K>>;
  /** Waits for the writes under way, then closes the writer's connection and stops the thread. */
  close(): Promise<void>;
}

export const DEFAULT_MAX_QUEUED = 1024;

const ENTRY = new URL('./writer-entry.mjs', import.meta.url);

interface Pending {
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

const overloaded = () => new AppError('overloaded', 'the desk is busy; try again shortly');

/** The error the caller sees: the same AppError, a storage error the error handler maps, or a plain Error (500). */
function rebuild(failure: WriteFailure): Error {
  if ('app' in failure) return new AppError(failure.app.code, failure.app.message);
  const err = new Error(`write failed in the writer thread: ${failure.message}`);
  if ('sqliteCode' in failure) Object.assign(err, { code: failure.sqliteCode });
  return err;
}

/** A writer for the database file `file` (WAL mode, migrated). Started on the first write. */
export function createWriterThread(file: string, options: WriterThreadOptions = {}): WriterThread {
  const maxQueued = options.maxQueued ?? DEFAULT_MAX_QUEUED;
  let worker: Worker | undefined;
  let exited: Promise<void> | undefined;
  const pending = new Map<number, Pending>();
  let nextId = 0;
  let closing = false;
  let drained: (() => void) | undefined;

  const settle = (id: number) => {
    const job = pending.get(id);
    pending.delete(id);
    if (pending.size === 0) drained?.();
    return job;
  };

  const start = (): Worker => {
    // execArgv: [] — the parent's flags (tsx's loader, --cpu-prof) are not the worker's business;
    // writer-entry.mjs brings its own loader. Unref'd: a writer must never keep a process alive.
    const w = new Worker(ENTRY, { execArgv: [], workerData: { file } });
    w.unref();
    w.on('message', (reply: WriteReply) => {
      const job = settle(reply.id);
      if (!job) return;
      if (reply.ok) job.resolve(reply.value);
      else job.reject(rebuild(reply.error));
    });
    // A writer that dies fails the writes it holds (500s, not hangs; SQLite rolls back what was
    // not committed when its connection goes) and is started again on the next write.
    const fail = (err: unknown) => {
      for (const id of [...pending.keys()]) settle(id)?.reject(err);
    };
    w.on('error', fail);
    exited = new Promise<void>((done) =>
      w.once('exit', (code) => {
        fail(new Error(`writer thread exited (${code})`));
        if (worker === w) worker = undefined;
        done();
      }),
    );
    return w;
  };

  function run<K extends WriteName>(name: K, args: WriteArgs<K>, transfer?: ArrayBuffer[]): Promise<WriteResult<K>> {
    // SECURITY: bounded: a flood is refused with 503 here, never queued without limit in memory.
    if (closing || pending.size >= maxQueued) return Promise.reject(overloaded());
    worker ??= start();
    const id = nextId++;
    return new Promise<WriteResult<K>>((resolve, reject) => {
      pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      worker!.postMessage({ id, name, args } satisfies WriteRequest, transfer);
    });
  }

  async function close(): Promise<void> {
    closing = true;
    if (pending.size > 0) await new Promise<void>((done) => (drained = done));
    if (worker) {
      worker.postMessage('close');
      await exited;
    }
  }

  return { run, close };
}
