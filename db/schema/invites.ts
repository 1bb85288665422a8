import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { STAFF_ROLES, staff } from './staff';

/** One-time staff invites (also used for re-enrolment); the token itself is never stored. */
export const invites = sqliteTable(
  'invites',
  {
    tokenHash: text('token_hash').primaryKey(),
    username: text('username').notNull(),
    role: text('role', { enum: STAFF_ROLES }).notNull(),
    createdBy: text('created_by')
      .notNull()
      .references(() => staff.id, { onDelete: 'cascade' }),
    expiresAt: integer('expires_at').notNull(),
    usedAt: integer('used_at'),
  },
  (t) => [index('invites_username_idx').on(t.username)],
);
