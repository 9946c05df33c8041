import { describe, expect, it } from 'vitest';
import { assetLinkInArgs, assetLinkRoute, assetLinkUrl, parseAssetLink } from './links';

const REG = '0x5FbDB2315678afecb367f032d93F642f64180aa3';

describe('asset links', () => {
  it('parses the ativo:// link and the app route to the same asset', () => {
    const want = { chainId: 31337, registry: REG.toLowerCase(), tokenId: '7' };
    expect(parseAssetLink(`ativo://asset/31337/${REG}/7`)).toEqual(want);
    expect(parseAssetLink(`ATIVO://asset/31337/${REG}/7/`)).toEqual(want);
    expect(parseAssetLink(`ativo:asset/31337/${REG}/7`)).toEqual(want);
    expect(parseAssetLink(`#/asset/31337/${REG}/7`)).toEqual(want);
    expect(parseAssetLink(assetLinkUrl(want))).toEqual(want);
    expect(parseAssetLink(assetLinkRoute(want))).toEqual(want);
  });

  it('refuses anything that is not exactly an asset link', () => {
    const hostile: unknown[] = [
      undefined,
      null,
      42,
      {},
      '',
      'ativo://',
      `https://asset/31337/${REG}/7`,
      `javascript:ativo://asset/31337/${REG}/7`,
      `ativo://asset/31337/${REG}/7?x=1`,
      `ativo://asset/31337/${REG}/7#frag`,
      `ativo://user:pw@asset/31337/${REG}/7`,
      `ativo://asset:80/31337/${REG}/7`,
      `ativo://asset/31337/${REG}/7/extra`,
      `ativo://asset//31337/${REG}/7`,
      `ativo://asset/31337/${REG}/%37`,
      `ativo://asset/31337/${REG}/../7`,
      `ativo://asset/0/${REG}/7`,
      `ativo://asset/031337/${REG}/7`,
      `ativo://asset/-1/${REG}/7`,
      `ativo://asset/99999999999999999/${REG}/7`,
      `ativo://asset/31337/${REG}/0`,
      `ativo://asset/31337/${REG}/07`,
      `ativo://asset/31337/${REG}/1e3`,
      `ativo://asset/31337/${REG}/${(2n ** 256n).toString()}`,
      `ativo://asset/31337/0x123/7`,
      `ativo://asset/31337/${REG}zz/7`,
      `ativo://asset/31337/${REG}/7\n`,
      `ativo://asset/31337/${REG}/7 `,
      ` ativo://asset/31337/${REG}/7`,
      `ativo://asset/31337/${REG}/7\u0000`,
      `ativo://asset/３１３３７/${REG}/7`,
      `#/assets/31337/${REG}/7`,
      `#asset/31337/${REG}/7`,
      `ativo://asset/31337/${REG}/${'1'.repeat(600)}`,
    ];
    for (const h of hostile) expect(parseAssetLink(h), String(h)).toBeNull();
  });

  it('keeps the largest token id a uint256 holds', () => {
    const max = (2n ** 256n - 1n).toString();
    expect(parseAssetLink(`ativo://asset/1/${REG}/${max}`)?.tokenId).toBe(max);
  });

  it('finds a link among process arguments, ignoring anything else', () => {
    expect(assetLinkInArgs(['/usr/bin/ativo', '--no-sandbox', `ativo://asset/1/${REG}/3`])).toEqual({ chainId: 1, registry: REG.toLowerCase(), tokenId: '3' });
    expect(assetLinkInArgs(['/usr/bin/ativo', `--x=ativo://asset/1/${REG}/3`, 'ativo://evil'])).toBeNull();
  });
});
