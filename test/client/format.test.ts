import { describe, expect, it } from 'vitest';
import { formatBytes, formatTime, groupFingerprint, preview } from '../../client/src/format';
import { isIdle } from '../../client/src/views/staff/idle';

describe('formatting helpers', () => {
  it('groups a fingerprint in blocks of four for reading aloud', () => {
    expect(groupFingerprint('abcdEFGH1234xy')).toBe('abcd EFGH 1234 xy');
    expect(groupFingerprint('ab cd ef')).toBe('abcd ef');
  });

  it('formats byte counts for people', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KB');
    expect(formatBytes(25 * 1024 * 1024)).toBe('25 MB');
    expect(formatBytes(-1)).toBe('');
  });

  it('formats Unix seconds in the UI language', () => {
    const en = formatTime(0, 'en');
    const vi = formatTime(0, 'vi');
    expect(en).toMatch(/1970|1969/);
    expect(vi).toMatch(/1970|1969/);
    expect(en).not.toBe(vi);
  });

  it('cuts a preview without splitting characters', () => {
    expect(preview('a  b\n c')).toBe('a b c');
    expect(preview('x'.repeat(100), 10)).toBe(`${'x'.repeat(9)}…`);
    expect(Array.from(preview('😀'.repeat(20), 5))).toHaveLength(5);
  });
});

describe('staff idle lock', () => {
  it('locks after 15 minutes without activity, not before', () => {
    const start = 1_000_000;
    expect(isIdle(start, start + 15 * 60 * 1000 - 1)).toBe(false);
    expect(isIdle(start, start + 15 * 60 * 1000)).toBe(true);
  });
});
