// The WAL checkpointer's thread (wal-checkpointer.ts): its own connection to the desk database,
// copying committed WAL frames into the database file off the event loop. Plain JavaScript with
// no app imports, so any parent can start it (tsx in production, vitest in tests).
import Database from 'better-sqlite3';
import { closeSync, openSync, readSync } from 'node:fs';
import { endianness } from 'node:os';
import { clearInterval, setInterval } from 'node:timers';
import { parentPort, workerData } from 'node:worker_threads';

/** @type {{ file: string, frames: number, busyFrames: number, intervalMs: number }} */
const { file, frames, busyFrames, intervalMs } = workerData;
const db = new Database(file, { fileMustExist: true });
// SECURITY/durability: a checkpoint syncs the WAL before it copies frames, and the database file
// before the WAL may restart, under FULL and NORMAL alike (only OFF skips them); FULL says so.
// Its page cache stays small: a checkpoint copies frames, it does not read through the cache.
db.pragma('synchronous = FULL');
db.pragma('cache_size = -256');

// How many committed frames wait to be copied, from the wal-index header in the -shm file
// (https://www.sqlite.org/walformat.html §2.1: mxFrame at byte 16, nBackfill at byte 96, both
// 32-bit native byte order). A read of 100 bytes, so an idle desk costs no checkpoint and no sync.
const header = Buffer.alloc(100);
const read32 = endianness() === 'LE' ? (at) => header.readUInt32LE(at) : (at) => header.readUInt32BE(at);
let shm;
/** The WAL's last committed frame and how many of its frames wait to be copied. */
const walState = () => {
  try {
    shm ??= openSync(`${file}-shm`, 'r');
    if (readSync(shm, header, 0, 100, 0) < 100) return { last: 0, pending: 0 };
  } catch {
    return { last: 0, pending: 0 }; // no -shm file yet: nothing written
  }
  return { last: read32(16), pending: Math.max(0, read32(16) - read32(96)) };
};

// Past `frames`, wait for a tick in which no frame was added (the burst of commits is over), so
// the copy and its fsyncs do not compete with the commits' own; past `busyFrames`, do not wait.
let lastSeen = -1;
const timer = setInterval(() => {
  const { last, pending } = walState();
  const quiet = last === lastSeen;
  lastSeen = last;
  if (pending < frames || (pending < busyFrames && !quiet)) return;
  // PASSIVE: copies what no reader still needs; never waits for, or blocks, a reader or a writer.
  db.pragma('wal_checkpoint(PASSIVE)');
}, intervalMs);

parentPort.on('message', (m) => {
  if (m !== 'close') return;
  clearInterval(timer);
  if (shm !== undefined) closeSync(shm);
  db.close();
  parentPort.close();
});
