// The whole schema; drizzle-kit reads this file (drizzle.config.ts) and so does openDb.
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
