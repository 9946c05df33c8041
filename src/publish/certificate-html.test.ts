import { Wallet } from 'ethers';
import { describe, expect, it } from 'vitest';
import { CERTIFICATE_VERSION, signCertificate, type CertificateBody } from '../chain/certificate';
import { certificateHtml } from './certificate-html';
import { certificateView } from './certificate-view';
import { LICENSES } from './licenses';
import { termsHash } from './pipeline';
import { withAccessPeriod } from './terms';

const owner = Wallet.createRandom();
const terms = withAccessPeriod(LICENSES['CC-BY-4.0'], 30);
const body = (name: string): CertificateBody => ({
  version: CERTIFICATE_VERSION,
  asset: { name, kind: 'dataset', files: 3, bytes: 2_500_000, contentRoot: 'ab'.repeat(32) },
  license: { terms, termsHash: termsHash(terms), price: '10000000000000000', currency: 'ETH' },
  split: [
    { address: owner.address, bps: 7000 },
    { address: '0x00000000000000000000000000000000000000aa', bps: 3000 },
  ],
  storage: { network: 'sandbox', manifestId: 'M'.repeat(43), receipts: [{ id: 'x', timestamp: Date.UTC(2026, 0, 2, 3, 4, 5) }] },
  chain: { chainId: 31337, registry: '0x5FbDB2315678afecb367f032d93F642f64180aa3', tokenId: '7', txHash: `0x${'cd'.repeat(32)}`, blockNumber: 12 },
  owner: owner.address,
});

describe('the certificate for people', () => {
  it('says in plain words who registered which content, when, where, under which terms, and where the bytes are', async () => {
    const cert = await signCertificate(body('Soil samples'), owner);
    const view = certificateView(cert, { certifiedAt: '2026-01-02T03:04:00.000Z' });
    expect(view.headline).toBe(`${owner.address} registered the dataset “Soil samples” (3 files, 2.5 MB) as asset #7 on the Ativo sandbox (a local test chain), certified 2026-01-02 03:04:00 UTC.`);
    const lines = Object.fromEntries(view.sections.flatMap((s) => s.lines.filter((l) => l.label !== '').map((l) => [l.label, l.value])));
    expect(lines['Content root (SHA-256)']).toBe('ab'.repeat(32));
    expect(lines.License).toBe(LICENSES['CC-BY-4.0']);
    expect(lines['Access lasts']).toBe('30 days from each approval');
    expect(lines.Price).toBe('0.01 ETH');
    expect(lines['Paid to']).toBe(`${owner.address}: 70%`);
    expect(lines['File list (manifest) id']).toBe('M'.repeat(43));
    expect(lines.Stored).toBe('2026-01-02 03:04:05 UTC');
    const html = certificateHtml(view, cert);
    expect(html).toContain('<h1>Soil samples</h1>');
    expect(html).toContain('0x00000000000000000000000000000000000000aa: 30%');
    expect(html).toContain(cert.signature);
  });

  it('escapes whatever the certificate holds and loads nothing: no script, no outside resource', async () => {
    const evil = '<script>alert(1)</script><img src=https://evil.example/x onerror=alert(2)>"\'&';
    const cert = await signCertificate(body(evil), owner);
    const html = certificateHtml(certificateView(cert), cert);
    const tags = html.match(/<[a-z][^>]*>/gi) ?? [];
    expect(tags.filter((t) => /^<(script|img|iframe|link|object|embed|base|form)\b/i.test(t) || /\s(src|href|on\w+)\s*=/i.test(t))).toEqual([]);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=https://evil.example/x onerror=alert(2)&gt;&quot;&#39;&amp;');
    expect(html).toContain("default-src 'none'");
  });

  it('reads a damaged certificate as "not stated" instead of failing', () => {
    const view = certificateView({ asset: { name: 42, files: 'many' }, chain: null, split: 'x', storage: { receipts: 'no' } });
    expect(view.title).toBe('42');
    expect(view.headline).toContain('an unknown number of files');
    expect(view.sections[0]?.lines.find((l) => l.label === 'Registered by')?.value).toBe('not stated');
    expect(() => certificateHtml(view, null)).not.toThrow();
  });
});
