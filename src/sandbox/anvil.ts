/**
 * The sandbox chain: an anvil child process with its state persisted in the data dir, and
 * the AtivoRegistry deployed on first start.
 *
 * Files in `dataDir`:
 *   anvil-state.json              anvil's state (`--state`): loaded at start, written on exit
 *                                 (SIGTERM/SIGINT) and every `stateIntervalSeconds`
 *   anvil-state.json.bak          the last state file anvil loaded successfully
 *   anvil-state.json.corrupt-<t>  a state file anvil could not load, moved aside
 *   anvil.pid                     { pid, parentPid, ... } while running, to find an orphaned anvil
 *   anvil.log                     anvil's output for the current run
 *   sandbox.json                  { chain: { chainId, registry: { address, ... } } }
 *
 * Lifecycle: `stop()` sends SIGTERM and waits for anvil to exit (so it writes its state);
 * it is idempotent. If this process exits without calling stop(), an exit hook sends SIGTERM.
 * If this process is killed outright, anvil keeps running: the next `startAnvil` on the same
 * data dir finds it through anvil.pid and stops it (cleanly, so its state is kept) first.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync } from 'node:fs';
import { copyFile, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { Wallet, getAddress } from 'ethers';
import {
  DEFAULT_ACCESS_TIMEOUT_SECONDS,
  REGISTRY_SOURCE_HASH,
  connectChain,
  deployRegistry,
  fetchChainId,
  sendEther,
  type ChainConnection,
} from '../chain/client';
import { isProcessAlive } from '../util/process';
import { AtivoFault } from '../util/errors';

export const SANDBOX_CHAIN_ID = 31337;
/** anvil's well-known test mnemonic: the dev accounts are public, never use them elsewhere. */
export const SANDBOX_MNEMONIC = 'test test test test test test test test test test test junk';
export const SANDBOX_HOST = '127.0.0.1';
/** The EVM version the registry is compiled for. */
export const SANDBOX_HARDFORK = 'cancun';

export type SandboxErrorCode = 'ANVIL_MISSING' | 'PORT_IN_USE' | 'ALREADY_RUNNING' | 'START_FAILED';

