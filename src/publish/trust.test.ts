/**
 * Issue 12 "Trust": the attacks, performed against the real sandbox (anvil, the local storage
 * node over HTTP, the OS keychain) and the real `ativo` CLI.
 *
 *   A. a forged certificate: an attacker's own registry on the same chain, the victim's content
 *      root registered there (or under the attacker's token on the known registry), receipts
 *      signed by any RSA key, malformed certificates;
 *   B. a hostile storage node: a 1.5 GB manifest, a file far larger than its size. Memory stays
 *      flat, the command fails with a sentence, nothing oversized is left on disk.
 *
 * The victim publishes once (through the backend, which runs the sandbox in this process); the
 * CLI runs asynchronously (the storage node lives in this process, a synchronous spawn would
 * block it). Attack B runs as another person: a data dir whose network profile points at the
 * sandbox chain and registry but at a hostile storage node.
 */
import { spawn } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { HDNodeWallet, Wallet, getAddress, keccak256, parseEther, toUtf8Bytes, verifyTypedData, type TypedDataField } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend, type Backend } from '../api/backend';
import { signCertificate, type Certificate, type CertificateBody } from '../chain/certificate';
import { RegistryClient, connectChain, deployRegistry, type ChainConnection } from '../chain/client';
import { buildManifest, contentRoot } from '../ingest/manifest';
import { SANDBOX_MNEMONIC } from '../sandbox/anvil';
import { signReceipt, type RsaJwk } from '../sandbox/storage-node/receipts';
import { StorageClient } from '../storage/client';
import { verifyReceipt } from '../storage/receipts';
import { coreutilsRoot, tempDir, writeTree } from '../test-support/fs';
import { ATIVO_BIN } from '../test-support/run-cli';
import { Keychain } from '../vault/keychain';
import { purge, requireKeychain, uniquePrefix } from '../vault/test-support';
import { Vault } from '../vault/vault';

const SLOW = 240_000;
const GB15 = 1.5 * 1024 ** 3;
/** The limit the brief sets for a process streaming a hostile 1.5 GB answer. */
const MAX_RSS_BYTES = 300 * 1024 * 1024;

const devWallet = (i: number): Wallet => new Wallet(HDNodeWallet.fromPhrase(SANDBOX_MNEMONIC, undefined, `m/44'/60'/0'/0/${i}`).privateKey);

async function until<T>(what: string, probe: () => Promise<T | undefined>, deadlineMs = 180_000): Promise<T> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

interface CliRun {
  status: number | null;
  stdout: string;
  /** stderr without the memory report line. */
  stderr: string;
  /** Peak resident memory of the CLI process (bytes). */
  maxRss: number;
}

/**
 * A storage node that lies: it forwards everything to the real node, except the items named in
 * `huge`, for which it streams 1.5 GB generated on the fly (never written anywhere), counting
 * what it managed to send before the client hung up.
 */
class HostileNode {
  readonly huge = new Set<string>();
  served = 0;
  private server: Server | undefined;
  url = '';
  constructor(private readonly upstream: string) {}

  async start(): Promise<void> {
    const up = new URL(this.upstream);
    this.server = createServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      const id = decodeURIComponent(path.slice(1));
      if ((req.method === 'GET' || req.method === 'HEAD') && this.huge.has(id)) {
        res.writeHead(200, { 'content-type': 'application/octet-stream' }); // no length: chunked, endless-looking
        const chunk = Buffer.alloc(1024 * 1024, 0x61);
        let left = GB15;
        res.on('close', () => {
          left = 0;
        });
        const pump = (): void => {
          while (left > 0) {
            const n = Math.min(chunk.length, left);
            left -= n;
            this.served += n;
            if (!res.write(n === chunk.length ? chunk : chunk.subarray(0, n))) {
              res.once('drain', pump);
              return;
            }
          }
          res.end();
        };
        pump();
        return;
      }
      const fwd = httpRequest({ host: up.hostname, port: up.port, method: req.method, path: req.url, headers: { ...req.headers, host: up.host } }, (ur) => {
        res.writeHead(ur.statusCode ?? 502, ur.headers);
        ur.pipe(res);
      });
      fwd.on('error', () => res.destroy());
      req.pipe(fwd);
    });
    await new Promise<void>((ok) => this.server?.listen(0, '127.0.0.1', ok));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    const server = this.server;
    if (server) {
      await new Promise<void>((ok) => {
        server.close(() => {
          ok();
        });
      });
    }
  }
}

