import { pgTable, text } from 'drizzle-orm/pg-core';
import { int } from './columns';

/** PostgreSQL twin of db/schema/keylog.ts. */
export const keylogEntries = pgTable('keylog_entries', {
  seq: int('seq').primaryKey(),
  hash: text('hash').notNull().unique(),
  type: text('type').notNull(),
  entry: text('entry').notNull(),
  at: int('at').notNull(),
});
