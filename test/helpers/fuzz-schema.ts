// JSON Schema (the subset the OpenAPI document uses) for the fuzz suite: a generator of values
// that match a schema, mutations that break one node of such a value, and a small validator that
// decides, for every generated input, whether the document calls it malformed. The validator is
// the oracle: a malformed input must be answered with a 4xx, whatever mutation produced it.
import fc from 'fast-check';
import { randomBytes } from 'node:crypto';

export interface JsonSchema {
  $ref?: string;
  type?: string | string[];
  nullable?: boolean;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
}

/** Raw JSON text spliced into a body as-is by `toJsonText` (deep nesting the value model cannot hold cheaply). */
export class RawJson {
  constructor(readonly text: string) {}
}

export function toJsonText(value: unknown): string {
  if (value instanceof RawJson) return value.text;
  if (Array.isArray(value)) return `[${value.map(toJsonText).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.entries(value)
      .map(([k, v]) => `${JSON.stringify(k)}:${toJsonText(v)}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export class SchemaContext {
  constructor(private readonly components: Record<string, JsonSchema> = {}) {}

  resolve(schema: JsonSchema): JsonSchema {
    let s = schema;
    for (let i = 0; s.$ref && i < 16; i++) {
      const name = s.$ref.replace('#/components/schemas/', '');
      const target = this.components[name];
      if (!target) throw new Error(`unresolved $ref ${s.$ref}`);
      s = target;
    }
    return s;
  }

  // ------------------------------------------------------------------ the oracle
  /** Does `value` match `schema`? Deep nesting (RawJson) matches only an unconstrained schema. */
  validates(schema: JsonSchema, value: unknown): boolean {
    const s = this.resolve(schema);
    if (value instanceof RawJson) return isUnconstrained(s);
    if (value === null && (s.nullable || s.enum?.includes(null))) return true;
    if (s.allOf && !s.allOf.every((b) => this.validates(b, value))) return false;
    const union = s.anyOf ?? s.oneOf;
    if (union && !union.some((b) => this.validates(b, value))) return false;
    if (s.const !== undefined && value !== s.const) return false;
    if (s.enum && !s.enum.includes(value)) return false;
    const types = typesOf(s);
    if (types.length > 0 && !types.some((t) => hasType(value, t))) return false;
    if (typeof value === 'string') {
      if (s.minLength !== undefined && value.length < s.minLength) return false;
      if (s.maxLength !== undefined && value.length > s.maxLength) return false;
      if (s.pattern !== undefined && !new RegExp(s.pattern).test(value)) return false;
    }
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) return false;
      if (s.minimum !== undefined && value < s.minimum) return false;
      if (s.maximum !== undefined && value > s.maximum) return false;
      if (s.exclusiveMinimum !== undefined && value <= s.exclusiveMinimum) return false;
      if (s.exclusiveMaximum !== undefined && value >= s.exclusiveMaximum) return false;
    }
    if (Array.isArray(value)) {
      if (s.minItems !== undefined && value.length < s.minItems) return false;
      if (s.maxItems !== undefined && value.length > s.maxItems) return false;
      if (s.items && !value.every((v) => this.validates(s.items!, v))) return false;
    }
    if (isPlainObject(value)) {
      for (const key of s.required ?? []) if (!Object.hasOwn(value, key)) return false;
      for (const [key, v] of Object.entries(value)) {
        const prop = s.properties?.[key];
        if (prop) {
          if (!this.validates(prop, v)) return false;
        } else if (s.additionalProperties === false) {
          return false;
        } else if (typeof s.additionalProperties === 'object' && !this.validates(s.additionalProperties, v)) {
          return false;
        }
      }
    }
    return true;
  }

  // ------------------------------------------------------------------ well-formed values
  /** Values the document accepts: canonical base64url of random bytes for binary fields, ids, enums… */
  conforming(schema: JsonSchema, depth = 0): fc.Arbitrary<unknown> {
    const s = this.resolve(schema);
    const base = this.conformingBase(s, depth);
    return s.nullable ? fc.oneof({ weight: 4, arbitrary: base }, { weight: 1, arbitrary: fc.constant(null) }) : base;
  }

  private conformingBase(s: JsonSchema, depth: number): fc.Arbitrary<unknown> {
    if (s.const !== undefined) return fc.constant(s.const);
    if (s.enum) return fc.constantFrom(...s.enum);
    const union = s.anyOf ?? s.oneOf;
    if (union) return fc.oneof(...union.map((b) => this.conforming(b, depth)));
    if (s.allOf?.length === 1) return this.conforming(s.allOf[0]!, depth);
    const type = typesOf(s)[0];
    switch (type) {
      case 'string':
        return conformingString(s);
      case 'integer': {
        const lo = Math.max(s.minimum ?? -(2 ** 31), Number.MIN_SAFE_INTEGER);
        const hi = Math.min(s.maximum ?? 2 ** 31, Number.MAX_SAFE_INTEGER);
        const [a, b] = [Math.max(lo, -(2 ** 31)), Math.min(hi, 2 ** 31 - 1)];
        return a <= b ? fc.oneof(fc.constantFrom(lo, hi), fc.integer({ min: a, max: b })) : fc.constantFrom(lo, hi);
      }
      case 'number':
        return fc.double({ min: s.minimum ?? -1e9, max: s.maximum ?? 1e9, noNaN: true, noDefaultInfinity: true });
      case 'boolean':
        return fc.boolean();
      case 'array':
        return fc.array(s.items ? this.conforming(s.items, depth + 1) : fc.jsonValue({ maxDepth: 1 }), {
          minLength: s.minItems ?? 0,
          maxLength: Math.max(s.minItems ?? 0, Math.min(s.maxItems ?? 3, 3)),
        });
      case 'object': {
        const props = Object.fromEntries(Object.entries(s.properties ?? {}).map(([k, v]) => [k, this.conforming(v, depth + 1)]));
        const known = fc.record(props, { requiredKeys: (s.required ?? []).filter((k) => k in props) });
        if (typeof s.additionalProperties !== 'object' || depth > 3) return known;
        const extra = fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), this.conforming(s.additionalProperties, depth + 1), { maxKeys: 3 });
        return fc.tuple(extra, known).map(([e, k]) => ({ ...e, ...k }));
      }
      default:
        return fc.jsonValue({ maxDepth: 2 });
    }
  }

  // ------------------------------------------------------------------ malformed values
  /**
   * A value that breaks `schema` at one node of `value` (the root or any property or item below
   * it): wrong type, too long or short, outside the alphabet, out of range, unknown or missing
   * field, deep nesting. Mutations are aimed at the schema, but the validator still decides.
   */
  mutate(schema: JsonSchema, value: unknown): fc.Arbitrary<unknown> {
    const nodes = this.nodesOf(schema, value, []);
    return fc.integer({ min: 0, max: nodes.length - 1 }).chain((i) => {
      const node = nodes[i]!;
      return this.breakNode(node.schema, node.value).map((bad) => setAt(value, node.path, bad));
    });
  }

  private nodesOf(schema: JsonSchema, value: unknown, path: (string | number)[]): { schema: JsonSchema; value: unknown; path: (string | number)[] }[] {
    const s = this.resolve(schema);
    const out = [{ schema: s, value, path }];
    if (s.anyOf || s.oneOf) return out; // which branch matched is ambiguous: break the node as a whole
    if (Array.isArray(value) && s.items) value.forEach((v, i) => out.push(...this.nodesOf(s.items!, v, [...path, i])));
    if (isPlainObject(value)) {
      for (const [k, v] of Object.entries(value)) {
        const prop = s.properties?.[k] ?? (typeof s.additionalProperties === 'object' ? s.additionalProperties : undefined);
        if (prop) out.push(...this.nodesOf(prop, v, [...path, k]));
      }
    }
    return out;
  }

  private breakNode(schema: JsonSchema, value: unknown): fc.Arbitrary<unknown> {
    const s = this.resolve(schema);
    const options: fc.Arbitrary<unknown>[] = [wrongType(), deepNesting()];
    if (typeof value === 'string') options.push(...brokenStrings(s, value));
    if (typeof value === 'number') options.push(...brokenNumbers(s));
    if (Array.isArray(value)) {
      if ((s.minItems ?? 0) > 0) options.push(fc.constant([]));
      if (s.maxItems !== undefined && value.length > 0 && s.maxItems <= 600) options.push(fc.constant(Array.from({ length: s.maxItems + 1 }, () => value[0])));
    }
    if (isPlainObject(value)) {
      options.push(unknownField(value));
      const present = (s.required ?? []).filter((k) => Object.hasOwn(value, k));
      if (present.length > 0) options.push(fc.constantFrom(...present).map((k) => omit(value, k)));
    }
    return fc.oneof(...options);
  }
}

