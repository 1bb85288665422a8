// The verification worker: checks message signatures off the event loop (pool.ts). It runs the
// same assertSigned as the event loop would, so a refusal is the same error, code and message.
import { parentPort } from 'node:worker_threads';
import { ready } from '../../protocol/index';
import { AppError } from '../errors';
import { assertSigned } from '../services/messages';
import type { VerifyReply, VerifyRequest } from './pool';

await ready();
const port = parentPort;
if (!port) throw new Error('server/verify/worker.ts runs only as a worker thread');

function check(job: VerifyRequest): VerifyReply {
  try {
    assertSigned(job.message, job.signPk);
    return { id: job.id, ok: true };
  } catch (err) {
    // Only a domain refusal crosses back as such; anything else is a generic failure (a 500 on
    // the event loop), and its details stay here, out of the reply.
    if (err instanceof AppError) return { id: job.id, ok: false, code: err.code, message: err.message };
    return { id: job.id, ok: false };
  }
}

port.on('message', (job: VerifyRequest) => port.postMessage(check(job)));
