// The staff CLI's flag parsing: ids and fingerprints are base64url and may begin with a dash.
import { describe, expect, it } from 'vitest';
import { CliError, parseFlags } from '../../cli/staff/io';

const options = { fingerprint: { type: 'string' }, yes: { type: 'boolean' } } as const;
const usage = 'show TICKET_ID [--fingerprint FP] [--yes]';

describe('parseFlags', () => {
  it('reads a positional that begins with a dash as the positional, wherever it stands', () => {
    expect(parseFlags(['-V3xq', '--yes'], options, usage)).toMatchObject({ positionals: ['-V3xq'], values: { yes: true } });
    expect(parseFlags(['--yes', '-V3xq'], options, usage).positionals).toEqual(['-V3xq']);
  });

  it('takes the word after a string flag as its value even when it begins with a dash', () => {
    expect(parseFlags(['id', '--fingerprint', '-AAAA'], options, usage)).toMatchObject({ positionals: ['id'], values: { fingerprint: '-AAAA' } });
    expect(parseFlags(['--fingerprint=-AAAA', 'id'], options, usage).values.fingerprint).toBe('-AAAA');
  });

  it('still refuses an unknown flag and a string flag with no value, with the usage', () => {
    expect(() => parseFlags(['id', '--nope'], options, usage)).toThrow(CliError);
    expect(() => parseFlags(['id', '--nope'], options, usage)).toThrow(/usage: show TICKET_ID/);
    expect(() => parseFlags(['id', '--fingerprint'], options, usage)).toThrow(CliError);
  });

  it('keeps everything after -- literal', () => {
    expect(parseFlags(['--', '--yes'], options, usage)).toMatchObject({ positionals: ['--yes'], values: {} });
  });
});
