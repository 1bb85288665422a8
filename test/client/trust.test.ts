// What a failed key-log check shows: only a real verification failure may raise the loud
// tampering warning (found by the browser suite: without WebAssembly libsodium failed to load
// and the page accused the desk of a broken key list).
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../client/src/api';
import { WorkerError } from '../../client/src/crypto-client';
import { trustFailure } from '../../client/src/trust';

describe('trustFailure', () => {
  it('a pinned fingerprint that differs is a mismatch', () => {
    expect(trustFailure(new WorkerError('fingerprint_mismatch', 'x'))).toBe('mismatch');
  });

  it('a log that does not verify (or belongs to another desk) is invalid', () => {
    for (const code of ['keylog_invalid', 'bad_signature', 'bad_format', 'bad_encoding', 'desk_changed']) {
      expect(trustFailure(new WorkerError(code, 'x')), code).toBe('invalid');
    }
  });

  it('an engine that could not start, crashed or was wiped says nothing about the desk', () => {
    for (const code of ['internal', 'worker_failed', 'wiped']) {
      expect(trustFailure(new WorkerError(code, 'x')), code).toBe('unreachable');
    }
  });

  it('a network or server failure is not a trust failure either', () => {
    expect(trustFailure(new ApiError(0, 'network', 'offline'))).toBe('unreachable');
    expect(trustFailure(new TypeError('failed to fetch'))).toBe('unreachable');
  });
});
