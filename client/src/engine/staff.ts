// Worker-side staff operations (console shell): derive secrets, open the key blob and grants,
// open tickets through the team key, seal replies. The kek and every secret stay here.
import {
  asKek,
  asTeamPublicKey,
  deriveStaffSecrets,
  newId,
  openGrant,
  openStaffKeyBlob,
  openTeamWrap,
  sealMessage,
  toB64,
} from '../../../protocol';
import type { Message, StaffTicket } from '../api';
import type { RpcMethods } from '../rpc';
import { openForDisplay } from './display';
import { engine, EngineError, requireKeyLog } from './state';

type R<M extends keyof RpcMethods> = RpcMethods[M]['result'];

/** Argon2id(password, salt): keeps kek here, hands out only authSecret for the login call. */
export function deriveSecrets(p: RpcMethods['staffDeriveSecrets']['params']): R<'staffDeriveSecrets'> {
  const { kek, authSecret } = deriveStaffSecrets(p.password, p.salt, { opslimit: p.opslimit, memlimit: p.memlimit });
  engine.staff = null;
  pendingKek = kek;
  return { authSecret: toB64(authSecret) };
}

let pendingKek: Uint8Array | null = null;

/** Opens the staff key blob with the kek, then every grant whose key the verified log publishes. */
export function unlock(p: RpcMethods['staffUnlock']['params']): R<'staffUnlock'> {
  if (!pendingKek) throw new EngineError('no_kek', 'derive the staff secrets first');
  const log = requireKeyLog();
  const keys = openStaffKeyBlob(p.keyBlob, asKek(pendingKek), p.staffId);
  // SECURITY: the blob must hold the keys the key log lists for this staff member; otherwise the
  // server could hand us keys of its choosing and read what we seal.
  const rec = log.staff.get(p.staffId);
  if (!rec || !rec.active || rec.signPk !== toB64(keys.sign.publicKey) || rec.boxPk !== toB64(keys.box.publicKey)) {
    throw new EngineError('keylog_invalid', 'these keys are not the ones in the key log for this account');
  }
  engine.staff = { staffId: p.staffId, keys, kek: pendingKek };
  pendingKek = null;
  engine.teamKeys.clear();
  for (const g of p.grants) {
    const published = log.teamKeys.find((k) => k.version === g.teamKeyVersion);
    if (!published) continue; // a grant for a key the log does not know is ignored, not trusted
    engine.teamKeys.set(g.teamKeyVersion, openGrant(g.sealedKey, keys.box, asTeamPublicKey(published.boxPk)));
  }
  return { teamKeyVersions: [...engine.teamKeys.keys()].sort((a, b) => a - b) };
}

export function openTicket(ticket: StaffTicket, messages: Message[]): R<'staffOpenTicket'> {
  const log = requireKeyLog();
  if (!engine.staff) throw new EngineError('locked', 'the console is locked');
  let key = engine.ticketKeys.get(ticket.ticketId) ?? null;
  if (!key) {
    const team = engine.teamKeys.get(ticket.teamWrap.teamKeyVersion);
    if (team) {
      try {
        key = openTeamWrap(ticket.teamWrap, team, 'ticket');
        engine.ticketKeys.set(ticket.ticketId, key);
      } catch {
        key = null;
      }
    }
  }
  engine.ticketRequesters.set(ticket.ticketId, ticket.requesterSignPk);
  return {
    messages: messages
      // The shell does not open internal notes yet (they need N from noteWrap); the console
      // build-out adds them. Until then they are left out of this view, not shown as forged.
      .filter((m) => m.kind === 'message')
      .sort((a, b) => a.seq - b.seq)
      .map((m) => openForDisplay(ticket.ticketId, m, key, { kind: 'staff', requesterSignPk: ticket.requesterSignPk }, log)),
  };
}

export function sealReply(ticketId: string, body: string, lang: string): R<'staffSealReply'> {
  if (!engine.staff) throw new EngineError('locked', 'the console is locked');
  const key = engine.ticketKeys.get(ticketId);
  if (!key) throw new EngineError('no_ticket_key', 'this ticket has not been opened');
  const messageId = newId();
  const envelope = sealMessage({ kind: 'message', ticketId, messageId, key, payload: { v: 1, body, lang }, authorSignSk: engine.staff.keys.sign.secretKey });
  return { messageId, envelope: { v: 1, nonce: envelope.nonce, ct: envelope.ct, sig: envelope.sig } };
}
