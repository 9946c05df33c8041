/**
 * Signing data items with the native secp256k1 binding (issue 18).
 *
 * @irys/bundles' EthereumSigner signs through ethers v5's Wallet.signMessage: pure-JS elliptic
 * curve math, 3–4 ms per item, most of a 20,000-file publication's preparation. The `secp256k1`
 * package it already depends on has a native binding (a prebuilt N-API module, checked by
 * .ci/check-native.js) that signs in well under a millisecond. This signer produces the same
 * bytes: an EIP-191 personal-message signature of the deep hash, r‖s‖v with v = 27 + recovery id.
 * ECDSA over secp256k1 with RFC 6979 nonces and low-s normalisation is deterministic, so the
 * signature, and with it every item id, is byte-identical to the library's (src/storage/signer.test.ts
 * checks this, and that the node's verifier accepts it). Where the binding does not load, the
 * package falls back to elliptic by itself: slower, same bytes.
 */
import { EthereumSigner } from '@irys/bundles';
import { getBytes, hashMessage } from 'ethers';
import secp256k1 from 'secp256k1';

export class NativeEthereumSigner extends EthereumSigner {
  private readonly keyBytes: Buffer;

  constructor(key: string) {
    super(key);
    this.keyBytes = Buffer.from(key.startsWith('0x') ? key.slice(2) : key, 'hex');
  }

  override sign(message: Uint8Array): Promise<Uint8Array> {
    const { signature, recid } = secp256k1.ecdsaSign(getBytes(hashMessage(message)), this.keyBytes);
    const out = Buffer.alloc(65);
    out.set(signature, 0);
    out[64] = 27 + recid;
    return Promise.resolve(out);
  }
}

/** The part of an Irys client whose signer is replaced. */
interface WithTokenSigner {
  tokenConfig: { getSigner(): unknown };
}

/**
 * Makes every item this client signs (prepared files, the uploader's own items) signed natively:
 * the library builds a new pure-JS EthereumSigner at each getSigner() call; this returns one
 * native signer instead. Same bytes, several times faster.
 */
export function signNatively<T extends WithTokenSigner>(irys: T, privateKey: string): T {
  const native = new NativeEthereumSigner(privateKey);
  irys.tokenConfig.getSigner = () => native;
  return irys;
}
