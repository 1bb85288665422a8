// Display formatting. Pure: the language and "now" are passed in so tests pin the output.

/** Formats Unix seconds as a local date and time in the UI language. */
export function formatTime(unixSeconds: number, lang: string): string {
  return new Intl.DateTimeFormat(lang, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(unixSeconds * 1000));
}

/** Formats a byte count for people: "512 B", "1.5 KB", "25 MB". */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '';
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const rounded = value >= 10 ? Math.round(value).toString() : (Math.round(value * 10) / 10).toString();
  return `${rounded} ${units[unit]}`;
}

/**
 * Groups a fingerprint into blocks of 4 characters so two people can read it aloud to each
 * other and compare it with the one the desk publishes elsewhere.
 */
export function groupFingerprint(fingerprint: string, size = 4): string {
  const clean = fingerprint.replace(/\s+/g, '');
  const groups: string[] = [];
  for (let i = 0; i < clean.length; i += size) groups.push(clean.slice(i, i + size));
  return groups.join(' ');
}

/** Cuts text for a one-line list preview without splitting a surrogate pair. */
export function preview(text: string, max = 80): string {
  const chars = Array.from(text.replace(/\s+/g, ' ').trim());
  return chars.length <= max ? chars.join('') : `${chars.slice(0, max - 1).join('')}…`;
}
