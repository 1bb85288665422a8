// Issue #6 part 4: retention. Closed tickets older than the policy go with their messages, wraps,
// attachments (rows and chunks) and label tags, on a schedule (at start, then hourly) and by CLI;
// the counts are reported; secure_delete leaves no trace of the ciphertext in the database files.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import * as p from '../../../protocol/index';
import { dbFilePath } from '../../../server/app';
import { runMaintenance, type MaintenanceResult } from '../../../server/plugins/app/maintenance';
import { nowSeconds } from '../../../server/plugins/app/tokens';
import { buildTestApp, onPostgres, sqlGet, sqlRun, type TestApp } from '../../helpers/app';
import { runCommand } from '../../helpers/cli';
import { seedDesk, seedLabel, seedRequester, seedTicket, teamPublicKey, type Desk, type SeededRequester } from '../../helpers/desk';
import { encryptFile } from '../attachments/upload';

const DAY = 86_400;
const POLICY_DAYS = 90;

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

interface Scene {
  /** Closed 100 and 120 days ago: past the 90-day policy. */
  expired: string[];
  /** Closed 10 days ago, open since long ago, resolved long ago (resolved is not closed). */
  kept: string[];
  /** What deleting the expired tickets must report. */
  expectedCounts: Omit<MaintenanceResult, 'sessionsDeleted' | 'powSpentDeleted' | 'incompleteUploadsDeleted'>;
  /** Ciphertext that exists only in the expired tickets, to look for in the raw files. */
  expiredMessageCt: string;
  expiredChunk: Buffer;
}

const count = async (t: TestApp, sql: string, ...args: unknown[]) => (await sqlGet<{ n: number }>(t, sql, ...args))!.n;
const rowsOf = async (t: TestApp, ids: string[]) => {
  const marks = ids.map(() => '?').join(',');
  return {
    tickets: await count(t, `select count(*) as n from tickets where id in (${marks})`, ...ids),
    messages: await count(t, `select count(*) as n from messages where ticket_id in (${marks})`, ...ids),
    wraps: await count(t, `select count(*) as n from wraps where ticket_id in (${marks})`, ...ids),
    attachments: await count(t, `select count(*) as n from attachments where ticket_id in (${marks})`, ...ids),
    chunks: await count(t, `select count(*) as n from attachment_chunks c join attachments a on a.id = c.attachment_id where a.ticket_id in (${marks})`, ...ids),
    labels: await count(t, `select count(*) as n from ticket_labels l join tickets t on t.seq = l.ticket_seq where t.id in (${marks})`, ...ids),
  };
};

/** A real encrypted attachment (protocol module), stored the way the upload routes store it. */
async function addAttachment(t: TestApp, ticketId: string, ticketKey: p.TicketKey, requester: SeededRequester, bytes: number): Promise<Buffer[]> {
  // 256 KiB chunks, so a 300 kB file has several (the clients' default is 1 MiB).
  const f = await encryptFile({ ticketId, ticketKey, signSk: requester.keys.sign.secretKey, bytes: new Uint8Array(randomBytes(bytes)), chunkBytes: 256 * 1024 });
  await sqlRun(
    t,
    "insert into attachments (id, ticket_id, uploader_type, meta, padded_size, chunk_bytes, chunk_count, completed_at, created_at) values (?, ?, 'requester', ?, ?, ?, ?, ?, ?)",
    f.attachmentId,
    ticketId,
    JSON.stringify(f.meta),
    f.layout.paddedBytes,
    f.layout.chunkBytes,
    f.chunks.length,
    1_700_000_000,
    1_700_000_000,
  );
  for (const [i, c] of f.chunks.entries()) await sqlRun(t, 'insert into attachment_chunks (attachment_id, idx, data) values (?, ?, ?)', f.attachmentId, i, Buffer.from(c));
  return f.chunks.map((c) => Buffer.from(c));
}

/** A staff note on a ticket: a note message plus its note-key wrap, as the notes route stores them. */
async function addNote(t: TestApp, desk: Desk, ticketId: string): Promise<void> {
  const noteKey = p.newNoteKey();
  const messageId = p.newId();
  const envelope = p.sealMessage({ kind: 'note', ticketId, messageId, key: noteKey, payload: { v: 1, body: 'internal' }, authorSignSk: desk.admin.keys.sign.secretKey });
  await sqlRun(
    t,
    "insert into messages (id, ticket_id, seq, kind, author_type, author_staff_id, nonce, ct, sig, created_at) values (?, ?, 2, 'note', 'staff', ?, ?, ?, ?, 1700000000)",
    messageId,
    ticketId,
    desk.admin.staffId,
    envelope.nonce,
    envelope.ct,
    envelope.sig,
  );
  const wrap = p.wrapKeyForTeam(noteKey, teamPublicKey(desk));
  await sqlRun(t, "insert into wraps (ticket_id, key_kind, recipient, team_key_version, sealed) values (?, 'note', 'team', ?, ?)", ticketId, wrap.teamKeyVersion, wrap.sealed);
}

