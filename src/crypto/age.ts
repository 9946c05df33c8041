/**
 * age keys: X25519 identities (`AGE-SECRET-KEY-1…`) and recipients (`age1…`), via typage
 * (`age-encryption`, the reference TypeScript implementation of age).
 *
 * Only X25519 is accepted on purpose: it is what Debian's `age` CLI (1.1.x) reads, so every
 * file and grant Ativo makes can be opened with stock tools. typage also knows post-quantum
 * hybrid (`age1pq1…`) and tag recipients; those are rejected here with a clear message.
 */
import { Decrypter, Encrypter, generateX25519Identity, identityToRecipient } from 'age-encryption';
import { CryptoError } from './errors';

export interface AgeKeyPair {
  /** The secret half: `AGE-SECRET-KEY-1…` (keep it in the keychain, never on disk). */
  identity: string;
  /** The public half: `age1…`. */
  recipient: string;
}

const IDENTITY_PREFIX = 'AGE-SECRET-KEY-1';
const PQ_IDENTITY_PREFIX = 'AGE-SECRET-KEY-PQ-1';
const OTHER_RECIPIENT_PREFIXES = ['age1pq1', 'age1tag1', 'age1tagpq1'];

const invalidRecipient = (why: string): CryptoError =>
  new CryptoError('INVALID_RECIPIENT', `Not a valid age recipient: ${why} An X25519 age recipient looks like age1… (62 characters).`);
const invalidIdentity = (why: string): CryptoError =>
  new CryptoError('INVALID_IDENTITY', `Not a valid age identity: ${why} An X25519 age identity looks like AGE-SECRET-KEY-1… (74 characters).`);

/**
 * Validates an X25519 recipient and returns it without surrounding whitespace.
 * Never echoes the input (a secret pasted in the wrong field must not land in a log).
 */
export function parseRecipient(recipient: string): string {
  if (typeof recipient !== 'string') throw invalidRecipient('it is not a string.');
  const r = recipient.trim();
  if (r.length === 0) throw invalidRecipient('it is empty.');
  if (r.toUpperCase().startsWith('AGE-SECRET-KEY-')) {
    throw invalidRecipient('this is a secret identity, not a public recipient; share its recipient (age1…) instead.');
  }
  if (OTHER_RECIPIENT_PREFIXES.some((p) => r.startsWith(p))) {
    throw invalidRecipient('only X25519 recipients are supported (post-quantum and tag recipients are not readable by the age 1.1 CLI).');
  }
  if (!r.startsWith('age1')) throw invalidRecipient('it does not start with age1.');
  try {
    new Encrypter().addRecipient(r); // bech32 checksum, prefix, 32-byte key
  } catch {
    throw invalidRecipient('it is mistyped or truncated (bad checksum or length).');
  }
  return r;
}

/** Validates an X25519 identity and returns it without surrounding whitespace. Never echoes it. */
export function parseIdentity(identity: string): string {
  if (typeof identity !== 'string') throw invalidIdentity('it is not a string.');
  const s = identity.trim();
  if (s.length === 0) throw invalidIdentity('it is empty.');
  if (s.startsWith('age1')) throw invalidIdentity('this is a public recipient, not a secret identity.');
  if (s.startsWith(PQ_IDENTITY_PREFIX)) throw invalidIdentity('post-quantum identities are not supported.');
  if (!s.startsWith(IDENTITY_PREFIX)) throw invalidIdentity('it does not start with AGE-SECRET-KEY-1.');
  try {
    new Decrypter().addIdentity(s); // bech32 checksum, prefix, 32-byte scalar
  } catch {
    throw invalidIdentity('it is mistyped or truncated (bad checksum or length).');
  }
  return s;
}

/**
 * The identities in an age identity file (what `age-keygen` writes): one per line, `#`
 * comments and blank lines ignored. Throws INVALID_IDENTITY naming the line, not its content.
 */
export function parseIdentityFile(text: string): string[] {
  const out: string[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    const t = line.trim();
    if (t === '' || t.startsWith('#')) return;
    try {
      out.push(parseIdentity(t));
    } catch (e) {
      throw new CryptoError('INVALID_IDENTITY', `Line ${i + 1} of the identity file is not a valid age identity.`, { cause: e });
    }
  });
  if (out.length === 0) throw invalidIdentity('the identity file contains no identity.');
  return out;
}

/** The public recipient (`age1…`) of an identity. */
export async function recipientOf(identity: string): Promise<string> {
  return await identityToRecipient(parseIdentity(identity));
}

/** A new random X25519 key pair. */
export async function generateIdentity(): Promise<AgeKeyPair> {
  // generateX25519Identity, not typage's generateIdentity: that one may switch to post-quantum.
  const identity = await generateX25519Identity();
  return { identity, recipient: await identityToRecipient(identity) };
}

/** Validates a non-empty list of recipients (deduplicated, order kept). */
export function parseRecipients(recipients: readonly string[]): string[] {
  if (!Array.isArray(recipients) || recipients.length === 0) {
    throw new CryptoError('INVALID_RECIPIENT', 'At least one recipient (age1…) is needed to encrypt.');
  }
  return [...new Set(recipients.map(parseRecipient))];
}

/** Validates a non-empty list of identities (deduplicated, order kept). */
export function parseIdentities(identities: readonly string[]): string[] {
  if (!Array.isArray(identities) || identities.length === 0) {
    throw new CryptoError('INVALID_IDENTITY', 'At least one identity (AGE-SECRET-KEY-1…) is needed to decrypt.');
  }
  return [...new Set(identities.map(parseIdentity))];
}
