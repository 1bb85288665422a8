import { index, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';
import { int } from './columns';
import { staff } from './staff';

/** PostgreSQL twin of db/schema/team-keys.ts. */
export const teamKeys = pgTable('team_keys', {
  version: int('version').primaryKey(),
  boxPk: text('box_pk').notNull(),
  createdAt: int('created_at').notNull(),
  retiredAt: int('retired_at'),
});

export const grants = pgTable(
  'grants',
  {
    staffId: text('staff_id')
      .notNull()
      .references(() => staff.id, { onDelete: 'cascade' }),
    teamKeyVersion: int('team_key_version')
      .notNull()
      .references(() => teamKeys.version, { onDelete: 'cascade' }),
    sealed: text('sealed').notNull(),
  },
  (t) => [primaryKey({ columns: [t.staffId, t.teamKeyVersion] }), index('grants_version_idx').on(t.teamKeyVersion)],
);
