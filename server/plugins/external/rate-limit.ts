import rateLimit from '@fastify/rate-limit';
import fp from 'fastify-plugin';
import { AppError } from '../../errors';
import { addressKey } from '../../rate-limits';

export default fp(
  async (app) => {
    // global: false — each route names its limit in server/rate-limits.ts; a blanket per-IP
    // limit would throttle all onion-service users as one client.
    await app.register(rateLimit, {
      global: false,
      keyGenerator: addressKey,
      errorResponseBuilder: (_request, context) => new AppError('rate_limited', `too many requests; retry in ${context.after}`),
    });
  },
  { name: 'rate-limit' },
);
