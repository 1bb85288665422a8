// What `libsodium-wrappers-sumo` means in the browser bundle (vite.config.ts aliases it here).
// libsodium ships two builds: an ES module with WebAssembly only (~190 KB gzip) and a UMD build
// that also carries the asm.js backup (~400 KB gzip). Most browsers have WebAssembly, so the
// worker loads the small build and fetches the big one only where WebAssembly is missing or
// refuses to start (Tor Browser "safer", `--jitless`). protocol/sodium.ts stays unchanged: it
// sees the same object it sees in Node, whose `ready` resolves once a build has loaded.
import type SodiumModule from 'libsodium-wrappers-sumo';
import { webAssemblyUsable } from './detect';

type Sodium = typeof SodiumModule;

let lib: Sodium | undefined;

async function load(): Promise<void> {
  if (webAssemblyUsable()) {
    try {
      const wasm = (await import('./wasm')).default;
      await wasm.ready;
      lib = wasm;
      return;
    } catch {
      // WebAssembly exists but will not run (a policy or a broken engine): use the JS build.
    }
  }
  const asmjs = (await import('./asmjs')).default;
  await asmjs.ready;
  lib = asmjs;
}

const ready = load();

/**
 * Stands in for the library object: `ready` is ours, every other property is read from the
 * build once it has loaded (before that it is undefined, as protocol/sodium.ts never reads one
 * before `ready` resolves).
 */
const sodium = new Proxy({} as Sodium, {
  get(_target, prop) {
    if (prop === 'ready') return ready;
    return lib === undefined ? undefined : Reflect.get(lib, prop);
  },
  has(_target, prop) {
    return prop === 'ready' || (lib !== undefined && Reflect.has(lib, prop));
  },
});

export default sodium;
