// The staff CLI's chunk-cipher thread (chunk-cipher.ts): the protocol's own chunk functions,
// nothing else, one message per chunk. Answers carry the bytes back by transfer.
import { parentPort } from 'node:worker_threads';
import { encryptAttachmentChunk, isCryptoError, openBodyChunk, ready } from '../../protocol';
import { transferable, type CipherReply, type CipherRequest } from './chunk-cipher';

await ready();
const port = parentPort!;

port.on('message', (m: CipherRequest) => {
  let reply: CipherReply;
  try {
    const data = new Uint8Array(m.data);
    const out = m.op === 'seal' ? encryptAttachmentChunk(m.fileKey, m.place, data) : openBodyChunk(m.fileKey, m.layout, m.index, data);
    reply = { id: m.id, ok: true, bytes: transferable(out) };
    port.postMessage(reply, [reply.bytes]);
  } catch (err) {
    reply = { id: m.id, ok: false, error: isCryptoError(err) ? { code: err.code, message: err.message } : { message: err instanceof Error ? err.message : String(err) } };
    port.postMessage(reply);
  }
});
