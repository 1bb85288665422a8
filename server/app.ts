import autoload from '@fastify/autoload';
import Fastify, { LogController, type FastifyServerOptions } from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openDb, type OpenedDb } from '../db/client';
import { openPgDb, type OpenedPgDb } from '../db/pg';
import type { Config } from './config';
import { connectionCap, guardMemoryUsage, guardServer, timeoutOptions } from './connections';
import { sendError } from './errors';
import { loadOrCreateSecrets, type Secrets } from './plugins/app/secrets';
import type { UnderPressureOptions } from './plugins/external/under-pressure';
import type { AppPluginOptions } from './plugins/options';
import type { VerifyPoolOptions } from './verify/pool';
import { AUTH_HASH_KDF, STAFF_KDF_FLOOR, type KdfParams } from '../protocol/index';

declare module 'fastify' {
  interface FastifyInstance {
    config: Config;
  }
}

export interface BuildAppOptions {
  /** An already opened database (tests); default: `<dataDir>/sealdesk.db`, closed with the app. */
  db?: OpenedDb;
  /** An already opened PostgreSQL database (tests); default: SEALDESK_DATABASE_URL when set. */
  pg?: OpenedPgDb;
  /** Where log lines go (tests capture them); default stdout. */
  logStream?: NodeJS.WritableStream;
  /** Built SPA folder; default client/dist. */
  clientDist?: string;
  /** Overrides for @fastify/under-pressure (tests force the overloaded path). */
  underPressure?: UnderPressureOptions;
  /**
   * Argon2id cost of the stored authSecret hashes (and the dummy hash); default AUTH_HASH_KDF.
   * Only the test fixture (test/fixtures/kdf.ts) passes cheaper parameters; production config
   * has no way to set it.
   */
  authHashKdf?: KdfParams;
  /**
   * The lightest Argon2id parameters an enrolment may carry; default the protocol's
   * STAFF_KDF_FLOOR. Only the test fixture lowers it (its accounts use 8 KiB); no setting can.
   */
  staffKdfFloor?: KdfParams;
  /** Overrides for the signature verification pool (tests force a full queue). */
  verifyPool?: VerifyPoolOptions;
  /** The SQLite writer thread's queue bound, or false to run its writes on the loop (tests, benches). */
  writerThread?: AppPluginOptions['writerThread'];
}

export const DB_FILE_NAME = 'sealdesk.db';
export const dbFilePath = (dataDir: string) => join(dataDir, DB_FILE_NAME);

/** Default body limit; routes that take more (attachment chunks) set their own `bodyLimit`. */
export const DEFAULT_BODY_LIMIT = 1024 * 1024;

const here = (dir: string) => fileURLToPath(new URL(dir, import.meta.url));

/**
 * Builds the whole app without listening (tests use `inject()`); server.ts adds the port.
 * Load order: plugins/external → plugins/app → routes. Call `await app.ready()` (or `listen`)
 * after adding any extra routes.
 */
export async function buildApp(config: Config, opts: BuildAppOptions = {}) {
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const secrets = loadOrCreateSecrets(config.dataDir);
  if (opts.pg || config.database.kind === 'postgres') {
    // SECURITY: the JWT and PoW keys still come from the data dir: every node of one desk must
    // be given the same secrets file (docs/OPERATIONS.md).
    const pg = opts.pg ?? (config.database.kind === 'postgres' ? await openPgDb(config.database.url, { poolSize: config.database.poolSize }) : undefined);
    if (!pg) throw new Error('unreachable: no PostgreSQL database');
    try {
      return await assemble(config, opts, secrets, { pg, pgPool: pg.pool, closeDbOnShutdown: opts.pg === undefined });
    } catch (err) {
      if (!opts.pg) await pg.close();
      throw err;
    }
  }
  const opened = opts.db ?? openDb(dbFilePath(config.dataDir));
  try {
    return await assemble(config, opts, secrets, { opened, closeDbOnShutdown: opts.db === undefined });
  } catch (err) {
    if (!opts.db && opened.sqlite.open) opened.sqlite.close();
    throw err;
  }
}

type DatabaseOptions = Pick<AppPluginOptions, 'opened' | 'pg' | 'pgPool' | 'closeDbOnShutdown'>;

async function assemble(config: Config, opts: BuildAppOptions, secrets: Secrets, database: DatabaseOptions) {
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
    // SECURITY: a body or header trickled a byte at a time must not hold its socket for ever.
    ...timeoutOptions(config),
    return503OnClosing: true,
    // Errors raised before routing (a malformed URL) bypass the error handler; keep the shape
    // and do not echo the URL back.
    frameworkErrors: (error, _request, reply) => {
      // These answers skip the onSend hooks, including the /api no-store one (helmet.ts).
      reply.header('cache-control', 'no-store');
      void sendError(reply, 'bad_request', error.code === 'FST_ERR_BAD_URL' ? 'malformed URL' : 'bad request');
    },
  }).withTypeProvider<ZodTypeProvider>();

  guardMemoryUsage();
  let lastExhaustionLog = 0;
  guardServer(app.server, connectionCap(config.connections.max), () => {
    // Once a minute at most: a flood of refused connections must not become a flood of log lines.
    if (Date.now() - lastExhaustionLog < 60_000) return;
    lastExhaustionLog = Date.now();
    app.log.warn('out of file descriptors: refusing connections until some close');
  });

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  // The API speaks JSON only; text/plain bodies get 415 instead of reaching a handler as a string.
  app.removeContentTypeParser('text/plain');
  app.decorate('config', config);

  // Callback-style hooks on every request: an async hook costs a promise per request.
  app.addHook('onResponse', (request, reply, done) => {
    // SECURITY: method + route pattern (never the raw URL, which can hold ids) + status + time.
    request.log.info({ method: request.method, route: request.routeOptions.url ?? 'unmatched', status: reply.statusCode, ms: Math.round(reply.elapsedTime) }, 'request');
    done();
  });

  // Three passes (fastify/demo): third-party plugins, the app's own plugins (ordered by their
  // `name`/`dependencies`), then one folder per resource under routes/. A folder's autohooks.ts
  // puts its auth guard on every route in it and below it (cascadeHooks).
  const pluginOptions: AppPluginOptions = {
    secrets,
    ...database,
    clientDist: opts.clientDist,
    underPressure: opts.underPressure,
    authHashKdf: Object.freeze({ ...(opts.authHashKdf ?? AUTH_HASH_KDF) }),
    staffKdfFloor: Object.freeze({ ...(opts.staffKdfFloor ?? STAFF_KDF_FLOOR) }),
    verifyPool: opts.verifyPool,
    writerThread: opts.writerThread,
  };
  await app.register(autoload, { dir: here('./plugins/external'), options: pluginOptions });
  await app.register(autoload, { dir: here('./plugins/app'), options: pluginOptions });
  await app.register(autoload, { dir: here('./routes'), autoHooks: true, cascadeHooks: true });
  return app;
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
