// Whole fuzz requests for one OpenAPI operation: who calls (identity), the path with its params,
// the query string, the body and its content type. Each request says whether the document calls
// it malformed (then the only acceptable answer is a 4xx) and which generator made it.
import fc from 'fast-check';
import { randomBytes } from 'node:crypto';
import type { OpenApiParameter, Operation } from './fuzz-routes';
import { toJsonText, type JsonSchema, type SchemaContext } from './fuzz-schema';

export const IDENTITIES = ['none', 'forged', 'requester', 'technician', 'admin'] as const;
export type Identity = (typeof IDENTITIES)[number];

export interface FuzzRequest {
  identity: Identity;
  /** For `forged`: which broken credential (see the test's table). */
  forgery: number;
  method: string;
  url: string;
  headers: Record<string, string>;
  payload?: string | Buffer;
  /** What makes it malformed per the document, or null when the document would accept it. */
  malformed: string | null;
  /** Which generator made it, for the summary. */
  kind: string;
}

export interface FuzzTarget {
  op: Operation;
  /** The route's body limit in bytes (measured), or null for routes without a body. */
  bodyLimit: number | null;
  /** Real values for path params (an existing ticket id…) so well-formed requests get past 404. */
  known: Record<string, string[]>;
}

const JSON_TYPE = 'application/json';
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

interface Part {
  text: string;
  malformed: string | null;
  kind: string;
}

// ------------------------------------------------------------------ path
const BAD_SEGMENTS = [
  '',
  '.',
  '..',
  'a',
  '%',
  '%ZZ',
  '%00',
  '%2F',
  'a%2Fb',
  '%C3%A9'.repeat(22),
  '%F0%9F%92%A5'.repeat(11),
  '%E2%80%AE'.repeat(7),
  'null',
  'undefined',
  '__proto__',
  'constructor',
  '-1',
  '1.5',
  'NaN',
  'Infinity',
  '1e400',
  '0x',
  '9'.repeat(400),
  'A'.repeat(101),
  'A'.repeat(5000),
  "'%20OR%201=1--",
  '%3Cscript%3E',
];

function decodeSegment(raw: string): string | null {
  try {
    return decodeURIComponent(raw);
  } catch {
    return null;
  }
}

/** Path and query params arrive as strings; integer params are coerced like z.coerce.number(). */
function asParamValue(schema: JsonSchema, ctx: SchemaContext, raw: string | string[]): unknown {
  // (Number(['1','2']) is NaN, as for zod: a repeated key never passes as a number.)
  const s = ctx.resolve(schema);
  const numeric = s.type === 'integer' || s.type === 'number';
  return numeric ? Number(raw) : raw;
}

function pathParamArb(p: OpenApiParameter, target: FuzzTarget, ctx: SchemaContext): fc.Arbitrary<Part> {
  const wellFormed = fc.oneof(
    ctx.conforming(p.schema).map((v) => String(v)),
    ...(target.known[p.name]?.length ? [fc.constantFrom(...target.known[p.name]!)] : []),
  );
  const nearMiss = wellFormed.chain((v) => fc.constantFrom(`${v}A`, v.slice(0, -1), `${v.slice(0, -1)}B`, `${v.slice(0, -2)}==`, v.toLowerCase()));
  return fc.oneof(wellFormed.map(encodeURIComponent), nearMiss.map(encodeURIComponent), fc.constantFrom(...BAD_SEGMENTS)).map((raw) => {
    const decoded = decodeSegment(raw);
    const ok = decoded !== null && decoded !== '' && ctx.validates(p.schema, asParamValue(p.schema, ctx, decoded));
    return { text: raw, malformed: ok ? null : `path param ${p.name}`, kind: 'path' };
  });
}

function pathArb(target: FuzzTarget, ctx: SchemaContext): fc.Arbitrary<Part> {
  const { op } = target;
  if (op.pathParams.length === 0) return fc.constant({ text: op.path, malformed: null, kind: 'path' });
  return fc.tuple(...op.pathParams.map((p) => pathParamArb(p, target, ctx))).map((parts) => {
    let url = op.path;
    op.pathParams.forEach((p, i) => (url = url.replace(`{${p.name}}`, parts[i]!.text)));
    return { text: url, malformed: parts.find((x) => x.malformed)?.malformed ?? null, kind: 'path' };
  });
}

// ------------------------------------------------------------------ query
const BAD_QUERY_VALUES = ['', 'abc', '1.5', 'NaN', 'Infinity', '-', '1e400', '0x1G', '-0.5', '!!!', '%C3%A9', 'x'.repeat(65), 'x'.repeat(5000), 'MINE', 'new,open'];
// Unknown keys are not "malformed" by the document (it does not say whether a query is closed).
const ODD_QUERY = [
  'x=1',
  '__proto__=1',
  'constructor[prototype][x]=1',
  'a[b]=c',
  `x=${'y'.repeat(10_000)}`,
  '%ZZ=1',
  'limit',
  '=',
  '&&',
  `${'k'.repeat(3000)}=1`,
  'after=1&after=2',
];

