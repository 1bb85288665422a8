// The two route lists the fuzz suite compares: what the OpenAPI document at /api/docs/json says
// the API is, and what Fastify actually routes (from app.printRoutes()). A route missing from the
// document would escape the fuzzer, so the suite fails unless both lists agree.
import type { TestApp } from './app';
import type { JsonSchema } from './fuzz-schema';

export interface OpenApiParameter {
  in: 'path' | 'query' | 'header' | 'cookie';
  name: string;
  required?: boolean;
  schema: JsonSchema;
}

/** One path + method of the OpenAPI document, with what the fuzzer needs of it. */
export interface Operation {
  /** `POST /api/tickets/{id}/messages`: the key coverage is counted by. */
  key: string;
  method: string;
  /** OpenAPI form, `{id}` placeholders. */
  path: string;
  pathParams: OpenApiParameter[];
  queryParams: OpenApiParameter[];
  /** The application/json request body schema, if the document declares one. */
  body?: JsonSchema;
  /** Declared auth (`security`): informative only; the fuzzer tries every identity anyway. */
  secured: boolean;
}

export interface OpenApiDocument {
  paths: Record<string, Record<string, { parameters?: OpenApiParameter[]; requestBody?: { content?: Record<string, { schema?: JsonSchema }> }; security?: unknown[] }>>;
  components?: { schemas?: Record<string, JsonSchema> };
}

const HTTP_METHODS = new Set(['get', 'post', 'put', 'patch', 'delete']);

export const opKey = (method: string, path: string) => `${method.toUpperCase()} ${path}`;

export async function fetchOpenApi(app: TestApp['app']): Promise<OpenApiDocument> {
  const res = await app.inject({ method: 'GET', url: '/api/docs/json' });
  if (res.statusCode !== 200) throw new Error(`GET /api/docs/json → ${res.statusCode}`);
  return res.json<OpenApiDocument>();
}

export function listOperations(doc: OpenApiDocument): Operation[] {
  const ops: Operation[] = [];
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      if (!HTTP_METHODS.has(method)) continue;
      const params = op.parameters ?? [];
      ops.push({
        key: opKey(method, path),
        method: method.toUpperCase(),
        path,
        pathParams: params.filter((p) => p.in === 'path'),
        queryParams: params.filter((p) => p.in === 'query'),
        body: op.requestBody?.content?.['application/json']?.schema,
        secured: (op.security?.length ?? 0) > 0,
      });
    }
  }
  return ops;
}

/**
 * Every method + path Fastify routes, parsed from `printRoutes({ commonPrefix: false })`.
 * HEAD twins of GET routes are left out (Fastify adds them itself); `:param` becomes `{param}`.
 */
export function listRegisteredRoutes(app: TestApp['app']): Set<string> {
  const tree = app.printRoutes({ commonPrefix: false });
  const routes = new Set<string>();
  const prefixes: string[] = [];
  for (const line of tree.split('\n')) {
    const m = /^((?:│ {3}| {4})*)(?:├── |└── )(.+?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!m) continue;
    const depth = m[1]!.length / 4;
    const path = (depth === 0 ? '' : prefixes[depth - 1]!) + m[2]!;
    prefixes[depth] = path;
    prefixes.length = depth + 1;
    for (const method of (m[3] ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)) {
      if (method === 'HEAD') continue;
      routes.add(opKey(method, path.replace(/:([A-Za-z0-9_]+)/g, '{$1}')));
    }
  }
  return routes;
}

/** Both directions of the comparison: served but undocumented, and documented but not served. */
export function compareRoutes(registered: Set<string>, documented: Set<string>, notApi: Set<string>): { undocumented: string[]; unserved: string[] } {
  return {
    undocumented: [...registered].filter((r) => !notApi.has(r) && !documented.has(r)).sort(),
    unserved: [...documented].filter((r) => !registered.has(r)).sort(),
  };
}

/**
 * A route's body limit, found by bisection: the largest JSON body not answered 413. `send` posts
 * a body of the given size and returns the status; it must get past any onRequest guard (auth,
 * address rate limits), since the body is only read after those.
 */
export async function measureBodyLimit(send: (payload: string) => Promise<number>): Promise<number> {
  const tooLarge = async (bytes: number) => (await send(`{"p":"${'x'.repeat(Math.max(0, bytes - 8))}"}`)) === 413;
  // Double from 512 bytes until refused, then bisect: small routes never see huge bodies.
  let ok = 0;
  let over = 512;
  while (!(await tooLarge(over))) {
    ok = over;
    over *= 2;
    if (over > 64 * 1024 * 1024) throw new Error('no body limit below 64 MiB');
  }
  if (ok === 0 && (await tooLarge(8))) throw new Error('even 8 bytes are too large');
  ok = Math.max(ok, 8);
  while (over - ok > 1) {
    const mid = Math.floor((ok + over) / 2);
    if (await tooLarge(mid)) over = mid;
    else ok = mid;
  }
  return ok;
}
