/**
 * The age v1 engines behind stream.ts: AgeSealer (encrypts) and AgeOpener (decrypts binary or
 * armored input), with no stream API of their own (files.ts drives them with its own I/O loop;
 * stream.ts wraps them in Node Transforms). See stream.ts for the format and the split of work
 * between typage and Node's native ChaCha20-Poly1305.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { Decrypter, Encrypter } from 'age-encryption';
import type { Identity, Stanza } from 'age-encryption';
import { parseIdentities, parseRecipients } from './age';
import { ArmorDecoder, ArmorEncoder, ARMOR_BEGIN } from './armor';
import { CryptoError, CRYPTO_MESSAGES } from './errors';

export const CHUNK_SIZE = 64 * 1024;
const TAG_SIZE = 16;
const NONCE_SIZE = 16;
const SEALED_CHUNK = CHUNK_SIZE + TAG_SIZE;
const MAGIC = Buffer.from('age-encryption.org/v1\n', 'latin1');
const ARMOR_MAGIC = Buffer.from(ARMOR_BEGIN, 'latin1');
/** Headers are tiny (98 bytes per X25519 recipient); refuse to buffer unbounded garbage. */
const MAX_HEADER = 1024 * 1024;
const MAX_LEADING_WHITESPACE = 1024;
/** Lets reading, encryption and writing overlap (a few MiB in flight; memory stays bounded). */
export const BUFFERING = { readableHighWaterMark: 4 * 1024 * 1024, writableHighWaterMark: 4 * 1024 * 1024 };

export interface EncryptOptions {
  /** Emit ASCII armor (`age -a`) instead of binary. Default false. */
  armor?: boolean;
}

const corrupt = (detail: string, cause?: unknown): CryptoError =>
  new CryptoError('CORRUPT', `${CRYPTO_MESSAGES.CORRUPT} (${detail})`, cause === undefined ? undefined : { cause });

/** Size of the binary age file for a plaintext of `plaintextBytes`, encrypted to `recipientCount` X25519 recipients. */
export function encryptedSize(plaintextBytes: number, recipientCount = 1): number {
  if (!Number.isSafeInteger(plaintextBytes) || plaintextBytes < 0) throw new RangeError('plaintextBytes must be a non-negative integer');
  if (!Number.isSafeInteger(recipientCount) || recipientCount < 1) throw new RangeError('recipientCount must be a positive integer');
  // "age-encryption.org/v1\n" + per recipient "-> X25519 <43>\n<43>\n" + "--- <43>\n"
  const header = 22 + recipientCount * (10 + 43 + 1 + 43 + 1) + 4 + 43 + 1;
  const chunks = Math.max(1, Math.ceil(plaintextBytes / CHUNK_SIZE));
  return header + NONCE_SIZE + plaintextBytes + chunks * TAG_SIZE;
}

/** STREAM nonce: 11-byte big-endian chunk counter, then the last-chunk flag. */
class StreamNonce {
  readonly bytes = Buffer.alloc(12);
  next(): void {
    for (let i = 10; i >= 0; i--) {
      this.bytes[i] = ((this.bytes[i] ?? 0) + 1) & 0xff;
      if (this.bytes[i] !== 0) return;
    }
    throw corrupt('too many chunks');
  }
}

function payloadKey(fileKey: Uint8Array, nonce: Uint8Array): Buffer {
  return Buffer.from(hkdfSync('sha256', fileKey, nonce, 'payload', 32));
}

/** Where the header ends: just past the `--- <mac>` line, or -1 if not buffered yet. */
function headerEnd(buf: Buffer): number {
  // Stanza lines start with "-> " and bodies are base64, so the first line starting with
  // "---" is the MAC line.
  const i = buf.indexOf('\n---', 0, 'latin1');
  if (i < 0) return -1;
  const nl = buf.indexOf(0x0a, i + 1);
  return nl < 0 ? -1 : nl + 1;
}

