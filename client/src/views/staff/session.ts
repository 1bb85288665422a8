// Staff session lifecycle: unlock (login) and lock. Kept apart from the requester code.
// SECURITY: the password, kek and every secret key stay in the worker; locking terminates the
// worker, so a walk-away laptop holds no keys after the idle timeout.
import { clearSession, staffLogin, staffLogout, staffMe, staffPrelogin } from '../../api';
import { rpc, wipeWorker } from '../../crypto-client';
import { t } from '../../i18n';
import { setBusy, setProgress, state, update } from '../../store';
import { ensureTrusted } from '../../trust';
import { resetConsole } from './console';

export async function staffUnlock(username: string, password: string): Promise<void> {
  setBusy(t('trust.checking'));
  // Staff signatures and team keys are only trusted through the verified log.
  if (!(await ensureTrusted())) throw new Error('untrusted');
  const params = await staffPrelogin(username);
  setBusy(t('progress.deriving'));
  const { authSecret } = await rpc('staffDeriveSecrets', { password, salt: params.salt, opslimit: params.opslimit, memlimit: params.memlimit }, setProgress);
  setBusy(t('progress.signingIn'));
  const { staffId } = await staffLogin(username, authSecret);
  const me = await staffMe();
  setBusy(t('staff.openingKeys'));
  await rpc('staffUnlock', { staffId, keyBlob: me.keyBlob, grants: me.grants });
  resetConsole();
  state.staff = { staffId, username: me.username ?? username, role: me.role ?? 'technician' };
}

/** Locks the console: revoke the session (best effort), wipe keys, forget decrypted text. */
export async function lockStaff(): Promise<void> {
  const hadSession = state.staff !== null;
  wipeWorker();
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
