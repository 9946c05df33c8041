/**
 * The chunked-upload ("x-chunking-version: 2") bookkeeping that must match what the Irys
 * client's ChunkingUploader does with the node's answers (see README.md, "Chunked uploads").
 */
import type { ChunkInfo } from './store';

/** The client's default chunk size (ChunkingUploader constructor). */
export const CLIENT_DEFAULT_CHUNK_SIZE = 25_000_000;

/**
 * The chunk size an upload was made with, from the chunks stored so far. The client sends no
 * chunk size, but on resume it refuses to go on unless the node reports the one it uses.
 * Chunks are cut at multiples of the size and only the last one may be shorter, so:
 * chunk 0's length (it is always full unless the item is smaller than one chunk); else the
 * largest chunk, when there are two or more (all but one are full); else, for one lone chunk
 * at offset o with length l: l if o is a multiple of l (a full chunk), otherwise o (the short
 * last chunk of a two-chunk item). `fallback` when nothing is stored yet.
 */
export function inferChunkSize(chunks: readonly ChunkInfo[], fallback = CLIENT_DEFAULT_CHUNK_SIZE): number {
  const stored = chunks.filter((c) => c.size > 0);
  const first = stored.find((c) => c.offset === 0);
  if (first !== undefined) return first.size;
  if (stored.length >= 2) return Math.max(...stored.map((c) => c.size));
  const lone = stored[0];
  if (lone === undefined) return fallback;
  return lone.offset % lone.size === 0 ? lone.size : lone.offset;
}

/**
 * What to report as already present when a client resumes, in the order the client wants
 * (it `pop()`s from the end, so descending offsets) and as [offset, length] pairs.
 *
 * The client skips a reported chunk whenever its offset is within one chunk size of where it
 * is, and it starts at offset `chunkSize` when it uploads data (chunk 0 holds the item header
 * and signature and is always sent last, after signing) or at 0 when it re-sends a signed
 * item. So only the unbroken run of full chunks from offset `chunkSize` on is safe to report:
 * a hole would make the client skip a chunk that
 * is missing. Only full chunks: a re-sending client skips by the length of the chunk after the
 * one it is at, so a short last chunk would shift it. Chunk 0 is never reported. So a resumed
 * upload re-sends chunk 0 (it carries the new signature anyway) and at most one more chunk.
 */
export function resumeChunks(chunks: readonly ChunkInfo[], chunkSize: number): [string, number][] {
  const byOffset = new Map(chunks.filter((c) => c.size > 0).map((c) => [c.offset, c.size]));
  const run: [string, number][] = [];
  for (let offset = chunkSize; byOffset.get(offset) === chunkSize; offset += chunkSize) run.push([String(offset), chunkSize]);
  return run.reverse();
}

export class AssemblyError extends Error {
  override readonly name = 'AssemblyError';
}

/** The stored chunks in byte order, checked to cover 0..total without gaps or overlaps. */
export function planAssembly(chunks: readonly ChunkInfo[]): { parts: ChunkInfo[]; total: number } {
  const parts = chunks.filter((c) => c.size > 0).sort((a, b) => a.offset - b.offset);
  let expected = 0;
  for (const c of parts) {
    if (c.offset > expected) throw new AssemblyError(`The upload is missing bytes ${expected}..${c.offset - 1}: upload the chunk at offset ${expected} and finish again.`);
    if (c.offset < expected) throw new AssemblyError(`The chunks at offsets below ${expected} overlap the one at ${c.offset} (chunk size changed within one upload); start a new upload.`);
    expected = c.offset + c.size;
  }
  if (expected === 0) throw new AssemblyError('The upload has no data: upload its chunks before finishing it.');
  return { parts, total: expected };
}
