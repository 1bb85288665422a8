/** Every failure the protocol reports is a CryptoError with a stable, machine-readable code. */
export type CryptoErrorCode =
  | 'bad_encoding'
  | 'bad_format'
  | 'unsupported_version'
  | 'decrypt_failed'
  | 'bad_signature'
  | 'keylog_invalid'
  | 'fingerprint_mismatch'
  | 'pow_invalid'
  | 'pow_expired'
  | 'stream_truncated'
  | 'stream_corrupt'
  | 'stream_trailing_data';

export class CryptoError extends Error {
  constructor(
    readonly code: CryptoErrorCode,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class EncodingError extends CryptoError {
  constructor(message = 'value is not valid base64url') {
    super('bad_encoding', message);
  }
}

export class FormatError extends CryptoError {
  constructor(message: string) {
    super('bad_format', message);
  }
}

export class UnsupportedVersionError extends CryptoError {
  constructor(version: unknown) {
    super('unsupported_version', `unsupported envelope version: ${String(version)}`);
  }
}

export class DecryptError extends CryptoError {
  constructor(message = 'decryption failed: wrong key, or the data was altered or moved') {
    super('decrypt_failed', message);
  }
}

export class SignatureError extends CryptoError {
  constructor(message = 'signature does not verify') {
    super('bad_signature', message);
  }
}

export class KeyLogError extends CryptoError {
  constructor(
    readonly reason: string,
    readonly seq?: number,
  ) {
    super('keylog_invalid', seq === undefined ? `key log invalid: ${reason}` : `key log entry ${seq} invalid: ${reason}`);
  }
}

export class FingerprintMismatchError extends CryptoError {
  constructor() {
    super('fingerprint_mismatch', 'the desk fingerprint differs from the pinned one');
  }
}

export class PowError extends CryptoError {
  constructor(code: 'pow_invalid' | 'pow_expired', message: string) {
    super(code, message);
  }
}

export class StreamTruncatedError extends CryptoError {
  constructor() {
    super('stream_truncated', 'attachment stream ended before its final chunk');
  }
}

/** A chunk failed authentication: wrong key, altered bytes, or chunks reordered/dropped mid-stream. */
export class StreamCorruptError extends CryptoError {
  constructor(message = 'attachment chunk failed authentication: altered, reordered or wrong key') {
    super('stream_corrupt', message);
  }
}

/** Bytes after the chunk tagged final: someone appended data the author never sealed. */
export class StreamTrailingDataError extends CryptoError {
  constructor() {
    super('stream_trailing_data', 'attachment stream has data after its final chunk');
  }
}

export function isCryptoError(err: unknown): err is CryptoError {
  return err instanceof CryptoError;
}
