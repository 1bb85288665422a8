// Staff session lifecycle: sign in (with a second factor when the account has one), unlock, lock.
// Kept apart from the requester code.
// SECURITY: the password, kek and every secret key stay in the worker; locking terminates the
// worker, so a walk-away laptop holds no keys after the idle timeout.
import { ApiError, clearSession, staffLogin, staffLogout, staffMe, staffPrelogin, type SecondFactor } from '../../api';
import { rpc, wipeWorker, WorkerError } from '../../crypto-client';
import { t } from '../../i18n';
import { flash, setBusy, setProgress, state, update } from '../../store';
import { navigate } from '../../navigate';
import { ensureTrusted } from '../../trust';
import { resetConsole } from './console';

/** Where a sign-in stands: done, waiting for a code, or (desk policy) allowed only to enrol. */
export type SignInStep = 'unlocked' | 'code' | 'enrol';

// SECURITY: between the password and the code the page keeps the derived auth secret (what the
// login sends anyway), never the password; it is dropped on success, on a refusal and on lock.
let awaitingCode: { username: string; authSecret: string } | null = null;
// A session the desk limits to /api/staff/two-factor: the member must turn two-factor on first.
let enrolmentOnly: { staffId: string; username: string } | null = null;

// The member who signed in with keys no admin has admitted yet (the login page says what is next).
let awaiting: string | null = null;
export const awaitingAdmission = (): string | null => awaiting;
export function clearAwaitingAdmission(): void {
  awaiting = null;
}

export const signInAwaitingCode = (): boolean => awaitingCode !== null;
export const enrolmentOnlySession = (): { staffId: string; username: string } | null => enrolmentOnly;

export function cancelSignIn(): void {
  awaitingCode = null;
}

export async function staffUnlock(username: string, password: string): Promise<SignInStep> {
  awaitingCode = null;
  setBusy(t('trust.checking'));
  // Staff signatures and team keys are only trusted through the verified log.
  if (!(await ensureTrusted())) throw new Error('untrusted');
  const params = await staffPrelogin(username);
  setBusy(t('progress.deriving'));
  const { authSecret } = await rpc('staffDeriveSecrets', { password, salt: params.salt, opslimit: params.opslimit, memlimit: params.memlimit }, setProgress);
  return signIn(username, authSecret);
}

/** The code step: the same login again, with the TOTP code or a recovery code. */
export async function staffSubmitSecondFactor(factor: SecondFactor): Promise<SignInStep> {
  if (awaitingCode === null) throw new ApiError(401, 'unauthorized', 'no sign-in waits for a code');
  return signIn(awaitingCode.username, awaitingCode.authSecret, factor);
}

async function signIn(username: string, authSecret: string, factor?: SecondFactor): Promise<SignInStep> {
  setBusy(t('progress.signingIn'));
  let session: Awaited<ReturnType<typeof staffLogin>>;
  try {
    session = await staffLogin(username, authSecret, factor);
  } catch (err) {
    const code = err instanceof ApiError ? err.code : null;
    if (code === 'two_factor_required' || code === 'two_factor_invalid' || code === 'sign_in_throttled') {
      awaitingCode = { username, authSecret };
      if (code === 'two_factor_required') return 'code';
    } else awaitingCode = null;
    throw err;
  }
  awaitingCode = null;
  if (session.scope === 'two_factor_enrolment') {
    enrolmentOnly = { staffId: session.staffId, username };
    return 'enrol';
  }
  await openConsole(session.staffId, username);
  return 'unlocked';
}

/** With a full session: the key blob and grants into the worker, and the console opens. */
export async function openConsole(staffId: string, username: string): Promise<void> {
  const me = await staffMe();
  setBusy(t('staff.openingKeys'));
  try {
    await rpc('staffUnlock', { staffId, keyBlob: me.keyBlob, grants: me.grants, labelKeyWraps: me.labelKeyWraps });
  } catch (err) {
    // Activated, not admitted yet: a normal step of joining. Nothing was unlocked; sign out and say so.
    if (err instanceof WorkerError && err.code === 'awaiting_admission') {
      await lockStaff();
      awaiting = me.username ?? username;
      throw err;
    }
    throw err;
  }
  awaiting = null;
  resetConsole();
  enrolmentOnly = null;
  state.staff = { staffId, username: me.username ?? username, role: me.role ?? 'technician' };
}

/**
 * A 401 on a staff request means the desk ended this session (an admin disabled or reset the
 * account, changed its role, or it expired): lock at once and say so on the sign-in page.
 * Returns true when it handled `err`.
 */
export function endedSession(err: unknown): boolean {
  if (!(err instanceof ApiError) || err.status !== 401 || state.staff === null) return false;
  void lockStaff().then(() => {
    navigate({ name: 'staff-login' });
    flash('info', t('staff.sessionEnded'));
  });
  return true;
}

/** Locks the console: revoke the session (best effort), wipe keys, forget decrypted text. */
export async function lockStaff(): Promise<void> {
  const hadSession = state.staff !== null || enrolmentOnly !== null;
  wipeWorker();
  awaitingCode = null;
  enrolmentOnly = null;
  state.staff = null;
  state.threads.clear();
  resetConsole();
  if (hadSession) {
    try {
      await staffLogout();
    } catch {
      // Offline or already revoked: the token is forgotten below either way.
    }
  }
  clearSession();
  // The verified key log lived in the wiped worker; verify again on the next unlock.
  state.trust = { status: 'unknown' };
  update();
}
