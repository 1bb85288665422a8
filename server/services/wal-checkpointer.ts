// WAL checkpoints off the event loop. See docs/DECISIONS.md, "Attachment throughput".
//
// SQLite's automatic checkpoint runs at the end of a COMMIT, on the committing connection: here
// the event loop, where better-sqlite3 is synchronous. It copies the WAL's pages into the
// database file and fsyncs both files, so every ~4 MiB written (1000 pages) one request's COMMIT
// also paid a copy and two fsyncs while every other request waited. An attachment chunk is
// 256 KiB: a 25 MiB upload paid seven of them, about as much loop time as storing the chunks.
// A worker thread with its own connection now runs the same checkpoint (PASSIVE, past the same
// 1000-page mark once no new frame came for a tick, or past 4000 pages in any case) on another core; the loop's connection keeps an automatic checkpoint at a
// higher mark as the backstop, so the WAL stays bounded even if the worker lags or dies.
// Durability does not depend on checkpoints: a commit is durable once its WAL frames are synced
// (the durability barrier), and SQLite's checkpoint protocol is the same from any connection.
import { resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Sqlite } from '../../db/client';

/** SQLite's default automatic-checkpoint mark (pages): the worker checkpoints past it once the WAL is quiet. */
export const CHECKPOINT_FRAMES = 1000;
/**
 * Past this many pending pages (~16 MiB) the worker checkpoints even while writes keep coming.
 * Below it, a checkpoint waits for a tick with no new frame: during a burst of large commits (an
 * attachment's chunks, ~257 pages each) a checkpoint's copy and its two fsyncs competed with the
 * commits' own WAL fsyncs for the disk and the cores; in the pause after the burst they compete
 * with nothing (docs/DECISIONS.md "Attachment throughput", third pass). The same pages are copied
 * either way, only later.
 */
export const BUSY_CHECKPOINT_FRAMES = 4000;
/** The loop's own automatic checkpoint, used only while the worker lags (~40 MiB of WAL). */
export const BACKSTOP_FRAMES = 10_000;

const ENTRY = new URL('./wal-checkpoint-worker.mjs', import.meta.url);

export interface WalCheckpointer {
  /** Stops the worker (its connection closed) and gives the loop's connection the default mark back. */
  close(): Promise<void>;
}

export function startWalCheckpointer(sqlite: Sqlite, opts: { intervalMs?: number; onFailure: (err: unknown) => void }): WalCheckpointer {
  const restore = () => {
    if (sqlite.open) sqlite.pragma(`wal_autocheckpoint = ${CHECKPOINT_FRAMES}`);
  };
  // execArgv: [] — the parent's flags (tsx's loader, --cpu-prof) are not the worker's business.
  // Unref'd: a checkpointer must never be what keeps a process alive.
  const worker = new Worker(ENTRY, {
    execArgv: [],
    workerData: { file: resolve(sqlite.name), frames: CHECKPOINT_FRAMES, busyFrames: BUSY_CHECKPOINT_FRAMES, intervalMs: opts.intervalMs ?? 50 },
  });
  worker.unref();
  sqlite.pragma(`wal_autocheckpoint = ${BACKSTOP_FRAMES}`);
  let closing = false;
  const exited = new Promise<void>((done) => worker.once('exit', () => done()));
  worker.on('error', (err) => {
    // The loop checkpoints on its own again, as it did before the worker.
    restore();
    opts.onFailure(err);
  });
  worker.once('exit', (code) => {
    if (closing) return;
    restore();
    opts.onFailure(new Error(`WAL checkpoint worker exited (${code})`));
  });
  return {
    async close() {
      if (!closing) {
        closing = true;
        // Held while it closes: a caller awaiting close() (an app's onClose in a script with
        // nothing else on the loop) must not see Node exit with the promise unsettled (code 13).
        worker.ref();
        worker.postMessage('close');
      }
      await exited;
      restore();
    },
  };
}