export class SandboxError extends AtivoFault {
  readonly family = 'sandbox';
  override readonly name = 'SandboxError';
  constructor(
    readonly code: SandboxErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface DevAccount {
  address: string;
  privateKey: string;
}

export interface SandboxRegistry {
  address: string;
  deployTxHash: string;
  deployBlock: number;
  /** sourceHash of the artifact it was deployed from. */
  sourceHash: string;
  accessTimeoutSeconds: number;
  /** True if this start deployed it. */
  deployedNow: boolean;
}

export interface StartAnvilOptions {
  dataDir: string;
  /** A specific port; fails with PORT_IN_USE if it is taken. Default: a free port. */
  port?: number;
  /** Deploy (or find) the registry. Default true. */
  deployRegistry?: boolean;
  /** For a newly deployed registry. Default 7 days. */
  accessTimeoutSeconds?: number;
  /** How often anvil writes its state besides on exit. Default 10 s. */
  stateIntervalSeconds?: number;
  /** Default 20 s. */
  readyTimeoutMs?: number;
  /** Path of the anvil executable; default: the @foundry-rs/anvil-<platform>-<arch> package's. */
  binaryPath?: string;
}

export interface AnvilSandbox {
  rpcUrl: string;
  chainId: number;
  port: number;
  pid: number;
  dataDir: string;
  stateFile: string;
  devAccounts: DevAccount[];
  /** Null when started with deployRegistry: false. */
  registry: SandboxRegistry | null;
  /** Things worth telling the user (state file moved aside, orphan stopped, ...). */
  notices: string[];
  /** A connection to the chain (closed by stop()). */
  conn: ChainConnection;
  /** A signer for dev account `index` (default 0). */
  devSigner(index?: number): Wallet;
  /** Sends `amountWei` from dev account 0 to `address`; resolves with the mined tx hash. */
  fundAccount(address: string, amountWei: bigint): Promise<string>;
  /** SIGTERM, then wait for anvil to write its state and exit. Idempotent. */
  stop(): Promise<void>;
  /** Resolves when anvil exits, for whatever reason. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** The last lines anvil wrote. */
  logTail(): Promise<string>;
}

interface Paths {
  dataDir: string;
  state: string;
  backup: string;
  config: string;
  log: string;
  pid: string;
  sandbox: string;
}

function pathsFor(dataDir: string): Paths {
  const state = join(dataDir, 'anvil-state.json');
  return {
    dataDir,
    state,
    backup: `${state}.bak`,
    config: join(dataDir, 'anvil-config.json'),
    log: join(dataDir, 'anvil.log'),
    pid: join(dataDir, 'anvil.pid'),
    sandbox: join(dataDir, 'sandbox.json'),
  };
}

// ------------------------------------------------------------------ the binary

const PLATFORMS: Record<string, string> = { linux: 'linux', darwin: 'darwin', win32: 'win32' };
const ARCHS: Record<string, string> = { x64: 'amd64', arm64: 'arm64' };

/** The anvil executable shipped in `@foundry-rs/anvil-<platform>-<arch>`. */
export function resolveAnvilBinary(platform: string = process.platform, arch: string = process.arch): string {
  const os = PLATFORMS[platform];
  const cpu = ARCHS[arch];
  const pkg = `@foundry-rs/anvil-${os ?? platform}-${cpu ?? arch}`;
  if (os === undefined || cpu === undefined) {
    throw new SandboxError('ANVIL_MISSING', `The sandbox chain (anvil) is not available for ${platform}/${arch}. Use a testnet network instead.`);
  }
  let dir: string;
  try {
    dir = dirname(createRequire(import.meta.url).resolve(`${pkg}/package.json`));
  } catch (e) {
    throw new SandboxError(
      'ANVIL_MISSING',
      `The sandbox chain needs the package ${pkg}, which is not installed. Reinstall Ativo with its optional dependencies.`,
      { cause: e },
    );
  }
  const bin = join(dir, 'bin', platform === 'win32' ? 'anvil.exe' : 'anvil');
  if (!existsSync(bin)) {
    throw new SandboxError('ANVIL_MISSING', `The package ${pkg} is installed but has no anvil executable at ${bin}. Reinstall it.`);
  }
  return bin;
}

// ------------------------------------------------------------------ ports

/** A port the OS says is free on 127.0.0.1 right now. */
export function findFreePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', rej);
    srv.listen(0, SANDBOX_HOST, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => {
        if (port > 0) res(port);
        else rej(new Error('Could not find a free port.'));
      });
    });
  });
}

/** Whether `port` can be bound on 127.0.0.1. */
export function isPortFree(port: number): Promise<boolean> {
  return new Promise((res) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', () => {
      res(false);
    });
    srv.listen({ port, host: SANDBOX_HOST, exclusive: true }, () => {
      srv.close(() => {
        res(true);
      });
    });
  });
}

const portInUse = (port: number) =>
  new SandboxError(
    'PORT_IN_USE',
    `Port ${port} on ${SANDBOX_HOST} is already in use by another program. Choose another port for the sandbox chain, or leave it unset and Ativo will pick a free one.`,
  );

// ------------------------------------------------------------------ processes

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));


async function commandLineOf(pid: number): Promise<string | undefined> {
  try {
    if (process.platform === 'linux') return (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0').join(' ');
    if (process.platform === 'darwin') return (await promisify(execFile)('ps', ['-o', 'command=', '-p', String(pid)])).stdout;
  } catch {
    return undefined;
  }
  return undefined;
}

async function waitForPidExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isProcessAlive(pid)) return true;
    await sleep(25);
  }
  return !isProcessAlive(pid);
}

interface PidFile {
  pid: number;
  parentPid: number;
  port: number;
  stateFile: string;
  startedAt: string;
}

async function readJson(path: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as unknown;
  } catch {
    return undefined;
  }
}

