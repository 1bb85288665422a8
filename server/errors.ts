import type { FastifyReply } from 'fastify';
import { ERROR_CODES, RETRY_AFTER_SECONDS, type ErrorBody, type ErrorCode } from '../contract/index';

export { ErrorResponse, type ErrorBody, type ErrorCode } from '../contract/index';

/**
 * The one error type services and guards throw: a stable `code` from the contract's error table
 * (contract/errors.ts), whose row gives the HTTP status — the only place a code becomes a status.
 * The error handler (plugins/app/errors.ts) sends it as `{"error": {"code", "message"}}`;
 * anything else becomes a generic 500. Messages reach clients verbatim, so they must never
 * include secrets or internals.
 */
export class AppError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'AppError';
    this.status = ERROR_CODES[code].status;
  }
}

export const badRequest = (code: ErrorCode, message: string) => new AppError(code, message);
export const unauthorized = (message = 'authentication required') => new AppError('unauthorized', message);
export const forbidden = (message = 'not allowed') => new AppError('forbidden', message);
/** Also for objects the caller may not see: existence must not leak (API.md). */
export const notFound = (message = 'not found') => new AppError('not_found', message);
export const conflict = (message: string, code: ErrorCode = 'conflict') => new AppError(code, message);
export const tooMany = (message = 'too many requests, slow down', code: ErrorCode = 'rate_limited') => new AppError(code, message);

/** Sends the one error shape; for places outside the error handler (404, 503, framework errors). */
export function sendError(reply: FastifyReply, code: ErrorCode, message: string): FastifyReply {
  const body: ErrorBody = { error: { code, message } };
  const status = ERROR_CODES[code].status;
  // A temporary refusal says when to come back (RFC 9110 §10.2.3), unless the sender chose already.
  if ((status === 503 || status === 507) && !reply.hasHeader('retry-after')) reply.header('retry-after', String(RETRY_AFTER_SECONDS));
  return reply.code(status).type('application/json; charset=utf-8').send(body);
}

/**
 * SECURITY (fail closed): a database that cannot take a write refuses the request with a
 * temporary status and nothing written, instead of a 500 that reads as a bug. SQLite extended
 * codes (SQLITE_IOERR_WRITE, SQLITE_BUSY_SNAPSHOT, …) keep their primary code as a prefix.
 */
export function mapStorageError(err: object): { code: ErrorCode; message: string } | undefined {
  const code = (err as { code?: unknown }).code;
  if (typeof code !== 'string' || !code.startsWith('SQLITE_')) return mapPostgresError(err);
  if (code === 'SQLITE_FULL' || code.startsWith('SQLITE_FULL_')) return { code: 'storage_full', message: 'the desk is out of storage; try again later' };
  for (const primary of ['SQLITE_READONLY', 'SQLITE_IOERR', 'SQLITE_CANTOPEN', 'SQLITE_BUSY', 'SQLITE_LOCKED']) {
    if (code === primary || code.startsWith(`${primary}_`)) return { code: 'storage_unavailable', message: 'the desk cannot store anything right now; try again later' };
  }
  return undefined;
}

/**
 * PostgreSQL's temporary refusals, wherever drizzle wraps the driver's error (`cause`): a
 * SERIALIZABLE transaction still colliding after its retries (services/data.ts), a read-only
 * server (a standby), a lost connection, a full disk. Nothing was committed; the client may retry.
 */
function mapPostgresError(err: object): { code: ErrorCode; message: string } | undefined {
  for (let e: unknown = err, depth = 0; e && typeof e === 'object' && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    // SQLSTATE: 53100 disk_full; 40001 serialization_failure, 40P01 deadlock, 25006 read-only
    // transaction, 57P0x shutdown/crash, class 08 connection exceptions.
    if (code === '53100') return { code: 'storage_full', message: 'the desk is out of storage; try again later' };
    if (typeof code === 'string' && (['40001', '40P01', '25006', '57P01', '57P02', '57P03'].includes(code) || /^08[0-9A-Z]{3}$/.test(code))) {
      return { code: 'storage_unavailable', message: 'the desk cannot store anything right now; try again later' };
    }
  }
  return undefined;
}
