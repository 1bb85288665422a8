// The two libsodium builds under the names vite.config.ts resolves (the package's `exports`
// hide the file paths). Both have the library's own type.
declare module 'sealdesk-libsodium:wasm' {
  import sodium from 'libsodium-wrappers-sumo';
  export default sodium;
}
declare module 'sealdesk-libsodium:asmjs' {
  import sodium from 'libsodium-wrappers-sumo';
  export default sodium;
}
