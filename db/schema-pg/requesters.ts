import { pgTable, text } from 'drizzle-orm/pg-core';
import { int } from './columns';

/** PostgreSQL twin of db/schema/requesters.ts. */
export const requesters = pgTable('requesters', {
  id: text('id').primaryKey(),
  boxPk: text('box_pk').notNull(),
  signPk: text('sign_pk').notNull().unique(),
  createdAt: int('created_at').notNull(),
});
