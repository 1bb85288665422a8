// Shared zod building blocks for everything the protocol parses. The server reuses `idSchema`
// and `b64Schema` so the wire checks are the same on both sides.
import { z } from 'zod';
import { ID_BYTES } from './constants';
import { FormatError } from './errors';

/** 16 bytes base64url = 22 characters; the last character carries 2 zero bits (canonical form). */
export const ID_PATTERN = /^[A-Za-z0-9_-]{21}[AQgw]$/;
export const idSchema = z.string().regex(ID_PATTERN, 'not an id');
export const b64Schema = z.string().regex(/^[A-Za-z0-9_-]*$/, 'not base64url').max(64 * 1024 * 1024);

export function b64OfLength(bytes: number) {
  const chars = Math.ceil((bytes * 4) / 3);
  return z.string().length(chars).regex(/^[A-Za-z0-9_-]*$/, 'not base64url');
}

/** Throws FormatError unless `value` is a well-formed id; used before ids go into associated data. */
export function assertId(value: unknown, what: string): asserts value is string {
  if (typeof value !== 'string' || !ID_PATTERN.test(value)) {
    throw new FormatError(`${what} is not a ${ID_BYTES}-byte base64url id`);
  }
}

/** zod failure → FormatError with the first issue, never the rejected value (it may be secret). */
export function parseWith<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    const path = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
    throw new FormatError(`${what} is malformed: ${path}${issue?.message ?? 'invalid'}`);
  }
  return result.data;
}