/**
 * Five real encrypted tickets. The expired pair carries everything that hangs off a ticket:
 * two first messages + a note (3 messages), 2 + 2 ticket wraps + a note wrap (5), one attachment
 * with its chunks, 3 tags.
 */
async function seedScene(t: TestApp, now = nowSeconds()): Promise<Scene> {
  const desk = await seedDesk(t.app);
  const requester = await seedRequester(t.app);
  const urgent = await seedLabel(t.app, desk, 'urgent');
  const malware = await seedLabel(t.app, desk, 'malware');
  const closedAgo = async (ticketId: string, days: number) => await sqlRun(t, 'update tickets set closed_at = ? where id = ?', now - days * DAY, ticketId);

  const old = await seedTicket(t.app, desk, requester, { status: 'closed', labelTags: [urgent, malware], createdAt: now - 130 * DAY });
  await closedAgo(old.ticketId, 100);
  await addNote(t, desk, old.ticketId);
  const expiredChunks = await addAttachment(t, old.ticketId, old.ticketKey, requester, 300_000);
  const older = await seedTicket(t.app, desk, requester, { status: 'closed', labelTags: [urgent], createdAt: now - 150 * DAY });
  await closedAgo(older.ticketId, 120);

  const recent = await seedTicket(t.app, desk, requester, { status: 'closed', labelTags: [urgent], createdAt: now - 40 * DAY });
  await closedAgo(recent.ticketId, 10);
  const open = await seedTicket(t.app, desk, requester, { status: 'open', labelTags: [malware], createdAt: now - 400 * DAY });
  await addAttachment(t, open.ticketId, open.ticketKey, requester, 70_000);
  const resolved = await seedTicket(t.app, desk, requester, { status: 'resolved', createdAt: now - 400 * DAY });

  const expiredMessageCt = ((await sqlGet(t, 'select ct from messages where id = ?', old.messageId)) as { ct: string }).ct;
  return {
    expired: [old.ticketId, older.ticketId],
    kept: [recent.ticketId, open.ticketId, resolved.ticketId],
    expectedCounts: {
      closedTicketsDeleted: 2,
      messagesDeleted: 3,
      wrapsDeleted: 5,
      attachmentsDeleted: 1,
      attachmentChunksDeleted: expiredChunks.length,
      ticketLabelsDeleted: 3,
    },
    expiredMessageCt,
    expiredChunk: expiredChunks[0]!,
  };
}

async function sceneApp(): Promise<{ t: TestApp; scene: Scene }> {
  const t = await buildTestApp({ env: { SEALDESK_RETENTION_DAYS: String(POLICY_DAYS) } });
  cleanups.push(() => t.close());
  return { t, scene: await seedScene(t) };
}

describe('runMaintenance: retention', () => {
  it('deletes closed tickets past the policy with their messages, wraps, attachments and tags, and reports each count', async () => {
    // Given two tickets closed past the 90-day policy, and three that must stay
    const { t, scene } = await sceneApp();
    const keptBefore = await rowsOf(t, scene.kept);
    expect(await rowsOf(t, scene.expired)).toEqual({ tickets: 2, messages: 3, wraps: 5, attachments: 1, chunks: scene.expectedCounts.attachmentChunksDeleted, labels: 3 });
    expect(scene.expectedCounts.attachmentChunksDeleted).toBeGreaterThan(1);

    // When the job runs
    const result = await runMaintenance(t.db, POLICY_DAYS);

    // Then it reports what went with the tickets, and exactly that is gone
    expect(result).toMatchObject(scene.expectedCounts);
    expect(await rowsOf(t, scene.expired)).toEqual({ tickets: 0, messages: 0, wraps: 0, attachments: 0, chunks: 0, labels: 0 });
    // And the recently closed, open and resolved tickets keep everything
    expect(await rowsOf(t, scene.kept)).toEqual(keptBefore);
    expect(keptBefore.tickets).toBe(3);
    // And a second run finds nothing more
    expect(await runMaintenance(t.db, POLICY_DAYS)).toMatchObject({ closedTicketsDeleted: 0, messagesDeleted: 0, wrapsDeleted: 0, attachmentChunksDeleted: 0 });
  });

  it('in a dry run counts the same and deletes nothing', async () => {
    const { t, scene } = await sceneApp();
    const before = { expired: await rowsOf(t, scene.expired), kept: await rowsOf(t, scene.kept) };
    expect(await runMaintenance(t.db, POLICY_DAYS, nowSeconds(), { dryRun: true })).toMatchObject(scene.expectedCounts);
    expect({ expired: await rowsOf(t, scene.expired), kept: await rowsOf(t, scene.kept) }).toEqual(before);
  });
});

