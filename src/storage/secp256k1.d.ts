// The two functions of the `secp256k1` package (v5, native binding with an elliptic fallback)
// Ativo calls. The package ships no types and @types/secp256k1 is not installed.
declare module 'secp256k1' {
  const secp256k1: {
    ecdsaSign(msg32: Uint8Array, privateKey: Uint8Array): { signature: Uint8Array; recid: number };
    ecdsaVerify(signature: Uint8Array, msg32: Uint8Array, publicKey: Uint8Array): boolean;
  };
  export default secp256k1;
}
