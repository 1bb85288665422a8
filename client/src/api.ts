// SECURITY: the ONLY module in the client that calls fetch. Every request goes to a same-origin
// relative URL (the CSP would block anything else anyway), and the bearer token lives in this
// module's memory only — never in localStorage, sessionStorage, IndexedDB or a cookie, so closing
// the tab or pressing "Leave quickly" forgets it.

// SECURITY: `import type` only — no zod or schema code may enter the page bundle.
import type * as wire from '../../contract/index';

export type B64 = string;
export type Id = string;

export type ApiErrorCode =
  | 'validation_failed'
  | 'bad_signature'
  | 'pow_invalid'
  | 'pow_expired'
  | 'pow_replayed'
  | 'pow_required'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'stale_team_key'
  | 'payload_too_large'
  | 'rate_limited'
  | 'quota_exceeded'
  | 'overloaded'
  | 'network'
  | 'bad_response'
  | (string & {});

/** Every failed call becomes one of these: no raw Response or TypeError leaks into views. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: ApiErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

// ---- shapes: the wire contract's types (contract/, docs/API.md) ----
export type DeskPolicy = wire.DeskInfo['policy'];
export type DeskInfo = wire.DeskInfo;
export type KeyLogEntry = wire.KeyLogEntry;
export type PowChallenge = wire.PowChallenge;
export type PowSolution = wire.PowSolution;
export type MessageEnvelope = wire.Envelope;
export type TeamWrap = wire.TeamWrap;
export type CreateTicketBody = wire.CreateTicketBody;
export type TicketStatus = wire.TicketStatus;
export type TicketPriority = wire.TicketPriority;
export type RequesterTicket = wire.RequesterTicket;
export type MessageAuthor = wire.MessageAuthor;
export type Message = wire.Message;
/** What a view hands to postMessage; a requester's kind is always 'message' (see postMessage). */
export type PostMessageBody = wire.StaffPostMessageBody;
/** closedAt optional: client-side fixtures build tickets without it. */
export type StaffTicket = Omit<wire.StaffTicket, 'closedAt'> & { closedAt?: number | null };
export type StaffQueue = Omit<wire.QueuePage, 'tickets'> & { tickets: StaffTicket[] };
export type StaffQueueQuery = Partial<wire.QueueQuery & { limit: number }>;
export type StaffPrelogin = wire.Prelogin;
/** The client's name for a grant: `sealedKey` (the wire says `sealed`; see normaliseGrant). */
export interface StaffGrant {
  teamKeyVersion: number;
  sealedKey: B64;
}
/** A label name sealed under the label key L (protocol SecretEnvelope, AD binds the tag). */
export type LabelSealedName = wire.SealedLabelName;
/** One entry of the encrypted label dictionary as POSTed (GET answers carry createdAt too). */
export type LabelEntry = wire.CreateLabelBody;
export type StaffTicketPatch = wire.TriageBody;
/** GET /api/staff/me with the grants normalised to the client's StaffGrant. */
export type StaffMe = Omit<wire.Me, 'grants' | 'labelKeyWraps'> & { grants: StaffGrant[]; labelKeyWraps: StaffGrant[] };
export type StaffThread = wire.StaffThread;
export type SecondFactor = wire.SecondFactor;
export type TwoFactorStatus = wire.TwoFactorStatus;
export type TotpEnrolment = wire.TotpEnrolment;
export type RequesterThread = wire.RequesterThread;
export type Attachment = wire.Attachment;
export type AttachmentStatus = wire.AttachmentStatus;
export type CreateAttachmentBody = wire.CreateAttachmentBody;

// ---- session token (memory only) ----
let token: string | null = null;
let tokenKind: 'requester' | 'staff' | null = null;

export function setSession(kind: 'requester' | 'staff', value: string): void {
  token = value;
  tokenKind = kind;
}
export function clearSession(): void {
  token = null;
  tokenKind = null;
}
export function sessionKind(): 'requester' | 'staff' | null {
  return tokenKind;
}
/**
 * The session token, to hand to the crypto worker for an attachment transfer: the worker runs
 * its own copy of this module and sends the chunks itself (the page never holds file bytes).
 */
export function sessionToken(): string | null {
  return token;
}

