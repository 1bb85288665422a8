import type { FastifyInstance } from 'fastify';

/**
 * SECURITY: the queue, tickets and the staff thread reveal desk content and triage metadata:
 * admitted staff only (key log + live grant), checked before the body is read.
 */
export default async function admittedOnly(app: FastifyInstance): Promise<void> {
  app.addHook('onRequest', app.requireAdmitted);
}
