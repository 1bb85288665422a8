// Signing in with a passphrase: derive keys in the worker, answer the server's challenge with a
// signature made in the worker, hold the session token in api.ts memory; and closing the inbox.
import { clearSession, requesterChallenge, requesterLogout, requesterSession } from '../api';
import { rpc, wipeWorker } from '../crypto-client';
import { t } from '../i18n';
import { setBusy, setProgress, state } from '../store';

export async function signInWithPassphrase(passphrase: string): Promise<void> {
  setBusy(t('progress.deriving'));
  const keys = await rpc('deriveRequesterKeys', { passphrase }, setProgress);
  setBusy(t('progress.signingIn'));
  const { challenge } = await requesterChallenge(keys.signPk);
  const { sig } = await rpc('signRequesterChallenge', { challenge });
  await requesterSession({ signPk: keys.signPk, challenge, sig });
  state.requester = { signPk: keys.signPk, tickets: null };
}

/**
 * "Close my inbox": the requester is done for now but stays on the desk. SECURITY: the worker
 * holding the requester's keys is terminated first (the only sure way to drop them), decrypted
 * threads are forgotten, then the session is revoked (best effort) and the token dropped.
 */
export async function closeInbox(): Promise<void> {
  wipeWorker();
  state.requester = null;
  state.threads.clear();
  state.sentHere.clear();
  try {
    await requesterLogout();
  } catch {
    // Offline or already expired: the token is forgotten below either way.
  }
  clearSession();
  // The verified key log lived in the wiped worker; it is verified again when next needed.
  state.trust = { status: 'unknown' };
}