/** The header and file key for a new file, from typage (which does the X25519 wrapping and the HMAC). */
async function newHeader(recipients: readonly string[]): Promise<{ header: Buffer; fileKey: Uint8Array }> {
  let fileKey: Uint8Array | undefined;
  const e = new Encrypter();
  for (const r of recipients) e.addRecipient(r);
  // Observes the file key through the public Recipient interface; adds no stanza.
  e.addRecipient({
    wrapFileKey(key: Uint8Array): Stanza[] {
      fileKey = Uint8Array.from(key);
      return [];
    },
  });
  const sample = Buffer.from(await e.encrypt(new Uint8Array(0)));
  const end = headerEnd(sample);
  if (fileKey === undefined || end < 0) throw new Error('age-encryption produced no header');
  return { header: Buffer.from(sample.subarray(0, end)), fileKey };
}

/**
 * The encryption engine, independent of any stream API: `update` and `final` append output
 * pieces to `out` synchronously. Output is binary, or armored text with `armor`.
 */
export class AgeSealer {
  private readonly nonce = new StreamNonce();
  private readonly pending = Buffer.alloc(CHUNK_SIZE);
  private used = 0;
  private prefix: Buffer | null;
  private key: Buffer | null;
  private readonly armor: ArmorEncoder | null;

  private constructor(key: Buffer, prefix: Buffer, armor: boolean) {
    this.key = key;
    this.prefix = prefix;
    this.armor = armor ? new ArmorEncoder() : null;
  }

  /** A sealer for a new file to `recipients` (throws INVALID_RECIPIENT). */
  static async create(recipients: readonly string[], options: EncryptOptions = {}): Promise<AgeSealer> {
    return await AgeSealer.forParsed(parseRecipients(recipients), options);
  }

  /** @internal recipients already validated */
  static async forParsed(recipients: string[], options: EncryptOptions): Promise<AgeSealer> {
    const { header, fileKey } = await newHeader(recipients);
    const nonce = randomBytes(NONCE_SIZE);
    const key = payloadKey(fileKey, nonce);
    fileKey.fill(0);
    return new AgeSealer(key, Buffer.concat([header, nonce]), options.armor === true);
  }

  /** Encrypts `data` (which is not retained after the call). */
  update(data: Buffer, out: Buffer[]): void {
    const bin = this.armor === null ? out : [];
    this.takePrefix(bin);
    let off = 0;
    while (off < data.length) {
      // A full chunk is sealed as non-final only once we know more data follows.
      if (this.used === CHUNK_SIZE) {
        this.seal(this.pending, false, bin);
        this.used = 0;
      }
      if (this.used === 0 && data.length - off > CHUNK_SIZE) {
        this.seal(data.subarray(off, off + CHUNK_SIZE), false, bin); // no copy
        off += CHUNK_SIZE;
        continue;
      }
      const n = Math.min(CHUNK_SIZE - this.used, data.length - off);
      data.copy(this.pending, this.used, off, off + n);
      this.used += n;
      off += n;
    }
    if (this.armor !== null && bin.length > 0) out.push(this.armor.push(Buffer.concat(bin)));
  }

  /** Seals the last chunk (possibly empty) and ends the armor. */
  final(out: Buffer[]): void {
    const bin = this.armor === null ? out : [];
    this.takePrefix(bin);
    this.seal(this.pending.subarray(0, this.used), true, bin);
    this.used = 0;
    this.key?.fill(0);
    this.key = null;
    if (this.armor !== null) out.push(this.armor.push(Buffer.concat(bin)), this.armor.end());
  }

  private takePrefix(out: Buffer[]): void {
    if (this.prefix === null) return;
    out.push(this.prefix);
    this.prefix = null;
  }

