import type { FastifyInstance } from 'fastify';

/**
 * SECURITY: the label dictionary is desk content (tags and sealed names):
 * admitted staff only (key log + live grant), checked before the body is read.
 */
export default async function admittedOnly(app: FastifyInstance): Promise<void> {
  app.addHook('onRequest', app.requireAdmitted);
}
