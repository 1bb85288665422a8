// The crypto worker's dispatch table: each RPC method is one client-core call on the worker's one
// vault, with KDF progress around the slow ones. Kept apart from worker.ts (which only wires
// `self`) so tests call the very table the browser runs, in Node.
import * as core from '../../client-core';
import { CryptoError, estimateArgon2idMs, REQUESTER_KDF, solvePow, type KdfParams } from '../../protocol';
import type { ProgressEvent, RpcMethods } from './rpc';

export type Handler<M extends keyof RpcMethods> = (
  params: RpcMethods[M]['params'],
  progress: (p: ProgressEvent) => void,
) => RpcMethods[M]['result'] | Promise<RpcMethods[M]['result']>;

export type Handlers = { [M in keyof RpcMethods]: Handler<M> };

/**
 * Runs `work` between a KDF start and done event. Argon2id is one blocking call, so the start
 * event carries this device's measured estimate: the page turns it into a percent and time left.
 */
function withKdf<T>(progress: (p: ProgressEvent) => void, kdf: KdfParams, work: () => T): T {
  progress({ kind: 'kdf', stage: 'start', expectedMs: Math.round(estimateArgon2idMs(kdf, () => performance.now())) });
  const out = work();
  progress({ kind: 'kdf', stage: 'done' });
  return out;
}

/** The page's grant shape (`sealedKey`) as the core takes it (the wire's `sealed`). */
const wireGrant = (g: { teamKeyVersion: number; sealedKey: string }) => ({ teamKeyVersion: g.teamKeyVersion, sealed: g.sealedKey });

/** The handler table over `vault` (the worker passes its one vault: its memory). */
export function createHandlers(vault: core.Vault = core.createVault()): Handlers {
  return {
    init: ({ deskId }) => {
      core.initDesk(vault, deskId);
      return { ok: true };
    },
    verifyKeyLog: ({ entries, pinnedFingerprint }) => core.trustKeyLog(vault, entries, pinnedFingerprint),
    generatePassphrase: () => ({ passphrase: core.newPassphrase() }),
    deriveRequesterKeys: ({ passphrase }, progress) => withKdf(progress, REQUESTER_KDF, () => core.unlockRequester(vault, passphrase)),
    solvePow: async ({ challenge }, progress) => ({
      nonce: await solvePow(challenge, { onProgress: (attempts) => progress({ kind: 'pow', attempts }) }),
    }),
    signRequesterChallenge: ({ challenge }) => core.signSessionChallenge(vault, challenge),
    createTicket: ({ content }) => core.sealNewTicket(vault, content),
    openMyTickets: ({ tickets }) => core.openMyTickets(vault, tickets),
    openThread: ({ ticketId, messages }) => ({ messages: core.openRequesterThread(vault, ticketId, messages) }),
    sealReply: ({ ticketId, body, lang }) => core.sealRequesterReply(vault, ticketId, body, lang),
    staffDeriveSecrets: (p, progress) => withKdf(progress, p, () => core.deriveStaffLogin(vault, p)),
    staffUnlock: ({ staffId, keyBlob, grants, labelKeyWraps = [] }) =>
      core.unlockStaff(vault, { staffId, keyBlob, grants: grants.map(wireGrant), labelKeyWraps: labelKeyWraps.map(wireGrant) }),
    staffDirectory: () => ({ staff: core.staffDirectory(vault) }),
    staffOpenQueue: ({ tickets }) => ({ summaries: core.openQueue(vault, tickets) }),
    staffOpenTicket: ({ ticket, messages }) => core.openStaffThread(vault, ticket, messages),
    staffSealNote: ({ ticketId, body }) => core.sealNote(vault, ticketId, body),
    staffOpenLabels: ({ entries }) => core.openLabels(vault, entries),
    staffSealLabel: ({ name }) => core.sealLabel(vault, name),
    staffSearch: ({ query, categoryNames }) => core.searchOpened(vault, query, categoryNames),
    staffSealReply: ({ ticketId, body, lang }) => core.sealStaffReply(vault, ticketId, body, lang),
    staffPrepareSetup: (p) => core.prepareSetup(vault, p),
    staffPrepareActivation: (p) => core.prepareActivation(p),
    adminRoster: ({ list }) => ({ roster: core.rosterView(vault, list) }),
    adminPrepareAdmission: ({ member, readOut }) => ({ staffAdd: core.prepareAdmission(vault, member, readOut).staffAdd }),
    adminGrantCurrentTeamKey: ({ staffId }) => ({ grant: core.grantCurrentTeamKey(vault, staffId) }),
    adminPrepareDisable: ({ staffId }) => core.prepareDisable(vault, staffId),
    adminPrepareRoleChange: ({ staffId, role }) => core.prepareRoleChange(vault, staffId, role),
    adminRecordEntry: ({ entry }) => {
      core.recordKeyLogEntry(vault, entry);
      return { ok: true };
    },
    adminRotationStep: ({ status, start }) => ({ step: core.nextRotationStep(vault, status, { start }) }),
    adminRotationBegin: () => core.prepareNewTeamKey(vault),
    adminRotationGrants: ({ version, members }) => ({ grants: core.grantsForMembersWithout(vault, version, members) }),
    adminRewrapBatch: ({ batch, version }) => {
      const { wraps, failed } = core.rewrapBatch(vault, batch, version);
      return { wraps, failed };
    },
    adminRetireEntry: ({ version }) => ({ entry: core.retireEntry(vault, version) }),
    adminPrepareLabelKey: () => ({ body: core.prepareLabelKey(vault) }),
    adminAdoptLabelKey: ({ body }) => {
      core.recordKeyLogEntry(vault, body.entry);
      core.adoptLabelKey(vault, body);
      return { ok: true };
    },
    wipe: () => {
      // The page terminates the worker to be sure; this is for a soft reset between users.
      core.wipeVault(vault);
      return { ok: true };
    },
  };
}

/** Errors cross to the page as a code and a short message only: never key material or plaintext. */
export function errorOf(err: unknown): { code: string; message: string } {
  if (err instanceof CryptoError || err instanceof core.CoreError) return { code: err.code, message: err.message };
  return { code: 'internal', message: 'the encryption engine failed' };
}
