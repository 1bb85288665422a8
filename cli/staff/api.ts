// SECURITY: the staff CLI's ONLY network caller. It talks to the desk over HTTP like the browser
// does (the server never sees a password or a private key) and runs nothing the desk serves.
// Wire shapes are the contract's; this module only moves JSON (and attachment chunks as bytes).
import http from 'node:http';
import https from 'node:https';
import type { DownloadTransport, UploadTransport } from '../../client-core';
import type { Attachment, AttachmentStatus } from '../../contract';
export const DEFAULT_SERVER = 'http://127.0.0.1:8080';

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

export interface DeskResponse {
  status: number;
  // JSON as the desk sent it; each command reads it through the contract's types.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

/** One call to the desk. The HTTP client below; the operator's headless setup passes app.inject. */
export interface DeskApi {
  call(method: HttpMethod, path: string, body?: unknown, token?: string): Promise<DeskResponse>;
}

/** Base URL from --server, else SEALDESK_URL, else the local default. */
export function serverUrl(flag: string | undefined, env: Readonly<Record<string, string | undefined>>): string {
  return flag || env.SEALDESK_URL || DEFAULT_SERVER;
}

export function httpDesk(base: string): DeskApi {
  return {
    async call(method, path, body, token) {
      let res: Response;
      try {
        res = await fetch(new URL(path, base), {
          method,
          headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(token ? { authorization: `Bearer ${token}` } : {}) },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        });
      } catch {
        throw new ApiCallError(0, 'network', `cannot reach the desk at ${base}`);
      }
      const text = await res.text();
      try {
        return { status: res.status, body: text === '' ? undefined : JSON.parse(text) };
      } catch {
        throw new ApiCallError(res.status, 'bad_response', `${method} ${path}: the desk answered with something that is not JSON`);
      }
    },
  };
}

/** A non-2xx answer, with the server's stable error code. */
export class ApiCallError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiCallError';
  }

  /** Worth retrying the same request: no answer (a dropped connection), rate limits, overload. */
  get retryable(): boolean {
    return this.status === 0 || this.status === 429 || this.status === 503;
  }
}

/** A whole answer, read into memory: the attachment routes answer JSON or one chunk. */
interface RawAnswer {
  status: number;
  body: Buffer;
}

/**
 * The most an attachment answer may hold: one chunk (≤ 1 MiB + 40) or a status listing every
 * stored chunk index. SECURITY: a broken or hostile server cannot make the CLI buffer without bound.
 */
const MAX_ANSWER_BYTES = 2 * 1024 * 1024;

type CancelSignal = Parameters<UploadTransport['putChunk']>[4];

function failure(res: RawAnswer, what: string): ApiCallError {
  let err: { code?: string; message?: string } | undefined;
  try {
    err = (JSON.parse(res.body.toString('utf8')) as { error?: typeof err }).error;
  } catch {
    err = undefined;
  }
  return new ApiCallError(res.status, err?.code ?? 'http_error', `${what} failed (${res.status}${err?.code ? ` ${err.code}` : ''}): ${err?.message ?? 'no details'}`);
}

/**
 * The attachment routes (API.md "Attachments") as the client core's transports: JSON for create,
 * status and complete, raw application/octet-stream for chunks in both directions.
 *
 * Over node:http(s) with one keep-alive agent, not fetch: a 25 MiB file is ~100 chunk requests,
 * and fetch's web streams cost the CLI more CPU per chunk than sealing it (bench/attachments.ts;
 * docs/DECISIONS.md "Attachment throughput"). Idle sockets are unref'd by the agent, so a
 * finished command still exits.
 */
