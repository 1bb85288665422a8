// Group commit: the acknowledged writes of one event-loop turn share one COMMIT.
//
// better-sqlite3 is synchronous, so every COMMIT costs event-loop time (its WAL writes, and a
// checkpoint now and then); while one runs the next requests queue up, and this module lets them
// all commit together. The fsync that makes a commit durable is no longer in COMMIT
// (synchronous=NORMAL): the durability barrier (durability-barrier.ts) runs one for the whole
// batch before any reply leaves.
// Each write still runs in its own SAVEPOINT (so a refused one — a 409, a quota — rolls back
// alone, with its own error), and no caller's promise settles before the shared COMMIT returned.
import type { Sqlite } from '../../db/client';

/** Cap per COMMIT, so one flush never holds the event loop for long. */
const MAX_BATCH = 64;

interface Job {
  work: () => unknown;
  resolve: (value: unknown) => void;
  reject: (reason: unknown) => void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

export type GroupCommit = <T>(work: () => T) => Promise<T>;

/**
 * `work` must be synchronous and touch the database only through this connection. Code inside it
 * may open its own `db.transaction(...)`: nested in the batch, better-sqlite3 turns it into a savepoint.
 */
export function createGroupCommit(sqlite: Sqlite): GroupCommit {
  const queue: Job[] = [];

  const runOne = sqlite.transaction((work: () => unknown) => work());
  const runBatch = sqlite.transaction((jobs: Job[]): Outcome[] =>
    jobs.map((job) => {
      try {
        return { ok: true, value: runOne(job.work) };
      } catch (error) {
        // An error that ended the whole transaction (I/O, disk full) must fail the batch, not
        // let the next jobs run outside it.
        if (!sqlite.inTransaction) throw error;
        return { ok: false, error };
      }
    }),
  );

  const flush = () => {
    const jobs = queue.splice(0, MAX_BATCH);
    if (queue.length > 0) setImmediate(flush);
    let outcomes: Outcome[];
    try {
      outcomes = runBatch.immediate(jobs);
    } catch (error) {
      for (const job of jobs) job.reject(error);
      return;
    }
    outcomes.forEach((outcome, i) => (outcome.ok ? jobs[i]!.resolve(outcome.value) : jobs[i]!.reject(outcome.error)));
  };

  return <T>(work: () => T) =>
    new Promise<T>((resolve, reject) => {
      queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
      if (queue.length === 1) setImmediate(flush);
    });
}
