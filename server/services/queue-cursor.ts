import { badRequest } from '../errors';

// The cursor is the internal seq of the last ticket on the page. It is wrapped in base64url so
// clients treat it as opaque and we can change its content without changing the API.
const PREFIX = 'q1:';

export function encodeCursor(seq: number): string {
  return Buffer.from(`${PREFIX}${seq}`, 'utf8').toString('base64url');
}

/** Throws 400 validation_failed for anything that is not a cursor this server issued. */
export function decodeCursor(cursor: string): number {
  const text = /^[A-Za-z0-9_-]{1,40}$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
  const match = /^q1:([1-9][0-9]{0,14})$/.exec(text);
  if (!match?.[1]) throw badRequest('validation_failed', 'querystring/cursor: not a cursor from this server');
  return Number(match[1]);
}
