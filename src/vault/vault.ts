/**
 * The wallet vault: Ethereum keys and per-asset age identities, kept only in the OS
 * keychain (see keychain.ts). Nothing secret is ever written to SQLite, files or logs,
 * and no error message ever contains a secret (or a piece of one).
 *
 * Keychain layout (service names are `<prefix>.<name>`, prefix `ativo` in production):
 *   <prefix>.wallet          account = checksummed address, secret = 0x-prefixed private key
 *   <prefix>.wallet-meta     account = checksummed address, secret = JSON { v, label, createdAt, source }
 *                            (not secret, but kept beside the key so the keychain is the single source of truth)
 *   <prefix>.asset-identity  account = asset id, secret = the asset's age identity (AGE-SECRET-KEY-1...)
 *   <prefix>.requester-identity
 *                            account = checksummed wallet address, secret = the age identity the wallet
 *                            requests access with (its recipient goes on chain; grants are encrypted to it)
 *
 * Write order keeps "metadata exists => key exists": the key is written before its
 * metadata and removed after it, so list() never shows a wallet that cannot sign.
 */
import { HDNodeWallet, Mnemonic, Wallet, encryptKeystoreJson, getAddress, isAddress } from 'ethers';
import type { Provider } from 'ethers';
import { generateIdentity, parseIdentity, recipientOf } from '../crypto/age';
import { Keychain } from './keychain';
import { AtivoFault } from '../util/errors';

export type WalletSource = 'created' | 'private-key' | 'mnemonic';

export interface WalletInfo {
  /** EIP-55 checksummed address. */
  address: string;
  label: string;
  /** ISO 8601 timestamp. */
  createdAt: string;
  source: WalletSource;
}

export type VaultErrorCode =
  | 'INVALID_PRIVATE_KEY'
  | 'INVALID_MNEMONIC'
  | 'INVALID_DERIVATION_PATH'
  | 'INVALID_ADDRESS'
  | 'INVALID_LABEL'
  | 'INVALID_ASSET_ID'
  | 'INVALID_IDENTITY'
  | 'EMPTY_PASSWORD'
  | 'WALLET_NOT_FOUND'
  | 'CORRUPT_ENTRY';

