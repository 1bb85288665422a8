// The one data layer every service goes through, on SQLite (the default) and on PostgreSQL
// (docs/DECISIONS.md, "One async data layer"). Services only use drizzle's awaitable query
// builders (`await db.select()…`), which both dialects share; what differs lives here:
// transactions, raw SQL, row counts and constraint errors.
//
// Typing: the handle is typed once, as the SQLite drizzle database (`Db`). A PostgreSQL handle is
// passed through the same type (`asDb` in db/client.ts, the one cast). That is sound for what
// services do with it: the query-builder surface they use (select/insert/update/delete,
// onConflict…, returning, prepared `execute`) has the same shape in both dialects, the tables
// come from the handle's own schema (`tables(db)`, db/schema or db/schema-pg, same keys and
// column types), and the SQL is built by the real dialect at run time. The SQLite-only calls
// (`.run()`, `.all()`, `.get()`, `.values()`, `$client`) are banned in server/ by ESLint.
import { is, type SQL } from 'drizzle-orm';
import { BaseSQLiteDatabase } from 'drizzle-orm/sqlite-core';
import type { Db, Sqlite } from '../../db/client';
import type * as sqliteSchema from '../../db/schema';

export type { Db } from '../../db/client';

/**
 * The one typed boundary (see the top of this file): a PostgreSQL drizzle handle used where the
 * services expect `Db`. Sound because services only use the query-builder surface both dialects
 * share, and take their tables from the handle's own schema.
 */
export function asDb(pgDb: object): Db {
  return pgDb as Db;
}
export type Schema = typeof sqliteSchema;
export type Dialect = 'sqlite' | 'pg';

export function dialectOf(db: Db): Dialect {
  return is(db, BaseSQLiteDatabase) ? 'sqlite' : 'pg';
}

/** The table objects of the handle's own dialect (drizzle keeps the schema it was opened with). */
export function tables(db: Db): Schema {
  return db._.fullSchema as Schema;
}

/** Rows changed by an insert/update/delete result: `changes` on SQLite, `rowCount` on PostgreSQL. */
export function affectedRows(result: unknown): number {
  const r = result as { changes?: number; rowCount?: number | null };
  return r.changes ?? r.rowCount ?? 0;
}

/** PostgreSQL's bigint: the twin of SQLite's INTEGER (db/schema-pg/columns.ts). */
const PG_INT8 = 20;

/**
 * Hand-written SQL (rotation's anti-joins): the rows, whatever the dialect. Alias columns in double
 * quotes. Integer columns read as numbers on both: node-postgres hands a bigint over as a string,
 * so those columns are converted here, as drizzle's `bigint({ mode: 'number' })` columns are.
 */
export async function rawRows<T>(db: Db, query: SQL): Promise<T[]> {
  if (dialectOf(db) === 'sqlite') return db.all<T>(query);
  type PgResult = { rows: Record<string, unknown>[]; fields?: { name: string; dataTypeID: number }[] };
  const result = (await (db as unknown as { execute(q: SQL): Promise<PgResult> }).execute(query)) as PgResult;
  const int8 = (result.fields ?? []).filter((f) => f.dataTypeID === PG_INT8).map((f) => f.name);
  if (int8.length > 0) for (const row of result.rows) for (const name of int8) if (row[name] !== null) row[name] = Number(row[name]);
  return result.rows as T[];
}

/** Hand-written SQL that returns no rows (an INSERT … ON CONFLICT); resolves to the rows it changed. */
export async function rawExec(db: Db, query: SQL): Promise<number> {
  if (dialectOf(db) === 'sqlite') return affectedRows(db.run(query));
  return affectedRows(await (db as unknown as { execute(q: SQL): Promise<unknown> }).execute(query));
}

/** True for a PRIMARY KEY / UNIQUE violation, also when drizzle wraps the driver error in `cause`. */
export function isUniqueViolation(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && typeof e === 'object' && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === '23505') return true;
  }
  return false;
}

