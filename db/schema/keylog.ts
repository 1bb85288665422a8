import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/** The append-only key log (SPEC §6). `entry` is the full signed entry as JSON text. */
export const keylogEntries = sqliteTable('keylog_entries', {
  seq: integer('seq').primaryKey(),
  hash: text('hash').notNull().unique(),
  type: text('type').notNull(),
  entry: text('entry').notNull(),
  at: integer('at').notNull(),
});