// ---- transport ----
type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

/** Turns any non-2xx response into an ApiError, reading the documented `{error:{code,message}}`. */
export async function toApiError(res: Response): Promise<ApiError> {
  let code: string = res.status === 404 ? 'not_found' : 'bad_response';
  let message = res.statusText || `HTTP ${res.status}`;
  try {
    const body: unknown = await res.json();
    if (body && typeof body === 'object' && 'error' in body) {
      const err = (body as { error: unknown }).error;
      if (err && typeof err === 'object') {
        const e = err as { code?: unknown; message?: unknown };
        if (typeof e.code === 'string') code = e.code;
        if (typeof e.message === 'string') message = e.message;
      }
    }
  } catch {
    // Not JSON (a proxy error page, say): keep the status-derived code.
  }
  return new ApiError(res.status, code, message);
}

async function call<T>(method: Method, path: string, body?: unknown, auth = false): Promise<T> {
  // SECURITY: relative paths only; a leading '/api/' keeps every request on this origin.
  if (!path.startsWith('/api/')) throw new ApiError(0, 'bad_request', 'refusing a non-API path');
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (auth) {
    if (token === null) throw new ApiError(401, 'unauthorized', 'not signed in');
    headers.authorization = `Bearer ${token}`;
  }
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'omit',
      cache: 'no-store',
      referrerPolicy: 'no-referrer',
    });
  } catch {
    throw new ApiError(0, 'network', 'the desk could not be reached');
  }
  if (!res.ok) {
    const err = await toApiError(res);
    // A revoked or expired session is gone for good: forget the token so the UI asks again.
    if (err.status === 401 && auth) clearSession();
    throw err;
  }
  if (res.status === 204) return undefined as T;
  try {
    return (await res.json()) as T;
  } catch {
    throw new ApiError(res.status, 'bad_response', 'the desk sent an unreadable answer');
  }
}

function query(params: Record<string, string | number | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s === '' ? '' : `?${s}`;
}

const seg = (id: string): string => encodeURIComponent(id);

// ---- public routes ----
export const getDesk = (): Promise<DeskInfo> => call('GET', '/api/desk');
export const getKeyLog = (after?: number): Promise<wire.KeyLogEntries> => call('GET', `/api/keylog${query({ after })}`);
export const requestPow = (purpose: wire.PowRequest['purpose']): Promise<PowChallenge> => call('POST', '/api/pow', { purpose });

// ---- requester ----
export const registerRequester = (body: wire.RegisterBody): Promise<wire.Registered> => call('POST', '/api/requesters', body);
export const requesterChallenge = (signPk: B64): Promise<wire.SessionChallenge> => call('POST', '/api/requesters/challenge', { signPk });
export async function requesterSession(body: wire.SessionBody): Promise<{ requesterId: Id; expiresAt: number }> {
  const res = await call<wire.RequesterSession>('POST', '/api/requesters/session', body);
  setSession('requester', res.token);
  return { requesterId: res.requesterId, expiresAt: res.expiresAt };
}
export const requesterLogout = (): Promise<void> => call('POST', '/api/requesters/logout', {}, true);
export const createTicket = (body: CreateTicketBody): Promise<wire.CreatedTicket> => call('POST', '/api/tickets', body, true);
export const myTickets = (): Promise<wire.MyTickets> => call('GET', '/api/tickets/mine', undefined, true);
/**
 * A ticket's thread. The agreed API split (docs/API.md): a requester reads
 * /api/tickets/:id/messages (thread messages only), staff read /api/staff/tickets/:id/messages
 * (notes and wraps too); the session kind picks the route.
 */
export const ticketMessages = (ticketId: Id): Promise<RequesterThread | StaffThread> =>
  sessionKind() === 'staff' ? staffTicketMessages(ticketId) : requesterTicketMessages(ticketId);
export const requesterTicketMessages = (ticketId: Id): Promise<RequesterThread> => call('GET', `/api/tickets/${seg(ticketId)}/messages`, undefined, true);
export const staffTicketMessages = (ticketId: Id): Promise<StaffThread> => call('GET', `/api/staff/tickets/${seg(ticketId)}/messages`, undefined, true);

