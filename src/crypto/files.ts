/**
 * File-to-file age encryption and decryption, streamed (flat memory for any size).
 *
 * Output is written to a temp file in the destination folder, fsync'ed, then renamed over
 * `outPath`: a reader never sees a half-written file, a failure (wrong key, corrupt or
 * truncated input, full disk) leaves no output and no temp file behind, and an existing
 * `outPath` stays untouched unless the operation succeeds.
 *
 * The loop drives the engines (AgeSealer/AgeOpener) directly, with synchronous file I/O in
 * 1 MiB blocks and a yield to the event loop after each block (a few ms of work): profiled under
 * load, the hand-offs to libuv's thread pool for every read and write (and the stream machinery)
 * cost more than the crypto, and grew with the machine's load; the `age` CLI makes plain blocking
 * calls. One input buffer is reused; the output of a block is gathered into reused buffers and
 * written with one call; sha256 of the output is computed on a second thread for large files
 * (hasher.ts), so hashing overlaps encryption instead of doubling it.
 *
 * Progress: `onBytes` gets the input bytes consumed so far after each block; `signal` stops the
 * work between blocks (partial output removed, rejects with the signal's reason).
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fstatSync, fsync as fsyncCb, openSync, readSync, writeSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { promisify } from 'node:util';
import { basename, dirname, join, resolve } from 'node:path';
import { parseIdentities, parseRecipients } from './age';
import { createHashedOutput, type HashedOutput } from './hasher';
import { AgeOpener, AgeSealer } from './stream';
import type { EncryptOptions } from './stream';

export interface FileResult {
  /** Bytes written to `outPath`. */
  bytes: number;
  /** sha256 (hex) of what was written to `outPath`, computed while streaming. */
  sha256: string;
}

export interface FileOptions {
  /** fsync the output before the rename (default true: a crash never leaves an empty file under the final name). */
  fsync?: boolean;
  /**
   * Called with the bytes of the input consumed so far (the plaintext when encrypting, the
   * ciphertext when decrypting), once per block read (1 MiB), after the block is processed.
   */
  onBytes?: (inputBytesRead: number) => void;
  /**
   * Aborting stops the work between blocks: the partial output is removed (an existing `outPath`
   * stays untouched) and the call rejects with the signal's reason (an AbortError by default).
   */
  signal?: AbortSignal;
}

const BLOCK = 1024 * 1024;
/** Room for a block's tags (16 bytes per 64 KiB) and the header. */
const OUT_SLACK = 64 * 1024;

interface Engine {
  update(data: Buffer, out: Buffer[]): void | Promise<void>;
  final(out: Buffer[]): void | Promise<void>;
}

/** Encrypts `inPath` to `recipients` (X25519 `age1…`) into `outPath` (binary, or armored with `armor: true`). */
export async function encryptFile(
  inPath: string,
  outPath: string,
  recipients: readonly string[],
  options: EncryptOptions & FileOptions = {},
): Promise<FileResult> {
  const parsed = parseRecipients(recipients); // invalid recipients fail before touching the disk
  return await transformFile(inPath, outPath, () => AgeSealer.forParsed(parsed, options), 0o644, options);
}

/**
 * Decrypts the age file `inPath` (binary or armored) with any of `identities` into `outPath`
 * (mode 0600: it is the plaintext of a private asset).
 * Throws CryptoError WRONG_KEY ("This file was not encrypted for this key."), NOT_AGE or
 * CORRUPT; in every failure case nothing is left at `outPath` (nor any temp file).
 */
export async function decryptFile(inPath: string, outPath: string, identities: readonly string[], options: FileOptions = {}): Promise<FileResult> {
  const parsed = parseIdentities(identities);
  return await transformFile(inPath, outPath, async () => new AgeOpener(parsed), 0o600, options);
}

async function transformFile(
  inPath: string,
  outPath: string,
  makeEngine: () => Promise<Engine>,
  mode: number,
  options: FileOptions,
): Promise<FileResult> {
  const target = resolve(outPath);
  const tmp = join(dirname(target), `.${basename(target)}.${randomBytes(6).toString('hex')}.partial`);
  let input: number | null = null;
  let output: number | null = null;
  let done = false;
  let hasher: HashedOutput | null = null;
  const { signal, onBytes } = options;
  try {
    signal?.throwIfAborted();
    input = openSync(inPath, 'r');
    const engine = await makeEngine();
    output = openSync(tmp, 'wx', mode);
    const out = output;
    const size = fstatSync(input).size;
    // Blocks no bigger than the file (+1 to see one that grew): many small files, small buffers.
    const blockSize = Math.max(64 * 1024, Math.min(BLOCK, size + 1));
    // Output buffers hold a whole encrypted block (its tags and the header): one write per block.
    hasher = createHashedOutput(size, blockSize + OUT_SLACK);
    let bytes = 0;
    const write = (b: Buffer): void => {
      writeAll(out, b);
      bytes += b.length;
    };
    const buf = Buffer.allocUnsafe(blockSize);
    let consumed = 0;
    for (;;) {
      const bytesRead = readSync(input, buf, 0, blockSize, null);
      if (bytesRead === 0) break;
      const pieces: Buffer[] = [];
      await engine.update(buf.subarray(0, bytesRead), pieces);
      await hasher.put(pieces, write);
      consumed += bytesRead;
      onBytes?.(consumed);
      await yieldToLoop(); // a few ms per block: timers and I/O of the rest of the app run between blocks
      signal?.throwIfAborted();
    }
    const last: Buffer[] = [];
    await engine.final(last);
    await hasher.put(last, write);
    const sha256 = await hasher.digest();
    signal?.throwIfAborted();
    if (options.fsync !== false) await fsync(out);
    output = null;
    closeSync(out);
    await rename(tmp, target);
    done = true;
    return { bytes, sha256 };
  } finally {
    if (input !== null) closeSync(input);
    if (!done) {
      hasher?.abort();
      if (output !== null) closeSync(output);
      await rm(tmp, { force: true }).catch(() => undefined);
    }
  }
}

const yieldToLoop = (): Promise<void> => new Promise((r) => setImmediate(r));
const fsync = promisify(fsyncCb);

function writeAll(fd: number, buf: Buffer): void {
  for (let off = 0; off < buf.length; ) off += writeSync(fd, buf, off);
}
