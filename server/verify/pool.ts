// Signature verification off the event loop: a small worker_threads pool (docs/DECISIONS.md,
// "Submit throughput"). An Ed25519 verify is the largest piece of CPU a ticket submission costs
// the event loop; in a worker it runs on an otherwise idle core while the loop serves the next
// request. The workers run protocol code (libsodium stays behind protocol/sodium.ts) and the same
// assertSigned as the event loop, so a forged signature is refused exactly as before.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { ErrorCode } from '../../contract/index';
import { AppError } from '../errors';
import type { SignedMessage } from '../services/messages';

export interface VerifyRequest {
  id: number;
  message: SignedMessage;
  signPk: string;
}
export type VerifyReply = { id: number; ok: true } | { id: number; ok: false; code?: ErrorCode; message?: string };

export interface VerifyPoolOptions {
  /** Worker threads; default one per core but one, 1 to 4. */
  threads?: number;
  /** Verifications waiting or running across the pool; one more is refused with 503 `overloaded`. */
  maxQueued?: number;
}

export interface VerifyPool {
  /** Resolves when `m` is signed by `signPk`; rejects with the same AppError assertSigned throws. */
  assertSigned(m: SignedMessage, signPk: string): Promise<void>;
  /** Waits for the verifications under way, then stops the workers. Later calls are refused. */
  close(): Promise<void>;
}

export const DEFAULT_MAX_QUEUED = 256;
export const defaultThreads = () => Math.max(1, Math.min(4, availableParallelism() - 1));

const ENTRY = new URL('./entry.mjs', import.meta.url);

interface Pending {
  resolve: () => void;
  reject: (err: unknown) => void;
}

interface Slot {
  worker: Worker;
  pending: Map<number, Pending>;
}

const overloaded = () => new AppError('overloaded', 'the desk is busy; try again shortly');

export function createVerifyPool(options: VerifyPoolOptions = {}): VerifyPool {
  const threads = options.threads ?? defaultThreads();
  const maxQueued = options.maxQueued ?? DEFAULT_MAX_QUEUED;
  if (!Number.isInteger(threads) || threads < 1) throw new Error(`verify pool: threads must be a positive integer, not ${threads}`);
  let nextId = 0;
  let queued = 0;
  let closing = false;
  const inFlight = new Set<Promise<void>>();

  const start = (): Slot => {
    // execArgv: [] — the parent's flags (tsx's loader, --cpu-prof) are not the worker's business;
    // entry.mjs brings its own loader. Unref'd: a pool must never be what keeps a process alive.
    const slot: Slot = { worker: new Worker(ENTRY, { execArgv: [] }), pending: new Map() };
    slot.worker.unref();
    slot.worker.on('message', (reply: VerifyReply) => {
      const job = slot.pending.get(reply.id);
      if (!job) return;
      slot.pending.delete(reply.id);
      if (reply.ok) job.resolve();
      else if (reply.code !== undefined) job.reject(new AppError(reply.code, reply.message ?? ''));
      else job.reject(new Error('signature verification failed in the worker'));
    });
    // A worker that dies fails only its own jobs (500s, not hangs) and is replaced.
    const fail = (err: unknown) => {
      for (const job of slot.pending.values()) job.reject(err);
      slot.pending.clear();
    };
    slot.worker.on('error', fail);
    slot.worker.on('exit', (code) => {
      fail(new Error(`signature verification worker exited (${code})`));
      const i = slots.indexOf(slot);
      if (!closing && i >= 0) slots[i] = start();
    });
    return slot;
  };
  // Started on first use: most app instances (tests, operator commands) never verify, and a
  // worker costs a thread and its own module load (~0.3 s of CPU) to start.
  const slots: Slot[] = [];

  function assertSigned(message: SignedMessage, signPk: string): Promise<void> {
    // SECURITY: bounded: a flood of submissions is refused with 503 here, never queued in memory.
    if (closing || queued >= maxQueued) return Promise.reject(overloaded());
    if (slots.length === 0) for (let i = 0; i < threads; i++) slots.push(start());
    const slot = slots.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
    const id = nextId++;
    queued++;
    const done = new Promise<void>((resolve, reject) => {
      slot.pending.set(id, { resolve, reject });
      // Only plain fields cross: the envelope as parsed (strings), no prototype to clone.
      slot.worker.postMessage({
        id,
        message: { kind: message.kind, ticketId: message.ticketId, messageId: message.messageId, envelope: message.envelope },
        signPk,
      } satisfies VerifyRequest);
    });
    const tracked = done.finally(() => {
      queued--;
      inFlight.delete(tracked);
    });
    inFlight.add(tracked);
    return tracked;
  }

  async function close(): Promise<void> {
    closing = true;
    await Promise.allSettled([...inFlight]);
    await Promise.all(slots.map((slot) => slot.worker.terminate()));
  }

  return { assertSigned, close };
}
