import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/** 'staff_enrolment': an enrolment-only staff session (two-factor policy; auth.ts). */
export const SESSION_SUBJECT_TYPES = ['staff', 'staff_enrolment', 'requester'] as const;

/**
 * Server-side session table behind every bearer JWT. Checked on every request so that a
 * logout, disable or role change takes effect at once. No FK: the subject is polymorphic.
 */
export const sessions = sqliteTable(
  'sessions',
  {
    jti: text('jti').primaryKey(),
    subjectType: text('subject_type', { enum: SESSION_SUBJECT_TYPES }).notNull(),
    subjectId: text('subject_id').notNull(),
    createdAt: integer('created_at').notNull(),
    expiresAt: integer('expires_at').notNull(),
    revokedAt: integer('revoked_at'),
  },
  (t) => [index('sessions_subject_idx').on(t.subjectType, t.subjectId), index('sessions_expires_idx').on(t.expiresAt)],
);
