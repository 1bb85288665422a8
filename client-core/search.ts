// Search over the decrypted text of the tickets a staff member has opened (SPEC §5: the server
// only holds ciphertext, so it cannot search requests; the client can, over what it has already
// decrypted). Pure functions over plain strings: no keys, no I/O.

export type SearchField = 'subject' | 'category' | 'message' | 'note' | 'label';

export interface SearchText {
  field: SearchField;
  text: string;
}

/** Everything decrypted about one ticket. Replaced as a whole when the ticket is opened again. */
export interface SearchDoc {
  ticketId: string;
  subject: string | null;
  /** Category code from the first message ('malware'); matched through its shown name too. */
  category: string | null;
  /** Blind label tags; matched through the decrypted dictionary names. */
  tags: string[];
  /** Subject, first message, replies and notes. */
  texts: SearchText[];
}

/** What the text of a doc is matched against besides its own texts. */
export interface SearchContext {
  labelNames: ReadonlyMap<string, string>;
  /** Category code → the name shown in the UI language, so "mã độc" finds 'malware'. */
  categoryNames?: Readonly<Record<string, string>>;
}

function allTexts(doc: SearchDoc, ctx: SearchContext): SearchText[] {
  const out = [...doc.texts];
  if (doc.category !== null) {
    out.push({ field: 'category', text: doc.category });
    const shown = ctx.categoryNames?.[doc.category];
    if (shown) out.push({ field: 'category', text: shown });
  }
  for (const tag of doc.tags) {
    const name = ctx.labelNames.get(tag);
    if (name !== undefined) out.push({ field: 'label', text: name });
  }
  return out;
}

export interface SearchHit {
  ticketId: string;
  subject: string | null;
  field: SearchField;
  snippet: string;
}

/**
 * Folds one code point for matching: compatibility decomposition, combining marks removed, lower
 * case. "Mật khẩu" and "mat khau" match, as Vietnamese users often type without diacritics.
 * 'đ' does not decompose in Unicode, so it is mapped by hand.
 */
function foldChar(ch: string): string {
  return ch.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase().replace(/đ/g, 'd');
}

/** Folds a whole string (see foldChar) and collapses whitespace. */
export function foldForSearch(text: string): string {
  return Array.from(text, foldChar).join('').replace(/\s+/g, ' ').trim();
}

/** Folded text plus, for every folded UTF-16 unit, the index of its source code point's start. */
function foldWithMap(text: string): { folded: string; source: number[] } {
  let folded = '';
  const source: number[] = [];
  let at = 0;
  for (const ch of text) {
    const f = foldChar(ch);
    for (let i = 0; i < f.length; i++) source.push(at);
    folded += f;
    at += ch.length;
  }
  return { folded, source };
}

/** Query terms: folded, split on whitespace, duplicates dropped. */
export function searchTerms(query: string): string[] {
  return [
    ...new Set(
      foldForSearch(query)
        .split(' ')
        .filter((term) => term !== ''),
    ),
  ];
}

const SNIPPET_BEFORE = 30;
const SNIPPET_LENGTH = 120;

function snippetAround(text: string, start: number): string {
  const chars = Array.from(text.replace(/\s+/g, ' '));
  // Work in code points so a surrogate pair is never cut in half.
  const cpStart = Array.from(text.slice(0, start).replace(/\s+/g, ' ')).length;
  const from = Math.max(0, cpStart - SNIPPET_BEFORE);
  const to = Math.min(chars.length, from + SNIPPET_LENGTH);
  return `${from > 0 ? '…' : ''}${chars.slice(from, to).join('').trim()}${to < chars.length ? '…' : ''}`;
}

/**
 * Every term must occur somewhere in the ticket (in any field). Hits keep the documents' order
 * (the queue's newest-first order); the snippet shows the first field where the first term occurs.
 */
export function searchTickets(docs: Iterable<SearchDoc>, query: string, ctx: SearchContext, limit = 100): SearchHit[] {
  const terms = searchTerms(query);
  if (terms.length === 0) return [];
  const hits: SearchHit[] = [];
  for (const doc of docs) {
    const folded = allTexts(doc, ctx).map((t) => ({ ...t, ...foldWithMap(t.text) }));
    if (!terms.every((term) => folded.some((f) => f.folded.includes(term)))) continue;
    const first = terms[0] as string;
    const where = folded.find((f) => f.folded.includes(first));
    if (!where) continue;
    const start = where.source[where.folded.indexOf(first)] ?? 0;
    hits.push({ ticketId: doc.ticketId, subject: doc.subject, field: where.field, snippet: snippetAround(where.text, start) });
    if (hits.length >= limit) break;
  }
  return hits;
}
