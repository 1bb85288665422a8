import type { FastifyReply } from 'fastify';
import { z } from 'zod';

/**
 * The one error type route code throws. The error handler (plugins/app/errors.ts) sends it as
 * `{"error": {"code", "message"}}` with its status; anything else becomes a generic 500.
 * Messages reach clients verbatim, so they must never include secrets or internals.
 */
export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'AppError';
  }
}

export const badRequest = (code: string, message: string) => new AppError(400, code, message);
export const unauthorized = (message = 'authentication required') => new AppError(401, 'unauthorized', message);
export const forbidden = (message = 'not allowed') => new AppError(403, 'forbidden', message);
/** Also for objects the caller may not see: existence must not leak (API.md). */
export const notFound = (message = 'not found') => new AppError(404, 'not_found', message);
export const conflict = (message: string, code = 'conflict') => new AppError(409, code, message);
export const tooMany = (message = 'too many requests, slow down', code = 'rate_limited') => new AppError(429, code, message);

/** The error body as a zod schema, for every route's `response` map (4xx/5xx). */
export const ErrorResponse = z.object({
  error: z.object({ code: z.string(), message: z.string() }),
});

export type ErrorBody = z.infer<typeof ErrorResponse>;

/** Sends the one error shape; for places outside the error handler (404, 503, framework errors). */
export function sendError(reply: FastifyReply, status: number, code: string, message: string): FastifyReply {
  const body: ErrorBody = { error: { code, message } };
  return reply.code(status).type('application/json; charset=utf-8').send(body);
}
