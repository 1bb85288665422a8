// The key-log check that must pass before anything is sealed (SPEC §6): fetch the whole log,
// verify the chain in the worker against the pinned fingerprint, pin on first use.
import { getDesk, getKeyLog } from './api';
import { rpc, WorkerError } from './crypto-client';
import { readPin, writePin } from './pin';
import { describeError } from './errors';
import { flash, state, update } from './store';

export async function loadDesk(): Promise<void> {
  if (state.desk) return;
  state.desk = await getDesk();
  update();
}

/**
 * Resolves true only when the chain verifies and matches the pin (or is pinned now).
 * Never throws for a trust failure: it sets state.trust so the view can warn loudly.
 */
export async function ensureTrusted(force = false): Promise<boolean> {
  if (!force && state.trust.status === 'ok') return true;
  state.trust = { status: 'checking' };
  update();
  try {
    await loadDesk();
    const desk = state.desk;
    if (!desk) throw new Error('desk unavailable');
    const { entries } = await getKeyLog();
    await rpc('init', { deskId: desk.deskId });
    const pinned = readPin();
    const check = await rpc('verifyKeyLog', { entries, pinnedFingerprint: pinned });
    // SECURITY: the desk's self-reported fingerprint must match the log it serves; a mismatch
    // means the server is inconsistent and nothing should be sealed to it.
    if (desk.fingerprint !== null && desk.fingerprint !== check.fingerprint) {
      state.trust = { status: 'mismatch' };
      update();
      return false;
    }
    if (pinned === null) writePin(check.fingerprint);
    state.trust = { status: 'ok', check, firstUse: pinned === null };
    update();
    return true;
  } catch (err) {
    const status = trustFailure(err);
    state.trust = { status };
    // Could not check at all: not a trust failure, but say why nothing happens.
    if (status === 'unreachable') flash('error', describeError(err));
    update();
    return false;
  }
}

// Worker failures that say nothing about the desk: libsodium did not load (it reports 'internal'),
// the worker crashed, or "Leave quickly" / lock wiped it mid-check.
const ENGINE_FAILURES: ReadonlySet<string> = new Set(['internal', 'worker_failed', 'wiped']);

/**
 * What a failed check means. Only the verification itself may raise the loud "key list could not
 * be verified" warning; an engine that could not start must not accuse the desk of tampering.
 */
export function trustFailure(err: unknown): 'mismatch' | 'invalid' | 'unreachable' {
  if (!(err instanceof WorkerError)) return 'unreachable';
  if (err.code === 'fingerprint_mismatch') return 'mismatch';
  return ENGINE_FAILURES.has(err.code) ? 'unreachable' : 'invalid';
}
