// The maintenance job runs on one node at a time: a PostgreSQL advisory lock, tried per run.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPgDb, type OpenedPgDb } from '../../db/pg';
import pg from 'pg';
import { MAINTENANCE_LOCK, withMaintenanceLock } from '../../server/plugins/app/maintenance';
import { testDatabase, type TestDatabase } from '../helpers/postgres';

let target: TestDatabase;
let nodeA: OpenedPgDb;
let nodeB: OpenedPgDb;
beforeAll(async () => {
  target = await testDatabase();
  [nodeA, nodeB] = [await openPgDb(target.url, { poolSize: 2 }), await openPgDb(target.url, { poolSize: 2 })];
});
afterAll(async () => {
  await nodeA?.close();
  await nodeB?.close();
  await target?.drop();
});

describe('withMaintenanceLock', () => {
  it('skips the job on a node while another node runs it, and runs it once that run ended', async () => {
    let finishA!: () => void;
    const aHolds = new Promise<void>((resolve) => (finishA = resolve));
    let aStarted!: () => void;
    const started = new Promise<void>((resolve) => (aStarted = resolve));
    const runA = withMaintenanceLock(nodeA.pool, async () => {
      aStarted();
      await aHolds;
      return 'A ran';
    });
    await started;
    let bRan = false;
    expect(
      await withMaintenanceLock(nodeB.pool, () => {
        bRan = true;
        return 'B ran';
      }),
    ).toBeUndefined();
    expect(bRan).toBe(false);
    finishA();
    expect(await runA).toBe('A ran');
    expect(await withMaintenanceLock(nodeB.pool, () => 'B ran')).toBe('B ran');
  });

  it('releases the lock when the job throws', async () => {
    await expect(withMaintenanceLock(nodeA.pool, () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await withMaintenanceLock(nodeB.pool, () => 'ran')).toBe('ran');
  });

  it('is released by PostgreSQL when the holding node dies mid-run', async () => {
    // A node that took the lock, as withMaintenanceLock does, and then crashed: its socket closes.
    const doomed = new pg.Client({ connectionString: target.url });
    doomed.on('error', () => {});
    await doomed.connect();
    await doomed.query('SELECT pg_try_advisory_lock($1)', [MAINTENANCE_LOCK]);
    expect(await withMaintenanceLock(nodeB.pool, () => 'ran')).toBeUndefined();
    const ended = new Promise((resolve) => doomed.once('end', resolve));
    (doomed as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
    await ended;
    // The server notices the closed socket and ends the session (and its lock) shortly after.
    await expect.poll(() => withMaintenanceLock(nodeB.pool, () => 'ran'), { timeout: 10_000, interval: 100 }).toBe('ran');
  });
});
