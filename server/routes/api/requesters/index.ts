import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { ChallengeBody, errorResponses, LogoutBody, NoContent, RegisterBody, Registered, RequesterSession, SessionBody, SessionChallenge } from '../../../../contract/index';
import { ready } from '../../../../protocol/index';
import { nowSeconds } from '../../../plugins/app/tokens';
import { RATE_LIMITS } from '../../../rate-limits';
import { registerRequester, signInRequester } from '../../../services/requesters';
import { issueSessionChallenge } from '../../../services/session-challenge';

/** /api/requesters: register, sign in (challenge → session), log out. SPEC §4. */
const requesterRoutes: FastifyPluginAsyncZod = async (app) => {
  await ready();

  app.post(
    '',
    {
      schema: {
        tags: ['requester'],
        summary: 'Register a requester (proof of work required)',
        body: RegisterBody,
        response: { 201: Registered, ...errorResponses(400, 409, 413, 429) },
      },
      config: { rateLimit: RATE_LIMITS.register },
      bodyLimit: 4 * 1024,
    },
    async (request, reply) => reply.code(201).send(await registerRequester(app.db, app.secrets.powMacKey, request.body, nowSeconds())),
  );

  // Answered the same way whether or not the key is registered.
  app.post(
    '/challenge',
    {
      schema: {
        tags: ['requester'],
        summary: 'Sign-in challenge bound to a signing key',
        body: ChallengeBody,
        response: { 200: SessionChallenge, ...errorResponses(400, 413, 429) },
      },
      config: { rateLimit: RATE_LIMITS.requesterChallenge },
      bodyLimit: 1024,
    },
    async (request) => issueSessionChallenge(app.secrets.powMacKey, request.body.signPk, nowSeconds()),
  );

  app.post(
    '/session',
    {
      schema: {
        tags: ['requester'],
        summary: 'Exchange a signed challenge for a requester session',
        body: SessionBody,
        response: { 200: RequesterSession, ...errorResponses(400, 401, 413, 429) },
      },
      config: { rateLimit: RATE_LIMITS.requesterSession },
      bodyLimit: 2 * 1024,
    },
    async (request) => {
      const requesterId = await signInRequester(app.db, app.secrets.powMacKey, request.body, nowSeconds());
      const session = await app.issueSession('requester', requesterId);
      return { token: session.token, requesterId, expiresAt: session.expiresAt };
    },
  );

  app.post(
    '/logout',
    {
      schema: {
        tags: ['requester'],
        summary: 'Revoke the current requester session',
        security: [{ bearer: [] }],
        body: LogoutBody,
        response: { 204: NoContent, ...errorResponses(400, 401, 429) },
      },
      onRequest: app.requireRequester,
      config: { rateLimit: RATE_LIMITS.requesterLogout },
    },
    async (request, reply) => {
      await app.revokeSession(request.requester!.jti);
      return reply.code(204).send(null);
    },
  );
};

export default requesterRoutes;
