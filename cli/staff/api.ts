// SECURITY: the staff CLI's ONLY network caller. It talks to the desk over HTTP like the browser
// does (the server never sees a password or a private key) and runs nothing the desk serves.
// Wire shapes are the contract's; this module only moves JSON (and attachment chunks as bytes).
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

async function failure(res: Response, what: string): Promise<ApiCallError> {
  let err: { code?: string; message?: string } | undefined;
  try {
    err = ((await res.json()) as { error?: typeof err }).error;
  } catch {
    err = undefined;
  }
  return new ApiCallError(res.status, err?.code ?? 'http_error', `${what} failed (${res.status}${err?.code ? ` ${err.code}` : ''}): ${err?.message ?? 'no details'}`);
}

/**
 * The attachment routes (API.md "Attachments") as the client core's transports: JSON for create,
 * status and complete, raw application/octet-stream for chunks in both directions.
 */
export function httpAttachments(base: string, token: string): UploadTransport & DownloadTransport {
  const auth = { authorization: `Bearer ${token}` };
  const at = (ticketId: string, rest = '') => new URL(`/api/tickets/${ticketId}/attachments${rest}`, base);
  const send = async (url: URL, init: RequestInit, what: string): Promise<Response> => {
    let res: Response;
    try {
      res = await fetch(url, init);
    } catch (err) {
      if ((init.signal as AbortSignal | undefined)?.aborted) throw err;
      throw new ApiCallError(0, 'network', `${what}: cannot reach the desk at ${base}`);
    }
    if (!res.ok) throw await failure(res, what);
    return res;
  };
  const json = { ...auth, 'content-type': 'application/json' };
  const parsed = async <T>(res: Promise<Response>): Promise<T> => (await (await res).json()) as T;
  return {
    async create(ticketId, body, signal) {
      return parsed<AttachmentStatus>(
        send(at(ticketId), { method: 'POST', headers: json, body: JSON.stringify(body), signal: signal as AbortSignal | undefined }, 'create attachment'),
      );
    },
    async putChunk(ticketId, attachmentId, index, chunk, signal) {
      const init = {
        method: 'PUT',
        headers: { ...auth, 'content-type': 'application/octet-stream' },
        body: chunk as Uint8Array<ArrayBuffer>,
        signal: signal as AbortSignal | undefined,
      };
      await send(at(ticketId, `/${attachmentId}/chunks/${index}`), init, `chunk ${index}`);
    },
    async status(ticketId, attachmentId, signal) {
      return parsed<AttachmentStatus>(send(at(ticketId, `/${attachmentId}`), { headers: auth, signal: signal as AbortSignal | undefined }, 'attachment status'));
    },
    async complete(ticketId, attachmentId, signal) {
      return parsed<Attachment>(
        send(at(ticketId, `/${attachmentId}/complete`), { method: 'POST', headers: auth, signal: signal as AbortSignal | undefined }, 'complete attachment'),
      );
    },
    async getChunk(ticketId, attachmentId, index, signal) {
      const res = await send(at(ticketId, `/${attachmentId}/chunks/${index}`), { headers: auth, signal: signal as AbortSignal | undefined }, `chunk ${index}`);
      return new Uint8Array(await res.arrayBuffer());
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
