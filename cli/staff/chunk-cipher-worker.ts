// The staff CLI's chunk-cipher thread (chunk-cipher.ts): the protocol's own chunk functions,
// nothing else, one message per chunk. Answers carry the bytes back by transfer.
import { parentPort } from 'node:worker_threads';
import { encryptAttachmentChunk, isCryptoError, openBodyChunk, ready } from '../../protocol';
import type { CipherReply, CipherRequest } from './chunk-cipher';

await ready();
const port = parentPort!;

/** A view that owns its whole buffer, so the buffer can be transferred (a copy otherwise). */
const owned = (bytes: Uint8Array): Uint8Array => (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice());

port.on('message', (m: CipherRequest) => {
  let reply: CipherReply;
  try {
    const data = new Uint8Array(m.data);
    const out = owned(m.op === 'seal' ? encryptAttachmentChunk(m.fileKey, m.place, data) : openBodyChunk(m.fileKey, m.layout, m.index, data));
    reply = { id: m.id, ok: true, bytes: out.buffer as ArrayBuffer };
    port.postMessage(reply, [reply.bytes]);
  } catch (err) {
    reply = { id: m.id, ok: false, error: isCryptoError(err) ? { code: err.code, message: err.message } : { message: err instanceof Error ? err.message : String(err) } };
    port.postMessage(reply);
  }
});
