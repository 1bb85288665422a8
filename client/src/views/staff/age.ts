// "How long has this request waited": a short relative age in the UI language. Pure: the caller
// passes "now", so tests pin the output.
const UNITS: readonly [Intl.RelativeTimeFormatUnit, number][] = [
  ['day', 86_400],
  ['hour', 3_600],
  ['minute', 60],
];

/** Age of a Unix-seconds timestamp relative to `now` (seconds), e.g. "3 hr. ago" / "3 giờ trước". */
export function formatAge(createdAt: number, now: number, lang: string): string {
  const seconds = Math.max(0, now - createdAt);
  // 'always': an age counts 24-hour spans, so "yesterday" (a calendar word) would mislead.
  const fmt = new Intl.RelativeTimeFormat(lang, { numeric: 'always', style: 'short' });
  for (const [unit, size] of UNITS) {
    if (seconds >= size) return fmt.format(-Math.floor(seconds / size), unit);
  }
  // -0, not 0: Intl reads +0 as the future ("in 0 min."); -0 is "0 min. ago".
  return fmt.format(-0, 'minute');
}
