/**
 * Compiles the Solidity contracts with solc-js (bundled soljson, offline) and writes the
 * registry's artifact, `src/chain/artifacts/AtivoRegistry.json`, which is committed.
 *
 *   npx tsx src/chain/compile.ts           write the artifact
 *   npx tsx src/chain/compile.ts --check   exit 1 if the committed artifact is stale
 *
 * Output is deterministic: sources are named by stable virtual paths ("AtivoRegistry.sol",
 * "@openzeppelin/contracts/..."), never by where the checkout lives, and the JSON is written
 * with a fixed key order and formatting. A test compares a fresh compile with the committed file.
 *
 * Only this module (and tests) load solc; the runtime reads the artifact.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { JsonFragment } from 'ethers';
import { writeFileAtomic } from '../util/atomic-write';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

/** Where the .sol files live (their virtual paths are relative to this folder). */
export const CONTRACTS_DIR = join(here, 'contracts');
export const ARTIFACTS_DIR = join(here, 'artifacts');
export const REGISTRY_SOURCE = 'AtivoRegistry.sol';
export const REGISTRY_ARTIFACT_PATH = join(ARTIFACTS_DIR, 'AtivoRegistry.json');

export const EVM_VERSION = 'cancun';
export const OPTIMIZER_RUNS = 200;

export interface Artifact {
  contractName: string;
  abi: JsonFragment[];
  /** Creation bytecode, 0x-prefixed. */
  bytecode: string;
  /** sha256 over every source compiled (see `hashSources`), 0x-free hex. */
  sourceHash: string;
  solcVersion: string;
  settings: { evmVersion: string; optimizer: { enabled: boolean; runs: number } };
}

export interface CompileResult {
  /** Artifacts by contract name, for every contract in the given files (not their imports). */
  artifacts: Map<string, Artifact>;
  warnings: string[];
}

interface SolcError {
  severity: 'error' | 'warning' | 'info';
  formattedMessage?: string;
  message: string;
  sourceLocation?: { file: string };
}
interface SolcOutput {
  errors?: SolcError[];
  sources?: Record<string, { id: number }>;
  contracts?: Record<string, Record<string, { abi: JsonFragment[]; evm: { bytecode: { object: string } } }>>;
}
interface Solc {
  version: () => string;
  compile: (input: string, callbacks: { import: (path: string) => { contents: string } | { error: string } }) => string;
}

let solcInstance: Solc | undefined;
async function loadSolc(): Promise<Solc> {
  if (solcInstance === undefined) {
    // solc is CommonJS and slow to initialise (it instantiates soljson); load it on demand.
    const mod = (await import('solc')) as unknown as { default?: Solc } & Solc;
    solcInstance = mod.default ?? mod;
  }
  return solcInstance;
}

let ozRoot: string | undefined;
function openZeppelinRoot(): string {
  ozRoot ??= dirname(require.resolve('@openzeppelin/contracts/package.json'));
  return ozRoot;
}

/** Maps a solc virtual path to a file on disk; only OpenZeppelin and files under CONTRACTS_DIR. */
export function resolveSourcePath(virtualPath: string, contractsDir = CONTRACTS_DIR): string {
  const oz = '@openzeppelin/contracts/';
  let base: string;
  let rel: string;
  if (virtualPath.startsWith(oz)) {
    base = openZeppelinRoot();
    rel = virtualPath.slice(oz.length);
  } else {
    base = resolve(contractsDir);
    rel = virtualPath;
  }
  const full = resolve(base, normalize(rel));
  if (full !== base && !full.startsWith(base + sep)) {
    throw new Error(`Import "${virtualPath}" points outside ${base}.`);
  }
  return full;
}

/**
 * The sha256 (hex) of a set of sources: for each source in ascending order of its virtual
 * path, the path, a NUL, the source text, a NUL.
 */
export function hashSources(sources: ReadonlyMap<string, string>): string {
  const h = createHash('sha256');
  for (const path of [...sources.keys()].sort()) {
    h.update(path, 'utf8').update('\0').update(sources.get(path) ?? '', 'utf8').update('\0');
  }
  return h.digest('hex');
}

/**
 * Compiles the given files (virtual paths relative to `contractsDir`) in memory.
 * Throws with solc's messages if there is any error.
 */
