// SECURITY: the ONLY module in the client that calls fetch. Every request goes to a same-origin
// relative URL (the CSP would block anything else anyway), and the bearer token lives in this
// module's memory only — never in localStorage, sessionStorage, IndexedDB or a cookie, so closing
// the tab or pressing "Leave quickly" forgets it.

export type B64 = string;
export type Id = string;

export type ApiErrorCode =
  | 'validation_failed'
  | 'bad_signature'
  | 'pow_invalid'
  | 'pow_expired'
  | 'pow_replayed'
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

// ---- shapes (docs/API.md) ----
export interface DeskPolicy {
  powDifficulty?: number;
  languages?: string[];
  [key: string]: unknown;
}
export interface DeskInfo {
  deskId: Id;
  fingerprint: B64 | null;
  setupComplete: boolean;
  policy: DeskPolicy;
}
export interface KeyLogEntry {
  seq: number;
  prev: B64 | null;
  type: string;
  at: number;
  body: Record<string, unknown>;
  signer: Id;
  sig: B64;
}
export interface PowChallenge {
  challenge: string;
  difficulty: number;
  expiresAt: number;
}
export interface PowSolution {
  challenge: string;
  nonce: B64;
}
export interface MessageEnvelope {
  v: 1;
  nonce: B64;
  ct: B64;
  sig: B64;
}
export interface TeamWrap {
  teamKeyVersion: number;
  sealed: B64;
}
export interface CreateTicketBody {
  ticketId: Id;
  messageId: Id;
  message: MessageEnvelope;
  teamWrap: TeamWrap;
  requesterWrap: { sealed: B64 };
  pow: PowSolution;
}
export type TicketStatus = 'new' | 'open' | 'waiting_requester' | 'resolved' | 'closed';
export type TicketPriority = 'low' | 'normal' | 'high' | 'urgent';
export interface RequesterTicket {
  ticketId: Id;
  status: TicketStatus;
  createdAt: number;
  updatedAt: number;
  requesterWrap: { sealed: B64 };
  messageCount: number;
}
export type MessageAuthor = { type: 'requester' } | { type: 'staff'; staffId: Id };
export interface Message {
  messageId: Id;
  seq: number;
  kind: 'message' | 'note';
  author: MessageAuthor;
  envelope: MessageEnvelope;
  createdAt: number;
}
export interface PostMessageBody {
  messageId: Id;
  kind: 'message' | 'note';
  envelope: MessageEnvelope;
  noteWrap?: TeamWrap;
}
export interface StaffTicket {
  ticketId: Id;
  status: TicketStatus;
  priority: TicketPriority;
  assigneeId: Id | null;
  labels: B64[];
  createdAt: number;
  updatedAt: number;
  closedAt?: number | null;
  firstMessage: Message;
  teamWrap: TeamWrap;
  noteWrap: TeamWrap | null;
  requesterSignPk: B64;
}
export interface StaffQueue {
  tickets: StaffTicket[];
  nextCursor: string | null;
  counts: Record<TicketStatus, number>;
}
export interface StaffQueueQuery {
  status?: TicketStatus;
  priority?: TicketPriority;
  assignee?: string;
  label?: string;
  cursor?: string;
  limit?: number;
}
export interface StaffPrelogin {
  salt: B64;
  opslimit: number;
  memlimit: number;
}
export interface StaffGrant {
  teamKeyVersion: number;
  sealedKey: B64;
}
/** A label name sealed under the label key L (protocol SecretEnvelope, AD binds the tag). */
export interface LabelSealedName {
  v: 1;
  nonce: B64;
  ct: B64;
}
/** One entry of the encrypted label dictionary (GET/POST /api/staff/labels). */
export interface LabelEntry {
  tag: B64;
  sealedName: LabelSealedName;
}
export interface StaffTicketPatch {
  status?: TicketStatus;
  priority?: TicketPriority;
  assigneeId?: Id | null;
  labels?: B64[];
}
/** GET /api/staff/me. The draft names the parts, not every field: unknown extras are kept. */
export interface StaffMe {
  staffId: Id;
  username: string;
  role: string;
  keyBlob: unknown;
  grants: StaffGrant[];
  [key: string]: unknown;
}

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

// ---- transport ----
type Method = 'GET' | 'POST' | 'PATCH';

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
export const getKeyLog = (after?: number): Promise<{ entries: KeyLogEntry[] }> =>
  call('GET', `/api/keylog${query({ after })}`);
export const requestPow = (purpose: 'register' | 'ticket'): Promise<PowChallenge> =>
  call('POST', '/api/pow', { purpose });

