// libsodium's UMD build, which carries the pure-JS (asm.js) backup module and switches to it
// when WebAssembly is missing. Loaded by ./loader.ts only there: it is twice the size.
export { default } from 'sealdesk-libsodium:asmjs';
