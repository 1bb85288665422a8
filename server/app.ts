import Fastify, { LogController, type FastifyInstance, type FastifyPluginAsync, type FastifyServerOptions } from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { openDb, type OpenedDb } from '../db/client';
import type { Config } from './config';
import auditPlugin from './plugins/app/audit';
import authPlugin from './plugins/app/auth';
import dbPlugin from './plugins/app/db';
import deskPlugin from './plugins/app/desk';
import errorsPlugin from './plugins/app/errors';
import { sendError } from './errors';
import maintenancePlugin from './plugins/app/maintenance';
import secretsPlugin, { loadOrCreateSecrets, type Secrets } from './plugins/app/secrets';
import helmetPlugin from './plugins/external/helmet';
import jwtPlugin from './plugins/external/jwt';
import rateLimitPlugin from './plugins/external/rate-limit';
import staticPlugin from './plugins/external/static';
import swaggerPlugin from './plugins/external/swagger';
import underPressurePlugin, { type UnderPressureOptions } from './plugins/external/under-pressure';

declare module 'fastify' {
  interface FastifyInstance {
    config: Config;
  }
}

export interface BuildAppOptions {
  /** An already opened database (tests); default: `<dataDir>/sealdesk.db`, closed with the app. */
  db?: OpenedDb;
  /** Where log lines go (tests capture them); default stdout. */
  logStream?: NodeJS.WritableStream;
  /** Built SPA folder; default client/dist. */
  clientDist?: string;
  /** Overrides for @fastify/under-pressure (tests force the overloaded path). */
  underPressure?: UnderPressureOptions;
}

export const DB_FILE_NAME = 'sealdesk.db';
export const dbFilePath = (dataDir: string) => join(dataDir, DB_FILE_NAME);

/** Default body limit; routes that take more (attachment chunks) set their own `bodyLimit`. */
export const DEFAULT_BODY_LIMIT = 1024 * 1024;

const ROUTES_DIR = fileURLToPath(new URL('./routes/api', import.meta.url));

/**
 * Builds the whole app without listening (tests use `inject()`); server.ts adds the port.
 * Load order: plugins/external → plugins/app → routes. Call `await app.ready()` (or `listen`)
 * after adding any extra routes.
 */
export async function buildApp(config: Config, opts: BuildAppOptions = {}) {
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const secrets = loadOrCreateSecrets(config.dataDir);
  const opened = opts.db ?? openDb(dbFilePath(config.dataDir));
  try {
    return await assemble(config, opts, secrets, opened);
  } catch (err) {
    if (!opts.db && opened.sqlite.open) opened.sqlite.close();
    throw err;
  }
}

async function assemble(config: Config, opts: BuildAppOptions, secrets: Secrets, opened: OpenedDb) {

  const app = Fastify({
    logger: loggerOptions(config, opts.logStream),
    // SECURITY: Fastify's per-request logs include the client address and full URL; we log
    // our own minimal line instead (see the onResponse hook below).
    logController: new LogController({ disableRequestLogging: true }),
    // Never trust X-Forwarded-For: it would let clients forge their rate-limit identity.
    trustProxy: false,
    // A client-chosen request id would end up in every log line.
    requestIdHeader: false,
    bodyLimit: DEFAULT_BODY_LIMIT,
    return503OnClosing: true,
    // Errors raised before routing (a malformed URL) bypass the error handler; keep the shape
    // and do not echo the URL back.
    frameworkErrors: (error, _request, reply) => {
      void sendError(reply, 400, 'bad_request', error.code === 'FST_ERR_BAD_URL' ? 'malformed URL' : 'bad request');
    },
  }).withTypeProvider<ZodTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  // The API speaks JSON only; text/plain bodies get 415 instead of reaching a handler as a string.
  app.removeContentTypeParser('text/plain');
  app.decorate('config', config);

  app.addHook('onResponse', async (request, reply) => {
    // SECURITY: method + route pattern (never the raw URL, which can hold ids) + status + time.
    request.log.info(
      { method: request.method, route: request.routeOptions.url ?? 'unmatched', status: reply.statusCode, ms: Math.round(reply.elapsedTime) },
      'request',
    );
  });

  // External plugins.
  await app.register(helmetPlugin);
  await app.register(underPressurePlugin, opts.underPressure ?? {});
  await app.register(rateLimitPlugin);
  await app.register(jwtPlugin, { secret: secrets.jwtKey });
  await app.register(swaggerPlugin);
  await app.register(staticPlugin, { clientDist: opts.clientDist });

  // The app's own services.
  await app.register(import('./plugins/app/native-crypto'));
  await app.register(dbPlugin, { opened, closeOnShutdown: opts.db === undefined });
  await app.register(secretsPlugin, { secrets });
  await app.register(errorsPlugin);
  await app.register(deskPlugin);
  await app.register(authPlugin);
  await app.register(auditPlugin);
  await app.register(maintenancePlugin);

  await registerApiRoutes(app);
  return app;
}

/**
 * Every `server/routes/api/<name>/index.ts` default-exports a plugin mounted at `/api/<name>`.
 * Adding a resource is adding its folder — app.ts does not change (a stand-in for @fastify/autoload).
 */
async function registerApiRoutes(app: FastifyInstance): Promise<void> {
  const names = readdirSync(ROUTES_DIR, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(ROUTES_DIR, d.name, 'index.ts')))
    .map((d) => d.name)
    .sort();
  for (const name of names) {
    const mod = (await import(pathToFileURL(join(ROUTES_DIR, name, 'index.ts')).href)) as { default?: FastifyPluginAsync };
    if (typeof mod.default !== 'function') throw new Error(`routes/api/${name}/index.ts must default-export a Fastify plugin`);
    await app.register(mod.default, { prefix: `/api/${name}` });
  }
}

function loggerOptions(config: Config, stream?: NodeJS.WritableStream): FastifyServerOptions['logger'] {
  return {
    level: config.logLevel,
    ...(stream ? { stream } : {}),
    // SECURITY: logs never hold IPs, tokens, passphrases or bodies. The serializers keep only
    // method and route; redaction is the second line of defence if someone logs `req` raw.
    serializers: {
      req: (req: { method?: string; routeOptions?: { url?: string } }) => ({ method: req.method, route: req.routeOptions?.url }),
      res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
    },
    redact: {
      paths: [
        'req.headers',
        'req.ip',
        'req.ips',
        'req.remoteAddress',
        'req.remotePort',
        'req.body',
        'headers.authorization',
        'headers.cookie',
        'body',
        'token',
        'authorization',
        'passphrase',
        'password',
        'authSecret',
      ],
      censor: '[redacted]',
    },
  };
}