async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(value, null, 2)}\n`);
  await rename(tmp, path);
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * If anvil.pid names a live anvil on this data dir's state file whose parent is gone, stop it
 * (SIGTERM, so it writes its state). If its parent is alive, the sandbox is in use: refuse.
 */
async function reapOrphan(p: Paths, notices: string[]): Promise<void> {
  const info = await readJson(p.pid);
  if (!isObject(info) || typeof info.pid !== 'number' || typeof info.parentPid !== 'number') {
    await rm(p.pid, { force: true });
    return;
  }
  const pid = info.pid;
  const cmd = isProcessAlive(pid) ? await commandLineOf(pid) : undefined;
  if (cmd === undefined || !cmd.includes(p.state)) {
    await rm(p.pid, { force: true });
    return;
  }
  if (isProcessAlive(info.parentPid)) {
    const who = info.parentPid === process.pid ? 'this process (stop it first)' : `another Ativo process (pid ${info.parentPid}); close it first`;
    throw new SandboxError('ALREADY_RUNNING', `The sandbox chain in ${p.dataDir} is already running (pid ${pid}), started by ${who}.`);
  }
  process.kill(pid, 'SIGTERM');
  if (!(await waitForPidExit(pid, 15_000))) {
    process.kill(pid, 'SIGKILL');
    await waitForPidExit(pid, 5_000);
  }
  await rm(p.pid, { force: true });
  notices.push(`Stopped a sandbox chain (pid ${pid}) left running by an earlier session; its state was kept.`);
}

// ------------------------------------------------------------------ launching

type LaunchResult =
  | { ok: true; child: ChildProcess; exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }> }
  | { ok: false; reason: 'port-in-use' | 'bad-state' | 'failed'; detail: string };

async function tail(path: string, maxChars = 4000): Promise<string> {
  const text = await readFile(path, 'utf8').catch(() => '');
  return text.slice(-maxChars).trim();
}

async function launch(bin: string, port: number, p: Paths, o: Required<Pick<StartAnvilOptions, 'stateIntervalSeconds' | 'readyTimeoutMs'>>): Promise<LaunchResult> {
  // anvil writes --config-out only once it has bound its port: its appearance tells us this
  // process (not some other program that grabbed the port meanwhile) is the one listening.
  await rm(p.config, { force: true });
  const logFd = openSync(p.log, 'w');
  let child: ChildProcess;
  try {
    child = spawn(
      bin,
      [
        '--host', SANDBOX_HOST,
        '--port', String(port),
        '--chain-id', String(SANDBOX_CHAIN_ID),
        '--mnemonic', SANDBOX_MNEMONIC,
        '--accounts', '10',
        '--balance', '10000',
        '--hardfork', SANDBOX_HARDFORK,
        '--state', p.state,
        '--state-interval', String(o.stateIntervalSeconds),
        '--config-out', p.config,
        // Only Ativo's backend talks to the sandbox chain: no CORS headers for web pages.
        '--no-cors',
        '--quiet',
      ],
      // Output goes to a file, not a pipe: anvil must not depend on this process staying alive.
      { stdio: ['ignore', logFd, logFd], windowsHide: true },
    );
  } finally {
    closeSync(logFd);
  }
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) => {
    child.once('exit', (code, signal) => {
      res({ code, signal });
    });
  });
  let spawnError: Error | undefined;
  child.once('error', (e) => {
    spawnError = e;
  });

  const deadline = Date.now() + o.readyTimeoutMs;
  let configSeen = false;
  for (;;) {
    if (spawnError !== undefined) return { ok: false, reason: 'failed', detail: `cannot run ${bin}: ${spawnError.message}` };
    if (child.exitCode !== null || child.signalCode !== null) {
      const out = await tail(p.log);
      if (/address already in use|os error 98|os error 48|os error 10048|EADDRINUSE/i.test(out)) return { ok: false, reason: 'port-in-use', detail: out };
      if (/--state|load.?state|failed to parse json|state file/i.test(out)) return { ok: false, reason: 'bad-state', detail: out };
      return { ok: false, reason: 'failed', detail: out === '' ? `anvil exited with code ${child.exitCode ?? child.signalCode}` : out };
    }
    if (!configSeen) configSeen = existsSync(p.config);
    if (configSeen) {
      try {
        const id = await fetchChainId(`http://${SANDBOX_HOST}:${port}`, 1000);
        if (id === BigInt(SANDBOX_CHAIN_ID)) return { ok: true, child, exited };
      } catch {
        // not answering yet
      }
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      await exited;
      return { ok: false, reason: 'failed', detail: `anvil did not answer within ${o.readyTimeoutMs} ms.\n${await tail(p.log)}` };
    }
    await sleep(10);
  }
}

