// Shared setup for the protocol suites: real libsodium, cheap Argon2 only via test/fixtures/kdf.ts.
import * as p from '../../protocol/index';

export async function loadSodium(): Promise<void> {
  await p.ready();
}

/** Flips one bit of byte `index` (mod length) of a base64url value and re-encodes it. */
export function flipB64(value: string, index: number, bit = 0): string {
  const bytes = p.fromB64(value);
  bytes[index % bytes.length]! ^= 1 << (bit % 8);
  return p.toB64(bytes);
}

export async function collect(source: AsyncIterable<Uint8Array>): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for await (const c of source) out.push(c);
  return out;
}

export function joinBytes(parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}

/** Expects `fn` to throw a CryptoError with `code`; returns it for further checks. */
export function expectCryptoError(fn: () => unknown, code: p.CryptoErrorCode): p.CryptoError {
  try {
    fn();
  } catch (err) {
    if (!(err instanceof p.CryptoError)) throw new Error(`expected CryptoError ${code}, got ${String(err)}`, { cause: err });
    if (err.code !== code) throw new Error(`expected ${code}, got ${err.code}: ${err.message}`, { cause: err });
    return err;
  }
  throw new Error(`expected CryptoError ${code}, but nothing was thrown`);
}

export async function expectCryptoErrorAsync(fn: () => Promise<unknown>, code: p.CryptoErrorCode): Promise<p.CryptoError> {
  try {
    await fn();
  } catch (err) {
    if (!(err instanceof p.CryptoError)) throw new Error(`expected CryptoError ${code}, got ${String(err)}`, { cause: err });
    if (err.code !== code) throw new Error(`expected ${code}, got ${err.code}: ${err.message}`, { cause: err });
    return err;
  }
  throw new Error(`expected CryptoError ${code}, but nothing was thrown`);
}
