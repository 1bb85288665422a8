import fp from 'fastify-plugin';
import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createHmac, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { asPowMacKey, type PowMacKey } from '../../../protocol';
import type { AppPluginOptions } from '../options';

export interface Secrets {
  /** HS256 key for session JWTs. */
  readonly jwtKey: Buffer;
  /** MAC key for stateless proof-of-work challenges (branded for protocol's issuePowChallenge/verifyPow). */
  readonly powMacKey: PowMacKey;
}

declare module 'fastify' {
  interface FastifyInstance {
    secrets: Secrets;
  }
}

export const SECRET_FILES = { jwtKey: 'jwt.key', powMacKey: 'pow-mac.key' } as const;
const SECRET_BYTES = 32;

/**
 * Reads the server secrets from the data dir, creating each on first start.
 * SECURITY: files are 0600; anyone who can read jwt.key can mint staff sessions.
 */
export function loadOrCreateSecrets(dataDir: string): Secrets {
  return Object.freeze({
    jwtKey: loadOrCreate(join(dataDir, SECRET_FILES.jwtKey)),
    powMacKey: asPowMacKey(new Uint8Array(loadOrCreate(join(dataDir, SECRET_FILES.powMacKey)))),
  });
}

/**
 * A short public name of the secrets a node holds, logged at start so an operator can see that
 * every node of one desk was given the same files (docs/OPERATIONS.md, "Two nodes"). A node with
 * its own secrets refuses the others' sessions, seals two-factor secrets the others cannot open,
 * answers pre-login with other fake salts (telling real names from unknown ones) and counts
 * sign-in failures and rate limits apart. SECURITY: a keyed hash of a fixed label under both
 * keys, truncated to 64 bits: it names the keys without helping anyone guess them.
 */
export function secretsFingerprint(secrets: Secrets): string {
  return createHmac('sha256', Buffer.concat([secrets.jwtKey, secrets.powMacKey]))
    .update('sealdesk/v1/secrets-fingerprint')
    .digest()
    .subarray(0, 8)
    .toString('base64url');
}

function loadOrCreate(path: string): Buffer {
  try {
    // 'wx' fails if the file exists, so two processes starting at once cannot overwrite each other.
    writeFileSync(path, randomBytes(SECRET_BYTES), { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  // Tighten a key copied in with loose permissions rather than keep serving with it world-readable.
  if ((statSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600);
  const key = readFileSync(path);
  if (key.length !== SECRET_BYTES) throw new Error(`secret file ${path} is corrupt (expected ${SECRET_BYTES} bytes)`);
  return key;
}

export default fp<Pick<AppPluginOptions, 'secrets'>>(
  async (app, opts) => {
    app.decorate('secrets', opts.secrets);
  },
  { name: 'secrets' },
);
