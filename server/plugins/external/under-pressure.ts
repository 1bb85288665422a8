import underPressure, { type FastifyUnderPressureOptions } from '@fastify/under-pressure';
import fp from 'fastify-plugin';
import { sendError } from '../../errors';
import type { AppPluginOptions } from '../options';

export type UnderPressureOptions = Partial<FastifyUnderPressureOptions>;

/** Sheds load with 503 `overloaded` instead of queueing until everything times out (SPEC §2.3). */
export default fp<Pick<AppPluginOptions, 'underPressure'>>(
  async (app, opts) => {
    await app.register(underPressure, {
      maxEventLoopDelay: 1000,
      maxEventLoopUtilization: 0.98,
      retryAfter: 10,
      pressureHandler: (_request, reply) => {
        void sendError(reply.header('retry-after', '10'), 'overloaded', 'the desk is busy; try again shortly');
      },
      ...opts.underPressure,
    });
  },
  { name: 'under-pressure' },
);
