// One desk for the client-core tests: a genesis admin who published team key v1, a requester who
// files tickets from their own vault, and the admin unlocked in a staff vault exactly as a console
// does (Argon2 → key blob → grants). Real libsodium, real protocol module, real client core; cheap
// Argon2 only through the kdf fixture.
import * as core from '../../client-core';
import type { Envelope, Grant, Message, MessageAuthor } from '../../contract';
import {
  buildGenesisEntry,
  buildKeyLogEntry,
  deriveStaffSecrets,
  generateStaffKeys,
  generateTeamKey,
  newId,
  newStaffSalt,
  ready,
  sealGrant,
  sealStaffKeyBlob,
  signKeyLogEntry,
  toB64,
  verifyKeyLog,
  type KeyLogEntry,
  type StaffKeys,
} from '../../protocol';
import { CHEAP_KDF } from '../fixtures/kdf';

export const PASSPHRASE = 'abandon ability able about above absent absorb abstract';
export const ADMIN_PASSWORD = 'correct horse';

export type Category = 'hacked_account' | 'malware' | 'phishing' | 'censorship' | 'other';

export interface StaffTicket extends core.QueueTicket {
  labels: string[];
}

export interface StaffDesk {
  deskId: string;
  adminId: string;
  admin: StaffKeys;
  team: ReturnType<typeof generateTeamKey>;
  log: KeyLogEntry[];
  /** The requester's client memory (keys derived from PASSPHRASE with the cheap KDF). */
  requester: core.Vault;
  requesterSignPk: string;
  /** The admin's console memory, unlocked with grant v1. */
  staff: core.Vault;
  /** K's wrap to the requester for a ticket filed through fileTicket. */
  requesterWraps: Map<string, { sealed: string }>;
  /** Another console of the same admin: a fresh vault, unlocked, that has opened nothing yet. */
  freshStaffVault(): core.Vault;
  /** Files a ticket as the requester and returns the staff view of it (no note key yet). */
  fileTicket(content: { subject: string; body: string; category?: Category }): StaffTicket;
}

export function message(messageId: string, seq: number, author: MessageAuthor, envelope: Envelope, kind: Message['kind'] = 'message'): Message {
  return { messageId, seq, kind, author, envelope, createdAt: 1_700_000_000 + seq };
}

/** A verified log of genesis + team key v1 for a fresh desk. */
export function deskLog() {
  const deskId = newId();
  const adminId = newId();
  const admin = generateStaffKeys();
  const team = generateTeamKey();
  const genesis = signKeyLogEntry(
    buildGenesisEntry({ at: 1, deskId, staffId: adminId, username: 'admin', boxPk: toB64(admin.box.publicKey), signPk: toB64(admin.sign.publicKey) }),
    admin.sign.secretKey,
  );
  const teamEntry = signKeyLogEntry(
    buildKeyLogEntry(verifyKeyLog([genesis]), { type: 'team-key', body: { version: 1, boxPk: toB64(team.publicKey) }, signer: adminId, at: 2 }),
    admin.sign.secretKey,
  );
  return { deskId, adminId, admin, team, log: [genesis, teamEntry] };
}

/** Unlocks `staffId` in `vault` as a console does, with the given grants. */
export function unlockAs(vault: core.Vault, staffId: string, keys: StaffKeys, grants: Grant[]): ReturnType<typeof core.unlockStaff> {
  const salt = newStaffSalt();
  const { kek } = deriveStaffSecrets(ADMIN_PASSWORD, salt, CHEAP_KDF);
  core.deriveStaffLogin(vault, { password: ADMIN_PASSWORD, salt, ...CHEAP_KDF });
  return core.unlockStaff(vault, { staffId, keyBlob: sealStaffKeyBlob(keys, kek, staffId), grants });
}

export async function staffDesk(): Promise<StaffDesk> {
  await ready();
  const { deskId, adminId, admin, team, log } = deskLog();

  const requester = core.createVault(deskId);
  core.trustKeyLog(requester, log, null);
  const { signPk } = core.unlockRequester(requester, PASSPHRASE, CHEAP_KDF);

  function freshStaffVault(): core.Vault {
    const vault = core.createVault(deskId);
    core.trustKeyLog(vault, log, null);
    unlockAs(vault, adminId, admin, [{ teamKeyVersion: 1, sealed: sealGrant(team.secretKey, admin.box.publicKey) }]);
    return vault;
  }
  const staff = freshStaffVault();

  const requesterWraps = new Map<string, { sealed: string }>();
  function fileTicket(content: { subject: string; body: string; category?: Category }): StaffTicket {
    const sealed = core.sealNewTicket(requester, { subject: content.subject, body: content.body, category: content.category ?? 'other', lang: 'en' });
    requesterWraps.set(sealed.ticketId, sealed.requesterWrap);
    return {
      ticketId: sealed.ticketId,
      labels: [],
      firstMessage: message(sealed.messageId, 1, { type: 'requester' }, sealed.message),
      teamWrap: sealed.teamWrap,
      noteWrap: null,
      requesterSignPk: signPk,
    };
  }

  return { deskId, adminId, admin, team, log, requester, requesterSignPk: signPk, staff, freshStaffVault, requesterWraps, fileTicket };
}
