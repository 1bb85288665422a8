// Slow clients and descriptor exhaustion (docs/OPERATIONS.md "Connections"). Every socket is a
// file descriptor; a process that runs out of them cannot open the database's files, read
// /proc for its memory use, or accept anyone. So: time-bound every request (Fastify options from
// config.connections), cap open sockets below the descriptor limit, and treat EMFILE/ENFILE as
// "overloaded", never as a reason to exit.
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { Config } from './config';

/** Descriptors kept free for the database, its WAL and shm files, static files and logs. */
export const DESCRIPTOR_RESERVE = 32;

const EXHAUSTION_CODES = new Set(['EMFILE', 'ENFILE']);

/** True for the errors a process out of file descriptors raises (accept, open, /proc reads). */
export function isDescriptorExhaustion(err: unknown): boolean {
  return typeof err === 'object' && err !== null && EXHAUSTION_CODES.has((err as { code?: unknown }).code as string);
}

/** The soft `Max open files` limit of this process (Linux /proc), or undefined where unknown. */
export function openFileLimit(read: () => string = () => readFileSync('/proc/self/limits', 'utf8')): number | undefined {
  try {
    const m = /^Max open files\s+(\d+|unlimited)\s/m.exec(read());
    return m?.[1] && m[1] !== 'unlimited' ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** The connection cap: the configured one, lowered to fit under the descriptor limit. */
export function connectionCap(configured: number, fileLimit = openFileLimit()): number {
  if (fileLimit === undefined) return configured;
  return Math.max(1, Math.min(configured, fileLimit - DESCRIPTOR_RESERVE));
}

/** The Fastify constructor options that bound a request's and a socket's life. */
export function timeoutOptions(config: Config) {
  const c = config.connections;
  return {
    requestTimeout: c.requestTimeoutMs,
    connectionTimeout: c.idleTimeoutMs,
    keepAliveTimeout: c.keepAliveTimeoutMs,
    // Node checks the header and request deadlines on this interval (default 30 s, which would
    // let a trickler live up to 30 s past its deadline).
    http: { headersTimeout: c.headersTimeoutMs, requestTimeout: c.requestTimeoutMs, connectionsCheckingInterval: Math.min(1000, c.headersTimeoutMs) },
  };
}

/**
 * Caps open sockets and keeps accept errors from killing the process.
 * SECURITY: without the cap, enough idle sockets exhaust the descriptors; without the listener, an
 * EMFILE from accept() is an unhandled 'error' event and the process exits: a remote kill switch.
 */
export function guardServer(server: Server, maxConnections: number, onExhausted: (err: unknown) => void): void {
  server.maxConnections = maxConnections;
  server.on('error', (err) => {
    if (isDescriptorExhaustion(err)) onExhausted(err);
    else throw err;
  });
}

let memoryUsageGuarded = false;

/**
 * @fastify/under-pressure samples process.memoryUsage() on a timer; on Linux that opens
 * /proc/self/stat and throws EMFILE when no descriptor is free, uncaught, from a timer: the
 * process dies. Answer the last good reading instead while descriptors are exhausted.
 * SECURITY: removing this turns descriptor exhaustion back into a crash.
 */
export function guardMemoryUsage(): void {
  if (memoryUsageGuarded) return;
  memoryUsageGuarded = true;
  const original = process.memoryUsage;
  let last: NodeJS.MemoryUsage = original();
  const guarded = Object.assign(
    (): NodeJS.MemoryUsage => {
      try {
        last = original();
      } catch (err) {
        if (!isDescriptorExhaustion(err)) throw err;
      }
      return last;
    },
    {
      rss: (): number => {
        try {
          return original.rss();
        } catch (err) {
          if (!isDescriptorExhaustion(err)) throw err;
          return last.rss;
        }
      },
    },
  );
  process.memoryUsage = guarded;
}
