import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { REGISTRY_SOURCE_HASH } from './abi';
import { REGISTRY_ARTIFACT_PATH, compileRegistry, hashSources, renderArtifact, resolveSourcePath } from './compile';

describe('compiled artifact', () => {
  it('the committed artifact equals a fresh compile of the sources (run `npx tsx src/chain/compile.ts` if not)', async () => {
    const { artifact, warnings } = await compileRegistry();
    const committed = await readFile(REGISTRY_ARTIFACT_PATH, 'utf8');
    expect(warnings).toEqual([]);
    expect(artifact.sourceHash, 'sources changed since the artifact was written').toBe(REGISTRY_SOURCE_HASH);
    expect(committed === renderArtifact(artifact), 'src/chain/artifacts/AtivoRegistry.json is stale: run npx tsx src/chain/compile.ts').toBe(true);
    expect(artifact.settings).toEqual({ evmVersion: 'cancun', optimizer: { enabled: true, runs: 200 } });
    // Deployable: under the EIP-170 code size limit (creation code is larger than runtime code).
    expect((artifact.bytecode.length - 2) / 2).toBeLessThan(24_576 + 4_096);
  });

  it('the source hash covers every path and byte', () => {
    const a = hashSources(new Map([['A.sol', 'x'], ['B.sol', 'y']]));
    expect(hashSources(new Map([['B.sol', 'y'], ['A.sol', 'x']]))).toBe(a);
    expect(hashSources(new Map([['A.sol', 'x'], ['B.sol', 'y ']]))).not.toBe(a);
    expect(hashSources(new Map([['A.sol', 'x'], ['C.sol', 'y']]))).not.toBe(a);
  });

  it('imports resolve only inside the contracts folder and OpenZeppelin', () => {
    expect(resolveSourcePath('@openzeppelin/contracts/token/ERC721/ERC721.sol')).toMatch(/node_modules\/@openzeppelin\/contracts\/token\/ERC721\/ERC721\.sol$/);
    expect(() => resolveSourcePath('../compile.ts')).toThrow(/outside/);
    expect(() => resolveSourcePath('@openzeppelin/contracts/../../../etc/passwd')).toThrow(/outside/);
  });
});
