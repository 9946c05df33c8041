import { constants } from 'node:fs';
import { mkdir, open, stat, unlink, type FileHandle } from 'node:fs/promises';
import { dirname, isAbsolute, join } from 'node:path';
import { getAddress } from 'ethers';
import type { Catalog } from '../catalog/db';
import { Vault } from '../vault/vault';
import { AtivoError, errnoCode } from '../util/errors';
import type { WalletInfo, WalletState } from './contract';

/** Wallets: keys in the OS keychain (src/vault), the chosen one in the catalog's settings. */
export class Wallets {
  readonly vault: Vault;

  constructor(
    private readonly catalog: Catalog,
    options: { keychainPrefix?: string | undefined; keystoreScryptN?: number | undefined } = {},
  ) {
    this.vault = new Vault({
      ...(options.keychainPrefix !== undefined ? { servicePrefix: options.keychainPrefix } : {}),
      ...(options.keystoreScryptN !== undefined ? { keystoreScryptN: options.keystoreScryptN } : {}),
    });
  }

  /**
   * The keychain's wallet list, kept for LIST_TTL_MS: every upload asks for the wallet in use,
   * and each keychain read is a D-Bus round trip to the Secret Service (20,000 uploads, 20,000
   * round trips). Changes made here drop it at once; another process's changes show within the TTL.
   */
  private listed: { at: number; list: ReturnType<Vault['list']> } | undefined;
  private static readonly LIST_TTL_MS = 2_000;

  private walletList(): ReturnType<Vault['list']> {
    const now = Date.now();
    if (this.listed === undefined || now - this.listed.at > Wallets.LIST_TTL_MS) {
      const list = this.vault.list();
      this.listed = { at: now, list };
      list.catch(() => {
        if (this.listed?.list === list) this.listed = undefined;
      });
    }
    return this.listed.list;
  }

  private forget(): void {
    this.listed = undefined;
  }

  async state(): Promise<WalletState> {
    const wallets = await this.walletList();
    const chosen = this.catalog.networks.setting('wallet');
    const current = wallets.find((w) => w.address === chosen)?.address ?? wallets[0]?.address ?? null;
    return { wallets, current };
  }

  /** The wallet to sign with, or a clear error telling how to get one. */
  async current(): Promise<WalletInfo> {
    const s = await this.state();
    const w = s.wallets.find((x) => x.address === s.current);
    if (!w) throw new AtivoError('NOT_CONFIGURED', 'No wallet yet: create or import one on the Wallet screen.', { cli: 'No wallet yet: create one with ativo wallet create, or import one with ativo wallet import.' });
    return w;
  }

  private async adoptIfFirst(w: WalletInfo): Promise<WalletInfo> {
    const s = await this.state();
    if (s.wallets.length === 1 || this.catalog.networks.setting('wallet') === undefined) this.catalog.networks.setSetting('wallet', w.address);
    return w;
  }

  async create(label?: string): Promise<WalletInfo> {
    this.forget();
    const w = await this.vault.create(label).finally(() => { this.forget(); });
    return this.adoptIfFirst(w);
  }

  async import(i: { privateKey?: string | undefined; mnemonic?: string | undefined; path?: string | undefined; label?: string | undefined }): Promise<WalletInfo> {
    this.forget();
    const w = await (i.privateKey !== undefined ? this.vault.importPrivateKey(i.privateKey, i.label) : this.vault.importMnemonic(i.mnemonic ?? '', i.label, i.path)).finally(() => { this.forget(); });
    return this.adoptIfFirst(w);
  }

  async use(address: string): Promise<WalletState> {
    const a = getAddress(address.toLowerCase());
    if (!(await this.vault.has(a))) throw new AtivoError('NOT_FOUND', `No wallet ${a} in the keychain.`);
    this.forget(); // it may have come from another process (the CLI) since the list was read
    this.catalog.networks.setSetting('wallet', a);
    return this.state();
  }

