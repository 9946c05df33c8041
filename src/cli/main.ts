import { spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createBackend, toResultError, type Backend } from '../api/backend';
import type { AssetDetail, AssetKind, AssetSummary, EventPayload, NetworkName, NetworkState, WalletState } from '../api/contract';
import { readNewPassword, readSecret } from './secrets';
import { describeMissing } from '../api/networks';
import { VERSION } from '../api/version';
import { AtivoError, errnoCode } from '../util/errors';
import { cliMessage, fromResult } from './errors';
import { formatBytes, table } from './format';
import { cell, describeLife } from './lifecycle';
import { ethText, priceText } from '../publish/lifecycle';
import { followJobElsewhere } from './follow';
import { startShellServer } from './server';
import { UsageError } from './usage';
import { ACCESS_HELP, accessCommand } from './access';
import { AUDIT_HELP, auditCommand } from './audit';
import { CATALOG_HELP, catalogCommand } from './catalog';
import { EARNINGS_HELP, earningsCommand } from './earnings';
import { DISCOVER_HELP, discoverCommand } from './discover';
import { TERMS_HELP, saleCommand, termsCommand } from './terms';

const HELP = `ativo ${VERSION}: datasets and models as certified, licensed assets

Usage: ativo <command> [options]

Commands:
  add <folder> [--kind dataset|model] [--name N]   catalog a folder (re-adding rescans it)
  list [--query Q] [--kind K]                      list the catalog
  show <id>                                        an asset's details
  manifest <id>                                    the manifest text (sha256sum format)
  rescan <id>                                      rescan an asset's folder
  remove <id>                                      remove from the catalog (files untouched)
  network show                                     network profiles and the current one
  network use <sandbox|testnet|mainnet>            switch networks
  network set <name> [--rpc URL] [--chain-id N] [--registry 0x…] [--storage URL]
  wallet list                                      wallets in the OS keychain (* = the one in use)
  wallet create [--label L]                        a new wallet
  wallet import [--mnemonic] [--path P] [--label L]  import a private key (or a recovery phrase)
                                                   read from stdin or a hidden prompt, never argv
  wallet export <address> [--out FILE]             write an encrypted JSON keystore to a new file
                                                   (default: the data dir's exports folder; password
                                                   from ATIVO_WALLET_PASSWORD, stdin or a prompt)
  wallet use <address> | wallet remove <address>
  wallet balance [address]                         balance on the current network
  network status                                   the chain in use (starts the sandbox if needed)
  sandbox fund [address] [--ether N]               test ETH from the sandbox's dev account
  upload <id> [--wait]                             upload an asset's files to the network's storage
                                                   (--wait: run the uploads here and wait for them)
  uploads <id>                                     what is stored for an asset
  storage status | quote <bytes> | fund --ether N  storage balance, price, funding
  publish <id|folder> [--private | --public] [--license L | --terms TEXT] [--price ETH] [--split 0xA:60,0xB:40]
          [--access-days N] [--description TEXT] [--wait]
                                                   rescan, upload, register on chain, certify (durable
                                                   job); a changed folder becomes the next version
                                                   (only changed files are uploaded), with the terms
                                                   of the version before unless an option changes
                                                   them (--public: make a private asset public;
                                                   --access-days N: each approval lasts N days, 0 =
                                                   perpetual; files already downloaded stay;
                                                   --description: the public description, else
                                                   the README's first paragraph)
${TERMS_HELP}
  certificate <id>                                 the signed ativo-certificate.json (latest version)
  verify <ativo-certificate.json|id> [--folder F | --from-storage] [--registry 0x…]
                                                   check signature, registration, receipts, files:
                                                   against F, else the local asset's folder, else
                                                   (or with --from-storage) the files downloaded
                                                   from storage (decrypted when the key is here).
                                                   Only a known network's registry is trusted, or
                                                   the one given with --registry
${ACCESS_HELP}
${AUDIT_HELP}
${CATALOG_HELP}
${EARNINGS_HELP}
${DISCOVER_HELP}
  serve [--port P]                                 the browser shell on 127.0.0.1
  start                                            the desktop app (or the browser shell)

Options:
  --data-dir DIR   where the catalog lives (env ATIVO_DATA_DIR; default: the OS app-data dir)
  --json           machine-readable output
  -h, --help       this help
  -v, --version    the version`;


const OPTIONS = {
  'data-dir': { type: 'string' },
  json: { type: 'boolean', default: false },
  kind: { type: 'string' },
  name: { type: 'string' },
  query: { type: 'string' },
  port: { type: 'string' },
  rpc: { type: 'string' },
  'chain-id': { type: 'string' },
  registry: { type: 'string' },
  storage: { type: 'string' },
  label: { type: 'string' },
  mnemonic: { type: 'boolean', default: false },
  path: { type: 'string' },
  out: { type: 'string' },
  ether: { type: 'string' },
  wait: { type: 'boolean', default: false },
  private: { type: 'boolean', default: false },
  public: { type: 'boolean', default: false },
  license: { type: 'string' },
  terms: { type: 'string' },
  'terms-hash': { type: 'string' },
  price: { type: 'string' },
  split: { type: 'string' },
  'access-days': { type: 'string' },
  free: { type: 'boolean', default: false },
  'max-price': { type: 'string' },
  sort: { type: 'string' },
  citation: { type: 'string' },
  description: { type: 'string' },
  folder: { type: 'string', multiple: true },
  'from-storage': { type: 'boolean', default: false },
  message: { type: 'string' },
  reason: { type: 'string' },
  csv: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
  version: { type: 'boolean', short: 'v', default: false },
} as const;

