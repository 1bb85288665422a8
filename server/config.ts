import { resolve } from 'node:path';
import { z } from 'zod';

const port = z.coerce.number().int().min(0).max(65535);
const positiveInt = (max: number) => z.coerce.number().int().min(1).max(max);

/** Every environment variable the server reads, with its default. `.env.example` mirrors this. */
const EnvSchema = z.object({
  PORT: port.default(8080),
  HOST: z.string().min(1).default('127.0.0.1'),
  SEALDESK_DATA_DIR: z.string().min(1).default('./data'),
  SEALDESK_RETENTION_DAYS: positiveInt(36_500).default(90),
  // 18 leading zero bits ≈ 262k BLAKE2b hashes: about a second in WebAssembly on a cheap
  // phone, a few ms to verify. Each extra bit doubles the requester's cost.
  SEALDESK_POW_DIFFICULTY: z.coerce.number().int().min(1).max(32).default(16),
  SEALDESK_MAX_ATTACHMENT_MB: positiveInt(1024).default(25),
  SEALDESK_MAX_TICKET_MB: positiveInt(10_240).default(100),
  SEALDESK_MAX_OPEN_TICKETS: positiveInt(1000).default(5),
  SEALDESK_MAX_MESSAGES_PER_HOUR: positiveInt(10_000).default(30),
  // Slow clients (a body or headers trickled a byte at a time) must not hold a descriptor for ever.
  SEALDESK_HEADERS_TIMEOUT_MS: positiveInt(600_000).default(20_000),
  SEALDESK_REQUEST_TIMEOUT_MS: positiveInt(3_600_000).default(60_000),
  SEALDESK_IDLE_TIMEOUT_MS: positiveInt(3_600_000).default(60_000),
  SEALDESK_KEEPALIVE_TIMEOUT_MS: positiveInt(600_000).default(5_000),
  SEALDESK_MAX_CONNECTIONS: positiveInt(1_000_000).default(256),
  // Unset: the embedded SQLite file in the data dir. Checked by parseDatabaseUrl (never echoed).
  SEALDESK_DATABASE_URL: z.string().optional(),
  SEALDESK_DATABASE_POOL_SIZE: positiveInt(1000).default(10),
  SEALDESK_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export interface Config {
  readonly port: number;
  readonly host: string;
  /** Absolute path of the data directory (database, secrets). */
  readonly dataDir: string;
  readonly retentionDays: number;
  readonly powDifficulty: number;
  readonly maxAttachmentBytes: number;
  readonly maxTicketBytes: number;
  readonly quotas: { readonly openTicketsPerRequester: number; readonly messagesPerHour: number };
  /** Socket limits against slow clients and descriptor exhaustion (OPERATIONS.md "Connections"). */
  readonly connections: {
    /** Whole request head (request line + headers) must arrive within this. */
    readonly headersTimeoutMs: number;
    /** Whole request (head + body) must arrive within this. */
    readonly requestTimeoutMs: number;
    /** A socket with no traffic at all for this long is closed. */
    readonly idleTimeoutMs: number;
    /** How long a kept-alive socket waits for its next request. */
    readonly keepAliveTimeoutMs: number;
    /** Open sockets at most; later connections are refused until one closes. */
    readonly max: number;
  };
  /** Where the desk's data lives: the SQLite file in dataDir (default) or a PostgreSQL server. */
  readonly database: DatabaseConfig;
  readonly logLevel: z.infer<typeof EnvSchema>['SEALDESK_LOG_LEVEL'];
}

export type DatabaseConfig =
  | { readonly kind: 'sqlite' }
  | {
      readonly kind: 'postgres';
      /** SECURITY: may hold a password; log `redacted` (toJSON returns it), never this. */
      readonly url: string;
      /** The URL with any password replaced by "***". */
      readonly redacted: string;
      /** Connections this process opens at most. */
      readonly poolSize: number;
    };

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

const MB = 1024 * 1024;

/** Parses the environment once; throws ConfigError naming the first bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // An empty variable (`PORT=`) means "unset", as in most shells' .env habits.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = EnvSchema.safeParse(cleaned);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const name = issue?.path.join('.') ?? 'environment';
    const got = typeof cleaned[name] === 'string' ? ` (got ${JSON.stringify(cleaned[name])})` : '';
    throw new ConfigError(`invalid ${name}${got}: ${issue?.message ?? 'invalid value'}`);
  }
  const e = parsed.data;
  const database = parseDatabaseUrl(e.SEALDESK_DATABASE_URL, e.SEALDESK_DATABASE_POOL_SIZE);
  if (e.SEALDESK_MAX_TICKET_MB < e.SEALDESK_MAX_ATTACHMENT_MB) {
    throw new ConfigError('invalid SEALDESK_MAX_TICKET_MB: must be at least SEALDESK_MAX_ATTACHMENT_MB');
  }
  if (e.SEALDESK_REQUEST_TIMEOUT_MS < e.SEALDESK_HEADERS_TIMEOUT_MS) {
    throw new ConfigError('invalid SEALDESK_REQUEST_TIMEOUT_MS: must be at least SEALDESK_HEADERS_TIMEOUT_MS');
  }
  return deepFreeze({
    port: e.PORT,
    host: e.HOST,
    dataDir: resolve(e.SEALDESK_DATA_DIR),
    retentionDays: e.SEALDESK_RETENTION_DAYS,
    powDifficulty: e.SEALDESK_POW_DIFFICULTY,
    maxAttachmentBytes: e.SEALDESK_MAX_ATTACHMENT_MB * MB,
    maxTicketBytes: e.SEALDESK_MAX_TICKET_MB * MB,
    quotas: {
      openTicketsPerRequester: e.SEALDESK_MAX_OPEN_TICKETS,
      messagesPerHour: e.SEALDESK_MAX_MESSAGES_PER_HOUR,
    },
    connections: {
      headersTimeoutMs: e.SEALDESK_HEADERS_TIMEOUT_MS,
      requestTimeoutMs: e.SEALDESK_REQUEST_TIMEOUT_MS,
      idleTimeoutMs: e.SEALDESK_IDLE_TIMEOUT_MS,
      keepAliveTimeoutMs: e.SEALDESK_KEEPALIVE_TIMEOUT_MS,
      max: e.SEALDESK_MAX_CONNECTIONS,
    },
    database,
    logLevel: e.SEALDESK_LOG_LEVEL,
  });
}

/**
 * SEALDESK_DATABASE_URL: a postgres:// or postgresql:// URL (the node-postgres connection string,
 * e.g. postgres://desk:PASSWORD@db.internal:5432/sealdesk?sslmode=verify-full), or unset for SQLite.
 * SECURITY: the errors never repeat the value, which may hold the database password.
 */
export function parseDatabaseUrl(value: string | undefined, poolSize = 10): DatabaseConfig {
  if (value === undefined) return { kind: 'sqlite' };
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError('invalid SEALDESK_DATABASE_URL: not a URL (expected postgres://USER:PASSWORD@HOST:PORT/DATABASE)');
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new ConfigError(`invalid SEALDESK_DATABASE_URL: the scheme must be postgres:// or postgresql:// (got ${url.protocol}//); unset it to use the SQLite file`);
  }
  if (url.pathname.length <= 1) throw new ConfigError('invalid SEALDESK_DATABASE_URL: name the database (postgres://HOST/DATABASE)');
  const redactedUrl = new URL(url);
  if (redactedUrl.password) redactedUrl.password = '***';
  const redacted = redactedUrl.toString();
  return { kind: 'postgres', url: value, redacted, poolSize, toJSON: () => ({ kind: 'postgres', url: redacted, poolSize }) } as DatabaseConfig;
}

function deepFreeze<T extends object>(value: T): T {
  for (const v of Object.values(value)) if (v && typeof v === 'object') deepFreeze(v);
  return Object.freeze(value);
}
