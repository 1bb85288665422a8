import { existsSync } from 'node:fs';
import { openDb } from '../../db/client';
import { dbFilePath } from '../app';
import { loadConfig } from '../config';
import { verifyAuditRows } from '../plugins/app/audit';

/** `audit-verify`: recomputes the audit hash chain; exit 1 and name the first broken row. */
export async function auditVerifyCommand(args: string[]): Promise<number> {
  if (args.length > 0) {
    process.stderr.write('usage: sealdesk audit-verify\n');
    return 2;
  }
  const file = dbFilePath(loadConfig().dataDir);
  if (!existsSync(file)) throw new Error(`no database at ${file}`);
  const { sqlite, db } = openDb(file, { migrate: false });
  try {
    const result = verifyAuditRows(db);
    if (result.ok) {
      process.stdout.write(`audit chain ok: ${result.count} entries\n`);
      return 0;
    }
    process.stdout.write(`audit chain BROKEN at seq ${result.brokenAt} (${result.count} entries verify before it)\n`);
    return 1;
  } finally {
    sqlite.close();
  }
}
