// Whether this realm can compile WebAssembly. Used by the worker to pick libsodium's build and
// by the page to warn that the slow steps are slow (same engine, same flags: `--jitless` and
// Tor Browser's "safer" level remove WebAssembly from both).
export function webAssemblyUsable(): boolean {
  return typeof WebAssembly === 'object' && typeof WebAssembly.instantiate === 'function';
}
