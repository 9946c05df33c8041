import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useCliSandbox } from '../test-support/cli-sandbox';
import { RegistryClient } from '../chain/client';
import { startAnvil } from '../sandbox/anvil';
import { verifyCertificateSignature, type Certificate } from '../chain/certificate';
import { coreutilsRoot } from '../test-support/fs';
import { termsHash } from './pipeline';
import { LICENSES } from './licenses';

// Publish through the real CLI: keychain wallet, sandbox anvil + storage node, durable jobs.
describe('ativo publish (sandbox, real keychain)', () => {
  const { run, dir, dataDir } = useCliSandbox('publish');

  it('uploads, registers once with a 2-way split, and writes a certificate that verifies', async () => {
    const folder = join(dir(), 'Wildflowers');
    mkdirSync(join(folder, 'images'), { recursive: true });
    writeFileSync(join(folder, 'labels.csv'), 'file,label\n0001.png,poppy\n');
    writeFileSync(join(folder, 'images', '0001.png'), randomBytes(50_000));
    const wallet = JSON.parse(run(['wallet', 'create', '--json']).stdout) as { address: string };
    const asset = JSON.parse(run(['add', folder, '--json']).stdout) as { id: number };
    expect(run(['storage', 'fund', '--ether', '0.01']).status).toBe(0);
    const partner = '0x90F79bf6EB2c4f870365E785982E1f101E93b906';

    const bad = run(['publish', String(asset.id), '--split', `${wallet.address}:70,${partner}:20`]);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/add up to 100%.*90%/);

    const defaults = JSON.parse(run(['show', String(asset.id), '--json']).stdout) as { publication: unknown };
    expect(defaults.publication).toBeNull();

    const pub = run(['publish', String(asset.id), '--license', 'CC-BY-4.0', '--price', '0.01', '--split', `${wallet.address}:70,${partner}:30`, '--wait', '--json']);
    expect(pub.stderr).toBe('');
    expect(pub.status).toBe(0);
    const cert = JSON.parse(pub.stdout) as Certificate;
    expect(cert.asset).toMatchObject({ name: 'Wildflowers', files: 2, contentRoot: coreutilsRoot(folder) });
    expect(cert.split).toEqual([
      { address: wallet.address, bps: 7000 },
      { address: partner, bps: 3000 },
    ]);
    expect(cert.license).toMatchObject({ termsHash: termsHash(LICENSES['CC-BY-4.0']), price: '10000000000000000' });
    expect(cert.storage.receipts).toHaveLength(3); // two files + the manifest
    expect(verifyCertificateSignature(cert)).toEqual({ ok: true });

    const shown = JSON.parse(run(['show', String(asset.id), '--json']).stdout) as { publication: { tokenId: string; manifestId: string; network: string } };
    expect(shown.publication).toMatchObject({ tokenId: cert.chain.tokenId, manifestId: cert.storage.manifestId, network: 'sandbox' });

    // The registration on chain says the same (the CLI stopped the sandbox when it exited: start it to read).
    const sb = await startAnvil({ dataDir: join(dataDir(), 'sandbox') });
    try {
      const registry = await RegistryClient.open(sb.conn, cert.chain.registry);
      const onChain = await registry.asset(BigInt(cert.chain.tokenId));
      expect(onChain?.contentRoot).toBe(`0x${cert.asset.contentRoot}`);
      expect(onChain?.manifestId).toBe(cert.storage.manifestId);
      expect(onChain?.termsHash).toBe(cert.license.termsHash);
      expect(await registry.ownerOf(BigInt(cert.chain.tokenId))).toBe(wallet.address);
      expect(await registry.tokenCount()).toBe(1n);
    } finally {
      await sb.stop();
    }
    const exported = run(['certificate', String(asset.id)]);
    expect(JSON.parse(exported.stdout)).toEqual(cert);
    const certFile = join(dir(), 'ativo-certificate.json');
    writeFileSync(certFile, exported.stdout);

    // verify: every check passes on the exported file with the folder…
    const ok = run(['verify', certFile, '--folder', folder]);
    expect(ok.stdout).toMatch(/PASS {2}signature/);
    expect(ok.stdout).toMatch(/PASS {2}registration/);
    expect(ok.stdout).toMatch(/PASS {2}receipts/);
    expect(ok.stdout).toMatch(/PASS {2}files/);
    expect(ok.status, ok.stdout + ok.stderr).toBe(0);
    // …one changed byte fails it and names the file…
    writeFileSync(join(folder, 'labels.csv'), 'file,label\n0001.png,tulip\n');
    const changed = run(['verify', certFile, '--folder', folder, '--json']);
    expect(changed.status).toBe(1);
    const files = (JSON.parse(changed.stdout) as { checks: { name: string; ok: boolean; detail: string }[] }).checks.find((c) => c.name === 'files');
    expect(files).toMatchObject({ ok: false, detail: expect.stringContaining('changed: labels.csv') as unknown });
    writeFileSync(join(folder, 'labels.csv'), 'file,label\n0001.png,poppy\n');
    // …and so does a tampered certificate.
    writeFileSync(certFile, JSON.stringify({ ...cert, license: { ...cert.license, price: '1' } }));
    const forged = run(['verify', certFile]);
    expect(forged.status).toBe(1);
    expect(forged.stdout).toMatch(/FAIL {2}signature/);

    // Publishing the same content again says it is already certified instead of registering again.
    const again = run(['publish', String(asset.id), '--price', '0.01', '--split', `${wallet.address}:70,${partner}:30`, '--wait', '--json']);
    expect(again.stderr).toBe('');
    const same = JSON.parse(again.stdout) as { alreadyCertified: { version: number; tokenId: string }; certificate: Certificate };
    expect(same.alreadyCertified).toMatchObject({ version: 1, tokenId: '1' });
    expect(same.certificate).toEqual(cert);
  });
});
