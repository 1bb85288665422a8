import type { FastifyInstance } from 'fastify';

/**
 * SECURITY: the member's own second factor. A full session, or the enrolment-only session the
 * two-factor policy gives a member without a factor — the one place that session opens.
 */
export default async function ownFactorOnly(app: FastifyInstance): Promise<void> {
  app.addHook('onRequest', app.requireStaffOrEnrolment);
}
