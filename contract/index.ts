// The wire contract: every HTTP request and response shape of the Sealdesk API, and the error
// codes (docs/API.md). zod only — no Fastify, no Node. The server validates with these schemas
// and generates its OpenAPI document from them; the web app and the CLI import the TYPES
// (`import type`, each schema has a type of the same name), so no zod reaches the page bundle.
export * from './admin';
export * from './attachments';
export * from './common';
export * from './desk';
export * from './errors';
export * from './requesters';
export * from './staff';
export * from './tickets';
