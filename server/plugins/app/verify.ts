import fp from 'fastify-plugin';
import type { SignedMessage } from '../../services/messages';
import { createVerifyPool } from '../../verify/pool';
import type { AppPluginOptions } from '../options';

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * assertSigned (services/messages.ts) on a worker thread: resolves when the signature holds,
     * rejects with the same `bad_signature` error, or with 503 `overloaded` when the pool's queue
     * is full. For hot paths; anything else may call assertSigned directly.
     */
    verifySignature(m: SignedMessage, signPk: string): Promise<void>;
  }
}

export default fp<Pick<AppPluginOptions, 'verifyPool'>>(
  async (app, opts) => {
    const pool = createVerifyPool(opts.verifyPool);
    app.decorate('verifySignature', pool.assertSigned);
    // Runs after the in-flight requests completed; still waits for any verification under way.
    app.addHook('onClose', () => pool.close());
  },
  { name: 'verify' },
);
