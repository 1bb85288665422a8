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

/** "45 s", "2 min 5 s" in the UI language: elapsed and remaining times of the slow steps. */
export function formatDuration(seconds: number, lang: string): string {
  const s = Math.max(0, Math.round(seconds));
  const unit = (n: number, u: 'second' | 'minute') => new Intl.NumberFormat(lang, { style: 'unit', unit: u, unitDisplay: 'short' }).format(n);
  if (s < 60) return unit(s, 'second');
  const rest = s % 60;
  return rest === 0 ? unit(Math.floor(s / 60), 'minute') : `${unit(Math.floor(s / 60), 'minute')} ${unit(rest, 'second')}`;
}

export interface PowEstimate {
  /** Share of the expected work done, 0–99 (never 100 before it is found). */
  percent: number;
  /** Seconds left at the rate so far, or null before there is a rate or once past the average. */
  secondsLeft: number | null;
  /** True once more attempts than average have been needed: it is luck, not a hang. */
  pastAverage: boolean;
}

/**
 * Progress of a proof of work. Each attempt succeeds with probability 2^-difficulty, so the
 * work has no fixed end: "percent" is of the attempts expected on average, and the time left is
 * what the rate so far gives for the rest of that average.
 */
export function powEstimate(attempts: number, expectedAttempts: number, elapsedMs: number): PowEstimate {
  const share = expectedAttempts > 0 ? attempts / expectedAttempts : 1;
  const pastAverage = share >= 1;
  const rate = elapsedMs >= 500 && attempts > 0 ? attempts / (elapsedMs / 1000) : 0;
  return {
    percent: Math.min(99, Math.floor(share * 100)),
    secondsLeft: pastAverage || rate === 0 ? null : (expectedAttempts - attempts) / rate,
    pastAverage,
  };
}

/**
 * When a message this browser just sent is shown: the server stores times rounded down to the
 * hour (so its records do not pin down when someone wrote), which would stamp "10:00" on a
 * message sent at 10:59. This browser knows the real moment: "now" for the first minute, then
 * the local time.
 */
export function formatSentHere(sentAtMs: number, nowMs: number, lang: string): string {
  if (nowMs - sentAtMs < 60_000) return new Intl.RelativeTimeFormat(lang, { numeric: 'auto' }).format(0, 'second');
  return new Intl.DateTimeFormat(lang, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(sentAtMs));
}