  /**
   * Writes an encrypted keystore (Web3 Secret Storage v3, scrypt) of the wallet to a NEW file
   * readable by this user only (0600), and answers its path: the key never crosses the API,
   * not even encrypted, so a caller that holds only the API (a stolen browser-shell token)
   * cannot carry it off. An existing file is never replaced (O_EXCL, which also refuses a
   * planted symlink). `path`: an absolute path the person chose (the desktop app's native save
   * dialog, the CLI's --out); `fileName`: a bare name in `exportsDir`; neither: a dated name there.
   *
   * Confirmation: "a secret-revealing command needs the keychain's own confirmation where the
   * platform has one". None of ours offers one through @napi-rs/keyring: the Linux Secret
   * Service only prompts to unlock a whole collection (and headless sessions, like
   * gnome-keyring under dbus-run-session, have no prompter at all); Windows' Credential Manager
   * has no per-item prompt; macOS could attach an access-control list to the item, which the
   * library does not expose. So the confirmation is Ativo's own: the person types the new
   * keystore password twice (the app's export dialog; the CLI's prompt), and the result is a
   * file on their disk that only that password opens.
   */
  async exportToFile(
    input: { address: string; password: string; path?: string | undefined; fileName?: string | undefined },
    exportsDir: string,
  ): Promise<{ address: string; path: string }> {
    const address = getAddress(input.address.toLowerCase());
    let target: string;
    if (input.path !== undefined) {
      if (!isAbsolute(input.path)) throw new AtivoError('INVALID_INPUT', `Give the backup file as an absolute path (got "${input.path}").`);
      target = input.path;
      const folder = dirname(target);
      const info = await stat(folder).catch(() => null);
      if (info === null) throw new AtivoError('NOT_FOUND', `The folder ${folder} does not exist: choose an existing folder for the backup.`);
      if (!info.isDirectory()) throw new AtivoError('NOT_A_DIRECTORY', `${folder} is not a folder: choose a folder for the backup.`);
    } else {
      await mkdir(exportsDir, { recursive: true, mode: 0o700 });
      target = join(exportsDir, input.fileName ?? (await freeDefaultName(exportsDir, address)));
    }
    if (await exists(target)) throw alreadyThere(target);
    // Encrypt first (it fails on an unknown wallet, and takes a while): no empty file is left behind.
    const keystore = await this.vault.exportKeystore(address, input.password);
    let file: FileHandle;
    try {
      file = await open(target, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (process.platform === 'win32' ? 0 : constants.O_NOFOLLOW), 0o600);
    } catch (e) {
      throw fileError(e, target);
    }
    try {
      await file.writeFile(keystore, 'utf8');
      await file.sync();
    } catch (e) {
      await file.close().catch(() => undefined);
      await unlink(target).catch(() => undefined);
      throw fileError(e, target);
    }
    await file.close();
    return { address, path: target };
  }

  async remove(address: string): Promise<{ removed: true; address: string }> {
    const a = getAddress(address.toLowerCase());
    this.forget();
    await this.vault.remove(a).finally(() => { this.forget(); });
    if (this.catalog.networks.setting('wallet') === a) this.catalog.networks.setSetting('wallet', null);
    return { removed: true, address: a };
  }
}

/** Something is there (a file, a folder, a symlink's target); other cases are left to the O_EXCL open. */
const exists = (path: string): Promise<boolean> =>
  stat(path).then(
    () => true,
    () => false,
  );

const alreadyThere = (path: string): AtivoError =>
  new AtivoError('INVALID_INPUT', `A file already exists at ${path}. Ativo never replaces a file: choose another name.`);

function fileError(e: unknown, path: string): AtivoError {
  switch (errnoCode(e)) {
    case 'EEXIST':
    case 'ELOOP':
      return alreadyThere(path);
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return new AtivoError('FOLDER_UNREADABLE', `Ativo may not write to ${path}: choose a folder you can write to.`);
    case 'ENOENT':
      return new AtivoError('NOT_FOUND', `The folder of ${path} does not exist: choose an existing folder for the backup.`);
    case 'EISDIR':
      return alreadyThere(path);
    case 'ENAMETOOLONG':
      return new AtivoError('INVALID_INPUT', 'That file name is too long: choose a shorter one.');
    case 'ENOSPC':
      return new AtivoError('INTERNAL', 'The disk is full: free some space and try again.');
    default:
      return new AtivoError('INVALID_INPUT', `Ativo could not write the backup to ${path} (${e instanceof Error ? e.message : String(e)}): choose another file.`);
  }
}

/**
 * `ativo-wallet-0x1234abcd-<YYYY-MM-DD>.json` (the address's start: the file holds all of it; the
 * app suggests the same name), or `…-2.json`, `…-3.json` when taken.
 */
async function freeDefaultName(folder: string, address: string): Promise<string> {
  const base = `ativo-wallet-${address.slice(0, 10)}-${new Date().toISOString().slice(0, 10)}`;
  for (let n = 1; ; n++) {
    const name = n === 1 ? `${base}.json` : `${base}-${n}.json`;
    if (!(await exists(join(folder, name)))) return name;
  }
}
