import { sql } from 'drizzle-orm';
import { check, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { staff } from './staff';
import { teamKeys } from './team-keys';

/**
 * The desk label key L sealed to each live team key version (docs/PROTOCOL.md §4.3): one row per
 * version, re-sealed by every rotation like K and N, deleted with its version at retirement.
 */
export const labelKeyWraps = sqliteTable('label_key_wraps', {
  teamKeyVersion: integer('team_key_version')
    .primaryKey()
    .references(() => teamKeys.version, { onDelete: 'cascade' }),
  sealed: text('sealed').notNull(),
  createdAt: integer('created_at').notNull(),
});

export const SKIP_KEY_KINDS = ['ticket', 'note', 'label'] as const;
export const SKIP_REASONS = ['malformed', 'does_not_open'] as const;

/**
 * Wraps an admin reported as impossible to re-wrap during a rotation (issue 10): they no longer
 * block `team-key-retire` and are listed, with the reason, until their version retires.
 * `ticketId` is '' for the label wrap (a primary key column cannot be null in SQLite's sense).
 */
export const rotationSkips = sqliteTable(
  'rotation_skips',
  {
    ticketId: text('ticket_id').notNull(),
    keyKind: text('key_kind', { enum: SKIP_KEY_KINDS }).notNull(),
    teamKeyVersion: integer('team_key_version')
      .notNull()
      .references(() => teamKeys.version, { onDelete: 'cascade' }),
    reason: text('reason', { enum: SKIP_REASONS }).notNull(),
    skippedBy: text('skipped_by').references(() => staff.id, { onDelete: 'set null' }),
    skippedAt: integer('skipped_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.ticketId, t.keyKind, t.teamKeyVersion] }),
    uniqueIndex('rotation_skips_label_once')
      .on(t.teamKeyVersion)
      .where(sql`${t.keyKind} = 'label'`),
    check('rotation_skips_owner', sql`(${t.keyKind} = 'label') = (${t.ticketId} = '')`),
  ],
);