  private seal(plaintext: Buffer, last: boolean, out: Buffer[]): void {
    if (this.key === null) throw new Error('this age file is already finished');
    if (last) this.nonce.bytes[11] = 1;
    const c = createCipheriv('chacha20-poly1305', this.key, this.nonce.bytes, { authTagLength: TAG_SIZE });
    out.push(c.update(plaintext));
    c.final();
    out.push(c.getAuthTag());
    if (!last) this.nonce.next();
  }
}

type OpenState = 'sniff' | 'header' | 'nonce' | 'payload' | 'done';

/**
 * The decryption engine, independent of any stream API. `update` is async only while the
 * header is processed; plaintext pieces are appended to `out` as chunks authenticate.
 * Errors (CryptoError): WRONG_KEY, NOT_AGE, CORRUPT.
 */
export class AgeOpener {
  private readonly identities: string[];
  private state: OpenState = 'sniff';
  private armor: ArmorDecoder | null = null;
  private buffered: Buffer = Buffer.alloc(0);
  private fileKey: Uint8Array | null = null;
  private key: Buffer | null = null;
  private readonly nonce = new StreamNonce();
  private readonly pending = Buffer.alloc(SEALED_CHUNK);
  private used = 0;
  private chunks = 0;

  constructor(identities: readonly string[]) {
    this.identities = parseIdentities(identities);
  }

  /** Decrypts more input (`data` is not retained after the returned promise settles). */
  async update(data: Buffer, out: Buffer[]): Promise<void> {
    if (this.state === 'sniff') {
      this.buffered = Buffer.concat([this.buffered, data]);
      const kind = sniff(this.buffered, false);
      if (kind === 'more') return;
      data = this.buffered;
      this.buffered = Buffer.alloc(0);
      this.state = 'header';
      if (kind === 'armor') this.armor = new ArmorDecoder();
    }
    if (this.state === 'payload' && this.armor === null) {
      this.payload(data, out); // the hot path: no promise chain per chunk
      return;
    }
    await this.binary(this.armor === null ? data : this.armor.push(data), out);
  }

  /** End of input: authenticates the last chunk (detects truncation and trailing data). */
  async final(out: Buffer[]): Promise<void> {
    if (this.state === 'sniff') sniff(this.buffered, true); // throws NOT_AGE
    if (this.armor !== null) await this.binary(this.armor.end(), out);
    if (this.state === 'header' || this.state === 'nonce') throw corrupt('the file ends inside its header');
    if (this.state === 'done') throw new Error('this age file is already finished');
    // Final chunk: flagged "last"; it may be full-size, and is empty only for an empty file.
    this.open(this.pending.subarray(0, this.used), true, out);
    this.used = 0;
    this.state = 'done';
    this.key?.fill(0);
    this.key = null;
  }

  private async binary(data: Buffer, out: Buffer[]): Promise<void> {
    if (data.length === 0) return;
    if (this.state === 'header') {
      this.buffered = this.buffered.length === 0 ? data : Buffer.concat([this.buffered, data]);
      const end = headerEnd(this.buffered);
      if (end < 0) {
        if (this.buffered.length > MAX_HEADER) throw corrupt('the header is too large');
        if (this.buffered === data) this.buffered = Buffer.from(data); // do not retain the caller's buffer
        return;
      }
      const header = this.buffered.subarray(0, end);
      const rest = this.buffered.subarray(end);
      this.buffered = Buffer.alloc(0);
      this.fileKey = await this.unwrap(header);
      this.state = 'nonce';
      data = rest;
      if (data.length === 0) return;
    }
    if (this.state === 'nonce') {
      this.buffered = Buffer.concat([this.buffered, data]);
      if (this.buffered.length < NONCE_SIZE) return;
      if (this.fileKey === null) throw new Error('no file key');
      this.key = payloadKey(this.fileKey, this.buffered.subarray(0, NONCE_SIZE));
      this.fileKey.fill(0);
      this.fileKey = null;
      data = this.buffered.subarray(NONCE_SIZE);
      this.buffered = Buffer.alloc(0);
      this.state = 'payload';
    }
    this.payload(data, out);
  }

