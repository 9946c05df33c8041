import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getAddress, hexlify, randomBytes } from 'ethers';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { RegistryClient, balanceOf } from '../chain/client';
import { AGE_RECIPIENT, hex32 } from '../chain/test-utils';
import { SANDBOX_CHAIN_ID, SandboxError, attachAnvil, resolveAnvilBinary, startAnvil, type AnvilSandbox } from './anvil';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '../..');

const dirs: string[] = [];
const running: AnvilSandbox[] = [];
async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'ativo-sandbox-test-'));
  dirs.push(d);
  return d;
}
async function start(dataDir: string, port?: number): Promise<AnvilSandbox> {
  const sb = await startAnvil({ dataDir, ...(port !== undefined ? { port } : {}) });
  running.push(sb);
  return sb;
}
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
const randomAddress = () => getAddress(hexlify(randomBytes(20)));

afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.stop()));
});
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

describe('startAnvil', () => {
  it('starts from nothing: chain 31337 on 127.0.0.1, dev accounts, the registry deployed and recorded', async () => {
    const dir = await tempDir();
    const sb = await start(dir);
    expect(sb.chainId).toBe(SANDBOX_CHAIN_ID);
    expect(sb.rpcUrl).toBe(`http://127.0.0.1:${sb.port}`);
    expect(sb.conn.chainId).toBe(31337n);
    expect(sb.devAccounts).toHaveLength(10);
    expect(sb.devAccounts[0]!.address).toBe('0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266');
    expect(sb.notices).toEqual([]);
    expect(sb.registry).toMatchObject({ deployedNow: true, accessTimeoutSeconds: 7 * 24 * 3600 });
    const registry = await RegistryClient.open(sb.conn, sb.registry!.address);
    expect(await registry.accessTimeout()).toBe(7 * 24 * 3600);

    const recorded = JSON.parse(await readFile(join(dir, 'sandbox.json'), 'utf8')) as { chain: { chainId: number; registry: { address: string } } };
    expect(recorded.chain.chainId).toBe(31337);
    expect(recorded.chain.registry.address).toBe(sb.registry!.address);
    const pidFile = JSON.parse(await readFile(join(dir, 'anvil.pid'), 'utf8')) as { pid: number; parentPid: number };
    expect(pidFile).toMatchObject({ pid: sb.pid, parentPid: process.pid });
    expect(existsSync(join(dir, 'anvil-config.json'))).toBe(false);

    const someone = randomAddress();
    const hash = await sb.fundAccount(someone, 123_456n);
    expect(hash).toMatch(/^0x[0-9a-f]{64}$/);
    expect(await balanceOf(sb.conn, someone)).toBe(123_456n);
  });

  it('restarts with the persisted state: same registry, assets, balances and past events', async () => {
    const dir = await tempDir();
    const first = await start(dir);
    const registry = await RegistryClient.open(first.conn, first.registry!.address);
    const owner = first.devSigner(1);
    const buyer = first.devSigner(2);
    const tokenId = (await (await registry.register(owner, { contentRoot: hex32('persist'), manifestId: 'm', termsHash: hex32('t'), price: 1000n, split: [{ payee: owner.address, bps: 10_000 }] })).wait()).result.tokenId;
    const requestId = (await (await registry.requestAccess(buyer, tokenId, AGE_RECIPIENT, { termsHash: hex32('t'), price: 1000n })).wait()).result.requestId;
    await (await registry.approve(owner, requestId, 'grant')).wait();
    const someone = randomAddress();
    await first.fundAccount(someone, 10n ** 18n);
    const head = await first.conn.provider.getBlockNumber();
    await first.stop();

    const second = await start(dir);
    expect(second.notices).toEqual([]);
    expect(second.registry).toMatchObject({ address: first.registry!.address, deployedNow: false });
    const again = await RegistryClient.open(second.conn, second.registry!.address);
    expect((await again.asset(tokenId))?.owner).toBe(owner.address);
    expect((await again.request(requestId))?.status).toBe('approved');
    expect(await again.withdrawable(owner.address)).toBe(1000n);
    expect(await balanceOf(second.conn, someone)).toBe(10n ** 18n);
    expect(await second.conn.provider.getBlockNumber()).toBe(head);
    const names = (await again.events(0)).map((e) => e.name);
    expect(names).toEqual(['Transfer', 'Registered', 'AccessRequested', 'AccessGranted', 'Decided', 'Credited']); // Decided: who approved (issue 17)
    // The state that loaded fine is kept as the fallback.
    expect(existsSync(join(dir, 'anvil-state.json.bak'))).toBe(true);
  });

  it('a registry deployed by an older Ativo (other contract sources) is replaced by the current one, saying so', async () => {
    const dir = await tempDir();
    const first = await start(dir);
    const oldRegistry = first.registry!.address;
    await first.stop();
    const recorded = JSON.parse(await readFile(join(dir, 'sandbox.json'), 'utf8')) as { chain: { registry: { sourceHash: string } } };
    recorded.chain.registry.sourceHash = 'an-older-contract';
    await writeFile(join(dir, 'sandbox.json'), JSON.stringify(recorded));

    const sb = await start(dir);
    expect(sb.registry?.address).not.toBe(oldRegistry);
    expect(sb.registry).toMatchObject({ deployedNow: true });
    expect(sb.notices.join(' ')).toMatch(/new registry contract.*publish them again/);
    await sb.stop();
    const third = await start(dir);
    expect(third.registry).toMatchObject({ address: sb.registry?.address, deployedNow: false });
    expect(third.notices).toEqual([]);
    await third.stop();
  });

  it('a corrupt state file is moved aside and the chain starts fresh, saying so', async () => {
    const dir = await tempDir();
    const first = await start(dir);
    const oldRegistry = first.registry!.address;
    await first.stop();
    await writeFile(join(dir, 'anvil-state.json'), '{"block": {"number": "0x1"'); // truncated mid-write

    const sb = await start(dir);
    const aside = (await readdir(dir)).filter((f) => f.startsWith('anvil-state.json.corrupt-'));
    expect(aside).toHaveLength(1);
    expect(await readFile(join(dir, aside[0]!), 'utf8')).toBe('{"block": {"number": "0x1"');
    expect(sb.notices[0]).toMatch(/state file could not be loaded and was moved to .*anvil-state\.json\.corrupt-.*starts fresh/);
    // The registry is redeployed (at the same address: same deployer, same nonce on a fresh chain).
    expect(sb.notices[1]).toMatch(/not on the chain any more/);
    expect(sb.registry).toMatchObject({ address: oldRegistry, deployedNow: true });
    expect(await sb.conn.provider.getCode(oldRegistry)).not.toBe('0x');
  });

  it('a corrupt state file falls back to the last state that loaded', async () => {
    const dir = await tempDir();
    const first = await start(dir);
    const registry = await RegistryClient.open(first.conn, first.registry!.address);
    const owner = first.devSigner(1);
    await (await registry.register(owner, { contentRoot: hex32('kept'), manifestId: 'm', termsHash: hex32('t'), price: 1n, split: [{ payee: owner.address, bps: 10_000 }] })).wait();
    await first.stop();
    await (await start(dir)).stop(); // this start loads the state and keeps it as anvil-state.json.bak
    await writeFile(join(dir, 'anvil-state.json'), 'garbage');

    const sb = await start(dir);
    expect(sb.notices[0]).toMatch(/could not be loaded .* the last good state .* was restored/);
    expect(sb.registry).toMatchObject({ deployedNow: false });
    const again = await RegistryClient.open(sb.conn, sb.registry!.address);
    expect(await again.tokenOfContentRoot(hex32('kept'))).toBe(1n);
  });

  it('a port that is already taken: a clear error when it was asked for, another port otherwise', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as { port: number }).port;
    try {
      const dir = await tempDir();
      const err = await startAnvil({ dataDir: dir, port }).then(
        (sb) => {
          running.push(sb);
          return undefined;
        },
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(SandboxError);
      expect((err as SandboxError).code).toBe('PORT_IN_USE');
      expect((err as SandboxError).message).toBe(
        `Port ${port} on 127.0.0.1 is already in use by another program. Choose another port for the sandbox chain, or leave it unset and Ativo will pick a free one.`,
      );
      expect(existsSync(join(dir, 'anvil.pid'))).toBe(false);
      const sb = await start(dir);
      expect(sb.port).not.toBe(port);
    } finally {
      await new Promise((r) => blocker.close(r));
    }
  });

  it('a specific free port is used as given', async () => {
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as { port: number }).port;
    await new Promise((r) => probe.close(r));
    const sb = await start(await tempDir(), port);
    expect(sb.port).toBe(port);
    expect(sb.rpcUrl).toBe(`http://127.0.0.1:${port}`);
  });

  it('stop is clean and idempotent: anvil exits, writes its state, frees its port, leaves no pid file', async () => {
    const dir = await tempDir();
    const sb = await start(dir);
    await sb.fundAccount(randomAddress(), 1n);
    const { pid, port } = sb;
    expect(alive(pid)).toBe(true);
    await Promise.all([sb.stop(), sb.stop()]);
    await sb.stop();
    expect(await sb.exited).toEqual({ code: 0, signal: null });
    expect(alive(pid)).toBe(false);
    expect(existsSync(join(dir, 'anvil.pid'))).toBe(false);
    const state = JSON.parse(await readFile(join(dir, 'anvil-state.json'), 'utf8')) as { best_block_number: number };
    expect(state.best_block_number).toBe(2); // deploy + funding
    const free = createServer();
    await new Promise<void>((r, j) => {
      free.once('error', j);
      free.listen(port, '127.0.0.1', r);
    });
    await new Promise((r) => free.close(r));
  });

  it('refuses a second start on a data dir whose chain is running', async () => {
    const dir = await tempDir();
    const sb = await start(dir);
    const err = await startAnvil({ dataDir: dir }).then(
      (s) => {
        running.push(s);
        return undefined;
      },
      (e: unknown) => e,
    );
    expect((err as SandboxError).code).toBe('ALREADY_RUNNING');
    expect((err as SandboxError).message).toContain(`already running (pid ${sb.pid})`);
    expect(alive(sb.pid)).toBe(true);
  });

  it('another process attaches to a running sandbox instead of starting a second one', async () => {
    const dir = await tempDir();
    expect(await attachAnvil(dir)).toBeUndefined();
    const sb = await start(dir);
    const shared = await attachAnvil(dir);
    expect(shared).toMatchObject({ rpcUrl: sb.rpcUrl, chainId: SANDBOX_CHAIN_ID, pid: sb.pid, registryAddress: sb.registry?.address });
    expect(await shared?.conn.provider.getBlockNumber()).toBeGreaterThan(0);
    shared?.close();
    await sb.stop();
    expect(await attachAnvil(dir)).toBeUndefined();
  });

  it('does not attach to an anvil whose owner was killed (an orphan is restarted instead)', async () => {
    const dir = await tempDir();
    const script = `
      import { startAnvil } from ${JSON.stringify(join(here, 'anvil.ts'))};
      const sb = await startAnvil({ dataDir: process.argv[1] });
      console.log(sb.pid);
      setInterval(() => {}, 1000);`;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, dir], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] });
    const anvilPid = Number(await new Promise<string>((ok) => child.stdout.once('data', (b: Buffer) => { ok(b.toString().trim()); })));
    expect(alive(anvilPid)).toBe(true);
    const exited = new Promise((ok) => child.once('exit', ok));
    child.kill('SIGKILL');
    await exited;
    expect(alive(anvilPid)).toBe(true); // the orphan outlives its owner…
    expect(await attachAnvil(dir)).toBeUndefined(); // …but is not a sandbox to share
    const sb = await start(dir); // and the next start reaps it
    expect(sb.pid).not.toBe(anvilPid);
    expect(sb.notices.join(' ')).toMatch(/left running by an earlier session/);
  });

  it('after stop() nothing keeps the process alive (no pending timer, no child pipe)', () => {
    const script = `
      import { startAnvil } from ${JSON.stringify(join(here, 'anvil.ts'))};
      const before = process.getActiveResourcesInfo().filter((r) => r !== 'Immediate');
      const sb = await startAnvil({ dataDir: process.argv[1] });
      await sb.stop();
      setImmediate(() => console.log(JSON.stringify({ before, after: process.getActiveResourcesInfo().filter((r) => r !== 'Immediate') })));`;
    return tempDir().then(async (dir) => {
      const out = await new Promise<string>((ok, fail) => {
        const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, dir], { cwd: repoRoot });
        let text = '';
        child.stdout.on('data', (b: Buffer) => (text += b.toString()));
        child.on('error', fail);
        child.on('exit', () => {
          ok(text);
        });
      });
      const { before, after } = JSON.parse(out.trim()) as { before: string[]; after: string[] };
      expect(after).toEqual(before); // only the process's own stdio remains
    });
  });

  it('an anvil left behind by a killed parent is stopped, keeping its state, on the next start', async () => {
    const dir = await tempDir();
    const script = join(dir, 'parent.mts');
    await writeFile(
      script,
      [
        `import { startAnvil } from ${JSON.stringify(join(here, 'anvil.ts'))};`,
        `const sb = await startAnvil({ dataDir: process.argv[2] });`,
        `process.stdout.write(JSON.stringify({ pid: sb.pid, registry: sb.registry.address }) + '\\n');`,
        `setInterval(() => {}, 1000);`,
      ].join('\n'),
    );
    const parent = spawn(process.execPath, ['--import', 'tsx', script, dir], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] });
    const line = await new Promise<string>((res, rej) => {
      let buf = '';
      parent.stdout.on('data', (d: Buffer) => {
        buf += d.toString();
        if (buf.includes('\n')) res(buf.split('\n')[0]!);
      });
      parent.once('exit', (code) => {
        rej(new Error(`parent exited early (${code})`));
      });
    });
    const { pid, registry } = JSON.parse(line) as { pid: number; registry: string };
    parent.kill('SIGKILL');
    await new Promise((r) => parent.once('exit', r));
    expect(alive(pid)).toBe(true); // orphaned

    const sb = await start(dir);
    expect(alive(pid)).toBe(false);
    expect(sb.notices.some((n) => n.includes(`Stopped a sandbox chain (pid ${pid}) left running by an earlier session`))).toBe(true);
    expect(sb.registry).toMatchObject({ address: registry, deployedNow: false });
  });

  it('explains a missing or broken anvil binary', async () => {
    expect(() => resolveAnvilBinary('aix', 'ppc64')).toThrow(/not available for aix\/ppc64/);
    expect(resolveAnvilBinary()).toMatch(/@foundry-rs\/anvil-[a-z0-9]+-[a-z0-9]+\/bin\/anvil(\.exe)?$/);
    const err = await startAnvil({ dataDir: await tempDir(), binaryPath: '/nonexistent/anvil' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((err as SandboxError).code).toBe('START_FAILED');
    expect((err as SandboxError).message).toMatch(/did not start: cannot run \/nonexistent\/anvil: .*ENOENT/);
  });
});
