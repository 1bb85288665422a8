import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';
import { ERROR_CODES } from '../../../contract/index';
import { AppError, mapStorageError, sendError, type ErrorCode } from '../../errors';
import { isDescriptorExhaustion } from '../../connections';
import { RATE_LIMITS } from '../../rate-limits';

interface Mapped {
  code: ErrorCode;
  message: string;
}

const MAX_VALIDATION_DETAILS = 5;

/**
 * Maps any thrown value to a contract error code and a public message; the code's row in the
 * contract table gives the status. Unknown errors map to nothing (a generic 500) and never
 * reveal internals.
 */
export function mapError(err: unknown): Mapped | undefined {
  if (err instanceof AppError) return { code: err.code, message: err.message };
  if (hasZodFastifySchemaValidationErrors(err)) {
    const where = (err as { validationContext?: string }).validationContext ?? 'request';
    const details = err.validation.slice(0, MAX_VALIDATION_DETAILS).map((v) => `${where}${v.instancePath === '/' ? '' : v.instancePath}: ${v.message}`);
    return { code: 'validation_failed', message: details.join('; ') };
  }
  if (typeof err !== 'object' || err === null) return undefined;
  const storage = mapStorageError(err);
  if (storage) return storage;
  if (isDescriptorExhaustion(err)) return { code: 'overloaded', message: 'the desk is busy; try again shortly' };
  if (isFastifyErrorLike(err) && !isResponseSerializationError(err)) {
    switch (err.code) {
      case 'FST_ERR_CTP_BODY_TOO_LARGE':
        return { code: 'payload_too_large', message: 'request body is too large' };
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
        return { code: 'unsupported_media_type', message: 'send application/json' };
      case 'FST_ERR_CTP_EMPTY_JSON_BODY':
        return { code: 'bad_json', message: 'the body is empty but the content-type is JSON' };
      case 'FST_ERR_CTP_INVALID_JSON_BODY':
        return { code: 'bad_json', message: 'the body is not valid JSON' };
    }
    const status = err.statusCode ?? 500;
    if (status === 429) return { code: 'rate_limited', message: 'too many requests, slow down' };
    if (status === 413) return { code: 'payload_too_large', message: 'request body is too large' };
    if (status === 415) return { code: 'unsupported_media_type', message: 'send application/json' };
    if (status === 403) return { code: 'forbidden', message: 'not allowed' };
    // JSON.parse failures surface as a SyntaxError carrying statusCode 400.
    if (status === 400 && err.name === 'SyntaxError') return { code: 'bad_json', message: 'the body is not valid JSON' };
    // Fastify's own 4xx messages (bad URL, bad content-length…) describe the request, not us.
    if (status >= 400 && status < 500) {
      return { code: 'bad_request', message: err.code?.startsWith('FST_') ? err.message : 'bad request' };
    }
  }
  return undefined;
}

function isFastifyErrorLike(err: object): err is FastifyError {
  return 'statusCode' in err || 'code' in err;
}

export default fp(
  async (app) => {
    // SECURITY: the one error handler. 5xx details stay in the server log (without the body);
    // clients only ever see {"error":{code,message}}, never a stack trace.
    app.setErrorHandler((err: unknown, request: FastifyRequest, reply: FastifyReply) => {
      const mapped = mapError(err);
      if (mapped) {
        if (ERROR_CODES[mapped.code].status >= 500) request.log.error({ err }, 'request failed');
        return sendError(reply, mapped.code, mapped.message);
      }
      request.log.error({ err, route: request.routeOptions.url }, 'unhandled error');
      return sendError(reply, 'internal', 'internal server error');
    });

    app.setNotFoundHandler(
      // Rate limited so the 404 path cannot be used to probe cheaply (fastify/demo habit).
      { preHandler: app.rateLimit(RATE_LIMITS.notFound) },
      (request, reply) => {
        const isApi = request.url === '/api' || request.url.startsWith('/api/');
        if (!isApi && (request.method === 'GET' || request.method === 'HEAD')) return app.sendSpaShell(reply);
        return sendError(reply, 'not_found', 'no such route');
      },
    );
  },
  { name: 'errors', dependencies: ['rate-limit', 'static'] },
);