/**
 * Posts a reply (or, staff only, a note). A requester's body is exactly {messageId, envelope}:
 * the requester route has no `kind` at all, so a note cannot even be expressed there.
 */
export function postMessage(ticketId: Id, body: PostMessageBody): Promise<wire.RequesterPostedMessage | wire.StaffPostedMessage> {
  if (sessionKind() === 'staff') return staffPostMessage(ticketId, body);
  if (body.kind !== 'message') return Promise.reject(new ApiError(0, 'validation_failed', 'only staff can write notes'));
  return requesterPostMessage(ticketId, { messageId: body.messageId, envelope: body.envelope });
}
export const requesterPostMessage = (ticketId: Id, body: wire.RequesterPostMessageBody): Promise<wire.RequesterPostedMessage> =>
  call('POST', `/api/tickets/${seg(ticketId)}/messages`, body, true);
export const staffPostMessage = (ticketId: Id, body: wire.StaffPostMessageBody): Promise<wire.StaffPostedMessage> =>
  call('POST', `/api/staff/tickets/${seg(ticketId)}/messages`, body, true);

// ---- staff ----
export const staffPrelogin = (username: string): Promise<StaffPrelogin> => call('POST', '/api/staff/prelogin', { username });
/**
 * POST /api/staff/login. Without `factor` first; an account with two-factor answers 401
 * `two_factor_required`, and the same body goes again with a code (docs/API.md "Two-factor sign-in").
 */
export async function staffLogin(username: string, authSecret: B64, factor?: SecondFactor): Promise<{ staffId: Id; expiresAt: number; scope: wire.SessionScope }> {
  const res = await call<wire.StaffSession>('POST', '/api/staff/login', { username, authSecret, ...factor });
  setSession('staff', res.token);
  return { staffId: res.staffId, expiresAt: res.expiresAt, scope: res.scope };
}
export const staffLogout = (): Promise<void> => call('POST', '/api/staff/logout', {}, true);
/**
 * The grant's sealed team key is `sealedKey` in API.md (POST /api/admin/grants) but `sealed` in the
 * database; accept either so the console works whichever name the route's schema settles on.
 */
export function normaliseGrant(g: unknown): StaffGrant | null {
  if (!g || typeof g !== 'object') return null;
  const o = g as { teamKeyVersion?: unknown; sealedKey?: unknown; sealed?: unknown };
  const sealedKey = typeof o.sealedKey === 'string' ? o.sealedKey : typeof o.sealed === 'string' ? o.sealed : null;
  if (typeof o.teamKeyVersion !== 'number' || sealedKey === null) return null;
  return { teamKeyVersion: o.teamKeyVersion, sealedKey };
}
export async function staffMe(): Promise<StaffMe> {
  const me = await call<wire.Me>('GET', '/api/staff/me', undefined, true);
  const normalised = (raw: unknown): StaffGrant[] => (Array.isArray(raw) ? raw.map(normaliseGrant).filter((g): g is StaffGrant => g !== null) : []);
  return { ...me, grants: normalised(me.grants), labelKeyWraps: normalised((me as { labelKeyWraps?: unknown }).labelKeyWraps) };
}
export const staffQueue = (q: StaffQueueQuery = {}): Promise<StaffQueue> => call('GET', `/api/staff/tickets${query({ ...q })}`, undefined, true);
export const staffTicket = (ticketId: Id): Promise<StaffTicket> => call('GET', `/api/staff/tickets/${seg(ticketId)}`, undefined, true);
/** Answers with the updated ticket. */
export const staffPatchTicket = (ticketId: Id, patch: StaffTicketPatch): Promise<StaffTicket> => call('PATCH', `/api/staff/tickets/${seg(ticketId)}`, patch, true);
export const staffTwoFactorStatus = (): Promise<TwoFactorStatus> => call('GET', '/api/staff/two-factor', undefined, true);
export const staffBeginTotp = (): Promise<TotpEnrolment> => call('POST', '/api/staff/two-factor/enrolment', {}, true);
/** Turns the factor on; the recovery codes, once. From an enrolment-only session the desk swaps in a full one. */
export async function staffConfirmTotp(totp: string): Promise<string[]> {
  const res = await call<wire.TotpConfirmed>('POST', '/api/staff/two-factor/confirmation', { totp }, true);
  if (res.session) setSession('staff', res.session.token);
  return res.recoveryCodes;
}
/** Turns the factor off; the desk signs the member out everywhere, this session too. */
export async function staffDisableTwoFactor(factor: SecondFactor): Promise<void> {
  await call<wire.TwoFactorDisabled>('POST', '/api/staff/two-factor/disable', factor, true);
  clearSession();
}
export const staffLabels = (): Promise<wire.Labels> => call('GET', '/api/staff/labels', undefined, true);
export const staffCreateLabel = (entry: LabelEntry): Promise<wire.LabelEntry> => call('POST', '/api/staff/labels', entry, true);

