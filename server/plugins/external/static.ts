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

/**
 * The shell (index.html) is always revalidated so a new build, with new asset names and SRI
 * hashes, is picked up at once; Vite's hashed files under /assets/ never change under their
 * name, so browsers and proxies may keep them for a year without asking.
 * `path` is the file sent, which may be a precompressed copy (`index.html.br`).
 */
export function cacheControl(path: string): string {
  const served = path.replace(/\\/g, '/').replace(/\.(?:br|gz)$/, '');
  return /\/assets\/[^/]+-[\w-]{8,}\.\w+$/.test(served) ? 'public, max-age=31536000, immutable' : 'no-cache';
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
        // The build writes a .br and a .gz beside every text asset (vite.config.ts); they are
        // sent as they are to browsers that accept them, so nothing is compressed per request.
        preCompressed: true,
        setHeaders: (reply, path) => {
          reply.header('cache-control', cacheControl(path));
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