describe('retention CLI', () => {
  it('prints the counts: --dry-run deletes nothing, --days overrides the policy, a real run deletes', async () => {
    // Given a desk whose database a running app holds open
    const { t, scene } = await sceneApp();
    const env = { SEALDESK_DATA_DIR: t.dataDir, SEALDESK_RETENTION_DAYS: String(POLICY_DAYS), ...t.databaseEnv };

    // When `retention --dry-run` runs
    const dry = await runCommand(['retention', '--dry-run'], env);
    // Then it prints what would go and nothing goes
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain('dry run, nothing deleted');
    expect(dry.stdout).toMatch(/^closed tickets would delete: 2$/m);
    expect((await rowsOf(t, scene.expired)).tickets).toBe(2);

    // When `--days 5` is asked for in a dry run, the ticket closed 10 days ago counts too
    const wider = await runCommand(['retention', '--dry-run', '--days', '5'], env);
    expect(wider.stdout).toMatch(/^closed tickets would delete: 3$/m);

    // When it runs for real
    const run = await runCommand(['retention'], env);
    // Then it prints every count, and the expired tickets are gone while the others stay
    expect(run.code, run.stderr).toBe(0);
    const c = scene.expectedCounts;
    expect(run.stdout).toContain(
      [
        `closed tickets deleted: ${c.closedTicketsDeleted}`,
        `  messages: ${c.messagesDeleted}`,
        `  key wraps: ${c.wrapsDeleted}`,
        `  attachments: ${c.attachmentsDeleted}`,
        `  attachment chunks: ${c.attachmentChunksDeleted}`,
        `  label tags: ${c.ticketLabelsDeleted}`,
      ].join('\n'),
    );
    expect(run.stdout).toMatch(/^retention: 90 days \(tickets closed before \d{4}-\d\d-\d\d \d\d:\d\d UTC\)$/m);
    expect((await rowsOf(t, scene.expired)).tickets).toBe(0);
    expect((await rowsOf(t, scene.kept)).tickets).toBe(3);
  }, 120_000);

  it('rejects bad arguments with exit code 2', async () => {
    for (const args of [['--days'], ['--days', '0'], ['--days', 'ten'], ['--days', '36501'], ['--now']]) {
      expect((await runCommand(['retention', ...args], {})).code).toBe(2);
    }
  });

  // SQLite-only: PostgreSQL has no secure_delete (docs/OPERATIONS.md, "Retention and secure deletion on PostgreSQL").
  it.skipIf(onPostgres)(
    'leaves no trace of the deleted ciphertext in the database files (secure_delete)',
    async () => {
      // Given the expired ticket's message ciphertext and an attachment chunk are in the file
      const { t, scene } = await sceneApp();
      const file = dbFilePath(t.dataDir);
      const onDisk = () => {
        t.sqlite.pragma('wal_checkpoint(TRUNCATE)');
        return Buffer.concat([readFileSync(file), readFileSync(`${file}-wal`)]);
      };
      expect(t.sqlite.pragma('secure_delete', { simple: true })).toBe(1);
      const before = onDisk();
      expect(before.includes(scene.expiredMessageCt)).toBe(true);
      // (a slice from the middle of the chunk: it lives in overflow pages, which a delete without
      // secure_delete puts on the freelist untouched)
      expect(before.includes(scene.expiredChunk.subarray(20_000, 20_064))).toBe(true);

      // When the retention CLI deletes them (its own connection, in this process)
      const run = await runCommand(['retention'], { SEALDESK_DATA_DIR: t.dataDir, SEALDESK_RETENTION_DAYS: String(POLICY_DAYS) });
      expect(run.code, run.stderr).toBe(0);

      // Then neither is anywhere in the database or its WAL: overwritten, not just unlinked
      const after = onDisk();
      expect(after.includes(scene.expiredMessageCt)).toBe(false);
      expect(after.includes(scene.expiredChunk.subarray(20_000, 20_064))).toBe(false);
    },
    120_000,
  );
});

describe('the scheduled job', () => {
  it('runs when the server starts (onReady), logging the counts, on a secure_delete connection', async () => {
    // Given a data dir holding expired tickets, written by an app that has since stopped
    const dataDir = mkdtempSync(join(tmpdir(), 'sealdesk-retention-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const first = await buildTestApp({ dataDir, env: { SEALDESK_RETENTION_DAYS: '36500' } });
    const scene = await seedScene(first);
    await first.close();

    // When the app starts with a 90-day policy
    const t = await buildTestApp({ dataDir, env: { SEALDESK_RETENTION_DAYS: String(POLICY_DAYS) } });
    cleanups.push(() => t.close());

    // Then the expired tickets are already gone, and the run is logged with its counts
    expect((await rowsOf(t, scene.expired)).tickets).toBe(0);
    expect((await rowsOf(t, scene.kept)).tickets).toBe(3);
    const logged = t.logs.filter((l) => l.msg === 'maintenance');
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject(scene.expectedCounts);
    if (t.backend === 'sqlite') expect(t.sqlite.pragma('secure_delete', { simple: true })).toBe(1);
  });
});
