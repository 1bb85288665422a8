// Signing in with a passphrase: derive keys in the worker, answer the server's challenge with a
// signature made in the worker, hold the session token in api.ts memory.
import { requesterChallenge, requesterSession } from '../api';
import { rpc } from '../crypto-client';
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
