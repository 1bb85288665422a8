// What the slow steps say about themselves, and the real time of what this browser sent.
import { describe, expect, it } from 'vitest';
import { formatDuration, formatSentHere, powEstimate } from '../../client/src/format';

describe('powEstimate', () => {
  it('reports the share of the expected attempts and the time left at the rate so far', () => {
    // 2^10 expected; 256 attempts in 2 s → 128/s, 768 left → 6 s
    expect(powEstimate(256, 1024, 2000)).toEqual({ percent: 25, secondsLeft: 6, pastAverage: false });
  });

  it('gives no time left before there is a rate', () => {
    expect(powEstimate(0, 1024, 0).secondsLeft).toBeNull();
    expect(powEstimate(10, 1024, 100).secondsLeft).toBeNull();
  });

  it('never says 100 % before the solution is found, and says when it is past the average', () => {
    expect(powEstimate(5000, 1024, 10_000)).toEqual({ percent: 99, secondsLeft: null, pastAverage: true });
  });
});

describe('formatDuration', () => {
  it('says seconds, then minutes and seconds', () => {
    expect(formatDuration(45, 'en')).toBe('45 sec');
    expect(formatDuration(125, 'en')).toBe('2 min 5 sec');
    expect(formatDuration(120, 'en')).toBe('2 min');
    expect(formatDuration(-3, 'en')).toBe('0 sec');
  });
});

describe('formatSentHere', () => {
  const sent = Date.UTC(2026, 0, 5, 10, 59, 30);
  it('says "now" for the first minute', () => {
    expect(formatSentHere(sent, sent + 20_000, 'en')).toBe('now');
    expect(formatSentHere(sent, sent + 20_000, 'vi')).toBe('bây giờ');
  });

  it('then gives the real minute, not the hour the server rounds to', () => {
    const shown = formatSentHere(sent, sent + 5 * 60_000, 'en-GB');
    expect(shown).toContain(new Intl.DateTimeFormat('en-GB', { timeStyle: 'short' }).format(new Date(sent)));
    expect(shown).not.toContain(new Intl.DateTimeFormat('en-GB', { timeStyle: 'short' }).format(new Date(Date.UTC(2026, 0, 5, 10, 0))));
  });
});
