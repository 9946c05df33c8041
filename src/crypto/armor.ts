/**
 * Streaming age ASCII armor (age spec, "ASCII armor"): a strict PEM subset,
 * `-----BEGIN AGE ENCRYPTED FILE-----`, padded base64 in 64-column lines (the last may be
 * shorter), `-----END AGE ENCRYPTED FILE-----`. typage's `armor` module does the same on
 * whole strings; these work chunk by chunk so armored files never sit in memory whole.
 */
import { CryptoError, CRYPTO_MESSAGES } from './errors';

export const ARMOR_BEGIN = '-----BEGIN AGE ENCRYPTED FILE-----';
export const ARMOR_END = '-----END AGE ENCRYPTED FILE-----';
const LINE_BYTES = 48; // 48 bytes -> 64 base64 columns
const BASE64_LINE = /^[A-Za-z0-9+/]*={0,2}$/;
/** Longest line we buffer while looking for a newline (a valid line is 64 columns). */
const MAX_LINE = 1024;

const corrupt = (detail: string): CryptoError => new CryptoError('CORRUPT', `${CRYPTO_MESSAGES.CORRUPT} (armor: ${detail})`);

export class ArmorEncoder {
  private rest = Buffer.alloc(0);
  private started = false;

  /** Encodes bytes; returns the armored text produced so far (whole lines only). */
  push(data: Buffer): Buffer {
    const head = this.started ? '' : `${ARMOR_BEGIN}\n`;
    this.started = true;
    const all = this.rest.length > 0 ? Buffer.concat([this.rest, data]) : data;
    const whole = all.length - (all.length % LINE_BYTES);
    this.rest = Buffer.from(all.subarray(whole));
    if (whole === 0) return Buffer.from(head, 'latin1');
    return Buffer.from(head + lines(all.subarray(0, whole).toString('base64')), 'latin1');
  }

  /** The last (short) line and the END line. */
  end(): Buffer {
    const head = this.started ? '' : `${ARMOR_BEGIN}\n`;
    this.started = true;
    const last = this.rest.length > 0 ? `${this.rest.toString('base64')}\n` : '';
    this.rest = Buffer.alloc(0);
    return Buffer.from(`${head}${last}${ARMOR_END}\n`, 'latin1');
  }
}

function lines(b64: string): string {
  let out = '';
  for (let i = 0; i < b64.length; i += 64) out += `${b64.slice(i, i + 64)}\n`;
  return out;
}

type DecodeState = 'begin' | 'body' | 'done';

/**
 * Decodes armored text chunk by chunk. Leading and trailing whitespace and CRLF line
 * endings are accepted (as age and typage do); anything else malformed throws CORRUPT.
 */
export class ArmorDecoder {
  private partial = '';
  private state: DecodeState = 'begin';
  private sawLast = false;

  push(data: Buffer): Buffer {
    const text = this.partial + data.toString('latin1');
    const parts = text.split('\n');
    this.partial = parts.pop() ?? '';
    if (this.partial.length > MAX_LINE) throw corrupt('line too long');
    const out: Buffer[] = [];
    for (const line of parts) this.line(line, out);
    return out.length === 1 ? (out[0] as Buffer) : Buffer.concat(out);
  }

  end(): Buffer {
    const out: Buffer[] = [];
    if (this.partial !== '') this.line(this.partial, out);
    this.partial = '';
    if (this.state !== 'done') throw corrupt(this.state === 'begin' ? 'no BEGIN line' : 'missing END line (truncated)');
    return Buffer.concat(out);
  }

  private line(raw: string, out: Buffer[]): void {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    switch (this.state) {
      case 'begin': {
        const t = line.trim();
        if (t === '') return;
        if (t !== ARMOR_BEGIN) throw corrupt('bad BEGIN line');
        this.state = 'body';
        return;
      }
      case 'body': {
        if (line === ARMOR_END) {
          this.state = 'done'; // an empty body is valid armor (and then not a valid age file)
          return;
        }
        if (this.sawLast) throw corrupt('data after the last line');
        if (line.length === 0 || line.length > 64 || line.length % 4 !== 0 || !BASE64_LINE.test(line)) throw corrupt('bad base64 line');
        if (line.length < 64 || line.endsWith('=')) this.sawLast = true;
        out.push(Buffer.from(line, 'base64'));
        return;
      }
      case 'done':
        if (line.trim() !== '') throw corrupt('data after the END line');
        return;
    }
  }
}
