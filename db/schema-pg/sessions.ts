import { index, pgTable, text } from 'drizzle-orm/pg-core';
import { SESSION_SUBJECT_TYPES } from '../schema/sessions';
import { int } from './columns';

export { SESSION_SUBJECT_TYPES };

/** PostgreSQL twin of db/schema/sessions.ts. */
export const sessions = pgTable(
  'sessions',
  {
    jti: text('jti').primaryKey(),
    subjectType: text('subject_type', { enum: SESSION_SUBJECT_TYPES }).notNull(),
    subjectId: text('subject_id').notNull(),
    createdAt: int('created_at').notNull(),
    expiresAt: int('expires_at').notNull(),
    revokedAt: int('revoked_at'),
  },
  (t) => [index('sessions_subject_idx').on(t.subjectType, t.subjectId), index('sessions_expires_idx').on(t.expiresAt)],
);
