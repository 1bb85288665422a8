import fastifyStatic from '@fastify/static';
import type { FastifyReply } from 'fastify';
import fp from 'fastify-plugin';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { AppPluginOptions } from '../options';

export const DEFAULT_CLIENT_DIST = fileURLToPath(new URL('../../../client/dist', import.meta.url));

declare module 'fastify' {
  interface FastifyInstance {
    /** Answers a non-API GET with the SPA shell (or a "build it first" page). */
    sendSpaShell(reply: FastifyReply): FastifyReply;
  }
}

const NOT_BUILT_PAGE =
  '<!doctype html><html lang="en"><meta charset="utf-8"><title>Sealdesk</title>' +
  '<p>The web client is not built yet. Run <code>npm run build</code> (or <code>npm start</code>), then reload.</p></html>';

export default fp<Pick<AppPluginOptions, 'clientDist'>>(
  async (app, opts) => {
    const root = opts.clientDist ?? DEFAULT_CLIENT_DIST;
    const built = existsSync(`${root}/index.html`);
    if (built) {
      await app.register(fastifyStatic, {
        root,
        prefix: '/',
        // Unknown paths fall through to the not-found handler, which serves the SPA shell.
        wildcard: true,
        index: ['index.html'],
        setHeaders: (reply, path) => {
          // The shell must always be revalidated so a new build (new SRI hashes) is picked up;
          // Vite's hashed assets are immutable.
          reply.header('cache-control', path.endsWith('.html') ? 'no-cache' : 'public, max-age=31536000, immutable');
        },
      });
    }
    if (built) {
      // An /api/ path that matches no API route (e.g. an id longer than any route accepts) must
      // get the API's 404, not a file lookup whose refusals are 403 pages outside the error contract.
      app.addHook('onRequest', async (request, reply) => {
        if (request.routeOptions.url === '/*' && (request.url === '/api' || request.url.startsWith('/api/'))) {
          reply.callNotFound();
          return reply;
        }
      });
    }
    app.decorate('sendSpaShell', (reply: FastifyReply) => {
      if (built) return reply.header('cache-control', 'no-cache').sendFile('index.html');
      return reply.code(200).type('text/html; charset=utf-8').send(NOT_BUILT_PAGE);
    });
  },
  { name: 'static' },
);
