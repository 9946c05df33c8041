/**
 * The anvil process of the sandbox chain (see anvil.ts): its files in the data dir, the binary,
 * free ports, the pid file, an orphan left by a killed parent, and launching it until it answers.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { fetchChainId } from '../chain/client';
import { writeFileAtomic } from '../util/atomic-write';
import { isProcessAlive } from '../util/process';
import { SandboxError } from './errors';
import type { StartAnvilOptions } from './anvil';

export const SANDBOX_CHAIN_ID = 31337;
/** anvil's well-known test mnemonic: the dev accounts are public, never use them elsewhere. */
export const SANDBOX_MNEMONIC = 'test test test test test test test test test test test junk';
export const SANDBOX_HOST = '127.0.0.1';
/** The EVM version the registry is compiled for. */
export const SANDBOX_HARDFORK = 'cancun';

export interface Paths {
  dataDir: string;
  state: string;
  backup: string;
  config: string;
  log: string;
  pid: string;
  sandbox: string;
}

export function pathsFor(dataDir: string): Paths {
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

export const PLATFORMS: Record<string, string> = { linux: 'linux', darwin: 'darwin', win32: 'win32' };
export const ARCHS: Record<string, string> = { x64: 'amd64', arm64: 'arm64' };

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

export const portInUse = (port: number) =>
  new SandboxError(
    'PORT_IN_USE',
    `Port ${port} on ${SANDBOX_HOST} is already in use by another program. Choose another port for the sandbox chain, or leave it unset and Ativo will pick a free one.`,
  );

// ------------------------------------------------------------------ processes

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));


export async function commandLineOf(pid: number): Promise<string | undefined> {
  try {
    if (process.platform === 'linux') return (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0').join(' ');
    if (process.platform === 'darwin') return (await promisify(execFile)('ps', ['-o', 'command=', '-p', String(pid)])).stdout;
  } catch {
    return undefined;
  }
  return undefined;
}

export async function waitForPidExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isProcessAlive(pid)) return true;
    await sleep(25);
  }
  return !isProcessAlive(pid);
}

export interface PidFile {
  pid: number;
  parentPid: number;
  port: number;
  stateFile: string;
  startedAt: string;
}

export async function readJson(path: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as unknown;
  } catch {
    return undefined;
  }
}

export const writeJsonAtomic = (path: string, value: unknown): Promise<void> => writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`);

export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * If anvil.pid names a live anvil on this data dir's state file whose parent is gone, stop it
 * (SIGTERM, so it writes its state). If its parent is alive, the sandbox is in use: refuse.
 */
export async function reapOrphan(p: Paths, notices: string[]): Promise<void> {
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

export type LaunchResult =
  | { ok: true; child: ChildProcess; exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }> }
  | { ok: false; reason: 'port-in-use' | 'bad-state' | 'failed'; detail: string };

export async function tail(path: string, maxChars = 4000): Promise<string> {
  const text = await readFile(path, 'utf8').catch(() => '');
  return text.slice(-maxChars).trim();
}

export async function launch(bin: string, port: number, p: Paths, o: Required<Pick<StartAnvilOptions, 'stateIntervalSeconds' | 'readyTimeoutMs'>>): Promise<LaunchResult> {
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

