import type { FastifyInstance } from 'fastify';

/** SECURITY: every /api/tickets route is a requester's, authenticated before the body is read. */
export default async function requesterOnly(app: FastifyInstance): Promise<void> {
  app.addHook('onRequest', app.requireRequester);
}