// ---- enrolment (first admin, invited members) ----
export type SetupBody = wire.SetupBody;
export type InviteInfo = wire.InviteInfo;
export type ActivateBody = wire.ActivateBody;

export const setupDesk = (body: SetupBody): Promise<wire.SetupDone> => call('POST', '/api/setup', body);
export const lookupInvite = (inviteToken: string): Promise<InviteInfo> => call('POST', '/api/staff/invite', { inviteToken });
export const activateStaff = (body: ActivateBody): Promise<wire.Activated> => call('POST', '/api/staff/activate', body);

// ---- admin (docs/API.md "Invites, activation and re-enrolment", "Audit", "Rotation") ----
// Every route needs an admin the key log vouches for; the server enforces it whatever the page shows.
export type StaffRow = wire.StaffRow;
export type StaffPatchBody = wire.StaffPatchBody;
export type PatchedStaff = wire.PatchedStaff;
export type GrantUpload = wire.GrantsBody['grants'][number];
export type AuditEntry = wire.AuditEntry;
export type AuditPage = wire.AuditPage;
export type RotationStatus = wire.RotationStatus;
export type PendingWrap = wire.PendingWrap;
export type StaffList = wire.StaffList;
export type DeskPolicyView = wire.DeskPolicy;
export type LabelKeyBody = wire.LabelKeyBody;
export type SkipWrapsBody = wire.SkipWrapsBody;

export const adminInvite = (body: wire.InviteBody): Promise<wire.Invite> => call('POST', '/api/admin/invites', body, true);
export const adminStaff = (): Promise<wire.StaffList> => call('GET', '/api/admin/staff', undefined, true);
export const adminCancelInvite = (username: string): Promise<wire.InviteCancelled> => call('DELETE', `/api/admin/invites/${seg(username)}`, undefined, true);
export const adminPolicy = (): Promise<wire.DeskPolicy> => call('GET', '/api/admin/policy', undefined, true);
/** A desk set up before label keys: the signed label-key entry with L sealed to the current team key. */
export const adminLabelKey = (body: LabelKeyBody): Promise<wire.LabelKeyStored> => call('POST', '/api/admin/label-key', body, true);
/** Reports wraps that cannot be re-wrapped (with the reason) so the rotation can finish without them. */
export const adminSkipWraps = (wraps: SkipWrapsBody['wraps']): Promise<wire.WrapsSkipped> => call('POST', '/api/admin/rotation/skip', { wraps }, true);
export const adminPatchStaff = (staffId: Id, body: StaffPatchBody): Promise<PatchedStaff> => call('PATCH', `/api/admin/staff/${seg(staffId)}`, body, true);
export const adminGrants = (grants: GrantUpload[]): Promise<wire.GrantsStored> => call('POST', '/api/admin/grants', { grants }, true);
export const adminAudit = (after = 0, limit = 500): Promise<AuditPage> => call('GET', `/api/admin/audit${query({ after, limit })}`, undefined, true);
export const adminRotation = (limit: number, cursor?: string | null): Promise<RotationStatus> =>
  call('GET', `/api/admin/rotation${query({ limit, cursor: cursor ?? undefined })}`, undefined, true);
