// The desk's public identity and policy (GET /api/desk) and the liveness probe.
import { eq, sql } from 'drizzle-orm';
import { DESK_LANGUAGES, type DeskInfo } from '../../contract/index';
import type { Db } from '../../db/client';
import { desk } from '../../db/schema';
import type { Config } from '../config';
import { hasAdmin } from '../plugins/app/desk';

export function deskInfo(db: Db, config: Config): DeskInfo {
  const row = db.select().from(desk).where(eq(desk.id, 1)).get();
  if (!row) throw new Error('desk row missing');
  return {
    deskId: row.deskId,
    fingerprint: row.fingerprint,
    setupComplete: row.fingerprint !== null && hasAdmin(db),
    policy: {
      powDifficulty: config.powDifficulty,
      maxAttachmentBytes: config.maxAttachmentBytes,
      maxTicketBytes: config.maxTicketBytes,
      languages: [...DESK_LANGUAGES],
    },
  };
}

/** A real round trip to SQLite; throws (→ 500) if the database does not answer. */
export function checkDatabase(db: Db): void {
  db.get(sql`select 1`);
}