async function readDevAccounts(configPath: string): Promise<DevAccount[]> {
  // anvil may answer RPC a moment before it has finished writing this file (seen on a loaded
  // machine): give it a few seconds to appear whole.
  const deadline = Date.now() + 5_000;
  let cfg = await readJson(configPath);
  while ((!isObject(cfg) || !Array.isArray(cfg.available_accounts) || !Array.isArray(cfg.private_keys)) && Date.now() < deadline) {
    await sleep(25);
    cfg = await readJson(configPath);
  }
  if (!isObject(cfg) || !Array.isArray(cfg.available_accounts) || !Array.isArray(cfg.private_keys)) {
    throw new SandboxError('START_FAILED', `anvil wrote no account list to ${configPath}.`);
  }
  const keys = cfg.private_keys as unknown[];
  return (cfg.available_accounts as unknown[]).map((a, i) => {
    const k = keys[i];
    if (typeof a !== 'string' || typeof k !== 'string') throw new SandboxError('START_FAILED', `anvil's account list in ${configPath} is malformed.`);
    return { address: getAddress(a), privateKey: k };
  });
}

const stamp = () => new Date().toISOString().replace(/[:.]/g, '-');

// ------------------------------------------------------------------ the registry

interface RecordedRegistry {
  address: string;
  deployTxHash: string;
  deployBlock: number;
  sourceHash: string;
  accessTimeoutSeconds: number;
}

function recordedRegistry(sandboxJson: unknown): RecordedRegistry | undefined {
  if (!isObject(sandboxJson) || !isObject(sandboxJson.chain)) return undefined;
  const c = sandboxJson.chain;
  if (c.chainId !== SANDBOX_CHAIN_ID || !isObject(c.registry)) return undefined;
  const r = c.registry;
  if (typeof r.address !== 'string' || typeof r.deployTxHash !== 'string' || typeof r.deployBlock !== 'number') return undefined;
  return {
    address: r.address,
    deployTxHash: r.deployTxHash,
    deployBlock: r.deployBlock,
    sourceHash: typeof r.sourceHash === 'string' ? r.sourceHash : '',
    accessTimeoutSeconds: typeof r.accessTimeoutSeconds === 'number' ? r.accessTimeoutSeconds : DEFAULT_ACCESS_TIMEOUT_SECONDS,
  };
}

async function ensureRegistry(conn: ChainConnection, deployer: Wallet, p: Paths, accessTimeoutSeconds: number, notices: string[]): Promise<SandboxRegistry> {
  const json = await readJson(p.sandbox);
  const recorded = recordedRegistry(json);
  if (recorded !== undefined) {
    const code = await conn.provider.getCode(recorded.address);
    if (code !== '0x' && recorded.sourceHash === REGISTRY_SOURCE_HASH) return { ...recorded, deployedNow: false };
    // A registry from an older Ativo (another contract: e.g. requests without pinned terms)
    // cannot serve this one's calls: the sandbox gets the current contract. The old one stays on
    // the chain with its registrations; assets certified there are published again here.
    if (code !== '0x') {
      notices.push(`This version of Ativo uses a new registry contract: a new sandbox registry was deployed. Assets certified on the sandbox before are on the old one (${recorded.address}): publish them again to sell them.`);
    } else {
      notices.push(`The sandbox registry recorded at ${recorded.address} is not on the chain any more (the chain state was reset); a new one was deployed.`);
    }
  }
  const sent = await deployRegistry(conn, deployer, { accessTimeoutSeconds });
  const mined = await sent.wait({ timeoutMs: 30_000 });
  const registry: RecordedRegistry = {
    address: mined.result.address,
    deployTxHash: sent.hash,
    deployBlock: mined.receipt.blockNumber,
    sourceHash: REGISTRY_SOURCE_HASH,
    accessTimeoutSeconds,
  };
  const base = isObject(json) ? json : {};
  await writeJsonAtomic(p.sandbox, { ...base, chain: { chainId: SANDBOX_CHAIN_ID, registry } });
  return { ...registry, deployedNow: true };
}