export const adminRewrap = (wraps: PendingWrap[]): Promise<wire.Rewrapped> => call('POST', '/api/admin/rewrap', { wraps }, true);
export const adminTwoFactorPolicy = (required: boolean): Promise<wire.TwoFactorPolicy> => call('PUT', '/api/admin/two-factor/policy', { required }, true);
/** A signed key-log entry (staff-add, staff-remove, role-set, team-key, team-key-retire). */
export const appendKeyLog = (entry: KeyLogEntry): Promise<wire.AppendedKeyLogEntry> => call('POST', '/api/keylog', { entry }, true);
// ---- attachments (docs/API.md "Attachments"; both kinds of participant, same URLs) ----
// The page lists a ticket's files; the chunk calls run in the crypto worker (worker-handlers.ts),
// which is handed the session token for the transfer and passes it here explicitly.
export const attachmentList = (ticketId: Id): Promise<wire.Attachments> => call('GET', `/api/tickets/${seg(ticketId)}/attachments`, undefined, true);

const attachmentPath = (ticketId: Id, attachmentId: Id): string => `/api/tickets/${seg(ticketId)}/attachments/${seg(attachmentId)}`;

/** One attachment call with an explicit token (the worker's copy of this module has none of its own). */
async function attachmentCall(
  token: string,
  method: 'GET' | 'POST' | 'PUT',
  path: string,
  opts: { json?: unknown; bytes?: Uint8Array; signal?: AbortSignal | undefined },
): Promise<Response> {
  const headers: Record<string, string> = { authorization: `Bearer ${token}`, accept: opts.bytes === undefined && method !== 'GET' ? 'application/json' : '*/*' };
  let body: BodyInit | undefined;
  if (opts.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(opts.json);
  } else if (opts.bytes !== undefined) {
    headers['content-type'] = 'application/octet-stream';
    // A Blob, not the bytes: Chromium hands a Blob body to its network process by reference,
    // while an ArrayBuffer body is copied through the renderer and, whenever DevTools or an
    // automation client watches the network, base64-copied again for it — 10× slower measured
    // (docs/DECISIONS.md "Browser upload speed"). Same bytes on the wire.
    body = new Blob([opts.bytes as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' });
  }
  let res: Response;
  try {
    res = await fetch(path, { method, headers, body, credentials: 'omit', cache: 'no-store', referrerPolicy: 'no-referrer', signal: opts.signal ?? null });
  } catch (err) {
    if (opts.signal?.aborted) throw err;
    throw new ApiError(0, 'network', 'the desk could not be reached');
  }
  if (!res.ok) throw await toApiError(res);
  return res;
}

async function jsonOf<T>(res: Response): Promise<T> {
  try {
    return (await res.json()) as T;
  } catch {
    throw new ApiError(res.status, 'bad_response', 'the desk sent an unreadable answer');
  }
}

export const createAttachment = async (token: string, ticketId: Id, body: CreateAttachmentBody, signal?: AbortSignal): Promise<AttachmentStatus> =>
  jsonOf(await attachmentCall(token, 'POST', `/api/tickets/${seg(ticketId)}/attachments`, { json: body, signal }));
export const attachmentStatus = async (token: string, ticketId: Id, attachmentId: Id, signal?: AbortSignal): Promise<AttachmentStatus> =>
  jsonOf(await attachmentCall(token, 'GET', attachmentPath(ticketId, attachmentId), { signal }));
export async function putAttachmentChunk(token: string, ticketId: Id, attachmentId: Id, index: number, chunk: Uint8Array, signal?: AbortSignal): Promise<void> {
  await attachmentCall(token, 'PUT', `${attachmentPath(ticketId, attachmentId)}/chunks/${index}`, { bytes: chunk, signal });
}
export const completeAttachment = async (token: string, ticketId: Id, attachmentId: Id, signal?: AbortSignal): Promise<Attachment> =>
  jsonOf(await attachmentCall(token, 'POST', `${attachmentPath(ticketId, attachmentId)}/complete`, { signal }));
export async function getAttachmentChunk(token: string, ticketId: Id, attachmentId: Id, index: number, signal?: AbortSignal): Promise<Uint8Array> {
  const res = await attachmentCall(token, 'GET', `${attachmentPath(ticketId, attachmentId)}/chunks/${index}`, { signal });
  try {
    return new Uint8Array(await res.arrayBuffer());
  } catch (err) {
    if (signal?.aborted) throw err;
    throw new ApiError(0, 'network', 'the download was interrupted');
  }
}
