// Trust on first use of the desk fingerprint. The fingerprint is a public value (the desk
// publishes it), so keeping it in localStorage reveals nothing a visitor could not look up.
// SECURITY: once pinned, a different fingerprint blocks every submission (see trust.ts).
const PIN_KEY = 'sealdesk.fingerprint';

export function readPin(): string | null {
  try {
    return localStorage.getItem(PIN_KEY);
  } catch {
    return null;
  }
}

export function writePin(fingerprint: string): void {
  try {
    localStorage.setItem(PIN_KEY, fingerprint);
  } catch {
    // Storage disabled: the check still runs against the log for this visit, unpinned.
  }
}