// ------------------------------------------------------------------ helpers
function isUnconstrained(s: JsonSchema): boolean {
  return s.type === undefined && !s.enum && s.const === undefined && !s.anyOf && !s.oneOf && !s.allOf && !s.properties;
}

function typesOf(s: JsonSchema): string[] {
  if (s.type === undefined) return [];
  return Array.isArray(s.type) ? s.type : [s.type];
}

function hasType(value: unknown, type: string): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'integer':
      return Number.isSafeInteger(value);
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'array':
      return Array.isArray(value);
    case 'object':
      return isPlainObject(value);
    case 'null':
      return value === null;
    default:
      return true;
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof RawJson);
}

const B64URL_PATTERNS = new Set(['^[A-Za-z0-9_-]*$', '^[A-Za-z0-9_-]+$']);

/** Canonical base64url of random bytes for binary fields, so a conforming value is truly well formed. */
function conformingString(s: JsonSchema): fc.Arbitrary<string> {
  const min = s.minLength ?? 0;
  const max = Math.min(s.maxLength ?? 64, Math.max(min, 256));
  if (s.pattern && B64URL_PATTERNS.has(s.pattern)) {
    const lengths = [];
    for (let n = Math.max(min, s.pattern.endsWith('+$') ? 1 : 0); n <= max; n++) if (n % 4 !== 1) lengths.push(n);
    return fc.constantFrom(...lengths).map((n) => randomBytes(Math.floor((n * 3) / 4)).toString('base64url'));
  }
  if (s.pattern) {
    const re = new RegExp(s.pattern);
    return fc.stringMatching(re).filter((v) => v.length >= min && v.length <= (s.maxLength ?? Infinity));
  }
  return fc.oneof(fc.string({ minLength: min, maxLength: max }), fc.string({ minLength: min, maxLength: max, unit: 'grapheme' }));
}

