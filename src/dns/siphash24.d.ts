/** Types for siphash24 (mafintosh/siphash24, ships none): SipHash-2-4, WebAssembly with a JS fallback. */
declare module 'siphash24' {
  /** SipHash-2-4 of `data` under a 16-octet `key`, written into `out` (8 octets, little-endian as the reference code) and returned. `noAssert` skips the length checks. */
  function siphash24(data: Uint8Array, key: Uint8Array, out?: Uint8Array, noAssert?: boolean): Uint8Array;
  namespace siphash24 {
    const BYTES: 8;
    const KEYBYTES: 16;
    const WASM_SUPPORTED: boolean;
    const WASM_LOADED: boolean;
  }
  export default siphash24;
}