// ------------------------------------------------------------------ start

/** Starts (or resumes) the sandbox chain in `dataDir`. */
export async function startAnvil(opts: StartAnvilOptions): Promise<AnvilSandbox> {
  const dataDir = resolve(opts.dataDir);
  await mkdir(dataDir, { recursive: true });
  const p = pathsFor(dataDir);
  const bin = opts.binaryPath ?? resolveAnvilBinary();
  const notices: string[] = [];
  const launchOpts = { stateIntervalSeconds: opts.stateIntervalSeconds ?? 10, readyTimeoutMs: opts.readyTimeoutMs ?? 20_000 };

  await reapOrphan(p, notices);

  if (opts.port !== undefined) {
    if (!Number.isInteger(opts.port) || opts.port < 1 || opts.port > 65535) {
      throw new SandboxError('START_FAILED', `The sandbox chain's port must be a whole number from 1 to 65535, not ${opts.port}.`);
    }
    if (!(await isPortFree(opts.port))) throw portInUse(opts.port);
  }

  let launched: Extract<LaunchResult, { ok: true }> | undefined;
  let port = 0;
  let restoredBackup = false;
  let lastDetail = '';
  for (let attempt = 0; attempt < 6 && launched === undefined; attempt++) {
    port = opts.port ?? (await findFreePort());
    const hadState = existsSync(p.state);
    const r = await launch(bin, port, p, launchOpts);
    if (r.ok) {
      launched = r;
      // This file just loaded fine: keep it as the fallback for a later corrupt one.
      if (hadState) await copyFile(p.state, p.backup).catch(() => undefined);
      break;
    }
    lastDetail = r.detail;
    if (r.reason === 'port-in-use') {
      if (opts.port !== undefined) throw portInUse(opts.port);
      continue; // someone took the free port between our check and anvil's bind: pick another
    }
    if (r.reason === 'bad-state' && existsSync(p.state)) {
      const aside = `${p.state}.corrupt-${stamp()}-${attempt}`;
      await rename(p.state, aside);
      if (!restoredBackup && existsSync(p.backup)) {
        restoredBackup = true;
        await copyFile(p.backup, p.state);
        notices.push(`The sandbox chain's state file could not be loaded and was moved to ${aside}; the last good state (${p.backup}) was restored.`);
      } else {
        notices.push(`The sandbox chain's state file could not be loaded and was moved to ${aside}; the sandbox chain starts fresh (earlier sandbox registrations and balances are not on it).`);
      }
      continue;
    }
    break;
  }
  if (launched === undefined) {
    throw new SandboxError('START_FAILED', `The sandbox chain (anvil) did not start: ${lastDetail || 'unknown error'} (log: ${p.log})`);
  }

  const { child, exited } = launched;
  const pid = child.pid ?? 0;
  const rpcUrl = `http://${SANDBOX_HOST}:${port}`;

  // If this process exits without stop(), ask anvil to save its state and exit too.
  const onParentExit = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  };
  process.on('exit', onParentExit);

  let stopping: Promise<void> | undefined;
  let conn: ChainConnection | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      process.removeListener('exit', onParentExit);
      conn?.close();
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        // A cleared timer, not a bare sleep: a pending 15 s timer would keep the process alive after stop().
        let timer: NodeJS.Timeout | undefined;
        const done = await Promise.race([
          exited.then(() => true),
          new Promise<boolean>((r) => {
            timer = setTimeout(() => {
              r(false);
            }, 15_000);
          }),
        ]);
        clearTimeout(timer);
        if (!done) {
          child.kill('SIGKILL');
          await exited;
        }
      }
      const info = await readJson(p.pid);
      if (isObject(info) && info.pid === pid) await rm(p.pid, { force: true });
    })();
    return stopping;
  };

  try {
    const pidFile: PidFile = { pid, parentPid: process.pid, port, stateFile: p.state, startedAt: new Date().toISOString() };
    await writeJsonAtomic(p.pid, pidFile);
    const devAccounts = await readDevAccounts(p.config);
    await rm(p.config, { force: true });
    conn = await connectChain(rpcUrl, { expectedChainId: SANDBOX_CHAIN_ID, timeoutMs: 10_000 });
    const c = conn;
    const devSigner = (index = 0): Wallet => {
      const acct = devAccounts[index];
      if (acct === undefined) throw new RangeError(`There are ${devAccounts.length} dev accounts; ${index} is out of range.`);
      return new Wallet(acct.privateKey, c.provider);
    };
    const registry = opts.deployRegistry === false ? null : await ensureRegistry(c, devSigner(0), p, opts.accessTimeoutSeconds ?? DEFAULT_ACCESS_TIMEOUT_SECONDS, notices);

    return {
      rpcUrl,
      chainId: SANDBOX_CHAIN_ID,
      port,
      pid,
      dataDir,
      stateFile: p.state,
      devAccounts,
      registry,
      notices,
      conn: c,
      devSigner,
      fundAccount: async (address, amountWei) => {
        const sent = await sendEther(c, devSigner(0), address, amountWei);
        await sent.wait({ timeoutMs: 30_000 });
        return sent.hash;
      },
      stop,
      exited,
      logTail: () => tail(p.log),
    };
  } catch (e) {
    await stop();
    throw e;
  }
}

