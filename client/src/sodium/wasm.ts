// libsodium's ES module build: WebAssembly only. Loaded by ./loader.ts where WebAssembly works.
export { default } from 'sealdesk-libsodium:wasm';
