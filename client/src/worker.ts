/// <reference lib="webworker" />
// The crypto worker: ALL cryptography and proof-of-work run here, through the client core and the
// protocol module, so the page stays responsive and secret keys never enter the page's memory.
// The page talks to it only through crypto-client.ts (typed by rpc.ts); this file only wires
// messages to the dispatch table in worker-handlers.ts.
import { config as zodConfig } from 'zod';
import { createVault, ready } from '../../client-core';
import { createHandlers, errorOf, type Handler } from './worker-handlers';
import type { FromWorker, ProgressEvent, ToWorker } from './rpc';

declare const self: DedicatedWorkerGlobalScope;

// The CSP forbids eval; zod otherwise probes `new Function('')` on first use to pick a faster
// parser, which the browser reports as a CSP violation. Jitless mode skips the probe.
zodConfig({ jitless: true });

// SECURITY: the worker's one vault holds every secret key; terminating the worker releases it.
const handlers = createHandlers(createVault());
const sodiumReady = ready();

function post(msg: FromWorker): void {
  self.postMessage(msg);
}

self.addEventListener('message', (ev: MessageEvent<ToWorker>) => {
  const { id, method, params } = ev.data;
  const progress = (p: ProgressEvent): void => post({ id, type: 'progress', progress: p });
  void (async () => {
    try {
      await sodiumReady;
      const handler = handlers[method] as Handler<typeof method>;
      const result = await handler(params as never, progress);
      post({ id, type: 'result', result });
    } catch (err) {
      post({ id, type: 'error', ...errorOf(err) });
    }
  })();
});
