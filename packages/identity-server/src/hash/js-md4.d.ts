// Types for js-md4 (the package ships none): only what md4.ts uses.
declare module 'js-md4' {
  interface MD4 {
    (message: string | ArrayBuffer | Uint8Array): string;
    arrayBuffer(message: string | ArrayBuffer | Uint8Array): ArrayBuffer;
  }
  const md4: MD4;
  export default md4;
}
