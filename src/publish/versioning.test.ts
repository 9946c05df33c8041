import { describe, expect, it } from 'vitest';
import type { CertificateRecord } from '../catalog/certificates';
import type { VersionRecord } from '../catalog/versions';
import { LICENSES } from './licenses';
import type { PreviousTerms } from './terms';
import { inheritTerms, planVersion, TermsRefused, type VersionLookup } from './versioning';

const owner = '0x1111111111111111111111111111111111111111';
const partner = '0x2222222222222222222222222222222222222222';
const prev: PreviousTerms = {
  version: 1,
  lastAttempt: false,
  visibility: 'private',
  license: 'CC-BY-NC-4.0',
  customTerms: null,
  priceWei: '10000000000000000',
  approval: 'auto',
  split: [
    { address: owner, bps: 7000 },
    { address: partner, bps: 3000 },
  ],
  accessDays: 30,
};

describe('a publication inherits the previous version terms', () => {
  it('a first publication: public, CC-BY-4.0, free, manual, perpetual, all to the owner', () => {
    const t = inheritTerms({}, null, owner, 'Soils');
    expect(t).toEqual({ visibility: 'public', license: 'CC-BY-4.0', customTerms: undefined, priceWei: '0', approval: 'manual', accessDays: 0, split: [{ address: owner, bps: 10_000 }], terms: LICENSES['CC-BY-4.0'] });
  });

  it('every term left out is the previous version’s, the access period is in the terms text', () => {
    const t = inheritTerms({}, prev, owner, 'Soils');
    expect(t).toMatchObject({ visibility: 'private', license: 'CC-BY-NC-4.0', priceWei: prev.priceWei, approval: 'auto', accessDays: 30, split: prev.split });
    expect(t.terms.startsWith(LICENSES['CC-BY-NC-4.0'])).toBe(true);
    expect(t.terms).toMatch(/Access period: 30 days/);
    // A given term wins.
    expect(inheritTerms({ priceWei: '0', split: [{ address: partner, percent: 100 }] }, prev, owner, 'Soils')).toMatchObject({ priceWei: '0', split: [{ address: partner, bps: 10_000 }] });
  });

  it('a private asset turns public only when confirmed', () => {
    expect(() => inheritTerms({ visibility: 'public' }, prev, owner, 'Soils')).toThrow(TermsRefused);
    expect(() => inheritTerms({ visibility: 'public' }, prev, owner, 'Soils')).toThrow(/Soils was published as private/);
    expect(inheritTerms({ visibility: 'public', confirmPublic: true }, prev, owner, 'Soils').visibility).toBe('public');
  });

  it('a custom license needs its text (kept from a previous custom license); shares must add up to 100%', () => {
    expect(() => inheritTerms({ license: 'custom' }, prev, owner, 'Soils')).toThrow(/custom license needs the text/);
    const custom = inheritTerms({ license: 'custom', customTerms: 'Mine.' }, prev, owner, 'Soils');
    expect(inheritTerms({}, { ...prev, license: 'custom', customTerms: 'Mine.' }, owner, 'Soils').terms).toBe(custom.terms);
    expect(() => inheritTerms({ split: [{ address: owner, percent: 60 }] }, null, owner, 'Soils')).toThrow(/add up to 100%/);
  });
});

const version = (id: number, number: number, contentRoot: string, previousId: number | null): VersionRecord => ({ id, assetId: 1, number, contentRoot, manifest: '', previousId, createdAt: '2026-01-01T00:00:00Z' });
const cert = (versionId: number, tokenId: string, manifestId: string): CertificateRecord =>
  ({ versionId, tokenId, document: { storage: { manifestId } } }) as unknown as CertificateRecord;

describe('a publication’s version number and the version it follows', () => {
  const v1 = version(10, 1, 'aa', null);
  const v2 = version(11, 2, 'bb', 10);
  const lookup = (certs: CertificateRecord[]): VersionLookup => ({
    version: (id) => [v1, v2].find((v) => v.id === id),
    certificateOf: (versionId, network) => (network === 'sandbox' ? certs.find((c) => c.versionId === versionId) : undefined),
    latestCertificate: () => certs.at(-1),
  });

  it('version 1 follows nothing', () => {
    expect(planVersion(undefined, 'aa', 'sandbox', lookup([]))).toEqual({ number: 1, previous: undefined });
  });

  it('a changed folder is the next version and follows the latest, with its certificate’s manifest and token', () => {
    expect(planVersion(v2, 'cc', 'sandbox', lookup([cert(11, '7', 'm2')]))).toEqual({ number: 3, previous: { versionId: 11, number: 2, contentRoot: 'bb', manifestId: 'm2', tokenId: '7' } });
  });

  it('the unchanged latest version (not certified on this network) keeps its number and follows its own previous one', () => {
    // Certified elsewhere only: the asset's latest certificate of that version is used.
    expect(planVersion(v2, 'bb', 'testnet', lookup([cert(10, '3', 'm1')]))).toEqual({ number: 2, previous: { versionId: 10, number: 1, contentRoot: 'aa', manifestId: 'm1', tokenId: '3' } });
    expect(planVersion(v1, 'aa', 'sandbox', lookup([]))).toEqual({ number: 1, previous: undefined });
  });
});
