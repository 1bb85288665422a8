// The PostgreSQL twin of db/schema/ (the reference), export for export: drizzle-kit reads this file
// (drizzle.pg.config.ts) and so does openPgDb (db/pg.ts). test/db/schema-parity.test.ts keeps them in step.
export * from './desk';
export * from './keylog';
export * from './staff';
export * from './invites';
export * from './sessions';
export * from './team-keys';
export * from './requesters';
export * from './tickets';
export * from './labels';
export * from './wraps';
export * from './messages';
export * from './attachments';
export * from './audit';
export * from './pow-spent';
export * from './two-factor';
export * from './rotation';
