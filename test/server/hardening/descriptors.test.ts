// §3: with every descriptor in use, sampling memory (what the load-shedding timer does each
// second) must not throw: uncaught in a timer, it would end the process.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { connectionCap, DESCRIPTOR_RESERVE, isDescriptorExhaustion, openFileLimit } from '../../../server/connections';
import { runTsx } from '../../helpers/process';

const FIXTURE = join(import.meta.dirname, 'fixtures', 'memory-usage-at-emfile.ts');

async function runOutOfDescriptors(mode: 'guarded' | 'bare'): Promise<string> {
  const run = await runTsx(FIXTURE, [mode], { fileLimit: 64, timeoutMs: 30_000 });
  expect(run.code, run.stderr).toBe(0);
  return run.stdout.trim();
}

describe('descriptor exhaustion', () => {
  it('makes a bare process.memoryUsage() throw EMFILE (the crash under-pressure hit)', async () => {
    expect(await runOutOfDescriptors('bare')).toBe('threw EMFILE');
  });

  it('is answered with the last good memory reading once guarded', async () => {
    expect(await runOutOfDescriptors('guarded')).toMatch(/^sampled true after \d+ descriptors$/);
  });

  it('is what EMFILE and ENFILE mean, and nothing else', () => {
    expect(isDescriptorExhaustion(Object.assign(new Error('x'), { code: 'EMFILE' }))).toBe(true);
    expect(isDescriptorExhaustion(Object.assign(new Error('x'), { code: 'ENFILE' }))).toBe(true);
    expect(isDescriptorExhaustion(Object.assign(new Error('x'), { code: 'ENOENT' }))).toBe(false);
    expect(isDescriptorExhaustion('EMFILE')).toBe(false);
  });
});

describe('the connection cap', () => {
  it('stays under the descriptor limit, with a reserve for the database and files', () => {
    expect(connectionCap(256, 1024)).toBe(256);
    expect(connectionCap(256, 128)).toBe(128 - DESCRIPTOR_RESERVE);
    expect(connectionCap(256, 10)).toBe(1);
    expect(connectionCap(256, undefined)).toBe(256);
  });

  it('reads the soft limit from /proc/self/limits', () => {
    const limits = 'Limit                     Soft Limit           Hard Limit           Units\nMax open files            1024                 4096                 files\n';
    expect(openFileLimit(() => limits)).toBe(1024);
    expect(openFileLimit(() => limits.replace('1024', 'unlimited'))).toBeUndefined();
    expect(
      openFileLimit(() => {
        throw new Error('no /proc');
      }),
    ).toBeUndefined();
  });
});
