// The one keyset-cursor codec (queue pages, rotation batches). A cursor is `<kind><integer>`
// wrapped in base64url, so clients treat it as opaque and we can change its content without
// changing the API; each kind only decodes its own cursors.
import { badRequest } from '../errors';

export type CursorKind = 'q1:' | 'w';

export function encodeCursor(kind: CursorKind, position: number): string {
  return Buffer.from(`${kind}${position}`, 'utf8').toString('base64url');
}

/** Throws 400 validation_failed for anything that is not a `kind` cursor this server issued. */
export function decodeCursor(kind: CursorKind, cursor: string): number {
  const text = /^[A-Za-z0-9_-]{1,40}$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
  const digits = text.startsWith(kind) ? text.slice(kind.length) : '';
  if (!/^[1-9][0-9]{0,14}$/.test(digits)) throw badRequest('validation_failed', 'querystring/cursor: not a cursor from this server');
  return Number(digits);
}
