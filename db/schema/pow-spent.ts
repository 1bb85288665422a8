import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/** Spent proof-of-work challenge ids, kept until they expire, so each challenge works once. */
export const powSpent = sqliteTable(
  'pow_spent',
  {
    id: text('id').primaryKey(),
    expiresAt: integer('expires_at').notNull(),
  },
  (t) => [index('pow_spent_expires_idx').on(t.expiresAt)],
);