function queryParamArb(p: OpenApiParameter, ctx: SchemaContext): fc.Arbitrary<{ pair: string; malformed: string | null }> {
  const s = ctx.resolve(p.schema);
  const extremes = [s.minimum, s.maximum].filter((x): x is number => x !== undefined).flatMap((x) => [String(x - 1), String(x + 1)]);
  const value: fc.Arbitrary<string | string[]> = fc.oneof(
    ctx.conforming(p.schema).map((v) => String(v)),
    fc.constantFrom(...BAD_QUERY_VALUES, ...extremes),
    fc.tuple(ctx.conforming(p.schema), ctx.conforming(p.schema)).map(([a, b]) => [String(a), String(b)]),
  );
  return value.map((v) => {
    const values = Array.isArray(v) ? v : [v];
    const ok = ctx.validates(p.schema, asParamValue(p.schema, ctx, v));
    return { pair: values.map((x) => `${p.name}=${encodeURIComponent(x)}`).join('&'), malformed: ok ? null : `query ${p.name}` };
  });
}

function queryArb(op: Operation, ctx: SchemaContext): fc.Arbitrary<Part> {
  const documented = op.queryParams.map((p) => fc.option(queryParamArb(p, ctx), { nil: undefined }));
  const odd = fc.array(fc.constantFrom(...ODD_QUERY), { maxLength: 2 });
  return fc.tuple(fc.tuple(...documented), odd).map(([docs, extras]) => {
    const present = docs.filter((d): d is { pair: string; malformed: string | null } => d !== undefined);
    const pairs = [...present.map((d) => d.pair), ...extras];
    return { text: pairs.join('&'), malformed: present.find((d) => d.malformed)?.malformed ?? null, kind: extras.length ? 'query-odd' : 'query' };
  });
}

// ------------------------------------------------------------------ body
interface Body {
  payload?: string | Buffer;
  contentType?: string;
  malformed: string | null;
  kind: string;
}

const INVALID_JSON = ['{', '{"a":', '{"a":1,}', "{'a':1}", 'undefined', 'NaN', '{"a":01}', '{"a":"\\x"}', '[1,]', '{"a" 1}', '\u0000', '}{'];
const WRONG_TYPES = ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', 'text/html', 'image/png', 'application/octet-stream'];
const ODD_TYPES = ['application/json; charset=latin1', 'APPLICATION/JSON', 'application/json;;', 'application/vnd.api+json', 'application/jsonx', '*/*'];
const TOP_LEVEL = ['[]', '"x"', '1', 'null', 'true', '[{}]', '""', '-0'];

/** `{...value, _pad: "xxx…"}` of exactly `bytes` bytes (or the unpadded value if already larger). */
function padded(value: unknown, bytes: number): { text: string; value: unknown } {
  const base = value !== null && typeof value === 'object' && !Array.isArray(value) ? value : { value };
  const empty = toJsonText({ ...base, _pad: '' });
  const padLength = Math.max(0, bytes - Buffer.byteLength(empty));
  const withPad = { ...base, _pad: 'x'.repeat(padLength) };
  return { text: toJsonText(withPad), value: withPad };
}

