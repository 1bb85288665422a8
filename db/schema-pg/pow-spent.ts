import { index, pgTable, text } from 'drizzle-orm/pg-core';
import { int } from './columns';

/** PostgreSQL twin of db/schema/pow-spent.ts. */
export const powSpent = pgTable(
  'pow_spent',
  {
    id: text('id').primaryKey(),
    expiresAt: int('expires_at').notNull(),
  },
  (t) => [index('pow_spent_expires_idx').on(t.expiresAt)],
);