export function httpAttachments(base: string, token: string): UploadTransport & DownloadTransport {
  const origin = new URL(base);
  const secure = origin.protocol === 'https:';
  // Sockets for the chunks in flight (4 by default) plus a spare for a status call.
  const agent = secure ? new https.Agent({ keepAlive: true, maxSockets: 8 }) : new http.Agent({ keepAlive: true, maxSockets: 8 });
  // A path per request (absolute, as `new URL(path, base)` resolves it for the JSON calls), the
  // rest of the request's options once: a URL object per chunk showed in the CLI's profile.
  // Ticket and attachment ids are base64url: nothing to escape.
  const endpoint = { protocol: origin.protocol, hostname: origin.hostname.replace(/^\[|\]$/g, ''), port: origin.port, agent };
  const at = (ticketId: string, rest = '') => `/api/tickets/${ticketId}/attachments${rest}`;

  const call = (method: HttpMethod, path: string, what: string, body?: { type: string; bytes: Uint8Array }, signal?: CancelSignal): Promise<RawAnswer> =>
    new Promise((resolve, reject) => {
      const headers: http.OutgoingHttpHeaders = { authorization: `Bearer ${token}` };
      if (body) Object.assign(headers, { 'content-type': body.type, 'content-length': body.bytes.length });
      const unreachable = () => new ApiCallError(0, 'network', `${what}: cannot reach the desk at ${base}`);
      const request = (secure ? https : http).request({ ...endpoint, path, method, headers, signal: signal as AbortSignal | undefined }, (res) => {
        // A chunk answer declares its length, and node's parser holds the body to it: read it into
        // one buffer of that size (no list of pieces, no concatenating copy of every chunk).
        const declared = Number(res.headers['content-length']);
        const sized = Number.isSafeInteger(declared) && declared > 0 && declared <= MAX_ANSWER_BYTES ? Buffer.allocUnsafe(declared) : undefined;
        const parts: Buffer[] = [];
        let length = 0;
        res.on('data', (part: Buffer) => {
          if (length + part.length > (sized?.length ?? MAX_ANSWER_BYTES)) {
            res.destroy();
            reject(new ApiCallError(res.statusCode ?? 0, 'bad_response', `${what}: the desk's answer is larger than any attachment answer`));
            return;
          }
          if (sized) part.copy(sized, length);
          else parts.push(part);
          length += part.length;
        });
        res.on('end', () => {
          const body = sized ? sized.subarray(0, length) : parts.length === 1 ? parts[0]! : Buffer.concat(parts, length);
          const answer = { status: res.statusCode ?? 0, body };
          if (answer.status >= 200 && answer.status < 300) resolve(answer);
          else reject(failure(answer, what));
        });
        // A connection cut mid-answer: no answer, worth retrying.
        res.on('error', (err) => reject(signal?.aborted ? err : unreachable()));
      });
      // Cancelled: the AbortError as fetch gave it (the driver reports `cancelled`).
      request.on('error', (err) => reject(signal?.aborted ? err : unreachable()));
      request.end(body ? body.bytes : undefined);
    });
  const json = <T>(res: RawAnswer): T => {
    try {
      return JSON.parse(res.body.toString('utf8')) as T;
    } catch {
      throw new ApiCallError(res.status, 'bad_response', 'the desk answered with something that is not JSON');
    }
  };
  return {
    async create(ticketId, body, signal) {
      const bytes = Buffer.from(JSON.stringify(body), 'utf8');
      return json<AttachmentStatus>(await call('POST', at(ticketId), 'create attachment', { type: 'application/json', bytes }, signal));
    },
    async putChunk(ticketId, attachmentId, index, chunk, signal) {
      await call('PUT', at(ticketId, `/${attachmentId}/chunks/${index}`), `chunk ${index}`, { type: 'application/octet-stream', bytes: chunk }, signal);
    },
    async status(ticketId, attachmentId, signal) {
      return json<AttachmentStatus>(await call('GET', at(ticketId, `/${attachmentId}`), 'attachment status', undefined, signal));
    },
    async complete(ticketId, attachmentId, signal) {
      return json<Attachment>(await call('POST', at(ticketId, `/${attachmentId}/complete`), 'complete attachment', undefined, signal));
    },
    async getChunk(ticketId, attachmentId, index, signal) {
      const { body } = await call('GET', at(ticketId, `/${attachmentId}/chunks/${index}`), `chunk ${index}`, undefined, signal);
      return new Uint8Array(body.buffer, body.byteOffset, body.length);
    },
  };
}

/** The body of a 2xx answer; ApiCallError with the server's code and message otherwise. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see DeskResponse.body
export async function expectOk(desk: DeskApi, method: HttpMethod, path: string, body?: unknown, token?: string): Promise<any> {
  const res = await desk.call(method, path, body, token);
  if (res.status < 200 || res.status >= 300) {
    const err = res.body?.error;
    throw new ApiCallError(res.status, err?.code ?? 'http_error', `${method} ${path} failed (${res.status}${err?.code ? ` ${err.code}` : ''}): ${err?.message ?? 'no details'}`);
  }
  return res.body;
}
