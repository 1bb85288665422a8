import type { FastifyInstance } from 'fastify';

/**
 * SECURITY: one hook for the whole folder, sub-folders included (cascadeHooks): every
 * /api/admin route needs an admin the key log vouches for, by construction, and authorization
 * runs before body validation, so a non-admin learns nothing about the shapes behind it.
 */
export default async function adminOnly(app: FastifyInstance): Promise<void> {
  app.addHook('onRequest', app.requireAdmin);
}
