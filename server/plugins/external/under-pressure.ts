import underPressure from '@fastify/under-pressure';
import fp from 'fastify-plugin';

/** Sheds load with 503 `overloaded` instead of queueing until everything times out (SPEC §2.3). */
export default fp(
  async (app) => {
    await app.register(underPressure, {
      maxEventLoopDelay: 1000,
      maxEventLoopUtilization: 0.98,
      retryAfter: 10,
      pressureHandler: (_request, reply) => {
        void reply
          .code(503)
          .header('retry-after', '10')
          .send({ error: { code: 'overloaded', message: 'the desk is busy; try again shortly' } });
      },
    });
  },
  { name: 'under-pressure' },
);