// ------------------------------------------------------------------ sharing

export interface AttachedSandbox {
  rpcUrl: string;
  chainId: number;
  pid: number;
  /** The Ativo process that started (owns) this anvil: when it exits, the anvil stops with it. */
  ownerPid: number;
  registryAddress: string | null;
  conn: ChainConnection;
  /** Closes our connection only: the anvil belongs to the process that started it. */
  close(): void;
}

/**
 * Connects to the sandbox chain another Ativo process (the desktop app, `ativo serve`) is
 * running on this data dir, so the CLI and the app share one chain instead of fighting over
 * its state file. Resolves undefined when no live sandbox is running there.
 */
export async function attachAnvil(dataDirIn: string): Promise<AttachedSandbox | undefined> {
  const p = pathsFor(resolve(dataDirIn));
  const info = await readJson(p.pid);
  if (!isObject(info) || typeof info.pid !== 'number' || typeof info.port !== 'number' || !isProcessAlive(info.pid)) return undefined;
  // An anvil whose owner died (killed outright) is an orphan, not a running sandbox: the next
  // startAnvil reaps it (cleanly) and starts the whole sandbox again, storage node included.
  if (typeof info.parentPid !== 'number' || !isProcessAlive(info.parentPid)) return undefined;
  const cmd = await commandLineOf(info.pid);
  if (cmd === undefined || !cmd.includes(p.state)) return undefined;
  const rpcUrl = `http://${SANDBOX_HOST}:${info.port}`;
  const conn = await connectChain(rpcUrl, { expectedChainId: SANDBOX_CHAIN_ID, timeoutMs: 10_000 });
  const registryAddress = recordedRegistry(await readJson(p.sandbox))?.address ?? null;
  return { rpcUrl, chainId: SANDBOX_CHAIN_ID, pid: info.pid, ownerPid: info.parentPid, registryAddress, conn, close: () => { conn.close(); } };
}
