import { index, pgTable, text } from 'drizzle-orm/pg-core';
import { int } from './columns';
import { STAFF_ROLES, staff } from './staff';

/** PostgreSQL twin of db/schema/invites.ts. */
export const invites = pgTable(
  'invites',
  {
    tokenHash: text('token_hash').primaryKey(),
    username: text('username').notNull(),
    role: text('role', { enum: STAFF_ROLES }).notNull(),
    createdBy: text('created_by')
      .notNull()
      .references(() => staff.id, { onDelete: 'cascade' }),
    expiresAt: int('expires_at').notNull(),
    usedAt: int('used_at'),
  },
  (t) => [index('invites_username_idx').on(t.username)],
);