/** PostgreSQL's "try again" answers to a SERIALIZABLE transaction (serialization failure, deadlock). */
export function isSerializationFailure(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && typeof e === 'object' && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (code === '40001' || code === '40P01') return true;
  }
  return false;
}

export type TransactionBody<T> = (tx: Db) => Promise<T>;

/**
 * Runs `body` as one all-or-nothing unit and settles once it is committed (durable before any
 * reply: the db plugin's barrier on SQLite, COMMIT itself on PostgreSQL). Called from inside a
 * body (with its `tx`), it nests as a savepoint: a refused inner write rolls back alone.
 * Use only `tx` inside the body, and await its database calls one after the other.
 *
 * SQLite: every transaction of a connection goes through one writer (group commit): the bodies
 * queued in one event-loop turn share one `BEGIN IMMEDIATE … COMMIT`, each in its own SAVEPOINT.
 * PostgreSQL: one SERIALIZABLE transaction per call, retried on a serialization failure.
 */
export function transaction<T>(db: Db, body: TransactionBody<T>): Promise<T> {
  if (dialectOf(db) === 'sqlite') return sqliteWriter(db).run(body);
  return pgTransaction(db, body);
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL

/** Attempts of one transaction before a serialization failure reaches the caller (as a 503). */
export const PG_SERIALIZABLE_ATTEMPTS = 8;

interface PgHandle {
  transaction<T>(body: (tx: unknown) => Promise<T>, config?: { isolationLevel: 'serializable' }): Promise<T>;
}

const isPgTransaction = (db: Db) => (db as unknown as { constructor: { name: string } }).constructor.name.endsWith('Transaction');

async function pgTransaction<T>(db: Db, body: TransactionBody<T>): Promise<T> {
  const handle = db as unknown as PgHandle;
  // Inside a transaction, drizzle nests a SAVEPOINT; the outer transaction owns the retry.
  if (isPgTransaction(db)) return handle.transaction((tx) => body(tx as Db));
  // SECURITY/consistency: SERIALIZABLE, so every check-then-write below (quotas, one free first
  // ticket, the key-log sequence, rotation batches, attachment quotas) behaves as on SQLite's
  // single writer: PostgreSQL aborts one of two transactions whose reads and writes overlap
  // (docs/DECISIONS.md lists each invariant). The aborted one is simply run again.
  for (let attempt = 1; ; attempt++) {
    try {
      return await handle.transaction((tx) => body(tx as Db), { isolationLevel: 'serializable' });
    } catch (err) {
      if (attempt >= PG_SERIALIZABLE_ATTEMPTS || !isSerializationFailure(err)) throw err;
      // Jittered back-off: two colliding requests should not collide again at once.
      await new Promise((done) => setTimeout(done, Math.random() * 5 * attempt));
    }
  }
}

// ---------------------------------------------------------------------------------------------
// SQLite: one writer per connection

/** Cap per COMMIT, so one flush never holds the event loop for long. */
const MAX_BATCH = 64;

interface Job {
  body: TransactionBody<unknown>;
  resolve: (value: unknown) => void;
  reject: (reason: unknown) => void;
}
type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/** Thrown when a transaction body let the event loop turn (it awaited something but the database). */
export class TransactionYieldedError extends Error {
  constructor() {
    super('a SQLite transaction body awaited something other than the database; the transaction was rolled back');
  }
}

class SqliteWriter {
  private readonly queue: Job[] = [];
  private scheduled = false;
  /** Savepoint depth while a batch is open (0: none open). */
  private depth = 0;
  /** Set by the open batch's sentinel: the event loop turned while the batch was open. */
  private yielded = false;
  private readonly stmt: Record<'begin' | 'commit' | 'rollback', { run(): unknown }>;
  private readonly savepoints: { open: { run(): unknown }; release: { run(): unknown }; undo: { run(): unknown } }[] = [];

  constructor(
    private readonly db: Db,
    private readonly sqlite: Sqlite,
  ) {
    this.stmt = { begin: sqlite.prepare('BEGIN IMMEDIATE'), commit: sqlite.prepare('COMMIT'), rollback: sqlite.prepare('ROLLBACK') };
  }

  run<T>(body: TransactionBody<T>): Promise<T> {
    // SECURITY/consistency: no code but the open batch's bodies runs while it is open (see
    // flush), so a call made while it is open comes from one of them: nest it.
    if (this.depth > 0) return this.nested(body);
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ body, resolve: resolve as (value: unknown) => void, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => void this.flush());
      }
    });
  }

  private savepoint(depth: number) {
    let sp = this.savepoints[depth];
    if (sp === undefined) {
      const name = `sd${depth}`;
      sp = { open: this.sqlite.prepare(`SAVEPOINT ${name}`), release: this.sqlite.prepare(`RELEASE ${name}`), undo: this.sqlite.prepare(`ROLLBACK TO ${name}`) };
      this.savepoints[depth] = sp;
    }
    return sp;
  }

  private async nested<T>(body: TransactionBody<T>): Promise<T> {
    // A call after the batch yielded may come from another request: refuse it, never nest it.
    if (this.yielded) throw new TransactionYieldedError();
    const depth = this.depth++;
    const sp = this.savepoint(depth);
    sp.open.run();
    try {
      const value = await body(this.db);
      if (this.yielded) throw new TransactionYieldedError();
      sp.release.run();
      return value;
    } catch (error) {
      // An error that ended the whole transaction (I/O, disk full) leaves nothing to roll back to.
      if (this.sqlite.inTransaction) {
        sp.undo.run();
        sp.release.run();
      }
      throw error;
    } finally {
      this.depth = depth;
    }
  }

  /**
   * Runs from a fresh macrotask (setImmediate), so no other request's code is part-way through
   * a microtask chain when BEGIN runs. drizzle's SQLite calls are synchronous underneath and
   * their promises settle in microtasks, so a batch whose bodies await only the database
   * finishes before the event loop turns again: no other request can read or write in between.
   * SECURITY/consistency: a body that awaits anything else (a timer, a worker, the network)
   * would let other requests run inside the open transaction. The sentinel — a macrotask
   * scheduled at BEGIN — catches that: if it fires before COMMIT, the whole batch rolls back
   * and every job in it fails with TransactionYieldedError.
   */
  private async flush(): Promise<void> {
    this.scheduled = false;
    const jobs = this.queue.splice(0, MAX_BATCH);
    this.yielded = false;
    const sentinel = setImmediate(() => {
      this.yielded = true;
    });
    const outcomes: Outcome[] = [];
    let failure: { error: unknown } | undefined;
    try {
      this.stmt.begin.run();
      this.depth = 1;
      const sp = this.savepoint(0);
      for (const job of jobs) {
        sp.open.run();
        try {
          const value = await job.body(this.db);
          sp.release.run();
          outcomes.push({ ok: true, value });
        } catch (error) {
          // An error that ended the whole transaction (I/O, disk full) must fail the batch, not
          // let the next jobs run outside it.
          if (!this.sqlite.inTransaction) throw error;
          sp.undo.run();
          sp.release.run();
          outcomes.push({ ok: false, error });
        }
        if (this.yielded) throw new TransactionYieldedError();
      }
      this.stmt.commit.run();
    } catch (error) {
      failure = { error };
      if (this.sqlite.inTransaction) this.stmt.rollback.run();
    } finally {
      this.depth = 0;
      clearImmediate(sentinel);
    }
    if (this.queue.length > 0 && !this.scheduled) {
      this.scheduled = true;
      setImmediate(() => void this.flush());
    }
    // Settled only now: a caller's continuation must not run inside the next batch either.
    if (failure) for (const job of jobs) job.reject(failure.error);
    else outcomes.forEach((o, i) => (o.ok ? jobs[i]!.resolve(o.value) : jobs[i]!.reject(o.error)));
  }
}

const writers = new WeakMap<Sqlite, SqliteWriter>();

function sqliteWriter(db: Db): SqliteWriter {
  const sqlite = db.$client;
  let writer = writers.get(sqlite);
  if (writer === undefined) {
    writer = new SqliteWriter(db, sqlite);
    writers.set(sqlite, writer);
  }
  return writer;
}
