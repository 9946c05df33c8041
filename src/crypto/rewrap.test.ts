import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../test-support/fs';
import { generateIdentity } from './age';
import { encryptFile } from './files';
import { ageHeaderLength, ageHeaderOf, replaceAgeHeader, rewrapHeader } from './rewrap';
import { createDecryptStream } from './stream';

const AGE = '/usr/bin/age';
const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

async function decrypt(bytes: Buffer, identity: string, header?: Buffer): Promise<Buffer> {
  const out: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _e, cb) {
      out.push(chunk);
      cb();
    },
  });
  const source = Readable.from([bytes.subarray(0, 100), bytes.subarray(100)]); // the header split across chunks
  if (header) await pipeline(source, replaceAgeHeader(header), createDecryptStream([identity]), sink);
  else await pipeline(source, createDecryptStream([identity]), sink);
  return Buffer.concat(out);
}

describe('re-wrapping an age header to another recipient', () => {
  const dir = tempDir('ativo-rewrap-');
  afterAll(() => {
    dir.cleanup();
  });

  it('the stored payload opens with the new key behind the re-wrapped header (here and with the age CLI); the old key does not open it, nor does the new key open the old header', async () => {
    const v1 = await generateIdentity();
    const v2 = await generateIdentity();
    const plain = randomBytes(200_000);
    writeFileSync(join(dir.path, 'plain.bin'), plain);
    await encryptFile(join(dir.path, 'plain.bin'), join(dir.path, 'item.age'), [v1.recipient]);
    const item = readFileSync(join(dir.path, 'item.age'));

    const header = await rewrapHeader(item.subarray(0, 400), [v1.identity], v2.recipient);
    expect(ageHeaderLength(header)).toBe(header.length);
    expect(header.toString('latin1')).toMatch(/^age-encryption\.org\/v1\n-> X25519 [A-Za-z0-9+/]{43}\n[A-Za-z0-9+/]{43}\n--- [A-Za-z0-9+/]{43}\n$/);
    expect(sha256(await decrypt(item, v2.identity, header))).toBe(sha256(plain));
    await expect(decrypt(item, v1.identity, header)).rejects.toMatchObject({ code: 'WRONG_KEY' });
    await expect(decrypt(item, v2.identity)).rejects.toMatchObject({ code: 'WRONG_KEY' });
    // Only the holder of a key that opens the old header can re-wrap it.
    await expect(rewrapHeader(item, [v2.identity], v2.recipient)).rejects.toMatchObject({ code: 'WRONG_KEY' });
    // A changed byte in the re-wrapped header's MAC fails it.
    const forged = Buffer.from(header);
    const at = forged.length - 5;
    forged[at] = forged[at] === 0x41 ? 0x42 : 0x41;
    await expect(decrypt(item, v2.identity, forged)).rejects.toMatchObject({ code: 'CORRUPT' });
    // A re-wrapped header can be re-wrapped again (version 3 reusing version 2's reused file).
    const v3 = await generateIdentity();
    const again = await rewrapHeader(header, [v2.identity], v3.recipient);
    expect(sha256(await decrypt(item, v3.identity, again))).toBe(sha256(plain));
  });

  it.skipIf(!existsSync(AGE))(`Debian's age CLI (${AGE}) decrypts cat(re-wrapped header, item after its header) with the new key`, async () => {
    const v1 = await generateIdentity();
    const v2 = await generateIdentity();
    const plain = randomBytes(150_000);
    writeFileSync(join(dir.path, 'cli-plain.bin'), plain);
    await encryptFile(join(dir.path, 'cli-plain.bin'), join(dir.path, 'cli-item.age'), [v1.recipient]);
    const item = readFileSync(join(dir.path, 'cli-item.age'));
    const header = await rewrapHeader(item, [v1.identity], v2.recipient);
    writeFileSync(join(dir.path, 'rewrapped.age'), Buffer.concat([header, item.subarray(ageHeaderOf(item).length)]));
    writeFileSync(join(dir.path, 'v2.key'), `${v2.identity}\n`, { mode: 0o600 });
    writeFileSync(join(dir.path, 'v1.key'), `${v1.identity}\n`, { mode: 0o600 });
    const out = execFileSync(AGE, ['-d', '-i', join(dir.path, 'v2.key'), join(dir.path, 'rewrapped.age')]);
    expect(sha256(out)).toBe(sha256(plain));
    expect(() => execFileSync(AGE, ['-d', '-i', join(dir.path, 'v1.key'), join(dir.path, 'rewrapped.age')], { stdio: 'pipe' })).toThrow(/no identity matched any of the recipients/);
  });
});
if (!existsSync(AGE)) console.warn(`[rewrap.test.ts] ${AGE} is not installed: the age CLI interoperability test is skipped (apt-get install age).`);
