import { sql } from 'drizzle-orm';
import { check, pgTable, primaryKey, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { SKIP_KEY_KINDS, SKIP_REASONS } from '../schema/rotation';
import { int } from './columns';
import { staff } from './staff';
import { teamKeys } from './team-keys';

export { SKIP_KEY_KINDS, SKIP_REASONS };

/** PostgreSQL twin of db/schema/rotation.ts. */
export const labelKeyWraps = pgTable('label_key_wraps', {
  teamKeyVersion: int('team_key_version')
    .primaryKey()
    .references(() => teamKeys.version, { onDelete: 'cascade' }),
  sealed: text('sealed').notNull(),
  createdAt: int('created_at').notNull(),
});

export const rotationSkips = pgTable(
  'rotation_skips',
  {
    ticketId: text('ticket_id').notNull(),
    keyKind: text('key_kind', { enum: SKIP_KEY_KINDS }).notNull(),
    teamKeyVersion: int('team_key_version')
      .notNull()
      .references(() => teamKeys.version, { onDelete: 'cascade' }),
    reason: text('reason', { enum: SKIP_REASONS }).notNull(),
    skippedBy: text('skipped_by').references(() => staff.id, { onDelete: 'set null' }),
    skippedAt: int('skipped_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.ticketId, t.keyKind, t.teamKeyVersion] }),
    uniqueIndex('rotation_skips_label_once')
      .on(t.teamKeyVersion)
      .where(sql`${t.keyKind} = 'label'`),
    check('rotation_skips_owner', sql`(${t.keyKind} = 'label') = (${t.ticketId} = '')`),
  ],
);
