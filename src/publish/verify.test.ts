import { describe, expect, it } from 'vitest';
import { buildManifest } from '../ingest/manifest';
import { MAX_MANIFEST_BYTES, anchorOf, manifestCap, parseManifestText, parsePathManifest, type KnownRegistry } from './verify';

describe('verify helpers', () => {
  it('a version manifest parses back into its per-file hashes, escaped names included', () => {
    const files = [
      { relPath: 'plain.txt', sha256: 'a'.repeat(64) },
      { relPath: 'back\\slash', sha256: 'b'.repeat(64) },
      { relPath: 'new\nline', sha256: 'c'.repeat(64) },
    ];
    const parsed = parseManifestText(buildManifest(files));
    expect(Object.fromEntries(parsed)).toEqual(Object.fromEntries(files.map((f) => [f.relPath, f.sha256])));
  });
});

describe('which registry a certificate is checked against', () => {
  const SANDBOX = '0x5FbDB2315678afecb367f032d93F642f64180aa3';
  const TESTNET = '0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512';
  const OTHER = '0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0';
  const known: KnownRegistry[] = [
    { network: 'sandbox', chainId: 31337, registry: SANDBOX },
    { network: 'testnet', chainId: 84532, registry: TESTNET },
  ];
  const cert = (chainId: number, registry: string) => ({ chain: { chainId, registry, tokenId: '1', txHash: '', blockNumber: 0 }, storage: { network: 'sandbox', manifestId: 'm', receipts: [] } });

  it('a known network profile\'s registry, on its own chain, in any letter case', () => {
    expect(anchorOf(cert(31337, SANDBOX.toLowerCase()), known)).toEqual({ ok: true, registry: SANDBOX, trustedAs: "the sandbox network's registry" });
    expect(anchorOf(cert(84532, TESTNET), known)).toMatchObject({ ok: true, trustedAs: "the testnet network's registry" });
  });

  it('any other registry is refused with a sentence that says how to trust it on purpose', () => {
    const r = anchorOf(cert(31337, OTHER), known);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.detail).toBe(
        `the certificate names the registry ${OTHER} on chain 31337, which is not the registry of any network Ativo knows (the sandbox network's is ${SANDBOX}). Anyone can deploy a registry and register a copy of someone else's files there, so it proves nothing. If you trust that registry, verify again with --registry ${OTHER}`,
      );
    }
    // A known registry's address on another chain is another contract.
    expect(anchorOf(cert(1, SANDBOX), known)).toMatchObject({ ok: false, detail: expect.stringContaining('Ativo knows no registry on chain 1') as unknown });
  });

  it('a registry given with --registry is trusted and said so; a different one is refused', () => {
    expect(anchorOf(cert(31337, OTHER), known, OTHER.toLowerCase())).toEqual({ ok: true, registry: OTHER, trustedAs: "registry given on the command line, not a known network's" });
    expect(anchorOf(cert(31337, SANDBOX), known, SANDBOX)).toMatchObject({ ok: true, trustedAs: "the sandbox network's registry" });
    expect(anchorOf(cert(31337, OTHER), known, SANDBOX)).toMatchObject({ ok: false, detail: expect.stringContaining(`not the one given with --registry (${SANDBOX})`) as unknown });
  });
});

describe('path manifests from storage', () => {
  it('the cap grows with the file count, up to 64 MiB', () => {
    expect(manifestCap(0)).toBe(64 * 1024);
    expect(manifestCap(3)).toBeLessThan(256 * 1024);
    expect(manifestCap(3)).toBeGreaterThan(3 * (6 * 4096)); // three longest escaped paths fit
    expect(manifestCap(10_000_000)).toBe(MAX_MANIFEST_BYTES);
  });

  it('entries carry their size when the manifest states it (older manifests do not)', () => {
    const doc = { manifest: 'arweave/paths', version: '0.2.0', paths: { 'a.txt': { id: 'id-a', size: 12 }, 'b.txt': { id: 'id-b' } } };
    expect(parsePathManifest(Buffer.from(JSON.stringify(doc)), 'm')).toEqual([
      { relPath: 'a.txt', id: 'id-a', size: 12 },
      { relPath: 'b.txt', id: 'id-b', size: null },
    ]);
  });

  it('a manifest that is not one is a sentence', () => {
    expect(() => parsePathManifest(Buffer.from('{"paths": '), 'm')).toThrow('the stored file list m is not a path manifest (it is not JSON)');
    expect(() => parsePathManifest(Buffer.from('{"paths": []}'), 'm')).toThrow('the stored file list m is not a path manifest (it lists no paths)');
    expect(() => parsePathManifest(Buffer.from('{"paths": {"a": {"id": "../x"}}}'), 'm')).toThrow('the stored file list m has no valid item id for "a"');
    expect(() => parsePathManifest(Buffer.from('{"paths": {"a": {"id": "x", "size": -1}}}'), 'm')).toThrow('gives "a" a size that is not a whole number of bytes');
  });
});
