import helmet from '@fastify/helmet';
import fp from 'fastify-plugin';

/**
 * SECURITY: the CSP is the main mitigation against injected script in a web-crypto app: only
 * same-origin scripts, WebAssembly for libsodium, no inline code, no framing, no outside origin.
 */
export const CSP_DIRECTIVES = {
  'default-src': ["'self'"],
  'script-src': ["'self'", "'wasm-unsafe-eval'"],
  'style-src': ["'self'"],
  'img-src': ["'self'", 'data:', 'blob:'],
  'connect-src': ["'self'"],
  'worker-src': ["'self'", 'blob:'],
  'object-src': ["'none'"],
  'base-uri': ["'none'"],
  'frame-ancestors': ["'none'"],
  'form-action': ["'self'"],
};

const isApiUrl = (url: string) => url === '/api' || url.startsWith('/api/') || url.startsWith('/api?');

export default fp(
  async (app) => {
    await app.register(helmet, {
      contentSecurityPolicy: { useDefaults: false, directives: CSP_DIRECTIVES },
      referrerPolicy: { policy: 'no-referrer' },
      crossOriginOpenerPolicy: { policy: 'same-origin' },
      crossOriginResourcePolicy: { policy: 'same-origin' },
      xContentTypeOptions: true,
      xFrameOptions: { action: 'deny' },
    });
    // SECURITY: an API answer (a ticket thread, a session token, an error naming a ticket) must
    // never sit in a browser, proxy or Tor Browser disk cache. Once, for every /api response —
    // errors, 404s and load-shedding 503s included — so no route can forget it.
    app.addHook('onSend', async (request, reply) => {
      if (isApiUrl(request.url)) reply.header('cache-control', 'no-store');
    });
  },
  { name: 'helmet' },
);
