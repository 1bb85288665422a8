import type { CommandIo } from '../staff/io';
import { existsSync } from 'node:fs';
import { openDb } from '../../db/client';
import { openPgDb } from '../../db/pg';
import { dbFilePath } from '../../server/app';
import { loadConfig } from '../../server/config';
import { runMaintenance, type MaintenanceResult } from '../../server/plugins/app/maintenance';
import { nowSeconds } from '../../server/plugins/app/tokens';
import { asDb } from '../../server/services/data';

const USAGE = 'usage: sealdesk retention [--dry-run] [--days N]\n';
const MAX_DAYS = 36_500;

/**
 * `retention [--dry-run] [--days N]`: the scheduled retention job, now. Deletes closed tickets
 * older than the policy (SEALDESK_RETENTION_DAYS, or --days) with everything that hangs off
 * them, plus dead sessions and expired proof-of-work ids, and prints what went. Safe while the
 * server runs: one transaction, and on SQLite secure_delete on this connection too. On
 * PostgreSQL (SEALDESK_DATABASE_URL) it runs on that database; deleted rows are not overwritten
 * there (docs/OPERATIONS.md, "Retention and secure deletion on PostgreSQL").
 */
export async function retentionCommand(args: string[], io: CommandIo): Promise<number> {
  const parsed = parseArgs(args);
  if (typeof parsed === 'string') {
    io.stderr.write(`${parsed}\n${USAGE}`);
    return 2;
  }
  const { dryRun, days } = parsed;
  const config = loadConfig(io.env as NodeJS.ProcessEnv);
  const retentionDays = days ?? config.retentionDays;
  const now = nowSeconds();
  if (config.database.kind === 'postgres') {
    const pg = await openPgDb(config.database.url, { poolSize: 1 });
    try {
      const result = await runMaintenance(asDb(pg.db), retentionDays, now, { dryRun });
      io.stdout.write(report(result, retentionDays, now, dryRun));
      return 0;
    } finally {
      await pg.close();
    }
  }
  const file = dbFilePath(config.dataDir);
  if (!existsSync(file)) throw new Error(`no database at ${file}`);

  const { sqlite, db } = openDb(file);
  try {
    // SECURITY: deleted ciphertext must be overwritten, not left in free pages (applyPragmas sets it).
    if (sqlite.pragma('secure_delete', { simple: true }) !== 1) throw new Error('secure_delete is off; refusing to delete');
    const result = await runMaintenance(db, retentionDays, now, { dryRun });
    io.stdout.write(report(result, retentionDays, now, dryRun));
    return 0;
  } finally {
    sqlite.close();
  }
}

/** `--dry-run` and `--days N` (1–36500, as SEALDESK_RETENTION_DAYS); a message on anything else. */
function parseArgs(args: string[]): { dryRun: boolean; days?: number } | string {
  let dryRun = false;
  let days: number | undefined;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--dry-run') dryRun = true;
    else if (args[i] === '--days') {
      const value = args[++i] ?? '';
      if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > MAX_DAYS) return `--days needs a whole number from 1 to ${MAX_DAYS}`;
      days = Number(value);
    } else return `unknown argument ${JSON.stringify(args[i])}`;
  }
  return { dryRun, days };
}

function report(r: MaintenanceResult, days: number, now: number, dryRun: boolean): string {
  const cutoff = new Date((now - days * 86_400) * 1000).toISOString().slice(0, 16).replace('T', ' ');
  const verb = dryRun ? 'would delete' : 'deleted';
  return [
    `retention: ${days} days (tickets closed before ${cutoff} UTC)${dryRun ? ' — dry run, nothing deleted' : ''}`,
    `closed tickets ${verb}: ${r.closedTicketsDeleted}`,
    `  messages: ${r.messagesDeleted}`,
    `  key wraps: ${r.wrapsDeleted}`,
    `  attachments: ${r.attachmentsDeleted}`,
    `  attachment chunks: ${r.attachmentChunksDeleted}`,
    `  label tags: ${r.ticketLabelsDeleted}`,
    `expired sessions ${verb}: ${r.sessionsDeleted}`,
    `expired proof-of-work ids ${verb}: ${r.powSpentDeleted}`,
    `unfinished uploads ${verb}: ${r.incompleteUploadsDeleted}`,
    '',
  ].join('\n');
}
