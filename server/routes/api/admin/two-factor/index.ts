import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { errorResponses, TwoFactorPolicy, TwoFactorPolicyBody, TwoFactorReset, TwoFactorResetBody } from '../../../../../contract/index';
import { RATE_LIMITS } from '../../../../rate-limits';
import { resetTwoFactor, setTwoFactorPolicy } from '../../../../services/two-factor';

const errors = errorResponses(400, 401, 403, 404, 409, 413, 429);
const bearer = [{ bearer: [] }];
const admin = { config: { rateLimit: RATE_LIMITS.admin }, bodyLimit: 1024 } as const;

/**
 * /api/admin/two-factor: reset a member's factor and set the desk policy. Admin powers come from
 * the key log (the admin folder's autohooks.ts cascades here); both actions are audited.
 */
const adminTwoFactorRoutes: FastifyPluginAsyncZod = async (app) => {
  app.post(
    '/reset',
    {
      ...admin,
      schema: {
        tags: ['admin'],
        summary: "Remove a member's second factor and recovery codes (lost device); revokes their sessions",
        security: bearer,
        body: TwoFactorResetBody,
        response: { 200: TwoFactorReset, ...errors },
      },
    },
    async (request) => {
      const { staffId } = request.body;
      await resetTwoFactor(app.db, request.staff!.id, staffId);
      return { staffId, signedOut: await app.revokeSubjectSessions('staff', staffId) };
    },
  );

  app.put(
    '/policy',
    {
      ...admin,
      schema: {
        tags: ['admin'],
        summary: 'Require two-factor for all staff (or stop requiring it); members without it are signed out',
        security: bearer,
        body: TwoFactorPolicyBody,
        response: { 200: TwoFactorPolicy, ...errors },
      },
    },
    async (request) => {
      const { required } = request.body;
      const withoutFactor = await setTwoFactorPolicy(app.db, request.staff!.id, required);
      // SECURITY: under the policy a full session implies a factor; members without one sign in
      // again and get an enrolment-only session.
      let signedOut = 0;
      for (const id of withoutFactor) signedOut += await app.revokeSubjectSessions('staff', id);
      return { required, signedOut };
    },
  );
};

export default adminTwoFactorRoutes;
