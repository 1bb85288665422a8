import jwt from '@fastify/jwt';
import fp from 'fastify-plugin';
import type { AppPluginOptions } from '../options';

export default fp<Pick<AppPluginOptions, 'secrets'>>(
  async (app, opts) => {
    await app.register(jwt, {
      secret: opts.secrets.jwtKey,
      sign: { algorithm: 'HS256' },
      // SECURITY: pin the algorithm; a token claiming `none` or an asymmetric alg is refused.
      verify: { algorithms: ['HS256'] },
    });
  },
  { name: 'jwt' },
);
