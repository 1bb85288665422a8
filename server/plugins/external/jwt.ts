import jwt from '@fastify/jwt';
import fp from 'fastify-plugin';

export interface JwtPluginOptions {
  secret: Buffer;
}

export default fp<JwtPluginOptions>(
  async (app, opts) => {
    await app.register(jwt, {
      secret: opts.secret,
      sign: { algorithm: 'HS256' },
      // SECURITY: pin the algorithm; a token claiming `none` or an asymmetric alg is refused.
      verify: { algorithms: ['HS256'] },
    });
  },
  { name: 'jwt' },
);