/** The largest certificate file `verify` reads (one for ~150,000 files, with their receipts). */
const MAX_CERTIFICATE_BYTES = 256 * 1024 * 1024;

/** Reads a certificate file: a JSON object, not larger than a certificate can be. */
function readCertificateFile(path: string): Record<string, unknown> {
  let size: number;
  try {
    size = statSync(path).size;
  } catch (e) {
    throw new UsageError(`cannot read the certificate ${path}: ${errnoCode(e) === 'ENOENT' ? 'there is no such file' : e instanceof Error ? e.message : String(e)}`);
  }
  if (size > MAX_CERTIFICATE_BYTES) throw new UsageError(`${path} is ${formatBytes(size)}, larger than a certificate can be (at most ${formatBytes(MAX_CERTIFICATE_BYTES)}): it is not an ativo-certificate.json`);
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new UsageError(`cannot read the certificate ${path}: ${e instanceof SyntaxError ? 'it is not JSON' : e instanceof Error ? e.message : String(e)}`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new UsageError(`${path} is not an Ativo certificate (ativo-certificate.json): it must hold a JSON object`);
  return doc as Record<string, unknown>;
}

function parseId(raw: string | undefined): number {
  if (raw === undefined) throw new UsageError('give the asset id (see `ativo list`)');
  const id = Number(raw);
  if (!Number.isSafeInteger(id) || id <= 0) throw new UsageError(`"${raw}" is not an asset id (ids are positive whole numbers)`);
  return id;
}

function parseKind(raw: string | undefined): AssetKind | undefined {
  if (raw === undefined) return undefined;
  if (raw !== 'dataset' && raw !== 'model') throw new UsageError(`--kind must be dataset or model (got "${raw}")`);
  return raw;
}

const out = (s: string): void => {
  process.stdout.write(s.endsWith('\n') ? s : `${s}\n`);
};

function describeAsset(a: AssetDetail): string {
  const lines = [
    `${a.name}  (#${a.id}, ${a.kind})`,
    `  folder        ${a.rootPath}`,
    `  state         ${a.state}${a.error !== null ? `: ${a.error}` : ''}`,
    `  files         ${a.fileCount.toLocaleString('en-US')} (${formatBytes(a.totalBytes)})`,
    `  content root  ${a.contentRoot ?? '(not computed yet)'}`,
    `  scanned       ${a.scannedAt ?? 'never'}`,
    ...describeLife(a),
  ];
  if (a.versions.length) {
    lines.push(`  versions      ${a.versions.length}`);
    for (const v of a.versions) {
      const token = v.tokenId !== null ? `token #${v.tokenId}` : 'not registered';
      lines.push(`    v${v.number}  ${v.contentRoot.slice(0, 16)}…  ${token}${v.network !== null ? ` on ${v.network}` : ''}  certified ${v.certifiedAt ?? '-'}${v.previous !== null ? `  (after v${v.previous})` : ''}`);
      if (v.terms !== null) lines.push(`          ${priceText(v.terms.priceWei)}, ${v.terms.license}, split ${v.terms.split.map((p) => `${p.address} ${p.bps / 100}%`).join(', ')}`);
    }
  }
  if (a.skipped.length) {
    lines.push(`  skipped       ${a.skipped.length}`);
    for (const s of a.skipped.slice(0, 20)) lines.push(`    ${JSON.stringify(s.relPath)}: ${s.reason}`);
    if (a.skipped.length > 20) lines.push(`    … and ${a.skipped.length - 20} more (see --json)`);
  }
  return lines.join('\n');
}

function progressPrinter(): { onEvent: (p: EventPayload<'scan.progress'>) => void; done: () => void } {
  const tty = process.stderr.isTTY;
  let last = 0;
  return {
    onEvent: (p) => {
      if (!tty || Date.now() - last < 100) return;
      last = Date.now();
      const pct = p.bytesTotal > 0 ? Math.floor((100 * p.bytesDone) / p.bytesTotal) : 0;
      const text = p.phase === 'walking' ? `Listing files… ${p.filesTotal}` : `Fingerprinting ${p.filesDone}/${p.filesTotal} files, ${formatBytes(p.bytesDone)} of ${formatBytes(p.bytesTotal)} (${pct}%)`;
      process.stderr.write(`\r\x1b[2K${text}`);
    },
    done: () => {
      if (tty) process.stderr.write('\r\x1b[2K');
    },
  };
}

/** Path of the Electron binary, or the reason there is none. */
function electronBinary(): { path: string } | { why: string } {
  try {
    const require = createRequire(import.meta.url);
    const p = require('electron') as unknown;
    if (typeof p === 'string' && existsSync(p)) {
      // Electron's main process needs better-sqlite3 rebuilt for its ABI (setup:electron does it).
      const binding = fileURLToPath(new URL('../../native/electron/better_sqlite3.node', import.meta.url));
      if (!existsSync(binding)) return { why: 'the Electron binary is installed but better-sqlite3 has not been rebuilt for it (run `npm run setup:electron`)' };
      return { path: p };
    }
    return { why: 'the electron package is installed but its binary is missing' };
  } catch {
    // electron's index.js throws "Electron failed to install correctly…" when its download never ran.
    return { why: 'the Electron binary is not installed (npm install does not download it: allowScripts leaves its download step off)' };
  }
}

async function serve(backend: Backend, portRaw: string | undefined): Promise<never> {
  const port = portRaw === undefined ? 0 : Number(portRaw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be a port number (got "${portRaw ?? ''}")`);
  const server = await startShellServer(backend, { port });
  out(`Ativo is running at ${server.openUrl}`);
  out(`Open that link in your browser (it carries this session's token). Data: ${backend.dataDir}. Press Ctrl+C to stop.`);
  return new Promise<never>(() => {
    const stop = (): void => {
      void server.close().then(() => backend.close()).finally(() => process.exit(0));
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

function describeNetworks(s: NetworkState): string {
  return s.profiles
    .map((p) => {
      const head = `${p.name === s.current ? '* ' : '  '}${p.name}${p.missing.length ? '  (not configured)' : ''}`;
      const rows =
        p.name === 'sandbox'
          ? ['    local anvil chain (id 31337) and storage node, managed by Ativo, offline']
          : [
              `    rpc       ${p.rpcUrl ?? '-'}`,
              `    chain id  ${p.chainId === null ? '-' : String(p.chainId)}`,
              `    registry  ${p.registry ?? '-'}`,
              `    storage   ${p.storageUrl ?? '-'}`,
              ...(p.missing.length ? [`    needs     ${describeMissing(p.missing)}`] : []),
            ];
      return [head, ...rows].join('\n');
    })
    .join('\n');
}

async function networkCommand(
  backend: Backend,
  args: string[],
  values: { rpc?: string | undefined; 'chain-id'?: string | undefined; registry?: string | undefined; storage?: string | undefined },
  print: (value: unknown, human: () => string) => void,
): Promise<number> {
  const [sub, name] = args;
  const parseName = (): NetworkName => {
    if (name !== 'sandbox' && name !== 'testnet' && name !== 'mainnet') throw new UsageError('name a network: sandbox, testnet or mainnet');
    return name;
  };
  switch (sub) {
    case undefined:
    case 'show': {
      const s = await backend.call('network.list', {});
      print(s, () => describeNetworks(s));
      return 0;
    }
    case 'status': {
      const c = await backend.call('chain.status', {});
      print(c, () =>
        [
          `network   ${c.network}${c.mode === 'sandbox-shared' ? ' (shared with another Ativo process)' : ''}`,
          `rpc       ${c.rpcUrl}`,
          `chain id  ${c.chainId}`,
          `registry  ${c.registry ?? '-'}`,
          `storage   ${c.storageUrl ?? '-'}`,
          `block     ${c.blockNumber}`,
          ...c.notices.map((n) => `note      ${n}`),
        ].join('\n'),
      );
      return 0;
    }
    case 'use': {
      const s = await backend.call('network.use', { name: parseName() });
      print(s, () => `Now using ${s.current}.`);
      return 0;
    }
    case 'set': {
      const n = parseName();
      let chainId: number | undefined;
      if (values['chain-id'] !== undefined) {
        chainId = Number(values['chain-id']);
        if (!Number.isSafeInteger(chainId) || chainId <= 0) throw new UsageError(`--chain-id must be a positive whole number (got "${values['chain-id']}")`);
      }
      const p = await backend.call('network.set', { name: n, rpcUrl: values.rpc, chainId, registry: values.registry, storageUrl: values.storage });
      print(p, () => `Saved the ${p.name} profile.${p.missing.length ? ` Still needed: ${describeMissing(p.missing)}.` : ' It is ready: ativo network use ' + p.name}`);
      return 0;
    }
    default:
      throw new UsageError(`unknown network command "${sub}" (show, status, use or set)`);
  }
}

function describeWallets(s: WalletState): string {
  if (s.wallets.length === 0) return 'No wallet yet. Create one: ativo wallet create (or import: ativo wallet import < key.txt)';
  return table(
    ['', 'ADDRESS', 'LABEL', 'SOURCE', 'CREATED'],
    s.wallets.map((w) => [w.address === s.current ? '*' : '', w.address, w.label, w.source, w.createdAt.slice(0, 10)]),
  );
}

async function walletCommand(
  backend: Backend,
  args: string[],
  values: { label?: string | undefined; mnemonic?: boolean | undefined; path?: string | undefined; out?: string | undefined },
  print: (value: unknown, human: () => string) => void,
): Promise<number> {
  const [sub, address] = args;
  const needAddress = (): string => {
    if (address === undefined) throw new UsageError(`give the wallet address: ativo wallet ${sub ?? ''} <address>`);
    return address;
  };
  switch (sub) {
    case undefined:
    case 'list': {
      const s = await backend.call('wallet.list', {});
      print(s, () => describeWallets(s));
      return 0;
    }
    case 'create': {
      const w = await backend.call('wallet.create', { label: values.label });
      print(w, () => `Created wallet ${w.address}. Its key is in the OS keychain; back it up with: ativo wallet export ${w.address} --out wallet.json`);
      return 0;
    }
    case 'import': {
      const secret = await readSecret(values.mnemonic === true ? 'Recovery phrase: ' : 'Private key (hex): ');
      if (secret === '') throw new UsageError(`pipe the ${values.mnemonic === true ? 'recovery phrase' : 'private key'} on stdin, or run in a terminal to be asked`);
      const w = await backend.call('wallet.import', values.mnemonic === true ? { mnemonic: secret, path: values.path, label: values.label } : { privateKey: secret, label: values.label });
      print(w, () => `Imported wallet ${w.address} into the OS keychain.`);
      return 0;
    }
    case 'export': {
      const a = needAddress();
      const password = await readNewPassword('ATIVO_WALLET_PASSWORD');
      // The backend writes the file (0600, never over an existing one); no key material comes back.
      const r = await backend.call('wallet.export', { address: a, password, ...(values.out !== undefined ? { path: resolve(values.out) } : {}) });
      print({ address: r.address, file: r.path }, () => `Wrote the encrypted keystore of ${r.address} to ${r.path}.`);
      return 0;
    }
    case 'balance': {
      const b = await backend.call('wallet.balance', { address });
      print(b, () => `${b.address}: ${b.ether} ETH on ${b.network} (chain ${b.chainId})`);
      return 0;
    }
    case 'use': {
      const s = await backend.call('wallet.use', { address: needAddress() });
      print(s, () => `Now using ${s.current ?? ''}.`);
      return 0;
    }
    case 'remove': {
      const r = await backend.call('wallet.remove', { address: needAddress() });
      print(r, () => `Removed ${r.address} from the keychain.`);
      return 0;
    }
    default:
      throw new UsageError(`unknown wallet command "${sub}" (list, create, import, export, balance, use, remove)`);
  }
}

async function storageCommand(backend: Backend, args: string[], values: { ether?: string | undefined }, print: (value: unknown, human: () => string) => void): Promise<number> {
  const [sub, arg] = args;
  switch (sub) {
    case undefined:
    case 'status': {
      const s = await backend.call('storage.status', {});
      print(s, () => `${s.address} has ${s.balance.formatted} at the storage node ${s.nodeUrl} (${s.network})`);
      return 0;
    }
    case 'quote': {
      const bytes = Number(arg);
      if (!Number.isSafeInteger(bytes) || bytes < 0) throw new UsageError('give a size in bytes: ativo storage quote <bytes>');
      const q = await backend.call('storage.quote', { bytes });
      print(q, () => `Storing ${formatBytes(q.dataBytes)} costs ${q.price.formatted} (the item is ${q.itemBytes} bytes with its signed header).`);
      return 0;
    }
    case 'fund': {
      if (values.ether === undefined) throw new UsageError('say how much: ativo storage fund --ether 0.01');
      const r = await backend.call('storage.fund', { ether: values.ether });
      print(r, () => `Funded ${r.amount.formatted} (tx ${r.txHash}, ${r.status}).`);
      return 0;
    }
    default:
      throw new UsageError(`unknown storage command "${sub}" (status, quote or fund)`);
  }
}

const FINAL_JOB_STATES = new Set(['done', 'failed', 'cancelled']);

type WatchedJob = Pick<EventPayload<'job.changed'>, 'id' | 'kind' | 'assetId' | 'state' | 'error'>;

/**
 * Waits (running the jobs in this process) until every job in `ids` and every batch in
 * `batches` has ended. Jobs of a batch send no job.changed: a batch is followed by its
 * coalesced jobs.batch events. Stops early when a job this run is watching goes 'waiting' on
 * something only a person can do (funds), or fails.
 */
async function waitForJobs(backend: Backend, ids: readonly number[], stopOnWaiting: (j: WatchedJob) => boolean, batches: readonly number[] = [], newBatch: number | null = null): Promise<void> {
  const state = await backend.call('jobs.list', { limit: 1000 });
  if (state.paused) throw new AtivoError('BUSY', 'Background work is paused: resume it (Activity panel, or the jobs.resumeAll command) and try again.');
  const paused = state.items.filter((j) => ids.includes(j.id) && j.state === 'paused');
  if (paused.length) throw new AtivoError('BUSY', `${paused.length} of these jobs are paused (job ${paused.map((j) => j.id).join(', ')}): resume them first.`);
  const pending = new Set(ids);
  const pendingBatches = new Set(batches);
  const failures: string[] = [];
  const seen: { waiting: string | null; paused: number } = { waiting: null, paused: 0 };
  /** `live`: a change seen during this run; a job still 'waiting' from before is about to be retried. */
  const settle = (j: WatchedJob, live: boolean): void => {
    if (pending.has(j.id) && FINAL_JOB_STATES.has(j.state)) {
      pending.delete(j.id);
      if (j.state !== 'done') failures.push(j.error ?? j.state);
    } else if (j.state === 'waiting' && live && stopOnWaiting(j)) {
      seen.waiting = j.error ?? 'waiting';
    }
  };
  const since = new Date().toISOString();
  /** Failed + cancelled jobs of each watched batch when first seen (a batch made by this call: none). */
  const baseline = new Map<number, number>(newBatch === null ? [] : [[newBatch, 0]]);
  const settleBatch = (b: EventPayload<'jobs.batch'>, live: boolean): void => {
    // A batch event lists every job still waiting: only one that went waiting during this run counts.
    for (const j of b.attention) if (j.state === 'waiting') settle(j, live && j.updatedAt >= since);
    if (!pendingBatches.has(b.id)) return;
    const ended = b.counts.failed + b.counts.cancelled;
    if (!baseline.has(b.id)) baseline.set(b.id, ended);
    if (ended > (baseline.get(b.id) ?? 0)) {
      const failed = b.attention.find((j) => j.state === 'failed');
      failures.push(failed ? `${failed.label ?? `job ${failed.id}`}: ${failed.error ?? 'failed'}` : 'uploads were cancelled');
    }
    if (b.finished) pendingBatches.delete(b.id);
  };
  // The queue's own timers are unref'd (they never keep a process alive): this one does, while we wait.
  const keepAlive = setInterval(() => undefined, 60_000);
  await new Promise<void>((resolve) => {
    const check = (): void => {
      if ((pending.size === 0 && pendingBatches.size === 0) || seen.waiting !== null || seen.paused > 0 || failures.length > 0) {
        off();
        clearInterval(keepAlive);
        resolve();
      }
    };
    const off = backend.subscribe((event, payload) => {
      if (event === 'job.changed') settle(payload as EventPayload<'job.changed'>, true);
      else if (event === 'jobs.batch') settleBatch(payload as EventPayload<'jobs.batch'>, true);
      else return;
      check();
    });
    void Promise.all([backend.call('jobs.list', { limit: 1000, batched: false }), backend.call('jobs.batches', {})]).then(([l, open]) => {
      for (const j of l.items) settle(j, false);
      const pausedIn = open.items.filter((b) => pendingBatches.has(b.id) && b.counts.paused > 0);
      if (pausedIn.length > 0) seen.paused = pausedIn.reduce((n, b) => n + b.counts.paused, 0);
      const stillOpen = new Set(open.items.map((b) => b.id));
      for (const b of open.items) settleBatch({ ...b, finished: false }, false);
      // A batch no longer open ended with every job done.
      for (const b of [...pendingBatches]) if (!stillOpen.has(b)) pendingBatches.delete(b);
      check();
    });
  });
  if (failures.length) throw new AtivoError('STORAGE_ERROR', `${failures.length} job(s) failed: ${failures[0] ?? ''}`);
  if (seen.paused > 0) throw new AtivoError('BUSY', `${seen.paused} of these uploads are paused: resume them (Activity panel) and try again.`);
  if (seen.waiting !== null) throw new AtivoError('BUSY', `Uploads are waiting: ${seen.waiting}`);
}

async function uploadCommand(backend: Backend, id: number, wait: boolean, print: (value: unknown, human: () => string) => void): Promise<number> {
  const r = await backend.call('assets.upload', { id });
  if (!wait) {
    print(r, () => `Queued ${r.queued} of ${r.files} file(s) for upload on ${r.network} (the app or \`ativo serve\` uploads them; or run ativo upload ${id} --wait).`);
    return 0;
  }
  if (!(await backend.call('jobs.list', { limit: 1 })).runner) {
    print(r, () => `Queued ${r.queued} of ${r.files} file(s); another Ativo process (the app or \`ativo serve\`) is uploading them.`);
    return 0;
  }
  const ids = new Set(r.jobIds);
  // Batch ids are their first job's id: the batch this call made (if it queued any) is the newest.
  const newBatch = r.queued > 0 && r.batches.length > 0 ? Math.max(...r.batches) : null;
  await waitForJobs(backend, r.unbatchedJobIds, (j) => ids.has(j.id) || (j.kind === 'upload' && j.assetId === id), r.batches, newBatch);
  const stored = await backend.call('uploads.list', { assetId: id });
  print(stored, () => `Stored ${stored.items.length} file(s) on ${r.network}.`);
  return 0;
}

function parseSplit(raw: string | undefined): { address: string; percent: number }[] | undefined {
  if (raw === undefined) return undefined;
  return raw.split(',').map((part) => {
    const m = /^\s*(0x[0-9a-fA-F]{40})\s*:\s*(\d{1,3}(?:\.\d{1,2})?)\s*%?\s*$/.exec(part);
    if (!m) throw new UsageError(`--split takes address:percent pairs separated by commas (got "${part}")`);
    return { address: m[1] ?? '', percent: Number(m[2]) };
  });
}

function parseAccessDays(raw: string): number {
  if (!/^\d{1,5}$/.test(raw) || Number(raw) > 36_500) throw new UsageError(`--access-days takes a whole number of days from 0 (perpetual) to 36500 (got "${raw.slice(0, 40)}")`);
  return Number(raw);
}

async function publishCommand(
  backend: Backend,
  id: number,
  values: { private?: boolean | undefined; public?: boolean | undefined; license?: string | undefined; terms?: string | undefined; price?: string | undefined; split?: string | undefined; 'access-days'?: string | undefined; description?: string | undefined; wait?: boolean | undefined; json?: boolean | undefined },
  print: (value: unknown, human: () => string) => void,
): Promise<number> {
  if (values.private === true && values.public === true) throw new UsageError('give --private or --public, not both');
  // Only the terms given change: the others are the previous version's (a first publication:
  // public, CC-BY-4.0, free, 100% to you).
  const license = values.license ?? (values.terms !== undefined ? 'custom' : undefined);
  const r = await backend.invoke('assets.publish', {
    id,
    ...(values.private === true ? { visibility: 'private' } : values.public === true ? { visibility: 'public', confirmPublic: true } : {}),
    ...(license !== undefined ? { license } : {}),
    ...(values.terms !== undefined ? { customTerms: values.terms } : {}),
    ...(values.price !== undefined ? { priceEth: values.price } : {}),
    ...(values.split !== undefined ? { split: parseSplit(values.split) } : {}),
    ...(values['access-days'] !== undefined ? { accessDays: parseAccessDays(values['access-days']) } : {}),
    ...(values.description !== undefined ? { description: values.description } : {}),
  });
  if (!r.ok) throw /was published as private/.test(r.error.message) ? new AtivoError(r.error.code, `${r.error.message} (ativo publish ${id} --public)`) : fromResult(r.error);
  const job = r.value as { jobId: number | null; network: string; version: number; alreadyCertified: { version: number; tokenId: string | null } | null };
  if (job.jobId === null || job.alreadyCertified !== null) {
    const done = job.alreadyCertified ?? { version: job.version, tokenId: null };
    if (values.json === true) {
      const { certificate } = await backend.call('assets.certificate', { id });
      print({ alreadyCertified: done, certificate }, () => '');
    } else {
      print(job, () => `Already certified: asset #${id} is unchanged since version ${done.version} (token #${done.tokenId ?? '?'}), so nothing was published. Change files to publish a new version; export the certificate with: ativo certificate ${id}`);
    }
    return 0;
  }
  if (values.wait !== true) {
    print(job, () => `Publishing asset #${id} on ${job.network} (job ${job.jobId}); the app or \`ativo serve\` carries it on. Follow it with: ativo publish ${id} --wait`);
    return 0;
  }
  const jobId = job.jobId;
  if ((await backend.call('jobs.list', { limit: 1 })).runner) {
    await waitForJobs(backend, [jobId], (j) => j.kind === 'upload' && j.assetId === id);
  } else {
    // The app or `ativo serve` runs the jobs: follow the publication from the catalog.
    const end = await followJobElsewhere(backend, jobId, {
      kind: 'publish',
      blocked: async () => {
        const waiting = await backend.call('jobs.list', { kind: 'upload', assetId: id, state: 'waiting', limit: 1 });
        const j = waiting.items[0];
        return j?.error && /balance/i.test(j.error) ? j.error : null;
      },
      onDetail: values.json === true ? undefined : (line) => { process.stderr.write(`Publishing asset #${id}: ${line}\n`); },
    });
    if (end.blocked !== null) throw new AtivoError('BUSY', `Uploads are waiting: ${end.blocked}`);
    if (end.state !== 'done') throw new AtivoError('BUSY', `The publication of asset #${id} (job ${jobId}) ${end.state === 'failed' ? 'failed' : 'was cancelled'}: ${end.error ?? 'no reason given'}`);
  }
  const { certificate } = await backend.call('assets.certificate', { id });
  print(certificate, () => {
    const c = certificate as { chain?: { tokenId?: string; txHash?: string }; asset?: { contentRoot?: string } };
    return `Certified version ${job.version}: asset token #${c.chain?.tokenId ?? '?'} (tx ${c.chain?.txHash ?? '?'}), content root ${c.asset?.contentRoot ?? '?'}. Export it: ativo certificate ${id} > ativo-certificate.json`;
  });
  return 0;
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  if (values.version) {
    out(VERSION);
    return 0;
  }
  const [command, ...args] = positionals;
  if (values.help || command === undefined || command === 'help') {
    out(HELP);
    return command === undefined && !values.help ? 2 : 0;
  }
  const dataDir = values['data-dir'];
  const json = values.json;
  const print = (value: unknown, human: () => string): void => {
    out(json ? JSON.stringify(value, null, 2) : human());
  };

  if (command === 'start') {
    const bin = electronBinary();
    if ('path' in bin) {
      const appDir = resolve(fileURLToPath(new URL('../..', import.meta.url)));
      const child = spawn(bin.path, [appDir], { stdio: 'inherit', env: { ...process.env, ...(dataDir ? { ATIVO_DATA_DIR: dataDir } : {}) } });
      return new Promise((ok) => child.on('exit', (code) => {
        ok(code ?? 0);
      }));
    }
    out(`Starting the browser shell instead of the desktop app: ${bin.why}.`);
    out('(To get the desktop app, run `npm run setup:electron` on a machine that can reach GitHub.)');
  }

  if (command === 'catalog') {
    // Before the backend: a damaged catalog cannot be opened by it.
    return catalogCommand(args, values, process.env.ATIVO_KEYCHAIN_PREFIX ? { keychainPrefix: process.env.ATIVO_KEYCHAIN_PREFIX } : {}, print);
  }

  const known = ['add', 'list', 'show', 'manifest', 'rescan', 'remove', 'network', 'wallet', 'sandbox', 'storage', 'upload', 'uploads', 'publish', 'certificate', 'verify', 'access', 'terms', 'sale', 'audit', 'earnings', 'discover', 'serve', 'start'];
  if (!known.includes(command)) throw new UsageError(`unknown command "${command}" (see \`ativo --help\`)`);

  const workers = Number(process.env.ATIVO_HASH_WORKERS ?? '');
  const backend = await createBackend({
    ...(dataDir === undefined ? {} : { dataDir }),
    // One-shot commands leave background jobs to the app or `ativo serve`.
    runJobs: command === 'serve' || command === 'start' || ((command === 'upload' || command === 'publish' || command === 'earnings' || command === 'terms' || command === 'sale') && values.wait),
    ...(process.env.ATIVO_KEYCHAIN_PREFIX ? { keychainPrefix: process.env.ATIVO_KEYCHAIN_PREFIX } : {}),
    ...(Number.isInteger(workers) && workers > 0 ? { hashWorkers: workers } : {}),
  });
  try {
    switch (command) {
      case 'add': {
        const folder = args[0];
        if (folder === undefined) throw new UsageError('give the folder to add: ativo add <folder>');
        const progress = progressPrinter();
        const off = backend.subscribe((event, payload) => {
          if (event === 'scan.progress') progress.onEvent(payload as EventPayload<'scan.progress'>);
        });
        try {
          const a = await backend.call('assets.add', { path: resolve(folder), kind: parseKind(values.kind) ?? 'dataset', ...(values.name !== undefined ? { name: values.name } : {}) });
          progress.done();
          print(a, () => describeAsset(a));
        } finally {
          off();
          progress.done();
        }
        return 0;
      }
      case 'list': {
        const items: AssetSummary[] = [];
        for (let offset = 0; ; ) {
          const page = await backend.call('assets.list', { query: values.query, kind: parseKind(values.kind), offset, limit: 1000 });
          items.push(...page.items);
          offset += page.items.length;
          if (page.items.length === 0 || offset >= page.total) break;
        }
        print(items, () =>
          items.length === 0
            ? 'The catalog is empty. Add a folder: ativo add <folder>'
            : table(
                ['ID', 'KIND', 'NAME', 'FILES', 'SIZE', 'STATE', 'STATUS', 'PENDING', 'EARNED', 'ROOT'],
                items.map((a) => [
                  String(a.id),
                  a.kind,
                  a.name,
                  String(a.fileCount),
                  formatBytes(a.totalBytes),
                  a.state,
                  cell(a.status.label, 60),
                  String(a.pendingRequests),
                  ethText(a.earnedWei),
                  a.contentRoot?.slice(0, 12) ?? '-',
                ]),
              ),
        );
        return 0;
      }
      case 'show': {
        const a = await backend.call('assets.get', { id: parseId(args[0]) });
        print(a, () => describeAsset(a));
        return 0;
      }
      case 'manifest': {
        const m = await backend.call('assets.manifest', { id: parseId(args[0]) });
        if (json) out(JSON.stringify(m, null, 2));
        else process.stdout.write(m.text);
        return 0;
      }
      case 'rescan': {
        const a = await backend.call('assets.rescan', { id: parseId(args[0]) });
        print(a, () => describeAsset(a));
        return 0;
      }
      case 'remove': {
        const r = await backend.call('assets.remove', { id: parseId(args[0]) });
        print(r, () => `Removed asset #${r.id} from the catalog. Its folder was not touched.`);
        return 0;
      }
      case 'network':
        return await networkCommand(backend, args, values, print);
      case 'wallet':
        return await walletCommand(backend, args, values, print);
      case 'storage':
        return await storageCommand(backend, args, values, print);
      case 'upload':
        return await uploadCommand(backend, parseId(args[0]), values.wait, print);
      case 'publish': {
        const target = args[0];
        // A folder (not an id): catalog it, or rescan it when it is in the catalog already, then publish.
        if (target !== undefined && !/^\d+$/.test(target)) {
          const path = resolve(target);
          if (!existsSync(path)) throw new UsageError(`"${target}" is neither an asset id nor a folder that exists: give an asset id (see ativo list) or a folder to publish`);
          if (!statSync(path).isDirectory()) throw new UsageError(`${path} is a file: give the folder that holds it, or an asset id`);
          const a = await backend.call('assets.add', { path, kind: parseKind(values.kind) ?? 'dataset', ...(values.name !== undefined ? { name: values.name } : {}) });
          if (!values.json) process.stderr.write(`Publishing ${a.name} (asset #${a.id}) from ${path}.\n`);
          return await publishCommand(backend, a.id, values, print);
        }
        return await publishCommand(backend, parseId(target), values, print);
      }
      case 'verify': {
        const target = args[0];
        if (target === undefined) throw new UsageError('give a certificate file or an asset id: ativo verify <ativo-certificate.json|id> [--folder F | --from-storage] [--registry 0x…]');
        const registry = values.registry;
        if (registry !== undefined && !/^0x[0-9a-fA-F]{40}$/.test(registry)) throw new UsageError(`--registry must be a registry address, 0x and 40 hexadecimal digits (got "${registry.slice(0, 100)}")`);
        const fromStorage = values['from-storage'];
        if (fromStorage && values.folder !== undefined) throw new UsageError('give either --folder or --from-storage, not both');
        let certificate: Record<string, unknown>;
        if ((values.folder?.length ?? 0) > 1) throw new UsageError('give one --folder to verify against');
        const folder = values.folder?.[0] !== undefined ? resolve(values.folder[0]) : undefined;
        let assetId: number | undefined;
        if (/^\d+$/.test(target)) {
          assetId = parseId(target);
          certificate = (await backend.call('assets.certificate', { id: assetId })).certificate;
        } else {
          certificate = readCertificateFile(target);
        }
        const r = await backend.call('certificates.verify', {
          certificate,
          fromStorage,
          ...(folder !== undefined ? { folder } : {}),
          ...(assetId !== undefined ? { assetId } : {}),
          ...(registry !== undefined ? { registry } : {}),
        });
        const skipped = r.checks.filter((c) => c.skipped === true).map((c) => c.name);
        print(r, () =>
          [
            ...r.checks.map((c) => `${c.skipped === true ? 'SKIP' : c.ok ? 'PASS' : 'FAIL'}  ${c.name.padEnd(12)} ${c.detail}`),
            r.ok ? `The certificate holds${skipped.length ? ` (not checked: ${skipped.join(', ')})` : ''}.` : 'The certificate does NOT hold.',
          ].join('\n'),
        );
        return r.ok ? 0 : 1;
      }
      case 'access':
        return await accessCommand(backend, args, values, print);
      case 'terms':
        return await termsCommand(backend, parseId(args[0]), values, print);
      case 'sale':
        return await saleCommand(backend, args, values, print, parseId);
      case 'audit':
        return await auditCommand(backend, print);
      case 'earnings':
        return await earningsCommand(backend, args, values, print);
      case 'discover':
        return await discoverCommand(backend, args, values, print);
      case 'certificate': {
        const { certificate } = await backend.call('assets.certificate', { id: parseId(args[0]) });
        out(JSON.stringify(certificate, null, 2));
        return 0;
      }
      case 'uploads': {
        const r = await backend.call('uploads.list', { assetId: parseId(args[0]) });
        print(r, () =>
          r.items.length === 0
            ? 'Nothing stored yet: ativo upload <id>'
            : table(
                ['FILE', 'NETWORK', 'ITEM', 'HOW', 'CHARGED (wei)'],
                r.items.map((u) => [u.relPath ?? '(manifest)', u.network, u.storageId ?? '-', u.source + (u.encrypted ? ', encrypted' : ''), u.charged ?? '-']),
              ),
        );
        return 0;
      }
      case 'sandbox': {
        if (args[0] !== 'fund') throw new UsageError('the sandbox command is: ativo sandbox fund [address] [--ether N]');
        const r = await backend.call('sandbox.fund', { address: args[1], ...(values.ether !== undefined ? { ether: values.ether } : {}) });
        print(r, () => `Sent ${r.ether} test ETH to ${r.address} (tx ${r.txHash}).`);
        return 0;
      }
      default:
        // serve, and start without Electron
        return await serve(backend, values.port);
    }
  } finally {
    await backend.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    const parseError = e instanceof TypeError && 'code' in e && typeof e.code === 'string' && e.code.startsWith('ERR_PARSE_ARGS');
    const message = e instanceof UsageError || parseError ? e.message : cliMessage(toResultError(e));
    process.stderr.write(`ativo: ${message.replace(/\s*\n\s*/g, ' ')}\n`);
    process.exitCode = e instanceof UsageError || parseError ? 2 : 1;
  },
);
