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
