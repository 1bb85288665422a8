// Account rules the client checks before any key derivation. A leaf module (no libsodium in its
// imports) so the page can show them without loading the crypto; client-core/enrol.ts enforces them.
export { STAFF_USERNAME_PATTERN as STAFF_USERNAME } from '../protocol/constants';

/** Staff passwords: the same minimum in the web app and the CLI. */
export const STAFF_PASSWORD_MIN_CHARS = 12;
