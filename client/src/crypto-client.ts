// Page-side wrapper around the crypto worker: one promise per call, progress via a callback.
// The worker is created lazily and can be wiped (terminated) at any time — "Leave quickly" and
// the staff lock do that — after which the next call starts a fresh, empty worker.
import type { FromWorker, ProgressEvent, RpcMethod, RpcMethods, ToWorker } from './rpc';

/** A failure inside the worker, carrying the protocol's stable CryptoError code when there is one. */
export class WorkerError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'WorkerError';
  }
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (reason: WorkerError) => void;
  onProgress: ((p: ProgressEvent) => void) | undefined;
}

let worker: Worker | null = null;
let nextId = 1;
const pending = new Map<number, Pending>();

function start(): Worker {
  const w = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
  w.addEventListener('message', (ev: MessageEvent<FromWorker>) => {
    const msg = ev.data;
    const p = pending.get(msg.id);
    if (!p) return;
    if (msg.type === 'progress') {
      p.onProgress?.(msg.progress);
      return;
    }
    pending.delete(msg.id);
    if (msg.type === 'result') p.resolve(msg.result);
    else p.reject(new WorkerError(msg.code, msg.message));
  });
  w.addEventListener('error', (ev) => {
    ev.preventDefault();
    failAll(new WorkerError('worker_failed', 'the encryption engine stopped'));
  });
  return w;
}

function failAll(err: WorkerError): void {
  for (const p of pending.values()) p.reject(err);
  pending.clear();
}

/** Calls a worker method. `onProgress` receives KDF, proof-of-work and upload progress. */
export function rpc<M extends RpcMethod>(method: M, params: RpcMethods[M]['params'], onProgress?: (p: ProgressEvent) => void): Promise<RpcMethods[M]['result']> {
  worker ??= start();
  const id = nextId++;
  const w = worker;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve: resolve as (v: unknown) => void, reject, onProgress });
    const msg = { id, method, params } as ToWorker;
    w.postMessage(msg);
  });
}

/**
 * SECURITY: terminating the worker is the only way to be sure its keys are gone — JavaScript
 * cannot zero memory reliably, but a terminated worker's heap is released with it.
 */
export function wipeWorker(): void {
  if (worker) worker.terminate();
  worker = null;
  failAll(new WorkerError('wiped', 'the session was closed'));
}

export function workerRunning(): boolean {
  return worker !== null;
}