/** Bad input or state. Messages are plain English and never contain the secret involved. */
export class VaultError extends AtivoFault {
  readonly family = 'vault';
  override name = 'VaultError';
  readonly code: VaultErrorCode;
  constructor(code: VaultErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

export const isVaultError = (e: unknown): e is VaultError => e instanceof VaultError;

export const DEFAULT_DERIVATION_PATH = "m/44'/60'/0'/0/0";
/** ethers' default scrypt cost (2^17): what exported keystores use unless told otherwise. */
export const DEFAULT_KEYSTORE_SCRYPT_N = 131_072;

export interface VaultOptions {
  /** Use this keychain (its prefix wins). Default: `new Keychain({ prefix: servicePrefix })`. */
  keychain?: Keychain;
  /** Keychain service-name prefix; default `ativo`. Ignored when `keychain` is given. */
  servicePrefix?: string;
  /** scrypt N for exportKeystore (a power of two >= 1024). Tests use a small one; default 2^17. */
  keystoreScryptN?: number;
  /** Clock, for tests. */
  now?: () => Date;
}

const SERVICE_KEY = 'wallet';
const SERVICE_META = 'wallet-meta';
const SERVICE_ASSET_IDENTITY = 'asset-identity';
const SERVICE_REQUESTER_IDENTITY = 'requester-identity';

/** The age key pair a wallet requests access with. */
export interface RequesterIdentity {
  /** The secret half (AGE-SECRET-KEY-1…): backend process only, never sent anywhere. */
  identity: string;
  /** The public half (age1…): what `requestAccess` puts on chain. */
  recipient: string;
}

const MAX_LABEL = 100;
const MAX_ASSET_ID = 200;
const PRIVATE_KEY_RE = /^(?:0x)?([0-9a-fA-F]{64})$/;
// eslint-disable-next-line no-control-regex -- rejecting control characters is the point
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;

interface StoredMeta {
  v: 1;
  label: string;
  createdAt: string;
  source: WalletSource;
}

const SOURCES: readonly WalletSource[] = ['created', 'private-key', 'mnemonic'];

function parseMeta(address: string, json: string): WalletInfo | null {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    return null;
  }
  if (typeof raw !== 'object' || raw === null) return null;
  const r = raw as Partial<Record<keyof StoredMeta, unknown>>;
  const source = SOURCES.find((s) => s === r.source);
  if (source === undefined || typeof r.label !== 'string' || typeof r.createdAt !== 'string') return null;
  return { address, label: r.label, createdAt: r.createdAt, source };
}

function normalizeLabel(label: string | undefined): string {
  if (label === undefined) return '';
  const l = label.trim();
  if (l.length > MAX_LABEL) throw new VaultError('INVALID_LABEL', `A wallet label can be at most ${MAX_LABEL} characters long.`);
  if (CONTROL_CHARS.test(l)) throw new VaultError('INVALID_LABEL', 'A wallet label cannot contain control characters such as newlines or tabs.');
  return l;
}

function normalizeAddress(address: string): string {
  if (!isAddress(address)) {
    throw new VaultError('INVALID_ADDRESS', 'That is not a valid Ethereum address (expected 0x followed by 40 hex characters).');
  }
  return getAddress(address);
}

function normalizeAssetId(assetId: string): string {
  if (assetId.length === 0 || assetId.length > MAX_ASSET_ID || CONTROL_CHARS.test(assetId)) {
    throw new VaultError('INVALID_ASSET_ID', `An asset id must be 1-${MAX_ASSET_ID} characters without control characters.`);
  }
  return assetId;
}

/** Validates and canonicalizes a private key; the error never echoes the input. */
function walletFromPrivateKey(hex: string): Wallet {
  const m = PRIVATE_KEY_RE.exec(hex.trim());
  const digits = m?.[1];
  if (digits === undefined) {
    throw new VaultError('INVALID_PRIVATE_KEY', 'That is not a valid private key: expected 64 hexadecimal characters (32 bytes), optionally prefixed with 0x.');
  }
  try {
    return new Wallet(`0x${digits.toLowerCase()}`);
  } catch {
    // Zero, or not below the secp256k1 group order. The ethers error is dropped on purpose.
    throw new VaultError('INVALID_PRIVATE_KEY', 'That is not a valid private key: the value is outside the range allowed for secp256k1 keys.');
  }
}

function normalizePhrase(phrase: string): string {
  return phrase.normalize('NFKD').trim().toLowerCase().split(/\s+/).join(' ');
}

function validatePath(path: string): string {
  const p = path.trim();
  const ok = /^m(\/\d+'?)+$/.test(p) && p.split('/').slice(1).every((seg) => Number.parseInt(seg, 10) < 2 ** 31);
  if (!ok) {
    throw new VaultError('INVALID_DERIVATION_PATH', `That is not a valid BIP-32 derivation path; expected something like ${DEFAULT_DERIVATION_PATH}.`);
  }
  return p;
}

function validateScryptN(n: number): number {
  if (!Number.isInteger(n) || n < 1024 || n > 2 ** 22 || (n & (n - 1)) !== 0) {
    throw new TypeError('keystoreScryptN must be a power of two between 1024 and 4194304.');
  }
  return n;
}

export class Vault {
  readonly keychain: Keychain;
  private readonly scryptN: number;
  private readonly now: () => Date;
  /** Serializes mutations in this process so concurrent imports cannot interleave. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(options: VaultOptions = {}) {
    this.keychain = options.keychain ?? new Keychain(options.servicePrefix === undefined ? {} : { prefix: options.servicePrefix });
    this.scryptN = validateScryptN(options.keystoreScryptN ?? DEFAULT_KEYSTORE_SCRYPT_N);
    this.now = options.now ?? (() => new Date());
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  // ---- wallets -------------------------------------------------------------------------------

  /** Creates a new random wallet and stores its key in the keychain. */
  async create(label?: string): Promise<WalletInfo> {
    const l = normalizeLabel(label);
    const wallet = new Wallet(Wallet.createRandom().privateKey);
    return await this.exclusive(() => this.store(wallet, l, 'created'));
  }

  /** Imports a raw secp256k1 private key (hex, with or without 0x). Idempotent per address. */
  async importPrivateKey(hex: string, label?: string): Promise<WalletInfo> {
    const l = normalizeLabel(label);
    const wallet = walletFromPrivateKey(hex);
    return await this.exclusive(() => this.store(wallet, l, 'private-key'));
  }

  /**
   * Imports the account at `path` (default m/44'/60'/0'/0/0) of a BIP-39 English recovery
   * phrase. Only the derived private key is stored; the phrase itself is not kept.
   */
  async importMnemonic(phrase: string, label?: string, path: string = DEFAULT_DERIVATION_PATH): Promise<WalletInfo> {
    const l = normalizeLabel(label);
    const p = validatePath(path);
    const normalized = normalizePhrase(phrase);
    if (!Mnemonic.isValidMnemonic(normalized)) {
      throw new VaultError(
        'INVALID_MNEMONIC',
        'That is not a valid recovery phrase: it must be 12, 15, 18, 21 or 24 words from the English BIP-39 word list, with a valid checksum.',
      );
    }
    let wallet: Wallet;
    try {
      wallet = new Wallet(HDNodeWallet.fromPhrase(normalized, undefined, p).privateKey);
    } catch {
      throw new VaultError('INVALID_MNEMONIC', 'That recovery phrase could not be used to derive a key with the given derivation path.');
    }
    return await this.exclusive(() => this.store(wallet, l, 'mnemonic'));
  }

  /** Every wallet in the vault, oldest first. */
  async list(): Promise<WalletInfo[]> {
    const entries = await this.keychain.list(SERVICE_META);
    const out: WalletInfo[] = [];
    for (const { account, secret } of entries) {
      if (!isAddress(account)) continue;
      const info = parseMeta(getAddress(account), secret);
      if (info) out.push(info);
    }
    out.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.address.localeCompare(b.address));
    return out;
  }

  /** Whether the vault holds a key for this address. */
  async has(address: string): Promise<boolean> {
    const a = normalizeAddress(address);
    return (await this.keychain.get(SERVICE_KEY, a)) !== null;
  }

  /** Deletes the wallet's key and metadata from the keychain. */
  async remove(address: string): Promise<void> {
    const a = normalizeAddress(address);
    await this.exclusive(async () => {
      if ((await this.keychain.get(SERVICE_KEY, a)) === null) throw notFound();
      await this.keychain.delete(SERVICE_META, a);
      await this.keychain.delete(SERVICE_KEY, a);
      // Its requester identity goes with it (grants made to it can only be opened by this wallet).
      await this.keychain.delete(SERVICE_REQUESTER_IDENTITY, a);
    });
  }

  /** An encrypted JSON keystore (Web3 Secret Storage v3, scrypt) for the wallet. */
  async exportKeystore(address: string, password: string): Promise<string> {
    const a = normalizeAddress(address);
    if (password.length === 0) {
      throw new VaultError('EMPTY_PASSWORD', 'Choose a password to encrypt the exported keystore; it cannot be empty.');
    }
    const wallet = await this.load(a);
    return encryptKeystoreJson({ address: wallet.address, privateKey: wallet.privateKey }, password, { scrypt: { N: this.scryptN } });
  }

  /**
   * A signer for the wallet, optionally connected to a provider. Backend process only:
   * never send it (or its privateKey) across IPC.
   */
  async signer(address: string, provider?: Provider | null): Promise<Wallet> {
    const a = normalizeAddress(address);
    const wallet = await this.load(a);
    return provider ? wallet.connect(provider) : wallet;
  }

  private async load(address: string): Promise<Wallet> {
    const secret = await this.keychain.get(SERVICE_KEY, address);
    if (secret === null) throw notFound();
    let wallet: Wallet;
    try {
      wallet = walletFromPrivateKey(secret);
    } catch {
      throw corrupt();
    }
    if (wallet.address !== address) throw corrupt();
    return wallet;
  }

  private async store(wallet: Wallet, label: string, source: WalletSource): Promise<WalletInfo> {
    const address = wallet.address;
    const existing = await this.keychain.get(SERVICE_KEY, address);
    if (existing !== null) {
      // A damaged key entry for this address is replaced by the (verified) key being imported.
      if (existing.trim().toLowerCase() !== wallet.privateKey) await this.keychain.set(SERVICE_KEY, address, wallet.privateKey);
      // Idempotent: the same key imported again keeps its original label, date and source.
      const meta = await this.keychain.get(SERVICE_META, address);
      const info = meta === null ? null : parseMeta(address, meta);
      if (info) return info;
      // Key without (valid) metadata: repair the metadata, keep the key.
      return this.writeMeta({ address, label, createdAt: this.now().toISOString(), source });
    }
    await this.keychain.set(SERVICE_KEY, address, wallet.privateKey);
    try {
      return await this.writeMeta({ address, label, createdAt: this.now().toISOString(), source });
    } catch (e) {
      await this.keychain.delete(SERVICE_KEY, address).catch(() => false);
      throw e;
    }
  }

  private async writeMeta(info: WalletInfo): Promise<WalletInfo> {
    const meta: StoredMeta = { v: 1, label: info.label, createdAt: info.createdAt, source: info.source };
    await this.keychain.set(SERVICE_META, info.address, JSON.stringify(meta));
    return info;
  }

  // ---- the requester age identity of each wallet ----------------------------------------------

  /**
   * The age identity the wallet requests access with, created (and stored in the keychain,
   * nowhere else) on first use. Only for a wallet the vault holds. Concurrent first uses share
   * one creation, so a request is never sent to a recipient whose identity was lost.
   */
  async getOrCreateRequesterIdentity(address: string): Promise<RequesterIdentity> {
    const a = normalizeAddress(address);
    const existing = await this.requesterIdentity(a);
    if (existing !== null) return existing;
    return await this.exclusive(async () => {
      const again = await this.requesterIdentity(a);
      if (again !== null) return again;
      if ((await this.keychain.get(SERVICE_KEY, a)) === null) throw notFound();
      const pair = await generateIdentity();
      await this.keychain.set(SERVICE_REQUESTER_IDENTITY, a, pair.identity);
      return pair;
    });
  }

  /** The wallet's requester identity, or null when it never requested access from this keychain. */
  async requesterIdentity(address: string): Promise<RequesterIdentity | null> {
    const a = normalizeAddress(address);
    const secret = await this.keychain.get(SERVICE_REQUESTER_IDENTITY, a);
    if (secret === null) return null;
    let identity: string;
    try {
      identity = parseIdentity(secret);
    } catch {
      throw new VaultError('CORRUPT_ENTRY', 'The keychain entry of this wallet\'s requester identity is not a valid age identity.');
    }
    return { identity, recipient: await recipientOf(identity) };
  }

  // ---- per-asset age identities -------------------------------------------------------------

  /** Stores (or replaces) the age identity of an asset. */
  async putAssetIdentity(assetId: string, identity: string): Promise<void> {
    const id = normalizeAssetId(assetId);
    if (identity.trim().length === 0) {
      throw new VaultError('INVALID_IDENTITY', 'The asset identity to store is empty.');
    }
    await this.exclusive(() => this.keychain.set(SERVICE_ASSET_IDENTITY, id, identity));
  }

  /** The asset's age identity, or null when none is stored. */
  async getAssetIdentity(assetId: string): Promise<string | null> {
    return await this.keychain.get(SERVICE_ASSET_IDENTITY, normalizeAssetId(assetId));
  }

  /** Deletes the asset's age identity. Resolves false when there was none. */
  async removeAssetIdentity(assetId: string): Promise<boolean> {
    const id = normalizeAssetId(assetId);
    return await this.exclusive(() => this.keychain.delete(SERVICE_ASSET_IDENTITY, id));
  }
}

const notFound = (): VaultError => new VaultError('WALLET_NOT_FOUND', 'No wallet with that address is stored in this vault.');
const corrupt = (): VaultError =>
  new VaultError('CORRUPT_ENTRY', 'The keychain entry for that wallet does not hold a valid key for its address; remove and re-import the wallet.');
