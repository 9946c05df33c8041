import { Wallet, keccak256, toUtf8Bytes, verifyTypedData } from 'ethers';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../util/canonical-json';
import { certificateDigest, parseCertificate, signCertificate, verifyCertificateSignature, withEip712, type Certificate, type CertificateBody } from './certificate';

const owner = new Wallet('0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d');
const receipt = { id: 'a', signature: 'sig', public: 'pk', timestamp: 1, version: '1.0.0', deadlineHeight: 2 };
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

describe('certificate eip712 section', () => {
  it('is part of what signCertificate returns, and ethers checks the signature with it alone', async () => {
    const cert = await signCertificate(body, owner);
    const { eip712 } = JSON.parse(JSON.stringify(cert)) as Required<Certificate>;
    expect(eip712.primaryType).toBe('Certificate');
    expect(eip712.domain).toEqual({ name: 'Ativo Certificate', version: '1', chainId: 31337, verifyingContract: body.chain.registry });
    expect(Object.keys(eip712.types)).not.toContain('EIP712Domain');
    expect(eip712.message.join(' ')).toMatch(/RFC 8785/);
    const message = {
      ...body,
      asset: { ...body.asset, contentRoot: `0x${body.asset.contentRoot}` },
      license: { ...body.license, termsHash: `0x${body.license.termsHash}` },
      split: body.split.map((x) => ({ account: x.address, bps: x.bps })),
      storageDigest: keccak256(toUtf8Bytes(canonicalJson(body.storage))),
    };
    expect(verifyTypedData(eip712.domain, eip712.types, message, cert.signature)).toBe(owner.address);
  });

  it('a certificate made before the section existed still verifies, and is exported with it', async () => {
    const { eip712: _e, ...legacy } = await signCertificate(body, owner);
    expect(verifyCertificateSignature(legacy)).toEqual({ ok: true });
    const exported = withEip712(legacy);
    expect(exported.eip712?.domain.verifyingContract).toBe(body.chain.registry);
    expect(verifyCertificateSignature(exported)).toEqual({ ok: true });
  });

  it('a section that does not describe the signature is refused (a program reading it would check something else)', async () => {
    const cert = await signCertificate(body, owner);
    const wrong = { ...cert, eip712: { ...cert.eip712!, domain: { ...cert.eip712!.domain, verifyingContract: '0x90F79bf6EB2c4f870365E785982E1f101E93b906' } } };
    const r = verifyCertificateSignature(wrong);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(/eip712 section does not describe how it was signed/);
  });
});

describe('certificate shape (parseCertificate)', () => {
  const good = async (): Promise<Record<string, unknown>> => JSON.parse(JSON.stringify(await signCertificate({ ...body, storage: { ...body.storage, receipts: [receipt] } }, owner))) as Record<string, unknown>;

  it('accepts a signed certificate, with or without its eip712 section', async () => {
    const c = await good();
    expect(parseCertificate(c).ok).toBe(true);
    const { eip712: _e, ...legacy } = c;
    expect(parseCertificate(legacy).ok).toBe(true);
  });

  it('refuses malformed ones with a sentence naming each problem', async () => {
    const c = (await good()) as Record<string, Record<string, unknown>>;
    const cases: [unknown, RegExp][] = [
      [null, /not an Ativo certificate .*JSON object/],
      ['text', /not an Ativo certificate/],
      [[c], /not an Ativo certificate/],
      [{ ...c, storage: { ...c.storage, receipts: 'x' } }, /the storage receipts \(storage\.receipts\) must be a list, not text/],
      [{ ...c, storage: { ...c.storage, receipts: [{ id: 'a' }] } }, /the timestamp of storage receipt 1 \(storage\.receipts\[0\]\.timestamp\) is missing/],
      [{ ...c, storage: { ...c.storage, receipts: [{ ...receipt, public: 'k'.repeat(10_000) }] } }, /the public of storage receipt 1 .* is longer than 4,096 characters/],
      [{ ...c, owner: undefined, chain: 7 }, /the chain section \(chain\) must be an object, not a number; the owner address \(owner\) is missing/],
      [{ ...c, asset: { ...c.asset, name: 'n'.repeat(1_000_001) } }, /the asset's name \(asset\.name\) is longer than 1,000 characters/],
      [{ ...c, asset: { ...c.asset, kind: 'movie' } }, /the asset's kind \(asset\.kind\) must be dataset or model/],
      [{ ...c, asset: { ...c.asset, files: -1 } }, /the asset's file count \(asset\.files\) cannot be negative/],
      [{ ...c, asset: { ...c.asset, extra: 'unsigned' } }, /the asset section \(asset\) holds a field the signature does not cover \(extra\)/],
      [{ ...c, license: { ...c.license, price: '1e18' } }, /the price \(license\.price\) must be a whole number of wei/],
      [{ ...c, split: [{ address: 'bob', bps: 1 }] }, /the address of share 1 of the revenue split \(split\[0\]\.address\) must be an address/],
      [{ ...c, split: [] }, /the revenue split \(split\) is empty/],
      [{ ...c, chain: { ...c.chain, registry: '0x12' } }, /the registry address \(chain\.registry\) must be an address/],
      [{ ...c, signature: 42 }, /the signature \(signature\) must be text, not a number/],
      [{ ...c, version: 9 }, /made by a newer version of Ativo .*update Ativo to check it/],
    ];
    for (const [input, expected] of cases) {
      const r = parseCertificate(input);
      expect(r.ok, JSON.stringify(input).slice(0, 120)).toBe(false);
      if (!r.ok) {
        expect(r.reason).toMatch(expected);
        expect(r.reason).not.toMatch(/`|Invalid input|expected|\n/);
        expect(r.reason.length).toBeLessThan(1500);
      }
    }
  });

  it('names at most five problems', () => {
    const r = parseCertificate({ nothing: 'here' });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(/and \d+ more problem\(s\)\. Ask whoever gave it to you/);
  });
});
