// SECURITY: the staff CLI's ONLY network caller. It talks to the desk over HTTP like the browser
// does (the server never sees a password or a private key) and runs nothing the desk serves.
// Wire shapes are the contract's; this module only moves JSON.
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