/** RFC 8785 canonical JSON, written here from the RFC so the independent check uses no Ativo code. */
function jcs(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(jcs).join(',')}]`;
  const o = v as Record<string, unknown>;
  return `{${Object.keys(o)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${jcs(o[k])}`)
    .join(',')}}`;
}

describe('trust: forged certificates and hostile storage (issue 12, real sandbox)', () => {
  let dir: { path: string; cleanup: () => void };
  const prefix = uniquePrefix('trust');
  const otherPrefix = uniquePrefix('trust-other');
  let backend: Backend;
  let victimEnv: NodeJS.ProcessEnv;
  let otherEnv: NodeJS.ProcessEnv;
  let conn: ChainConnection;
  let registry: RegistryClient;
  let rpcUrl: string;
  let storageUrl: string;
  let victim: string;
  let victimSigner: Wallet;
  let cert: Certificate;
  let certFile: string;
  let folder: string;
  let rssHook: string;
  let assetId: number;

  /** The real `ativo` CLI, asynchronously, reporting its peak memory. */
  const cli = (args: string[], env: NodeJS.ProcessEnv): Promise<CliRun> =>
    new Promise((ok, fail) => {
      const child = spawn(process.execPath, ['--import', pathToFileURL(rssHook).href, ATIVO_BIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
      child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      child.on('error', fail);
      child.on('close', (status) => {
        const m = /maxrss-kb=(\d+)\n?/.exec(stderr);
        ok({ status, stdout, stderr: stderr.replace(/maxrss-kb=\d+\n?/, ''), maxRss: m ? Number(m[1]) * 1024 : Number.NaN });
      });
    });
  const write = (name: string, doc: unknown): string => {
    const f = join(dir.path, name);
    writeFileSync(f, typeof doc === 'string' ? doc : JSON.stringify(doc, null, 2));
    return f;
  };
  const line = (out: string, check: string): string => out.split('\n').find((l) => new RegExp(`^(PASS|FAIL|SKIP) {2}${check}\\b`).test(l)) ?? '';
  const bodyOf = (c: Certificate): CertificateBody => {
    const { signature: _s, eip712: _e, ...body } = c;
    return body;
  };

  beforeAll(async () => {
    await requireKeychain(new Keychain({ prefix: 'ativo-probe' }));
    dir = tempDir();
    rssHook = join(dir.path, 'rss-hook.mjs');
    writeFileSync(rssHook, "process.on('exit', () => { process.stderr.write(`maxrss-kb=${process.resourceUsage().maxRSS}\\n`); });\n");
    const dataDir = join(dir.path, 'victim');
    victimEnv = { ATIVO_DATA_DIR: dataDir, ATIVO_KEYCHAIN_PREFIX: prefix };
    otherEnv = { ATIVO_DATA_DIR: join(dir.path, 'other'), ATIVO_KEYCHAIN_PREFIX: otherPrefix };
    backend = await createBackend({ dataDir, keychainPrefix: prefix, keystoreScryptN: 1024 });

    // The victim publishes a public asset priced 0.01 ETH on the sandbox.
    victim = (await backend.call('wallet.create', { label: 'victim' })).address;
    folder = join(dir.path, 'Wildflowers');
    mkdirSync(folder);
    writeTree(folder, { 'labels.csv': 'file,label\n0001.png,poppy\n', 'images/0001.png': randomBytes(200_000), 'README.md': '# Wildflowers\n' });
    const asset = await backend.call('assets.add', { path: folder, kind: 'dataset' });
    assetId = asset.id;
    await backend.call('storage.fund', { ether: '0.01' });
    const { jobId } = await backend.call('assets.publish', { id: asset.id, visibility: 'public', priceEth: '0.01' });
    await until('the publication', async () => {
      const j = (await backend.call('jobs.list', { limit: 1000 })).items.find((x) => x.id === jobId);
      if (j?.state === 'failed' || j?.state === 'cancelled') throw new Error(`publish failed: ${j.error ?? ''}`);
      return j?.state === 'done' ? true : undefined;
    });
    cert = (await backend.call('assets.certificate', { id: asset.id })).certificate as unknown as Certificate;
    expect(cert.asset.contentRoot).toBe(coreutilsRoot(folder));
    certFile = write('ativo-certificate.json', cert);

    const st = await backend.call('chain.status', {});
    rpcUrl = st.rpcUrl;
    storageUrl = st.storageUrl ?? '';
    conn = await connectChain(rpcUrl);
    registry = await RegistryClient.open(conn, st.registry ?? '');
    victimSigner = await new Vault({ servicePrefix: prefix }).signer(victim, conn.provider);
  }, 300_000);

  afterAll(async () => {
    const made = { backend: backend as Backend | undefined, conn: conn as ChainConnection | undefined, dir: dir as typeof dir | undefined };
    if (made.backend) {
      for (const w of (await made.backend.call('wallet.list', {})).wallets) await made.backend.call('wallet.remove', { address: w.address });
      await made.backend.close();
    }
    made.conn?.close();
    await purge(new Keychain({ prefix }), ['wallet', 'asset-identity', 'requester-identity']).catch(() => undefined);
    await purge(new Keychain({ prefix: otherPrefix }), ['wallet', 'requester-identity']).catch(() => undefined);
    made.dir?.cleanup();
  }, SLOW);

  describe('A. certificates are anchored', () => {
    it('the genuine certificate holds, from the folder and from storage, and names the registry it trusts', async () => {
      const ok = await cli(['verify', certFile, '--folder', folder], victimEnv);
      expect(ok.status, ok.stdout + ok.stderr).toBe(0);
      expect(line(ok.stdout, 'registration')).toMatch(new RegExp(`^PASS .*${cert.chain.registry}.*the sandbox network's registry`));
      expect(line(ok.stdout, 'receipts')).toMatch(/^PASS .*4 receipt\(s\) signed by the sandbox storage node's key/);
      expect(ok.stdout).toMatch(/The certificate holds\./);
      const stored = await cli(['verify', certFile, '--from-storage'], victimEnv);
      expect(stored.status, stored.stdout + stored.stderr).toBe(0);
      expect(line(stored.stdout, 'files')).toMatch(/^PASS .*3 file\(s\)/);
    }, SLOW);

    it('a certificate naming an attacker\'s own registry on the same chain fails, and the known registry names the real owner', async () => {
      // The attacker deploys its own AtivoRegistry and registers the victim's content root there.
      const attacker = devWallet(6).connect(conn.provider);
      const deployed = await (await deployRegistry(conn, attacker)).wait();
      const own = await RegistryClient.open(conn, deployed.result.address);
      const reg = await (
        await own.register(attacker, { contentRoot: `0x${cert.asset.contentRoot}`, manifestId: cert.storage.manifestId, termsHash: cert.license.termsHash, price: 0n, split: [{ payee: attacker.address, bps: 10_000 }] })
      ).wait();
      const forged = await signCertificate(
        {
          ...bodyOf(cert),
          license: { ...cert.license, price: '0' },
          split: [{ address: attacker.address, bps: 10_000 }],
          chain: { chainId: cert.chain.chainId, registry: own.address, tokenId: reg.result.tokenId.toString(), txHash: reg.receipt.hash, blockNumber: reg.receipt.blockNumber },
          owner: attacker.address,
        },
        attacker,
      );
      const forgedFile = write('forged.json', forged);

      for (const how of [['--folder', folder], ['--from-storage']]) {
        const r = await cli(['verify', forgedFile, ...how], victimEnv);
        expect(r.status, r.stdout + r.stderr).toBe(1);
        expect(line(r.stdout, 'signature')).toMatch(/^PASS/); // the attacker did sign it
        const registration = line(r.stdout, 'registration');
        expect(registration).toMatch(new RegExp(`^FAIL .*names the registry ${own.address} on chain 31337, which is not the registry of any network Ativo knows`));
        expect(registration).toMatch(new RegExp(`verify again with --registry ${own.address}`));
        expect(registration).toMatch(new RegExp(`holds this content root as token #${cert.chain.tokenId}, owned by ${victim}, not by the certificate's owner ${attacker.address}`));
        expect(r.stdout).toMatch(/The certificate does NOT hold\./);
        expect(r.stdout).not.toMatch(/The certificate holds/);
      }

      // Trusting that registry explicitly is said so, and the known registry still names the real owner.
      const given = await cli(['verify', forgedFile, '--folder', folder, '--registry', own.address], victimEnv);
      expect(given.status).toBe(1);
      expect(line(given.stdout, 'registration')).toMatch(/^FAIL .*registry given on the command line, not a known network's/);
      expect(line(given.stdout, 'registration')).toMatch(new RegExp(`owned by ${victim}`));

      // Content of its own, on a registry given explicitly: it holds, and says how it was trusted.
      const ownFolder = join(dir.path, 'attacker-data');
      mkdirSync(ownFolder);
      writeTree(ownFolder, { 'a.txt': `own ${randomBytes(8).toString('hex')}\n` });
      const ownRoot = coreutilsRoot(ownFolder);
      const reg2 = await (
        await own.register(attacker, { contentRoot: `0x${ownRoot}`, manifestId: cert.storage.manifestId, termsHash: cert.license.termsHash, price: 0n, split: [{ payee: attacker.address, bps: 10_000 }] })
      ).wait();
      const honest = await signCertificate(
        {
          ...bodyOf(forged),
          asset: { ...forged.asset, name: 'Own', files: 1, bytes: 21, contentRoot: ownRoot },
          chain: { ...forged.chain, tokenId: reg2.result.tokenId.toString(), txHash: reg2.receipt.hash, blockNumber: reg2.receipt.blockNumber },
        },
        attacker,
      );
      const honestFile = write('own-registry.json', honest);
      const trusted = await cli(['verify', honestFile, '--folder', ownFolder, '--registry', own.address], victimEnv);
      expect(line(trusted.stdout, 'registration'), trusted.stdout + trusted.stderr).toMatch(/^PASS .*registry given on the command line, not a known network's/);
      expect(trusted.status, trusted.stdout + trusted.stderr).toBe(0);
      const untrusted = await cli(['verify', honestFile, '--folder', ownFolder], victimEnv);
      expect(untrusted.status).toBe(1);
      expect(line(untrusted.stdout, 'registration')).toMatch(/^FAIL .*not the registry of any network Ativo knows/);
    }, SLOW);

    it('a certificate on the known registry claiming a content root the registry holds under another owner is flagged', async () => {
      // The attacker registers something of its own on the KNOWN registry, then certifies the
      // victim's content under that token.
      const attacker = devWallet(8).connect(conn.provider);
      const decoy = await (
        await registry.register(attacker, { contentRoot: `0x${randomBytes(32).toString('hex')}`, manifestId: cert.storage.manifestId, termsHash: cert.license.termsHash, price: 0n, split: [{ payee: attacker.address, bps: 10_000 }] })
      ).wait();
      const forged = await signCertificate(
        {
          ...bodyOf(cert),
          split: [{ address: attacker.address, bps: 10_000 }],
          chain: { ...cert.chain, tokenId: decoy.result.tokenId.toString(), txHash: decoy.receipt.hash, blockNumber: decoy.receipt.blockNumber },
          owner: attacker.address,
        },
        attacker,
      );
      const r = await cli(['verify', write('forged-known.json', forged), '--folder', folder, '--json'], victimEnv);
      expect(r.status).toBe(1);
      const checks = (JSON.parse(r.stdout) as { ok: boolean; checks: { name: string; ok: boolean; detail: string }[] }).checks;
      const registration = checks.find((c) => c.name === 'registration');
      expect(registration?.ok).toBe(false);
      expect(registration?.detail).toMatch(
        new RegExp(`the sandbox network's registry \\(${cert.chain.registry}\\) holds this content root as token #${cert.chain.tokenId}, owned by ${victim}, not by the certificate's owner ${attacker.address}`),
      );
      expect(checks.find((c) => c.name === 'files')?.ok).toBe(true); // the bytes are the victim's: only the anchoring catches it
    }, SLOW);

    it('a receipt re-signed by another RSA key fails, though the Irys client\'s own check accepts it', async () => {
      const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, publicExponent: 0x10001 });
      const jwk = privateKey.export({ format: 'jwk' }) as RsaJwk;
      const original = cert.storage.receipts[0] as { id: string; timestamp: number; deadlineHeight: number };
      const resigned = await signReceipt({ jwk, publicKey: jwk.n }, { id: original.id, timestamp: original.timestamp, deadlineHeight: original.deadlineHeight });
      expect(await verifyReceipt(resigned)).toBe(true); // what the receipts check used to accept
      // The owner signs the certificate with it (a storage node's key is not the owner's to pick).
      const doctored = await signCertificate({ ...bodyOf(cert), storage: { ...cert.storage, receipts: [resigned, ...cert.storage.receipts.slice(1)] } }, victimSigner);
      const r = await cli(['verify', write('resigned.json', doctored), '--folder', folder], victimEnv);
      expect(r.status).toBe(1);
      expect(line(r.stdout, 'signature')).toMatch(/^PASS/);
      expect(line(r.stdout, 'registration')).toMatch(/^PASS/);
      expect(line(r.stdout, 'receipts')).toMatch(new RegExp(`^FAIL .*1 of 4 receipt\\(s\\) were not signed by the sandbox storage node \\(the receipt for ${original.id}: it is signed by another key than the storage node’s\\)`));
      // Claiming the node's key with another key's signature fails too.
      const claimed = await signCertificate({ ...bodyOf(cert), storage: { ...cert.storage, receipts: [{ ...resigned, public: (cert.storage.receipts[1] as { public: string }).public }, ...cert.storage.receipts.slice(1)] } }, victimSigner);
      const r2 = await cli(['verify', write('claimed.json', claimed), '--folder', folder], victimEnv);
      expect(line(r2.stdout, 'receipts')).toMatch(/^FAIL .*its signature does not verify with the storage node’s key/);
    }, SLOW);

    it('malformed certificates are refused with a sentence saying what is wrong, never INTERNAL or a stack', async () => {
      const cases: [string, unknown, RegExp][] = [
        ['receipts-not-a-list', { ...cert, storage: { ...cert.storage, receipts: 'all good' } }, /the storage receipts \(storage\.receipts\) must be a list, not text/],
        ['no-chain', { ...cert, chain: undefined }, /the chain section \(chain\) is missing/],
        ['huge-name', { ...cert, asset: { ...cert.asset, name: 'x'.repeat(5_000_000) } }, /the asset's name \(asset\.name\) is longer than 1,000 characters/],
        ['bad-root', { ...cert, asset: { ...cert.asset, contentRoot: 'not a root' } }, /the content root \(asset\.contentRoot\) must be 64 hexadecimal digits/],
        ['a-list', [cert], /is not an Ativo certificate/],
        ['not-json', '{"version": 1, "asset": ', /is not JSON/],
      ];
      for (const [name, doc, expected] of cases) {
        const r = await cli(['verify', write(`${name}.json`, doc), '--folder', folder], victimEnv);
        expect(r.status, name).not.toBe(0);
        expect(r.stderr, name).toMatch(expected);
        expect(r.stderr, name).toMatch(/^ativo: /);
        expect(r.stderr, name).not.toMatch(/INTERNAL|Unexpected error|\n\s+at |`/);
        expect(r.stdout, name).not.toMatch(/PASS|The certificate holds/);
      }
    }, SLOW);

    it('the exported certificate states its EIP-712 domain and types: ethers alone verifies it from the file', async () => {
      const file = write('exported.json', (await cli(['certificate', String(assetId)], victimEnv)).stdout);
      const doc = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown> & {
        eip712: { primaryType: string; domain: Record<string, unknown>; types: Record<string, TypedDataField[]> };
        asset: Record<string, unknown> & { contentRoot: string };
        license: Record<string, unknown> & { termsHash: string };
        split: { address: string; bps: number }[];
        storage: unknown;
        chain: Record<string, unknown> & { txHash: string };
        owner: string;
        version: number;
        signature: string;
      };
      expect(doc.eip712.primaryType).toBe('Certificate');
      // The message, built from the file by its eip712.message rules; no Ativo code.
      const hex = (h: string): string => (h.startsWith('0x') ? h : `0x${h}`);
      const message = {
        version: doc.version,
        asset: { ...doc.asset, contentRoot: hex(doc.asset.contentRoot) },
        license: { ...doc.license, termsHash: hex(doc.license.termsHash) },
        split: doc.split.map((s) => ({ account: s.address, bps: s.bps })),
        storageDigest: keccak256(toUtf8Bytes(jcs(doc.storage))),
        chain: { ...doc.chain, txHash: hex(doc.chain.txHash) },
        owner: doc.owner,
      };
      expect(getAddress(verifyTypedData(doc.eip712.domain, doc.eip712.types, message, doc.signature))).toBe(victim);
      expect(doc.eip712.domain).toMatchObject({ chainId: 31337, verifyingContract: cert.chain.registry });
      // …and a changed field no longer recovers the owner.
      expect(getAddress(verifyTypedData(doc.eip712.domain, doc.eip712.types, { ...message, license: { ...message.license, price: '1' } }, doc.signature))).not.toBe(victim);
    }, SLOW);
  });

  describe('B. a hostile storage node cannot exhaust memory or disk', () => {
    let hostile: HostileNode;
    let other: string;
    const leftovers = (parent: string): string[] => readdirSync(parent).filter((n) => n.includes('.ativo-fetch-'));

    beforeAll(async () => {
      hostile = new HostileNode(storageUrl);
      await hostile.start();
      // Another person: the sandbox's chain and registry, but a storage node that lies.
      const set = await cli(['network', 'set', 'testnet', '--rpc', rpcUrl, '--chain-id', '31337', '--registry', cert.chain.registry, '--storage', hostile.url], otherEnv);
      expect(set.status, set.stderr).toBe(0);
      expect((await cli(['network', 'use', 'testnet'], otherEnv)).status).toBe(0);
      other = (JSON.parse((await cli(['wallet', 'create', '--json'], otherEnv)).stdout) as { address: string }).address;
      await (await devWallet(9).connect(conn.provider).sendTransaction({ to: other, value: parseEther('1') })).wait();
    }, SLOW);

    afterAll(async () => {
      await hostile.stop();
    });

    it('verify --from-storage stops a 1.5 GB manifest at its cap: a sentence, and memory stays flat', async () => {
      hostile.huge.clear();
      hostile.huge.add(cert.storage.manifestId);
      hostile.served = 0;
      const r = await cli(['verify', certFile, '--from-storage'], otherEnv);
      expect(r.status, r.stdout + r.stderr).toBe(1);
      expect(line(r.stdout, 'registration')).toMatch(/^PASS .*the testnet network's registry/);
      expect(line(r.stdout, 'stored')).toMatch(new RegExp(`^FAIL .*the stored file list ${cert.storage.manifestId} is larger than the [0-9.]+ KB \\([0-9,]+ bytes\\) it can be: the storage node is not serving what was published, so the download was stopped there`));
      expect(r.stdout).toMatch(/The certificate does NOT hold\./);
      expect(r.maxRss, 'peak memory of the ativo process').toBeLessThan(MAX_RSS_BYTES);
      expect(hostile.served, 'bytes the hostile node got to send').toBeLessThan(64 * 1024 * 1024); // the download was cut off, not read to its end
    }, SLOW);

    it('verify --from-storage stops a file at its size from the manifest', async () => {
      const manifest = (await (await fetch(`${storageUrl}/${cert.storage.manifestId}`)).json()) as { paths: Record<string, { id: string; size: number }> };
      const png = manifest.paths['images/0001.png'];
      expect(png?.size).toBe(200_000); // path manifests state each file's size
      hostile.huge.clear();
      hostile.huge.add(png?.id ?? '');
      hostile.served = 0;
      const r = await cli(['verify', certFile, '--from-storage'], otherEnv);
      expect(r.status, r.stdout + r.stderr).toBe(1);
      expect(line(r.stdout, 'stored')).toMatch(/^FAIL .*images\/0001\.png: images\/0001\.png is larger than the 200 KB \(200,000 bytes\) it was published with: the storage node sent more, so the download was stopped there/);
      expect(r.maxRss, 'peak memory of the ativo process').toBeLessThan(MAX_RSS_BYTES);
      expect(hostile.served, 'bytes the hostile node got to send').toBeLessThan(64 * 1024 * 1024);
    }, SLOW);

    it('access fetch stops an oversized file, deletes what it wrote and says so', async () => {
      const req = await cli(['access', 'request', cert.chain.tokenId, '--terms-hash', cert.license.termsHash, '--json'], otherEnv);
      expect(req.status, req.stderr).toBe(0);
      const { requestId } = JSON.parse(req.stdout) as { requestId: string };
      await (await registry.approve(victimSigner, BigInt(requestId), '')).wait();
      const manifest = (await (await fetch(`${storageUrl}/${cert.storage.manifestId}`)).json()) as { paths: Record<string, { id: string }> };
      hostile.huge.clear();
      hostile.huge.add(manifest.paths['images/0001.png']?.id ?? '');
      hostile.served = 0;
      const parent = join(dir.path, 'downloads');
      mkdirSync(parent);
      const out = join(parent, 'Wildflowers');
      const r = await cli(['access', 'fetch', requestId, '--out', out], otherEnv);
      expect(r.status, r.stdout + r.stderr).toBe(1);
      expect(r.stderr).toMatch(/^ativo: images\/0001\.png is larger than the 200 KB \(200,000 bytes\) it was published with: the storage node sent more, so the download was stopped there\. Nothing was kept\.\n$/);
      expect(existsSync(out)).toBe(false);
      expect(leftovers(parent)).toEqual([]);
      expect(readdirSync(parent)).toEqual([]);
      expect(r.maxRss, 'peak memory of the ativo process').toBeLessThan(MAX_RSS_BYTES);
      expect(hostile.served, 'bytes the hostile node got to send').toBeLessThan(64 * 1024 * 1024);

      // The same request fetches when the node serves what was published.
      hostile.huge.clear();
      const good = await cli(['access', 'fetch', requestId, '--out', out, '--json'], otherEnv);
      expect(good.status, good.stderr).toBe(0);
      expect(JSON.parse(good.stdout)).toMatchObject({ files: 3, verified: true });
    }, SLOW);

    it('access fetch of an asset whose manifest predates sizes caps each file at the size the node gives for it', async () => {
      // Published the old way: a path manifest of ids only.
      const storage = await StorageClient.create({ network: 'sandbox', nodeUrl: storageUrl, rpcUrl, privateKey: victimSigner.privateKey });
      const content = `old ${randomBytes(16).toString('hex')}\n`;
      const file = write('old.txt', content);
      const up = await storage.uploadFile(file);
      const manifest = await storage.uploadFile(write('old-manifest.json', { manifest: 'arweave/paths', version: '0.2.0', paths: { 'old.txt': { id: up.id } } }), {
        contentType: 'application/x.irys-manifest+json',
        tags: [{ name: 'Type', value: 'manifest' }],
      });
      const reg = await (
        await registry.register(victimSigner, { contentRoot: `0x${contentRoot(buildManifest([{ relPath: 'old.txt', sha256: up.sha256 }]))}`, manifestId: manifest.id, termsHash: cert.license.termsHash, price: 0n, split: [{ payee: victim, bps: 10_000 }] })
      ).wait();
      const req = await cli(['access', 'request', reg.result.tokenId.toString(), '--terms-hash', cert.license.termsHash, '--json'], otherEnv);
      expect(req.status, req.stderr).toBe(0);
      const { requestId } = JSON.parse(req.stdout) as { requestId: string };
      await (await registry.approve(victimSigner, BigInt(requestId), '')).wait();

      hostile.huge.clear();
      hostile.huge.add(up.id);
      hostile.served = 0;
      const parent = join(dir.path, 'downloads-old');
      mkdirSync(parent);
      const r = await cli(['access', 'fetch', requestId, '--out', join(parent, 'old')], otherEnv);
      expect(r.status, r.stdout + r.stderr).toBe(1);
      expect(r.stderr).toBe(`ativo: old.txt is larger than the ${Buffer.byteLength(content)} bytes it was published with: the storage node sent more, so the download was stopped there. Nothing was kept.\n`);
      expect(readdirSync(parent)).toEqual([]);
      expect(hostile.served, 'bytes the hostile node got to send').toBeLessThan(64 * 1024 * 1024);
      hostile.huge.clear();
      const good = await cli(['access', 'fetch', requestId, '--out', join(parent, 'old'), '--json'], otherEnv);
      expect(good.status, good.stderr).toBe(0);
      expect(readFileSync(join(parent, 'old', 'old.txt'), 'utf8')).toBe(content);
    }, SLOW);
  });
});