  private payload(data: Buffer, out: Buffer[]): void {
    if (this.state !== 'payload') throw new Error('this age file is already finished');
    let off = 0;
    while (off < data.length) {
      // A full sealed chunk is opened as non-final only once we know more data follows.
      if (this.used === SEALED_CHUNK) {
        this.open(this.pending, false, out);
        this.used = 0;
      }
      if (this.used === 0 && data.length - off > SEALED_CHUNK) {
        this.open(data.subarray(off, off + SEALED_CHUNK), false, out);
        off += SEALED_CHUNK;
        continue;
      }
      const n = Math.min(SEALED_CHUNK - this.used, data.length - off);
      data.copy(this.pending, this.used, off, off + n);
      this.used += n;
      off += n;
    }
  }

  /** typage parses the header, matches an identity and checks the header MAC. */
  private async unwrap(header: Buffer): Promise<Uint8Array> {
    const seen = { noMatch: false };
    const d = new Decrypter();
    for (const id of this.identities) d.addIdentity(id);
    // Tried last, so it runs only when no real identity could unwrap the file key.
    const sentinel: Identity = {
      unwrapFileKey: () => {
        seen.noMatch = true;
        return null;
      },
    };
    d.addIdentity(sentinel);
    try {
      return await d.decryptHeader(Uint8Array.from(header));
    } catch (e) {
      if (seen.noMatch) throw new CryptoError('WRONG_KEY', CRYPTO_MESSAGES.WRONG_KEY);
      throw corrupt('bad header', e);
    }
  }

  private open(sealed: Buffer, last: boolean, out: Buffer[]): void {
    if (this.key === null) throw new Error('decryptor not ready');
    if (sealed.length < TAG_SIZE) throw corrupt('the file is truncated');
    if (last) this.nonce.bytes[11] = 1;
    const d = createDecipheriv('chacha20-poly1305', this.key, this.nonce.bytes, { authTagLength: TAG_SIZE });
    d.setAuthTag(sealed.subarray(sealed.length - TAG_SIZE));
    const plain = d.update(sealed.subarray(0, sealed.length - TAG_SIZE));
    try {
      d.final();
    } catch (e) {
      throw corrupt(last ? 'the file is truncated or its last chunk is damaged' : `chunk ${this.chunks} is damaged`, e);
    }
    if (last && plain.length === 0 && this.chunks > 0) throw corrupt('empty last chunk');
    this.chunks++;
    if (!last) this.nonce.next();
    if (plain.length > 0) out.push(plain);
  }
}


/** 'binary' / 'armor' once decidable, 'more' if more bytes are needed; throws NOT_AGE. */
function sniff(buf: Buffer, atEnd: boolean): 'binary' | 'armor' | 'more' {
  let i = 0;
  while (i < buf.length && i <= MAX_LEADING_WHITESPACE && (buf[i] === 0x20 || buf[i] === 0x09 || buf[i] === 0x0a || buf[i] === 0x0d)) i++;
  const notAge = (): CryptoError => new CryptoError('NOT_AGE', buf.length === 0 ? `${CRYPTO_MESSAGES.NOT_AGE} (it is empty)` : CRYPTO_MESSAGES.NOT_AGE);
  if (i > MAX_LEADING_WHITESPACE) throw notAge();
  const prefixOf = (magic: Buffer, at: number): 'yes' | 'partial' | 'no' => {
    const n = Math.min(magic.length, buf.length - at);
    if (!buf.subarray(at, at + n).equals(magic.subarray(0, n))) return 'no';
    return n === magic.length ? 'yes' : 'partial';
  };
  const bin = i === 0 ? prefixOf(MAGIC, 0) : 'no';
  const arm = prefixOf(ARMOR_MAGIC, i);
  if (bin === 'yes') return 'binary';
  if (arm === 'yes') return 'armor';
  if ((bin === 'partial' || arm === 'partial' || i === buf.length) && !atEnd) return 'more';
  throw notAge();
}
