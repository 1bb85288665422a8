import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

export const STAFF_ROLES = ['technician', 'admin'] as const;
export const STAFF_STATUSES = ['active', 'disabled', 'reset'] as const;

/**
 * Staff accounts. The server holds the Argon2 parameters, a `crypto_pwhash_str` of the
 * auth secret and the key blob encrypted under the browser-only KEK — never a private key.
 */
export const staff = sqliteTable('staff', {
  id: text('id').primaryKey(),
  username: text('username').notNull().unique(),
  role: text('role', { enum: STAFF_ROLES }).notNull(),
  status: text('status', { enum: STAFF_STATUSES }).notNull().default('active'),
  kdfSalt: text('kdf_salt').notNull(),
  kdfOpslimit: integer('kdf_opslimit').notNull(),
  kdfMemlimit: integer('kdf_memlimit').notNull(),
  authHash: text('auth_hash').notNull(),
  boxPk: text('box_pk').notNull(),
  signPk: text('sign_pk').notNull(),
  keyBlob: text('key_blob').notNull(),
  /** UTC day (YYYY-MM-DD) of the last full sign-in; never finer (docs/DECISIONS.md, issue 10). */
  lastSignInDay: text('last_sign_in_day'),
  createdAt: integer('created_at').notNull(),
  updatedAt: integer('updated_at').notNull(),
});
