// The one keyset-cursor codec (queue pages, rotation batches). A cursor is `<kind><integer>`
// (or `<kind><integer>.<integer>` for a two-column keyset) wrapped in base64url, so clients treat it as opaque and we can change its content without
// changing the API; each kind only decodes its own cursors.
import { badRequest } from '../errors';

export type CursorKind = 'q1:' | 'w';
/** Kinds of two-column cursors: 'a1:' is the queue by last activity, (updatedAt, seq). */
export type PairCursorKind = 'a1:';

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

export function encodePairCursor(kind: PairCursorKind, first: number, second: number): string {
  return Buffer.from(`${kind}${first}.${second}`, 'utf8').toString('base64url');
}

/** As decodeCursor, for a two-column position; the first column may be 0, the second may not. */
export function decodePairCursor(kind: PairCursorKind, cursor: string): [number, number] {
  const text = /^[A-Za-z0-9_-]{1,60}$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
  const match = text.startsWith(kind) ? /^(0|[1-9][0-9]{0,14})\.([1-9][0-9]{0,14})$/.exec(text.slice(kind.length)) : null;
  if (!match) throw badRequest('validation_failed', 'querystring/cursor: not a cursor from this server');
  return [Number(match[1]), Number(match[2])];
}