// ---- requester ----
export const registerRequester = (body: { boxPk: B64; signPk: B64; pow: PowSolution }): Promise<{ requesterId: Id }> =>
  call('POST', '/api/requesters', body);
export const requesterChallenge = (signPk: B64): Promise<{ challenge: string; expiresAt: number }> =>
  call('POST', '/api/requesters/challenge', { signPk });
export async function requesterSession(body: { signPk: B64; challenge: string; sig: B64 }): Promise<{ requesterId: Id; expiresAt: number }> {
  const res = await call<{ token: string; requesterId: Id; expiresAt: number }>('POST', '/api/requesters/session', body);
  setSession('requester', res.token);
  return { requesterId: res.requesterId, expiresAt: res.expiresAt };
}
export const requesterLogout = (): Promise<void> => call('POST', '/api/requesters/logout', {}, true);
export const createTicket = (body: CreateTicketBody): Promise<{ ticketId: Id }> => call('POST', '/api/tickets', body, true);
export const myTickets = (): Promise<{ tickets: RequesterTicket[] }> => call('GET', '/api/tickets/mine', undefined, true);
export const ticketMessages = (ticketId: Id): Promise<{ messages: Message[] }> =>
  call('GET', `/api/tickets/${seg(ticketId)}/messages`, undefined, true);
export const postMessage = (ticketId: Id, body: PostMessageBody): Promise<unknown> =>
  call('POST', `/api/tickets/${seg(ticketId)}/messages`, body, true);

// ---- staff ----
export const staffPrelogin = (username: string): Promise<StaffPrelogin> => call('POST', '/api/staff/prelogin', { username });
export async function staffLogin(username: string, authSecret: B64): Promise<{ staffId: Id; expiresAt: number }> {
  const res = await call<{ token: string; expiresAt: number; staffId: Id }>('POST', '/api/staff/login', { username, authSecret });
  setSession('staff', res.token);
  return { staffId: res.staffId, expiresAt: res.expiresAt };
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
  const me = await call<StaffMe>('GET', '/api/staff/me', undefined, true);
  const raw: unknown = me.grants;
  const grants = Array.isArray(raw) ? raw.map(normaliseGrant).filter((g): g is StaffGrant => g !== null) : [];
  return { ...me, grants };
}
export const staffQueue = (q: StaffQueueQuery = {}): Promise<StaffQueue> =>
  call('GET', `/api/staff/tickets${query({ ...q })}`, undefined, true);
export const staffTicket = (ticketId: Id): Promise<StaffTicket> =>
  call('GET', `/api/staff/tickets/${seg(ticketId)}`, undefined, true);
/** Answers with the updated ticket. */
export const staffPatchTicket = (ticketId: Id, patch: StaffTicketPatch): Promise<StaffTicket> =>
  call('PATCH', `/api/staff/tickets/${seg(ticketId)}`, patch, true);
export const staffLabels = (): Promise<{ labels: LabelEntry[] }> => call('GET', '/api/staff/labels', undefined, true);
export const staffCreateLabel = (entry: LabelEntry): Promise<unknown> => call('POST', '/api/staff/labels', entry, true);

// ---- enrolment (first admin, invited members) ----
/** POST /api/setup body: the worker's SetupRequest plus the one-time token from the URL. */
export interface SetupBody {
  token: string;
  username: string;
  kdf: { salt: B64; opslimit: number; memlimit: number };
  authSecret: B64;
  boxPk: B64;
  signPk: B64;
  keyBlob: { v: 1; nonce: B64; ct: B64 };
  genesis: KeyLogEntry;
  teamKey: KeyLogEntry;
  grant: B64;
}
export interface InviteInfo {
  username: string;
  role: 'admin' | 'technician';
  /** The existing id for a re-enrolment; null for a new member, who chooses one. */
  staffId: Id | null;
  expiresAt: number;
}
export type ActivateBody = Omit<SetupBody, 'token' | 'username' | 'genesis' | 'teamKey' | 'grant'> & { inviteToken: string; staffId: Id };

export const setupDesk = (body: SetupBody): Promise<{ staffId: Id; deskId: Id; fingerprint: B64 }> => call('POST', '/api/setup', body);
export const lookupInvite = (inviteToken: string): Promise<InviteInfo> => call('POST', '/api/staff/invite', { inviteToken });
export const activateStaff = (body: ActivateBody): Promise<{ staffId: Id; username: string; role: 'admin' | 'technician' }> =>
  call('POST', '/api/staff/activate', body);
