import type { CommandIo } from '../staff/io';
import { existsSync } from 'node:fs';
import { openDb } from '../../db/client';
import { dbFilePath } from '../../server/app';
import { loadConfig } from '../../server/config';
import { verifyAuditRows } from '../../server/plugins/app/audit';

/** `audit-verify`: recomputes the audit hash chain; exit 1 and name the first broken row. */
export async function auditVerifyCommand(args: string[], io: CommandIo): Promise<number> {
  if (args.length > 0) {
    io.stderr.write('usage: sealdesk audit-verify\n');
    return 2;
  }
  const file = dbFilePath(loadConfig(io.env as NodeJS.ProcessEnv).dataDir);
  if (!existsSync(file)) throw new Error(`no database at ${file}`);
  const { sqlite, db } = openDb(file, { migrate: false });
  try {
    const result = await verifyAuditRows(db);
    if (result.ok) {
      io.stdout.write(`audit chain ok: ${result.count} entries\n`);
      return 0;
    }
    io.stdout.write(`audit chain BROKEN at seq ${result.brokenAt} (${result.count} entries verify before it)\n`);
    return 1;
  } finally {
    sqlite.close();
  }
}
