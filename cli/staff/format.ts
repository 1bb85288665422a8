// How the staff CLI prints what the core opened. The statuses are the core's (the browser shows
// the same set); this file only chooses the terminal marks and words.
import { TRUSTED_STATUSES, type DisplayMessage, type SignatureStatus } from '../../client-core';

/** Per status: a mark and a word. ✗ marks the red statuses; their text is never printed. */
export const SIGNATURE_LABELS: Readonly<Record<SignatureStatus, { mark: string; label: string }>> = {
  verified: { mark: '✓', label: 'verified' },
  own: { mark: '✓', label: 'own' },
  former_key: { mark: '✓', label: 'former key' },
  former_member: { mark: '✓', label: 'former member' },
  bad: { mark: '✗', label: 'SIGNATURE DOES NOT VERIFY' },
  unknown_author: { mark: '✗', label: 'AUTHOR NOT IN THE KEY LOG' },
};

/** The core's red statuses: a warning, and no text. */
export const isRed = (s: SignatureStatus): boolean => !TRUSTED_STATUSES.includes(s);

export const when = (t: number): string => new Date(t * 1000).toISOString().replace('T', ' ').slice(0, 16);

/** The header line of one message: mark, seq, kind, author, time, status word, and why text is missing. */
export function messageLine(m: DisplayMessage, author: string): string {
  const { mark, label } = SIGNATURE_LABELS[m.signature];
  const missing = m.decryptFailed && !isRed(m.signature) ? '  (cannot decrypt: you hold no key for it)' : '';
  return `${mark} #${m.seq} ${m.kind === 'note' ? 'NOTE ' : ''}${author}  ${when(m.createdAt)}  [${label}]${missing}`;
}

/** Fixed-width columns, long cells cut with an ellipsis (code points, never half a character). */
export function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.min(48, Math.max(...rows.map((r) => [...r[i]!].length))));
  const cell = (s: string, w: number) => {
    const chars = [...s];
    return chars.length > w ? `${chars.slice(0, w - 1).join('')}…` : s + ' '.repeat(w - chars.length);
  };
  return rows.map((r) =>
    r
      .map((s, i) => cell(s, widths[i]!))
      .join('  ')
      .trimEnd(),
  );
}
