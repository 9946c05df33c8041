/**
 * With no keychain reachable, every vault operation fails with the clear, typed
 * KEYCHAIN_UNAVAILABLE error, nothing is written in plaintext anywhere, and nothing
 * falls back to the kernel keyring. These tests need no keychain themselves (they make
 * sure there is none), so they run everywhere.
 */
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Wallet } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChildReport } from './no-keychain.child';
import { SKIP_KEYCHAIN_TESTS, announceSkip, findTraces, secretNeedles, tracesInText, uniquePrefix } from './test-support';

announceSkip('no-keychain.test.ts');

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '..', '..');
const childScript = join(here, 'no-keychain.child.ts');

interface Sandbox {
  root: string;
  env: Record<string, string>;
  dirs: string[];
}

/** A throwaway HOME / XDG dirs / TMPDIR / app data dir for the child, so any write lands where we look. */
async function sandbox(): Promise<Sandbox> {
  const root = await mkdtemp(join(tmpdir(), 'ativo-nokeychain-'));
  const d = (name: string): string => join(root, name);
  const names = ['home', 'data', 'config', 'cache', 'runtime', 'tmp', 'app-data'];
  for (const n of names) await mkdir(d(n), { recursive: true, mode: 0o700 });
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: d('home'),
    XDG_DATA_HOME: d('data'),
    XDG_CONFIG_HOME: d('config'),
    XDG_CACHE_HOME: d('cache'),
    XDG_RUNTIME_DIR: d('runtime'),
    TMPDIR: d('tmp'),
    ATIVO_DATA_DIR: d('app-data'),
    // A bus address that points at nothing.
    DBUS_SESSION_BUS_ADDRESS: `unix:path=${join(root, 'no-such-bus-socket')}`,
  };
  return { root, env, dirs: names.map(d) };
}

interface ChildRun {
  report: ChildReport;
  stdout: string;
  stderr: string;
}

function runChild(command: string, args: string[], env: Record<string, string>, stdin: string): Promise<ChildRun> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { cwd: repoRoot, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) {
        reject(new Error(`child exited with ${String(code)}: ${stderr.slice(0, 2000)}`));
        return;
      }
      try {
        resolvePromise({ report: JSON.parse(stdout) as ChildReport, stdout, stderr });
      } catch (e) {
        reject(e instanceof Error ? e : new Error(String(e)));
      }
    });
    child.stdin.end(stdin);
  });
}

const nodeArgs = ['--import', 'tsx', childScript];

interface Secrets {
  privateKey: string;
  mnemonic: string;
  identity: string;
}

/** Fresh random secrets per run, passed on stdin: they exist nowhere else (not even in source). */
function secrets(): Secrets {
  const w = Wallet.createRandom();
  const identity = `AGE-SECRET-KEY-1${randomBytes(24).toString('hex').toUpperCase()}`;
  return { privateKey: Wallet.createRandom().privateKey, mnemonic: w.mnemonic!.phrase, identity };
}

async function expectNoTraces(run: ChildRun, box: Sandbox, s: Secrets): Promise<void> {
  const needles = [...secretNeedles(s.privateKey, s.mnemonic), { name: 'asset identity', bytes: Buffer.from(s.identity) }];
  expect(tracesInText(run.stdout + run.stderr, needles)).toEqual([]);
  for (const r of run.report.results) expect(tracesInText(r.message ?? '', needles)).toEqual([]);
  expect(await findTraces(box.dirs, needles)).toEqual([]);
}

/** Nothing fell back to the kernel keyring (where Linux has /proc/keys to look at). */
function expectPinned(report: ChildReport): void {
  if (process.platform === 'linux') expect(report.procKeysReadable).toBe(true);
  expect(report.vaultKeysInKernel).toBe(0);
}

describe('no keychain reachable', () => {
  const boxes: Sandbox[] = [];
  afterAll(async () => {
    for (const b of boxes) await rm(b.root, { recursive: true, force: true });
  });

  it('no session bus: every operation fails with KEYCHAIN_UNAVAILABLE, nothing lands anywhere', async () => {
    const box = await sandbox();
    boxes.push(box);
    const s = secrets();
    const prefix = uniquePrefix('nobus');
    const run = await runChild(process.execPath, nodeArgs, box.env, JSON.stringify({ prefix, ...s }));

    expect(run.report.results.map((r) => r.op)).toEqual([
      'check',
      'importPrivateKey',
      'importMnemonic',
      'create',
      'list',
      'has',
      'exportKeystore',
      'putAssetIdentity',
      'getAssetIdentity',
    ]);
    for (const r of run.report.results) {
      expect(r, r.op).toMatchObject({ ok: false, name: 'KeychainUnavailableError', code: 'KEYCHAIN_UNAVAILABLE', reason: 'no-session-bus' });
      expect(r.message).toMatch(/No D-Bus session bus is reachable/);
      expect(r.message).toMatch(/gnome-keyring/);
      expect(r.message).toMatch(/never stores keys in plaintext/);
    }
    await expectNoTraces(run, box, s);
    expectPinned(run.report);
  });

  describe.skipIf(SKIP_KEYCHAIN_TESTS)('session bus without a Secret Service', () => {
    let haveDbus = false;
    beforeAll(async () => {
      haveDbus = await promisify(execFile)('dbus-run-session', ['--version']).then(
        () => true,
        () => false,
      );
    });

    it('fails with the "No Secret Service on the session bus" advice', async () => {
      if (!haveDbus) {
        throw new Error('dbus-run-session is missing: apt-get install -y gnome-keyring dbus libsecret-tools (or set ATIVO_SKIP_KEYCHAIN_TESTS=1 to skip).');
      }
      const box = await sandbox();
      boxes.push(box);
      // A private bus with no activatable services at all (so no gnome-keyring either).
      const conf = join(box.root, 'bus.conf');
      await writeFile(
        conf,
        `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN" "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig><type>session</type><listen>unix:tmpdir=${box.root}</listen><auth>EXTERNAL</auth>
<policy context="default"><allow send_destination="*" eavesdrop="true"/><allow eavesdrop="true"/><allow own="*"/></policy></busconfig>
`,
      );
      const env = { ...box.env };
      delete env.DBUS_SESSION_BUS_ADDRESS;
      const s = secrets();
      const prefix = uniquePrefix('noss');
      const run = await runChild('dbus-run-session', ['--config-file', conf, '--', process.execPath, ...nodeArgs], env, JSON.stringify({ prefix, ...s }));

      for (const r of run.report.results) {
        expect(r, r.op).toMatchObject({ ok: false, code: 'KEYCHAIN_UNAVAILABLE', reason: 'no-secret-service' });
        expect(r.message).toMatch(/^No Secret Service on the session bus: install and unlock gnome-keyring \(apt-get install gnome-keyring\), or run Ativo inside a desktop session\./);
      }
      await expectNoTraces(run, box, s);
      expectPinned(run.report);
    });
  });
});
