// Staff session lifecycle: unlock (login) and lock. Kept apart from the requester code.
// SECURITY: the password, kek and every secret key stay in the worker; locking terminates the
// worker, so a walk-away laptop holds no keys after the idle timeout.
import { clearSession, staffLogin, staffLogout, staffMe, staffPrelogin } from '../../api';
import { rpc, wipeWorker } from '../../crypto-client';
import { t } from '../../i18n';
import { setBusy, setProgress, state, update } from '../../store';
import { ensureTrusted } from '../../trust';

export const IDLE_LOCK_MS = 15 * 60 * 1000;

export async function staffUnlock(username: string, password: string): Promise<void> {
  setBusy(t('trust.checking'));
  // Staff signatures and team keys are only trusted through the verified log.
  if (!(await ensureTrusted())) throw new Error('untrusted');
  const params = await staffPrelogin(username);
  setBusy(t('progress.deriving'));
  const { authSecret } = await rpc(
    'staffDeriveSecrets',
    { password, salt: params.salt, opslimit: params.opslimit, memlimit: params.memlimit },
    setProgress,
  );
  setBusy(t('progress.signingIn'));
  const { staffId } = await staffLogin(username, authSecret);
  const me = await staffMe();
  setBusy(t('staff.openingKeys'));
  await rpc('staffUnlock', { staffId, keyBlob: me.keyBlob, grants: me.grants });
  state.staff = { staffId, username: me.username ?? username, role: me.role ?? 'technician' };
}

/** Locks the console: revoke the session (best effort), wipe keys, forget decrypted text. */
export async function lockStaff(): Promise<void> {
  const hadSession = state.staff !== null;
  wipeWorker();
  state.staff = null;
  state.threads.clear();
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

let lastActivity = Date.now();
let timer: ReturnType<typeof setInterval> | null = null;

function touch(): void {
  lastActivity = Date.now();
}

/** Starts the 15-minute idle lock. Activity = any key, pointer or scroll on the page. */
export function startIdleLock(onLock: () => void): void {
  for (const ev of ['keydown', 'pointerdown', 'wheel', 'touchstart'] as const) {
    window.addEventListener(ev, touch, { passive: true });
  }
  timer ??= setInterval(() => {
    if (state.staff && isIdle(lastActivity, Date.now())) onLock();
  }, 15_000);
}

export function isIdle(last: number, now: number, limit = IDLE_LOCK_MS): boolean {
  return now - last >= limit;
}
