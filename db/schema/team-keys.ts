import { index, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { staff } from './staff';

/** Team (intake) public keys by version; the secret key exists only inside grants. */
export const teamKeys = sqliteTable('team_keys', {
  version: integer('version').primaryKey(),
  boxPk: text('box_pk').notNull(),
  createdAt: integer('created_at').notNull(),
  retiredAt: integer('retired_at'),
});

/** A team secret key sealed to one staff member's box key (`crypto_box_seal`). */
export const grants = sqliteTable(
  'grants',
  {
    staffId: text('staff_id')
      .notNull()
      .references(() => staff.id, { onDelete: 'cascade' }),
    teamKeyVersion: integer('team_key_version')
      .notNull()
      .references(() => teamKeys.version, { onDelete: 'cascade' }),
    sealed: text('sealed').notNull(),
  },
  (t) => [primaryKey({ columns: [t.staffId, t.teamKeyVersion] }), index('grants_version_idx').on(t.teamKeyVersion)],
);
