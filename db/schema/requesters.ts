import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/** Anonymous requesters: only the two passphrase-derived public keys. */
export const requesters = sqliteTable('requesters', {
  id: text('id').primaryKey(),
  boxPk: text('box_pk').notNull(),
  signPk: text('sign_pk').notNull().unique(),
  createdAt: integer('created_at').notNull(),
});
