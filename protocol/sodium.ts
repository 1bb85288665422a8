// SECURITY: the only file in the project that imports libsodium. Everything else reaches the
// primitives through the protocol module, so a reviewer audits one import, not the whole tree.
// The sumo build is required: the plain `libsodium-wrappers` build has no crypto_pwhash (Argon2id).
import sodiumModule from 'libsodium-wrappers-sumo';

export type Sodium = typeof sodiumModule;

let readyPromise: Promise<Sodium> | undefined;
let loaded: Sodium | undefined;

/** Loads libsodium (WebAssembly, or its JS fallback where WASM is disabled). Idempotent. */
export function ready(): Promise<Sodium> {
  readyPromise ??= sodiumModule.ready.then(() => {
    loaded = sodiumModule;
    return sodiumModule;
  });
  return readyPromise;
}

/** The loaded library; throws if `ready()` has not resolved yet (a programming error). */
export function sodium(): Sodium {
  if (!loaded) throw new Error('sealdesk protocol: await ready() before using the protocol module');
  return loaded;
}
