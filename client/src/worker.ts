/// <reference lib="webworker" />
// The crypto worker: ALL cryptography and proof-of-work run here, through the protocol module,
// so the page stays responsive and secret keys never enter the page's memory. The page talks to
// it only through crypto-client.ts (typed by rpc.ts).
import { config as zodConfig } from 'zod';
import { CryptoError, ready, solvePow, verifyKeyLog } from '../../protocol';
import * as requester from './engine/requester';
import * as staff from './engine/staff';
import * as enrol from './engine/staff-enrol';
import * as labels from './engine/staff-labels';
import * as notes from './engine/staff-notes';
import { clearStaffMemory, engine, EngineError } from './engine/state';
import type { FromWorker, ProgressEvent, RpcMethods, ToWorker } from './rpc';

declare const self: DedicatedWorkerGlobalScope;

// The CSP forbids eval; zod otherwise probes `new Function('')` on first use to pick a faster
// parser, which the browser reports as a CSP violation. Jitless mode skips the probe.
zodConfig({ jitless: true });

type Handler<M extends keyof RpcMethods> = (params: RpcMethods[M]['params'], progress: (p: ProgressEvent) => void) => RpcMethods[M]['result'] | Promise<RpcMethods[M]['result']>;

function checkKeyLog(params: RpcMethods['verifyKeyLog']['params']): RpcMethods['verifyKeyLog']['result'] {
  // SECURITY: clear the previous state first: if this verification fails, nothing may be sealed
  // against a log that was trusted earlier but is now contradicted.
  engine.keyLog = null;
  const state = verifyKeyLog(params.entries, params.pinnedFingerprint === null ? {} : { pinnedFingerprint: params.pinnedFingerprint });
  if (engine.deskId !== null && state.deskId !== engine.deskId) {
    throw new EngineError('keylog_invalid', 'the key log belongs to another desk');
  }
  engine.keyLog = state;
  return { fingerprint: state.fingerprint, teamKeyVersion: state.currentTeamKey?.version ?? null, entries: params.entries.length };
}

const handlers: { [M in keyof RpcMethods]: Handler<M> } = {
  init: ({ deskId }) => {
    if (engine.deskId !== null && engine.deskId !== deskId) throw new EngineError('desk_changed', 'the desk id changed');
    engine.deskId = deskId;
    return { ok: true };
  },
  verifyKeyLog: (p) => checkKeyLog(p),
  generatePassphrase: () => requester.newPassphrase(),
  deriveRequesterKeys: ({ passphrase }, progress) => {
    progress({ kind: 'kdf', stage: 'start' });
    const out = requester.deriveKeys(passphrase);
    progress({ kind: 'kdf', stage: 'done' });
    return out;
  },
  solvePow: async ({ challenge }, progress) => ({
    nonce: await solvePow(challenge, { onProgress: (attempts) => progress({ kind: 'pow', attempts }) }),
  }),
  signRequesterChallenge: ({ challenge }) => requester.signChallenge(challenge),
  createTicket: (p) => requester.sealNewTicket(p),
  openMyTickets: ({ tickets }) => requester.openMyTickets(tickets),
  openThread: ({ ticketId, messages }) => requester.openThread(ticketId, messages),
  sealReply: ({ ticketId, body, lang }) => requester.sealReply(ticketId, body, lang),
  staffDeriveSecrets: (p, progress) => {
    progress({ kind: 'kdf', stage: 'start' });
    const out = staff.deriveSecrets(p);
    progress({ kind: 'kdf', stage: 'done' });
    return out;
  },
  staffUnlock: (p) => staff.unlock(p),
  staffDirectory: () => staff.directory(),
  staffOpenQueue: ({ tickets }) => staff.openQueue(tickets),
  staffOpenTicket: ({ ticket, messages }) => staff.openTicket(ticket, messages),
  staffSealNote: ({ ticketId, body }) => notes.sealNote(ticketId, body),
  staffOpenLabels: ({ entries }) => labels.openLabels(entries),
  staffSealLabel: ({ name }) => labels.sealLabel(name),
  staffSearch: (p) => staff.search(p),
  staffSealReply: ({ ticketId, body, lang }) => staff.sealReply(ticketId, body, lang),
  staffPrepareSetup: (p, progress) => {
    progress({ kind: 'kdf', stage: 'start' });
    const out = enrol.prepareSetup(p);
    progress({ kind: 'kdf', stage: 'done' });
    return out;
  },
  staffPrepareActivation: (p, progress) => {
    progress({ kind: 'kdf', stage: 'start' });
    const out = enrol.prepareActivation(p);
    progress({ kind: 'kdf', stage: 'done' });
    return out;
  },
  wipe: () => {
    // The page terminates the worker to be sure; this is for a soft reset between users.
    engine.requester = null;
    clearStaffMemory();
    return { ok: true };
  },
};

function post(msg: FromWorker): void {
  self.postMessage(msg);
}

/** Errors cross to the page as a code and a short message only: never key material or plaintext. */
function errorOf(err: unknown): { code: string; message: string } {
  if (err instanceof CryptoError || err instanceof EngineError) return { code: err.code, message: err.message };
  return { code: 'internal', message: 'the encryption engine failed' };
}

const sodiumReady = ready();

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
