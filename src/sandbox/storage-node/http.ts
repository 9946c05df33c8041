/** HTTP plumbing for the node: request bodies to files or memory, and responses. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { open, rm } from 'node:fs/promises';

export class BodyTooLargeError extends Error {
  override readonly name = 'BodyTooLargeError';
  constructor(readonly limit: number) {
    super(`The request body is larger than ${limit} bytes.`);
  }
}

/**
 * Streams the request body into a new file at `path` (fsynced). The whole body is always read,
 * even after a failure (too large, disk full), so the client gets the error response instead of
 * a reset connection; on failure the file is removed and the error rethrown.
 */
export async function receiveToFile(req: IncomingMessage, path: string, limit: number): Promise<number> {
  const fh = await open(path, 'wx');
  let bytes = 0;
  let failure: unknown;
  try {
    for await (const chunk of req as AsyncIterable<Buffer>) {
      bytes += chunk.length;
      if (failure !== undefined) continue;
      if (bytes > limit) {
        failure = new BodyTooLargeError(limit);
        continue;
      }
      try {
        await fh.write(chunk);
      } catch (e) {
        failure = e;
      }
    }
    if (failure === undefined) await fh.sync();
  } catch (e) {
    failure ??= e;
  } finally {
    await fh.close().catch(() => undefined);
  }
  if (failure !== undefined) {
    await rm(path, { force: true }).catch(() => undefined);
    throw failure instanceof Error ? failure : new Error('Receiving the request body failed.', { cause: failure });
  }
  return bytes;
}

/** Reads a (small) body into memory; throws BodyTooLargeError past `limit` (after draining it). */
export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    bytes += chunk.length;
    if (bytes <= limit) parts.push(chunk);
  }
  if (bytes > limit) throw new BodyTooLargeError(limit);
  return Buffer.concat(parts);
}

/** Reads and discards whatever is left of the body. */
export async function drain(req: IncomingMessage): Promise<void> {
  if (req.complete) return;
  for await (const _ of req as AsyncIterable<Buffer>) {
    // discard
  }
}

/** An HTTP reason phrase must be printable ASCII without CR/LF. */
const reasonPhrase = (s: string): string => s.replace(/[^\x20-\x7e]/g, '?').slice(0, 300);

export function sendJson(res: ServerResponse, status: number, body: unknown, reason?: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const text = JSON.stringify(body);
  res.statusCode = status;
  if (reason !== undefined) res.statusMessage = reasonPhrase(reason);
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.setHeader('content-length', Buffer.byteLength(text));
  res.end(text);
}

export function sendText(res: ServerResponse, status: number, text: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.statusCode = status;
  res.setHeader('content-type', 'text/plain; charset=utf-8');
  res.setHeader('content-length', Buffer.byteLength(text));
  res.end(text);
}

/**
 * An error: JSON `{ error: CODE, message }`, and the message as the HTTP reason phrase too,
 * because the Irys client puts `statusText` (not a JSON body) into its error messages.
 */
export function sendError(res: ServerResponse, status: number, code: string, message: string): void {
  sendJson(res, status, { error: code, message }, message);
}
