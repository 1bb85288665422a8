import { eq } from 'drizzle-orm';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { asSignPublicKey, ready, verifyRequesterChallenge } from '../../../../protocol/index';
import { requesters } from '../../../../db/schema';
import { AppError, ErrorResponse, conflict, unauthorized } from '../../../errors';
import { newId, nowSeconds } from '../../../plugins/app/tokens';
import { checkPow, spendPow } from '../../../services/pow';
import { ANON_FLOOD_LIMIT, perSubject } from '../../../services/quotas-rate-limit';
import { ChallengeBody, RegisterBody, RequesterSession, SessionBody, SessionChallenge, Registered } from './schemas';
import { checkSessionChallenge, issueSessionChallenge } from './session-challenge';

/** SECURITY: one message for every sign-in failure, so responses do not tell which keys exist. */
const SIGN_IN_FAILED = 'could not sign in; check your passphrase';

const requesterRoutes: FastifyPluginAsyncZod = async (app) => {
  await ready();

  // POST /api/requesters — register two passphrase-derived public keys (PoW 'register').
  app.post(
    '',
    {
      schema: {
        tags: ['requester'],
        summary: 'Register a requester (proof of work required)',
        body: RegisterBody,
        response: { 201: Registered, 400: ErrorResponse, 409: ErrorResponse, 413: ErrorResponse, 429: ErrorResponse },
      },
      // Per address, i.e. shared by all Tor users: only a flood guard; the PoW is the real cost.
      config: { rateLimit: { max: 300, timeWindow: '1 minute' } },
      bodyLimit: 4 * 1024,
    },
    async (request, reply) => {
      const now = nowSeconds();
      const { boxPk, signPk, pow } = request.body;
      const verified = checkPow(app.secrets.powMacKey, pow, 'register', now);
      const requesterId = newId();
      app.db.transaction(
        (tx) => {
          spendPow(tx, verified);
          if (tx.select({ id: requesters.id }).from(requesters).where(eq(requesters.signPk, signPk)).get()) {
            throw conflict('these keys are already registered; sign in instead');
          }
          // Hour-rounded like every requester-side time (SPEC §5).
          tx.insert(requesters).values({ id: requesterId, boxPk, signPk, createdAt: now - (now % 3600) }).run();
        },
        { behavior: 'immediate' },
      );
      return reply.code(201).send({ requesterId });
    },
  );

  // POST /api/requesters/challenge — answered the same way whether or not the key is registered.
  app.post(
    '/challenge',
    {
      schema: {
        tags: ['requester'],
        summary: 'Sign-in challenge bound to a signing key',
        body: ChallengeBody,
        response: { 200: SessionChallenge, 400: ErrorResponse, 429: ErrorResponse },
      },
      config: { rateLimit: ANON_FLOOD_LIMIT },
      bodyLimit: 1024,
    },
    async (request) => issueSessionChallenge(app.secrets.powMacKey, request.body.signPk, nowSeconds()),
  );

  // POST /api/requesters/session — signed challenge → requester session.
  app.post(
    '/session',
    {
      schema: {
        tags: ['requester'],
        summary: 'Exchange a signed challenge for a requester session',
        body: SessionBody,
        response: { 200: RequesterSession, 400: ErrorResponse, 401: ErrorResponse, 429: ErrorResponse },
      },
      // Keyed by the signing key being tried, not the address: guessing against one key is slow
      // from anywhere, and Tor users do not share one bucket.
      config: { rateLimit: { max: 10, timeWindow: '1 minute', hook: 'preHandler', keyGenerator: (r) => `signPk:${(r.body as { signPk?: string }).signPk ?? ''}` } },
      bodyLimit: 2 * 1024,
    },
    async (request) => {
      const { signPk, challenge, sig } = request.body;
      const bound = checkSessionChallenge(app.secrets.powMacKey, signPk, challenge, nowSeconds());
      if (!bound) throw unauthorized(SIGN_IN_FAILED);
      // SECURITY: verify against the key the caller claims *before* looking it up, so known and
      // unknown keys cost the same work and answer the same 401.
      let signatureOk = true;
      try {
        verifyRequesterChallenge(challenge, sig, asSignPublicKey(signPk));
      } catch {
        signatureOk = false;
      }
      if (!signatureOk) throw unauthorized(SIGN_IN_FAILED);
      const requesterId = app.db.transaction(
        (tx) => {
          try {
            spendPow(tx, bound, 'session');
          } catch (err) {
            if (err instanceof AppError) throw unauthorized(SIGN_IN_FAILED);
            throw err;
          }
          return tx.select({ id: requesters.id }).from(requesters).where(eq(requesters.signPk, signPk)).get()?.id;
        },
        { behavior: 'immediate' },
      );
      if (!requesterId) throw unauthorized(SIGN_IN_FAILED);
      const session = app.issueSession('requester', requesterId);
      return { token: session.token, requesterId, expiresAt: session.expiresAt };
    },
  );

  // POST /api/requesters/logout — revoke this session at once.
  app.post(
    '/logout',
    {
      schema: {
        tags: ['requester'],
        summary: 'Revoke the current requester session',
        body: z.strictObject({}).optional(),
        response: { 204: z.null(), 401: ErrorResponse, 429: ErrorResponse },
      },
      preHandler: app.requireRequester,
      config: { rateLimit: perSubject(30, '1 minute') },
    },
    async (request, reply) => {
      if (request.requester) app.revokeSession(request.requester.jti);
      return reply.code(204).send(null);
    },
  );
};

export default requesterRoutes;
