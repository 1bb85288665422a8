import helmet, { type FastifyHelmetOptions } from '@fastify/helmet';
import Fastify from 'fastify';
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

export const HELMET_OPTIONS: FastifyHelmetOptions = {
  contentSecurityPolicy: { useDefaults: false, directives: CSP_DIRECTIVES },
  referrerPolicy: { policy: 'no-referrer' },
  crossOriginOpenerPolicy: { policy: 'same-origin' },
  crossOriginResourcePolicy: { policy: 'same-origin' },
  xContentTypeOptions: true,
  xFrameOptions: { action: 'deny' },
};

/**
 * The headers @fastify/helmet sets with these options, computed once. The plugin rebuilds the
 * whole helmet middleware (and the CSP string) on every request, ~0.1 ms of event loop each;
 * nothing in them varies per request (no CSP nonces, no per-route helmet options here). So a
 * throwaway instance with helmet answers one request, and its headers minus those of the same
 * instance without helmet are helmet's, byte for byte (docs/DECISIONS.md, "Submit throughput").
 */
export async function helmetHeaders(options: FastifyHelmetOptions = HELMET_OPTIONS): Promise<Record<string, string>> {
  const probe = async (withHelmet: boolean) => {
    const app = Fastify();
    if (withHelmet) await app.register(helmet, options);
    app.get('/', async () => '');
    try {
      return (await app.inject({ method: 'GET', url: '/' })).headers;
    } finally {
      await app.close();
    }
  };
  const [withHelmet, without] = [await probe(true), await probe(false)];
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(withHelmet)) {
    if (name === 'date' || without[name] !== undefined || value === undefined) continue;
    headers[name] = Array.isArray(value) ? value.join(', ') : String(value);
  }
  return Object.freeze(headers);
}

const isApiUrl = (url: string) => url === '/api' || url.startsWith('/api/') || url.startsWith('/api?');

export default fp(
  async (app) => {
    const headers = await helmetHeaders();
    // SECURITY: on every response, before routing can fail: errors, 404s and 503s included.
    app.addHook('onRequest', (_request, reply, done) => {
      reply.headers(headers);
      done();
    });
    // SECURITY: an API answer (a ticket thread, a session token, an error naming a ticket) must
    // never sit in a browser, proxy or Tor Browser disk cache. Once, for every /api response —
    // errors, 404s and load-shedding 503s included — so no route can forget it.
    app.addHook('onSend', (request, reply, payload, done) => {
      if (isApiUrl(request.url)) reply.header('cache-control', 'no-store');
      done(null, payload);
    });
  },
  { name: 'helmet' },
);