function schemaBodyArb(schema: JsonSchema, limit: number, ctx: SchemaContext): fc.Arbitrary<Body> {
  const judge = (value: unknown, what: string) => (ctx.validates(schema, value) ? null : what);
  const conforming = ctx.conforming(schema);
  const json = (payload: string, malformed: string | null, kind: string): Body => ({ payload, contentType: JSON_TYPE, malformed, kind });
  return fc.oneof(
    { weight: 3, arbitrary: conforming.map((v) => json(toJsonText(v), judge(v, 'body'), 'body-conforming')) },
    { weight: 10, arbitrary: conforming.chain((v) => ctx.mutate(schema, v)).map((v) => json(toJsonText(v), judge(v, 'body field'), 'body-field')) },
    { weight: 2, arbitrary: fc.constantFrom(...INVALID_JSON).map((t) => json(t, 'invalid JSON', 'body-invalid-json')) },
    {
      weight: 1,
      arbitrary: conforming.chain((v) => {
        const text = toJsonText(v);
        return fc.nat({ max: Math.max(0, text.length - 1) }).map((n) => json(text.slice(0, n), text.slice(0, n) === '' ? 'empty JSON body' : 'truncated JSON', 'body-truncated'));
      }),
    },
    { weight: 1, arbitrary: fc.constant(json('', 'empty JSON body', 'body-empty')) },
    { weight: 1, arbitrary: fc.constant<Body>({ malformed: judge({}, 'no body'), kind: 'body-missing' }) },
    { weight: 1, arbitrary: fc.constantFrom(...TOP_LEVEL).map((t) => json(t, judge(JSON.parse(t), 'top-level type'), 'body-top-level')) },
    {
      weight: 2,
      arbitrary: fc
        .tuple(conforming, fc.constantFrom(...WRONG_TYPES))
        .map(([v, type]) => ({ payload: toJsonText(v), contentType: type, malformed: `content-type ${type}`, kind: 'body-content-type' })),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(conforming, fc.constantFrom(...ODD_TYPES))
        .map(([v, type]) => ({ payload: toJsonText(v), contentType: type, malformed: judge(v, 'body'), kind: 'body-odd-content-type' })),
    },
    { weight: 2, arbitrary: fc.tuple(conforming, fc.nat({ max: 4096 })).map(([v, k]) => json(padded(v, limit + 1 + k).text, 'over the body limit', 'body-over-limit')) },
    {
      weight: 2,
      arbitrary: fc.tuple(conforming, fc.nat({ max: 256 })).map(([v, k]) => {
        const p = padded(v, limit - k);
        return json(p.text, judge(p.value, 'huge string just under the body limit'), 'body-near-limit');
      }),
    },
    {
      weight: 1,
      arbitrary: fc.constant<Body>({
        payload: Buffer.concat([Buffer.from([0xff, 0xfe, 0xc0]), Buffer.from('{}')]),
        contentType: JSON_TYPE,
        malformed: 'not UTF-8 JSON',
        kind: 'body-not-utf8',
      }),
    },
  );
}

/** Routes without a JSON body schema: nothing, JSON junk, raw bytes, or too much of anything. */
function schemalessBodyArb(limit: number | null, method: string): fc.Arbitrary<Body> {
  const options: fc.Arbitrary<Body>[] = [
    fc.constant<Body>({ malformed: null, kind: 'body-none' }),
    fc.jsonValue({ maxDepth: 3 }).map((v) => ({ payload: JSON.stringify(v) ?? 'null', contentType: JSON_TYPE, malformed: null, kind: 'body-json-junk' })),
  ];
  // A GET is about its path and query: a body only now and then.
  if (!BODY_METHODS.has(method)) return fc.oneof({ weight: 4, arbitrary: options[0]! }, { weight: 1, arbitrary: options[1]! });
  if (BODY_METHODS.has(method) && limit !== null) {
    options.push(
      fc.constantFrom(...INVALID_JSON).map((t) => ({ payload: t, contentType: JSON_TYPE, malformed: 'invalid JSON', kind: 'body-invalid-json' })),
      fc.constant<Body>({ payload: '', contentType: JSON_TYPE, malformed: 'empty JSON body', kind: 'body-empty' }),
      fc.constantFrom(0, 1, 100, limit - 1, limit).map((n) => ({ payload: randomBytes(n), contentType: 'application/octet-stream', malformed: null, kind: 'body-octets' })),
      fc
        .nat({ max: 4096 })
        .map((k) => ({ payload: randomBytes(limit + 1 + k), contentType: 'application/octet-stream', malformed: 'over the body limit', kind: 'body-over-limit' })),
      fc.nat({ max: 4096 }).map((k) => ({ payload: padded({}, limit + 1 + k).text, contentType: JSON_TYPE, malformed: 'over the body limit', kind: 'body-over-limit' })),
    );
  }
  return fc.oneof(...options);
}

// ------------------------------------------------------------------ the request
export function fuzzRequestArb(target: FuzzTarget, ctx: SchemaContext, forgeries: number): fc.Arbitrary<FuzzRequest> {
  const { op } = target;
  const body = op.body && target.bodyLimit !== null ? schemaBodyArb(op.body, target.bodyLimit, ctx) : schemalessBodyArb(target.bodyLimit, op.method);
  const query = fc.option(queryArb(op, ctx), { nil: undefined, freq: 3 });
  return fc
    .record({
      identity: fc.constantFrom(...IDENTITIES),
      forgery: fc.nat({ max: forgeries - 1 }),
      path: pathArb(target, ctx),
      query,
      body,
    })
    .map(({ identity, forgery, path, query: q, body: b }) => {
      const headers: Record<string, string> = {};
      if (b.contentType) headers['content-type'] = b.contentType;
      const url = q && q.text ? `${path.text}?${q.text}` : path.text;
      // The kind names the part the generator varied: the body if any, else params or query.
      const kind = b.kind !== 'body-none' && b.kind !== 'body-missing' ? b.kind : q ? q.kind : path.malformed ? 'path-bad' : b.kind;
      return {
        identity,
        forgery,
        method: op.method,
        url,
        headers,
        ...(b.payload === undefined ? {} : { payload: b.payload }),
        malformed: path.malformed ?? q?.malformed ?? b.malformed,
        kind,
      };
    });
}
