// SPEC §3: length hiding. Plaintexts are padded (ISO/IEC 7816-4, libsodium's sodium_pad) to a
// multiple of 512 bytes before encryption, so the server sees only a coarse size.
import { PAD_BLOCK } from './constants';
import { FormatError } from './errors';
import { sodium } from './sodium';

export function padPlaintext(bytes: Uint8Array): Uint8Array {
  return sodium().pad(bytes, PAD_BLOCK);
}

export function unpadPlaintext(bytes: Uint8Array): Uint8Array {
  try {
    return sodium().unpad(bytes, PAD_BLOCK);
  } catch {
    throw new FormatError('plaintext padding is invalid');
  }
}