const ODD_CHARS = ['+', '/', '=', ' ', '.', '%', '\u0000', '\n', 'é', '💥', '\ud800', 'e\u0301'];

function brokenStrings(s: JsonSchema, value: string): fc.Arbitrary<unknown>[] {
  const out: fc.Arbitrary<unknown>[] = [
    // Outside the alphabet at a random position (bad base64/base64url, bad id characters).
    fc.tuple(fc.nat({ max: Math.max(0, value.length - 1) }), fc.constantFrom(...ODD_CHARS)).map(([i, c]) => value.slice(0, i) + c + value.slice(i + 1)),
    fc.constantFrom(`${value}=`, `${value}==`, value.replaceAll('-', '+').replaceAll('_', '/') + '+/', value.toUpperCase() + '!'),
    // Right alphabet and length but non-zero trailing bits: not canonical base64url. The document's
    // pattern allows it, so it only has to be answered below 500; it must never crash a decoder.
    fc.constant(value.length % 4 >= 2 ? `${value.slice(0, -1)}B` : value),
  ];
  if (s.maxLength !== undefined) out.push(fc.nat({ max: 4096 }).map((k) => 'x'.repeat(s.maxLength! + 1 + k)));
  if ((s.minLength ?? 0) > 0) out.push(fc.constant(value.slice(0, s.minLength! - 1)));
  if (s.enum) out.push(fc.constantFrom('', `${String(s.enum[0])} `, String(s.enum[0]).toUpperCase(), 'x'.repeat(300)));
  return out;
}

function brokenNumbers(s: JsonSchema): fc.Arbitrary<unknown>[] {
  const out: unknown[] = [1.5, 1e308, -1e308, 2 ** 53 + 2, -(2 ** 53) - 2];
  if (s.minimum !== undefined) out.push(s.minimum - 1);
  if (s.maximum !== undefined) out.push(s.maximum + 1);
  return [fc.constantFrom(...out)];
}

const TYPE_SAMPLES: unknown[] = [0, -1, 1.5, true, false, null, '', 'x', '1', [], [1, 'a'], {}, { a: 1 }];

/** The validator tells which of these are wrong for the node (most are). */
function wrongType(): fc.Arbitrary<unknown> {
  return fc.constantFrom(...TYPE_SAMPLES);
}

/** Nesting far beyond any schema: arrays or objects, 64 to 20 000 levels. */
function deepNesting(): fc.Arbitrary<unknown> {
  return fc
    .tuple(fc.constantFrom(64, 1000, 20_000), fc.boolean())
    .map(([depth, arrays]) => new RawJson(arrays ? '['.repeat(depth) + ']'.repeat(depth) : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth)));
}

/** An extra key: a plain unknown one, or a prototype-pollution attempt (an own `__proto__` key survives JSON.stringify). */
function unknownField(value: Record<string, unknown>): fc.Arbitrary<unknown> {
  return fc.constantFrom<[string, unknown]>(['extra', 1], ['__proto__', { polluted: true }], ['constructor', { prototype: { polluted: true } }], ['', null]).map(([key, v]) => {
    const copy: Record<string, unknown> = { ...value };
    Object.defineProperty(copy, key, { value: v, enumerable: true, configurable: true, writable: true });
    return copy;
  });
}

function omit(value: Record<string, unknown>, key: string): Record<string, unknown> {
  const copy = { ...value };
  delete copy[key];
  return copy;
}

function setAt(root: unknown, path: (string | number)[], replacement: unknown): unknown {
  if (path.length === 0) return replacement;
  const [head, ...rest] = path;
  if (Array.isArray(root)) return root.map((v, i) => (i === head ? setAt(v, rest, replacement) : v));
  const copy: Record<string, unknown> = { ...(root as Record<string, unknown>) };
  copy[head as string] = setAt(copy[head as string], rest, replacement);
  return copy;
}