export async function compileContracts(files: string[], contractsDir = CONTRACTS_DIR): Promise<CompileResult> {
  const solc = await loadSolc();
  const read = new Map<string, string>();
  const load = (path: string): string => {
    const cached = read.get(path);
    if (cached !== undefined) return cached;
    const text = readFileSync(resolveSourcePath(path, contractsDir), 'utf8');
    read.set(path, text);
    return text;
  };

  const input = {
    language: 'Solidity',
    sources: Object.fromEntries(files.map((f) => [f, { content: load(f) }])),
    settings: {
      evmVersion: EVM_VERSION,
      optimizer: { enabled: true, runs: OPTIMIZER_RUNS },
      outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } },
    },
  };
  const output = JSON.parse(
    solc.compile(JSON.stringify(input), {
      import: (path) => {
        try {
          return { contents: load(path) };
        } catch (e) {
          return { error: e instanceof Error ? e.message : String(e) };
        }
      },
    }),
  ) as SolcOutput;

  const problems = output.errors ?? [];
  const errors = problems.filter((e) => e.severity === 'error');
  if (errors.length > 0) {
    throw new Error(`Solidity compilation failed:\n${errors.map((e) => e.formattedMessage ?? e.message).join('\n')}`);
  }
  // Warnings about OpenZeppelin's own code (e.g. its use of transient storage) are not ours to fix.
  const warnings = problems
    .filter((e) => e.severity === 'warning' && !(e.sourceLocation?.file.startsWith('@openzeppelin/') ?? false))
    .map((e) => e.formattedMessage ?? e.message);

  // Every source unit solc used (the given files and everything they import).
  const used = new Map<string, string>();
  for (const path of Object.keys(output.sources ?? {})) used.set(path, load(path));
  const sourceHash = hashSources(used);
  const solcVersion = solc.version();

  const artifacts = new Map<string, Artifact>();
  for (const file of files) {
    for (const [contractName, c] of Object.entries(output.contracts?.[file] ?? {})) {
      const object = c.evm.bytecode.object;
      if (object === '') continue; // interfaces and abstract contracts
      artifacts.set(contractName, {
        contractName,
        abi: c.abi,
        bytecode: `0x${object}`,
        sourceHash,
        solcVersion,
        settings: { evmVersion: EVM_VERSION, optimizer: { enabled: true, runs: OPTIMIZER_RUNS } },
      });
    }
  }
  return { artifacts, warnings };
}

/** Compiles AtivoRegistry.sol in memory. */
export async function compileRegistry(): Promise<{ artifact: Artifact; warnings: string[] }> {
  const { artifacts, warnings } = await compileContracts([REGISTRY_SOURCE]);
  const artifact = artifacts.get('AtivoRegistry');
  if (artifact === undefined) throw new Error(`${REGISTRY_SOURCE} did not produce an AtivoRegistry contract.`);
  return { artifact, warnings };
}

/** The artifact as committed: fixed key order, two-space indent, trailing newline. */
export function renderArtifact(a: Artifact): string {
  const ordered: Artifact = {
    contractName: a.contractName,
    abi: a.abi,
    bytecode: a.bytecode,
    sourceHash: a.sourceHash,
    solcVersion: a.solcVersion,
    settings: a.settings,
  };
  return `${JSON.stringify(ordered, null, 2)}\n`;
}

/** Compiles the registry and writes its artifact atomically. Returns the path and solc's warnings. */
export async function writeRegistryArtifact(path = REGISTRY_ARTIFACT_PATH): Promise<{ path: string; changed: boolean; warnings: string[] }> {
  const { artifact, warnings } = await compileRegistry();
  const text = renderArtifact(artifact);
  const before = await readFile(path, 'utf8').catch(() => undefined);
  if (before !== text) {
    await mkdir(dirname(path), { recursive: true });
    await writeFileAtomic(path, text);
  }
  return { path, changed: before !== text, warnings };
}

/** True if the committed artifact equals a fresh compile. */
export async function registryArtifactIsFresh(path = REGISTRY_ARTIFACT_PATH): Promise<boolean> {
  const { artifact } = await compileRegistry();
  const committed = await readFile(path, 'utf8').catch(() => undefined);
  return committed === renderArtifact(artifact);
}

async function main(argv: string[]): Promise<number> {
  if (argv.includes('--check')) {
    const fresh = await registryArtifactIsFresh();
    console.log(fresh ? `${REGISTRY_ARTIFACT_PATH} is up to date.` : `${REGISTRY_ARTIFACT_PATH} is stale: run npx tsx src/chain/compile.ts`);
    return fresh ? 0 : 1;
  }
  const { path, changed, warnings } = await writeRegistryArtifact();
  for (const w of warnings) console.warn(w);
  console.log(changed ? `Wrote ${path}` : `${path} is already up to date.`);
  return 0;
}

const entry = process.argv[1];
if (entry !== undefined && import.meta.url === pathToFileURL(resolve(entry)).href) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      console.error(e instanceof Error ? e.message : e);
      process.exitCode = 1;
    },
  );
}
