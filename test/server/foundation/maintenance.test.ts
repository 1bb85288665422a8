import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POW_SPENT_GRACE_SECONDS, runMaintenance } from '../../../server/plugins/app/maintenance';
import { buildTestApp, type TestApp, sqlAll, sqlRun } from '../../helpers/app';

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp({ env: { SEALDESK_RETENTION_DAYS: '10' } });
});
afterAll(async () => t.close());

const DAY = 86_400;
const NOW = 1_900_000_000;
const run = (sql: string, ...args: unknown[]) => sqlRun(t, sql, ...args);
const ids = async (sql: string) => ((await sqlAll(t, sql)) as { id: string }[]).map((r) => r.id);

describe('runMaintenance', () => {
  it('deletes closed tickets past retention with their messages, and only those', async () => {
    // Given tickets closed 11 and 9 days ago, a resolved one from long ago, and an open one
    await run("insert into requesters (id, box_pk, sign_pk, created_at) values ('r', 'b', 's', 1)");
    const ticket = (id: string, status: string, closedAt: number | null) =>
      run('insert into tickets (id, requester_id, status, created_at, updated_at, closed_at) values (?, ?, ?, 1, 1, ?)', id, 'r', status, closedAt);
    await ticket('old-closed', 'closed', NOW - 11 * DAY);
    await ticket('new-closed', 'closed', NOW - 9 * DAY);
    await ticket('old-resolved', 'resolved', null);
    await ticket('open', 'open', null);
    await run("insert into messages (id, ticket_id, seq, kind, author_type, nonce, ct, sig, created_at) values ('m', 'old-closed', 1, 'message', 'requester', 'n', 'c', 's', 1)");

    // When maintenance runs with a 10-day retention
    const result = await runMaintenance(t.db, t.config.retentionDays, NOW);

    // Then only the ticket closed 11 days ago is gone, with its message
    expect(result.closedTicketsDeleted).toBe(1);
    expect(await ids('select id from tickets order by id')).toEqual(['new-closed', 'old-resolved', 'open']);
    expect(await ids('select id from messages')).toEqual([]);
  });

  it('forgets proof-of-work ids an hour after their challenge expired, and keeps the rest spent', async () => {
    // Live, just expired (a node whose clock is behind may still accept it), long expired.
    await run("insert into pow_spent (id, expires_at) values ('dead', ?), ('recent', ?), ('live', ?)", NOW - POW_SPENT_GRACE_SECONDS - 1, NOW - 1, NOW + 60);
    expect((await runMaintenance(t.db, 10, NOW)).powSpentDeleted).toBe(1);
    expect(await ids('select id from pow_spent order by id')).toEqual(['live', 'recent']);
  });

  it('deletes sessions a day after they expired or were revoked', async () => {
    const session = (jti: string, expiresAt: number, revokedAt: number | null) =>
      run("insert into sessions (jti, subject_type, subject_id, created_at, expires_at, revoked_at) values (?, 'staff', 's', 1, ?, ?)", jti, expiresAt, revokedAt);
    await session('long-expired', NOW - 2 * DAY, null);
    await session('just-expired', NOW - 60, null);
    await session('long-revoked', NOW + 3600, NOW - 2 * DAY);
    await session('live', NOW + 3600, null);
    expect((await runMaintenance(t.db, 10, NOW)).sessionsDeleted).toBe(2);
    expect(((await sqlAll(t, 'select jti from sessions order by jti')) as { jti: string }[]).map((r) => r.jti)).toEqual(['just-expired', 'live']);
  });
});
