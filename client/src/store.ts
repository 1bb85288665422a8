// In-memory application state. SECURITY: nothing here is ever written to storage; decrypted text
// lives only in these objects and in the DOM, and resetState() + a page replace drops both.
import type { DeskInfo } from './api';
import type { DisplayMessage, KeyLogCheck, TicketSummary } from './rpc';
import type { ProgressEvent } from './rpc';

export type TrustState =
  | { status: 'unknown' }
  | { status: 'checking' }
  | { status: 'ok'; check: KeyLogCheck; firstUse: boolean }
  | { status: 'mismatch' }
  | { status: 'invalid' }
  | { status: 'unreachable' };

export interface BusyState {
  label: string;
  progress: ProgressEvent | null;
  /** Date.now() when the step began: the panel shows the elapsed time so nothing looks frozen. */
  startedAt: number;
  /** For a proof of work: the attempts expected on average (2^difficulty). */
  expectedAttempts: number | null;
}

export interface AppState {
  desk: DeskInfo | null;
  trust: TrustState;
  busy: BusyState | null;
  /** Requester side: public key known after derivation, and summaries of own tickets. */
  requester: { signPk: string; tickets: TicketSummary[] | null } | null;
  /** Decrypted threads, by ticket id; dropped on leave/lock. */
  threads: Map<string, DisplayMessage[]>;
  staff: { staffId: string; username: string; role: string } | null;
  /** messageId → Date.now() for messages this browser sent: their real time (the server's is hour-rounded). */
  sentHere: Map<string, number>;
  flash: { kind: 'error' | 'info'; text: string } | null;
}

function fresh(): AppState {
  return { desk: null, trust: { status: 'unknown' }, busy: null, requester: null, threads: new Map(), staff: null, sentHere: new Map(), flash: null };
}

export let state: AppState = fresh();

let renderer: () => void = () => undefined;

export function onChange(fn: () => void): void {
  renderer = fn;
}

/** Re-renders the current view. Views call this after changing state. */
export function update(): void {
  renderer();
}

export function resetState(): void {
  if (ticker !== null) clearInterval(ticker);
  ticker = null;
  state = fresh();
}

// While something is busy the view re-renders once a second, so the elapsed time ticks.
let ticker: ReturnType<typeof setInterval> | null = null;

export function setBusy(label: string | null, expectedAttempts: number | null = null): void {
  state.busy = label === null ? null : { label, progress: null, startedAt: Date.now(), expectedAttempts };
  if (label !== null && ticker === null) ticker = setInterval(update, 1000);
  if (label === null && ticker !== null) {
    clearInterval(ticker);
    ticker = null;
  }
  update();
}

export function setProgress(progress: ProgressEvent): void {
  if (state.busy) state.busy.progress = progress;
  update();
}

export function flash(kind: 'error' | 'info', text: string | null): void {
  state.flash = text === null ? null : { kind, text };
  update();
}
