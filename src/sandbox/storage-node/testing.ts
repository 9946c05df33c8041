/**
 * Test helpers (imported by *.test.ts and benches only): a throwaway anvil spawned straight from
 * the @foundry-rs/anvil binary, with anvil's public dev accounts.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { HDNodeWallet, JsonRpcProvider, Mnemonic, Wallet } from 'ethers';
import { fetchChainId } from '../../chain/provider';

/** anvil's default chain id. */
export const ANVIL_CHAIN_ID = 31337;
/** anvil's well-known test mnemonic: its accounts are public, never use them elsewhere. */
export const DEV_MNEMONIC = 'test test test test test test test test test test test junk';

export function anvilBinary(): string {
  const os = ({ linux: 'linux', darwin: 'darwin', win32: 'win32' } as Record<string, string | undefined>)[process.platform];
  const cpu = ({ x64: 'amd64', arm64: 'arm64' } as Record<string, string | undefined>)[process.arch];
  if (os === undefined || cpu === undefined) throw new Error(`anvil is not available for ${process.platform}/${process.arch}`);
  const dir = dirname(createRequire(import.meta.url).resolve(`@foundry-rs/anvil-${os}-${cpu}/package.json`));
  const bin = join(dir, 'bin', process.platform === 'win32' ? 'anvil.exe' : 'anvil');
  if (!existsSync(bin)) throw new Error(`no anvil executable at ${bin}`);
  return bin;
}

export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.once('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const a = srv.address();
      const port = typeof a === 'object' && a !== null ? a.port : 0;
      srv.close(() => {
        res(port);
      });
    });
  });
}

export interface TestAnvil {
  rpcUrl: string;
  provider: JsonRpcProvider;
  /** Dev account i as a signer connected to the provider. */
  wallet(i: number): Wallet;
  privateKey(i: number): string;
  /** Mines `n` blocks. */
  mine(n?: number): Promise<void>;
  stop(): Promise<void>;
}

export function devPrivateKey(i: number): string {
  return HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(DEV_MNEMONIC), `m/44'/60'/0'/0/${i}`).privateKey;
}

/** Spawns `anvil --port <free> --quiet` (automine) and waits until it answers. */
export async function startTestAnvil(extraArgs: string[] = []): Promise<TestAnvil> {
  const port = await freePort();
  const child = spawn(anvilBinary(), ['--host', '127.0.0.1', '--port', String(port), '--quiet', '--mnemonic', DEV_MNEMONIC, ...extraArgs], { stdio: 'ignore' });
  const exited = new Promise<void>((res) => child.once('exit', () => { res(); }));
  // never leave it running if this process ends without stop()
  const onExit = () => {
    if (child.exitCode === null) child.kill('SIGKILL');
  };
  process.once('exit', onExit);
  const rpcUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      await fetchChainId(rpcUrl, 1000);
      break;
    } catch {
      // not up yet
    }
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error('anvil did not start');
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  const provider = new JsonRpcProvider(rpcUrl, ANVIL_CHAIN_ID, { staticNetwork: true, batchMaxCount: 1, pollingInterval: 50 });
  return {
    rpcUrl,
    provider,
    privateKey: devPrivateKey,
    wallet: (i) => new Wallet(devPrivateKey(i), provider),
    mine: async (n = 1) => {
      await provider.send('anvil_mine', [`0x${n.toString(16)}`]);
    },
    stop: async () => {
      process.removeListener('exit', onExit);
      provider.destroy();
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}
