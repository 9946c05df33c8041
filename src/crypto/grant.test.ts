import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { armor } from 'age-encryption';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../test-support/fs';
import { generateIdentity } from './age';
import { CryptoError } from './errors';
import type { CryptoErrorCode } from './errors';
import { decryptFile, encryptFile } from './files';
import { GRANT_TYPE, createGrant, openGrant, readGrant } from './grant';
import { ageKeygen, pattern, rejectionOf, requireAgeCli, runAge } from './testing';

let dir: ReturnType<typeof tempDir>;
beforeAll(() => {
  requireAgeCli();
  dir = tempDir('ativo-age-grant-');
});
afterAll(() => { dir.cleanup(); });

const ROOT = 'a'.repeat(64);

async function expectCode(p: Promise<unknown>, code: CryptoErrorCode, secrets: string[] = []): Promise<CryptoError> {
  const err = await rejectionOf(p);
  expect(err).toBeInstanceOf(CryptoError);
  const ce = err as CryptoError;
  expect(ce.code).toBe(code);
  for (const s of secrets) for (const text of [ce.message, String(ce.stack)]) expect(text.includes(s)).toBe(false);
  return ce;
}

describe('grants', () => {
  it('round-trip: the requester gets the asset identity back, with its metadata', async () => {
    const asset = await generateIdentity();
    const requester = await generateIdentity();
    const grant = await createGrant(asset.identity, requester.recipient, { assetId: 'asset-42', contentRoot: ROOT });
    expect(grant).toBeInstanceOf(Uint8Array);
    expect(grant.length).toBeLessThan(1024);
    expect(Buffer.from(grant).includes(asset.identity)).toBe(false); // encrypted, not embedded
    expect(await openGrant(grant, requester.identity)).toBe(asset.identity);
    expect(await openGrant(grant, requester.identity, { assetId: 'asset-42', contentRoot: ROOT.toUpperCase() })).toBe(asset.identity);
    expect(await readGrant(grant, requester.identity)).toEqual({ v: 1, type: GRANT_TYPE, identity: asset.identity, assetId: 'asset-42', contentRoot: ROOT });
    const bare = await createGrant(asset.identity, requester.recipient);
    expect(await readGrant(bare, requester.identity)).toEqual({ v: 1, type: GRANT_TYPE, identity: asset.identity });
  });

  it('a grant for another key: "This grant was made for another key."', async () => {
    const asset = await generateIdentity();
    const requester = await generateIdentity();
    const eve = await generateIdentity();
    const grant = await createGrant(asset.identity, requester.recipient, { assetId: 'x' });
    const e = await expectCode(openGrant(grant, eve.identity), 'GRANT_WRONG_KEY', [asset.identity, eve.identity]);
    expect(e.message).toBe('This grant was made for another key.');
    // The asset key itself cannot open it either: only the requester's.
    await expectCode(openGrant(grant, asset.identity), 'GRANT_WRONG_KEY');
  });

  it('the opened identity decrypts the private asset file (end-to-end flow)', async () => {
    const asset = await generateIdentity(); // the per-asset key in the owner's keychain
    const requester = ageKeygen(); // a requester using stock age tooling
    const plain = join(dir.path, 'model.bin');
    writeFileSync(plain, pattern(200_000, 3));
    await encryptFile(plain, join(dir.path, 'model.bin.age'), [asset.recipient]);
    const grant = await createGrant(asset.identity, requester.recipient, { contentRoot: ROOT });
    const identity = await openGrant(grant, requester.identity, { contentRoot: ROOT });
    await decryptFile(join(dir.path, 'model.bin.age'), join(dir.path, 'model.out'), [identity]);
    expect(readFileSync(join(dir.path, 'model.out')).equals(readFileSync(plain))).toBe(true);
  });

  it('the age CLI opens a grant (binary and armored); openGrant reads armored text and bytes', async () => {
    const asset = await generateIdentity();
    const req = ageKeygen();
    const keyFile = join(dir.path, 'req.key');
    writeFileSync(keyFile, req.file, { mode: 0o600 });
    const grant = await createGrant(asset.identity, req.recipient, { assetId: 'cli' });
    const grantFile = join(dir.path, 'grant.age');
    writeFileSync(grantFile, grant);
    const json = JSON.parse(runAge(['-d', '-i', keyFile, grantFile]).toString('utf8')) as Record<string, unknown>;
    expect(json).toEqual({ v: 1, type: GRANT_TYPE, identity: asset.identity, assetId: 'cli' });
    const armored = armor.encode(grant);
    writeFileSync(join(dir.path, 'grant.txt'), armored);
    expect(JSON.parse(runAge(['-d', '-i', keyFile, join(dir.path, 'grant.txt')]).toString('utf8'))).toEqual(json);
    expect(await openGrant(armored, req.identity)).toBe(asset.identity);
    expect(await openGrant(Buffer.from(`\n${armored}`), req.identity)).toBe(asset.identity);
  });

  it('a grant for a different asset than expected -> GRANT_MISMATCH', async () => {
    const asset = await generateIdentity();
    const req = await generateIdentity();
    const grant = await createGrant(asset.identity, req.recipient, { assetId: 'one', contentRoot: ROOT });
    await expectCode(openGrant(grant, req.identity, { assetId: 'two' }), 'GRANT_MISMATCH');
    await expectCode(openGrant(grant, req.identity, { contentRoot: 'b'.repeat(64) }), 'GRANT_MISMATCH');
  });

  it('damaged or foreign grants -> INVALID_GRANT; bad keys -> INVALID_*', async () => {
    const asset = await generateIdentity();
    const req = await generateIdentity();
    const grant = await createGrant(asset.identity, req.recipient);
    const flipped = Uint8Array.from(grant);
    flipped[flipped.length - 3] = (flipped[flipped.length - 3] ?? 0) ^ 1;
    await expectCode(openGrant(flipped, req.identity), 'INVALID_GRANT');
    await expectCode(openGrant(grant.subarray(0, grant.length - 10), req.identity), 'INVALID_GRANT');
    await expectCode(openGrant(new TextEncoder().encode('hello'), req.identity), 'INVALID_GRANT');
    await expectCode(openGrant('not armored', req.identity), 'INVALID_GRANT');
    await expectCode(openGrant(new Uint8Array(100_000), req.identity), 'INVALID_GRANT');
    // Valid age, but not an Ativo envelope (e.g. `echo hi | age -r …`).
    const notEnvelope = runAge(['-r', req.recipient], Buffer.from('{"hello":1}'));
    await expectCode(openGrant(notEnvelope, req.identity), 'INVALID_GRANT');
    const future = runAge(['-r', req.recipient], Buffer.from(JSON.stringify({ v: 2, type: GRANT_TYPE, identity: asset.identity })));
    expect((await expectCode(openGrant(future, req.identity), 'INVALID_GRANT')).message).toMatch(/version/);
    const badId = runAge(['-r', req.recipient], Buffer.from(JSON.stringify({ v: 1, type: GRANT_TYPE, identity: 'AGE-SECRET-KEY-1XYZ' })));
    await expectCode(openGrant(badId, req.identity), 'INVALID_GRANT');
    await expectCode(createGrant(asset.identity, req.identity), 'INVALID_RECIPIENT', [req.identity]);
    await expectCode(createGrant(asset.recipient, req.recipient), 'INVALID_IDENTITY');
    await expectCode(openGrant(grant, req.recipient), 'INVALID_IDENTITY');
    await expectCode(createGrant(asset.identity, req.recipient, { assetId: 'a\nb' }), 'INVALID_GRANT');
  });
});
