import { Wallet, keccak256, toUtf8Bytes } from 'ethers';
import { describe, expect, it } from 'vitest';
import { canonicalJson, certificateDigest, signCertificate, verifyCertificateSignature, type CertificateBody } from './certificate';

const owner = new Wallet('0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d');
const body: CertificateBody = {
  version: 1,
  asset: { name: 'Wildflowers v2', kind: 'dataset', files: 7, bytes: 59_300, contentRoot: '3a2a82e03ca14452b6c5beba907f36a8098dbde7d9d9800d0c1de65040f8bf41' },
  license: { terms: 'CC-BY-4.0', termsHash: keccak256(toUtf8Bytes('CC-BY-4.0')).slice(2), price: '10000000000000000', currency: 'ETH' },
  split: [
    { address: owner.address, bps: 7000 },
    { address: '0x90F79bf6EB2c4f870365E785982E1f101E93b906', bps: 3000 },
  ],
  storage: { network: 'sandbox', manifestId: 'mAnIfEsT', receipts: [{ id: 'a', signature: 'sig', public: 'pk', timestamp: 1 }] },
  chain: { chainId: 31337, registry: '0x5FbDB2315678afecb367f032d93F642f64180aa3', tokenId: '1', txHash: `0x${'ab'.repeat(32)}`, blockNumber: 12 },
  owner: owner.address,
};

describe('certificate', () => {
  it('canonical JSON sorts keys at every depth and is independent of insertion order', () => {
    expect(canonicalJson({ b: 1, a: [{ d: true, c: null }], é: 'x' })).toBe('{"a":[{"c":null,"d":true}],"b":1,"é":"x"}');
    expect(canonicalJson({ a: 1, b: 2 })).toBe(canonicalJson({ b: 2, a: 1 }));
    expect(() => canonicalJson({ x: NaN })).toThrow(/NaN/);
  });

  it('the owner signs it (EIP-712) and anyone can check it; a JSON round trip keeps it valid', async () => {
    const cert = await signCertificate(body, owner);
    expect(cert.signature).toMatch(/^0x[0-9a-f]{130}$/);
    expect(verifyCertificateSignature(cert)).toEqual({ ok: true });
    const reread = JSON.parse(JSON.stringify(cert, null, 2)) as typeof cert;
    expect(verifyCertificateSignature(reread)).toEqual({ ok: true });
    expect(certificateDigest(body)).toMatch(/^0x[0-9a-f]{64}$/);
  });

  it('changing any field after signing breaks the signature, naming the owner', async () => {
    const cert = await signCertificate(body, owner);
    const tampered = [
      { ...cert, asset: { ...cert.asset, contentRoot: 'f'.repeat(64) } },
      { ...cert, license: { ...cert.license, price: '1' } },
      { ...cert, split: [{ ...cert.split[0]!, bps: 10000 }] },
      { ...cert, storage: { ...cert.storage, receipts: [{ id: 'b', signature: 'sig', public: 'pk', timestamp: 1 }] } },
      { ...cert, chain: { ...cert.chain, tokenId: '2' } },
      { ...cert, chain: { ...cert.chain, chainId: 1 } },
    ];
    for (const t of tampered) {
      const r = verifyCertificateSignature(t);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.reason).toMatch(/not by the owner/);
    }
    expect(verifyCertificateSignature({ ...cert, signature: '0x1234' }).ok).toBe(false);
  });

  it('only the owner may sign', async () => {
    await expect(signCertificate(body, Wallet.createRandom())).rejects.toThrow(/signed by its owner/);
  });
});
