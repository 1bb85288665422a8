// The durability barrier: no response leaves while a commit it could depend on is only in the
// OS page cache. See docs/DECISIONS.md, "Durability: WAL + synchronous=NORMAL + a barrier".
//
// The connection runs with synchronous=NORMAL, so COMMIT appends its frames to the -wal file
// without waiting for fsync (which would block the event loop: better-sqlite3 is synchronous).
// Instead, before any reply is sent, the db plugin awaits `untilDurable()`: when commits have
// happened since the last fsync started, it awaits one fsync of the -wal file on the libuv thread
// pool. One fsync covers every commit that returned before it started, so concurrent requests
// share it, as group commit shares one COMMIT.
import { close, fsync, open } from 'node:fs';
import { resolve } from 'node:path';
import type { Sqlite } from '../../db/client';

/** Flushes the -wal file to stable storage (the seam tests use to hold or count the fsync). */
export type FsyncWal = (walFile: string) => Promise<void>;

export const fsyncFile: FsyncWal = (file) =>
  // Opened per fsync, not kept: if the -wal file were ever replaced, a kept descriptor would
  // flush a dead inode and report success. Plain descriptors, not fs/promises: a FileHandle costs
  // the event loop several times more per fsync (docs/DECISIONS.md, "Submit throughput").
  new Promise<void>((done, fail) => {
    open(file, 'r', (openError, fd) => {
      if (openError) return fail(openError);
      fsync(fd, (syncError) => {
        close(fd, (closeError) => {
          if (syncError ?? closeError) fail(syncError ?? closeError);
          else done();
        });
      });
    });
  });

export interface DurabilityBarrier {
  /** Resolves once every commit made on this connection before the call is on stable storage. */
  untilDurable(): Promise<void>;
  /** True when some commit has not been fsynced yet (cheap: one prepared `total_changes()`). */
  pending(): boolean;
}

export function createDurabilityBarrier(sqlite: Sqlite, fsyncWal: FsyncWal = fsyncFile): DurabilityBarrier {
  // Resolved now: better-sqlite3 keeps the name as given, and the cwd could change later.
  const walFile = `${resolve(sqlite.name)}-wal`;
  // total_changes() counts every row an INSERT, UPDATE or DELETE (triggers and FK actions
  // included) changed on this connection; it never decreases. Rolled-back changes still count:
  // that costs a spare fsync, never a missed one. DDL is not counted: the server runs none after
  // migrations, which ran at open under synchronous=FULL.
  const changes = sqlite.prepare('select total_changes()').pluck();
  const changed = () => changes.get() as number;
  let durable = changed();
  let inFlight: Promise<void> | undefined;
  // SECURITY/durability: after a failed fsync Linux may already have dropped the dirty pages, so
  // a later fsync that "succeeds" proves nothing. One failure fails every later barrier: the desk
  // stops acknowledging until it is restarted (and SQLite recovers from what is on disk).
  let failure: unknown;

  // A closed connection counts nothing more; the db plugin flushes before it closes its own.
  const pending = () => sqlite.open && changed() > durable;

  async function untilDurable(): Promise<void> {
    if (!sqlite.open) return;
    const target = changed();
    while (durable < target) {
      if (failure !== undefined) throw failure;
      if (inFlight === undefined) {
        // SECURITY: total_changes() also counts an open transaction's rows; counting them as
        // covered would let their later COMMIT go unsynced. Transactions here are synchronous,
        // so none can be open at a reply; refuse rather than trust it.
        if (sqlite.inTransaction) throw new Error('durability barrier reached with a transaction open');
        // Read before the fsync starts: only commits already in the WAL are covered by it.
        const covers = changed();
        inFlight = fsyncWal(walFile)
          .then(
            () => {
              durable = Math.max(durable, covers);
            },
            (error: unknown) => {
              failure = error;
              throw error;
            },
          )
          .finally(() => {
            inFlight = undefined;
          });
      }
      // An fsync that started before our target was reached does not cover it: wait, then loop.
      await inFlight;
    }
  }

  return { untilDurable, pending };
}
