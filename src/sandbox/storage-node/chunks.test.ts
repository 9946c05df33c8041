import { describe, expect, it } from 'vitest';
import { AssemblyError, inferChunkSize, planAssembly, resumeChunks } from './chunks';
import type { ChunkInfo } from './store';

/**
 * The resume loop of @irys/upload-core's ChunkingUploader.runUpload, reduced to offsets:
 * 'data' mode (uploadData: chunk 0 holds the header and is sent last) or 'item' mode (a signed
 * item re-sent: chunk 0 first). Returns the chunks it POSTs and the ranges it skips.
 */
function simulateClient(total: number, cs: number, present: [string, number][], mode: 'data' | 'item') {
  const stream = { remaining: total, hasData: true };
  const readBytes = (n: number): number => {
    if (stream.remaining >= n) {
      stream.remaining -= n;
      return n;
    }
    const got = stream.remaining;
    stream.remaining = 0;
    stream.hasData = false;
    return got;
  };
  const list = [...present];
  const posts: ChunkInfo[] = [];
  const skipped: ChunkInfo[] = [];
  let offset = 0;
  let held = 0;
  if (mode === 'data') {
    held = readBytes(cs);
    offset += held;
  }
  let next = list.pop();
  while (stream.hasData) {
    if (next !== undefined && +next[0] - offset <= cs) {
      readBytes(next[1]);
      skipped.push({ offset, size: next[1] });
      offset += next[1];
      next = list.pop();
      continue;
    }
    const got = readBytes(cs);
    posts.push({ offset, size: got });
    offset += got;
  }
  if (mode === 'data') posts.push({ offset: 0, size: held });
  return { posts, skipped };
}

const full = (total: number, cs: number): ChunkInfo[] => {
  const out: ChunkInfo[] = [];
  for (let o = 0; o < total; o += cs) out.push({ offset: o, size: Math.min(cs, total - o) });
  return out;
};

/** Resumes an upload with `stored` chunks; returns what the node ends with and what was re-sent. */
function resume(total: number, cs: number, stored: ChunkInfo[], mode: 'data' | 'item') {
  const size = inferChunkSize(stored);
  const { posts, skipped } = simulateClient(total, cs, resumeChunks(stored, size), mode);
  const byOffset = new Map(stored.map((c) => [c.offset, c.size]));
  // ranges the client did not send because the node said it had them, but it has not
  const badSkips = skipped.filter((s) => byOffset.get(s.offset) !== s.size);
  for (const p of posts) if (p.size > 0) byOffset.set(p.offset, p.size);
  const final = [...byOffset].map(([offset, s]) => ({ offset, size: s }));
  return { size, posts: posts.filter((p) => p.size > 0), final, badSkips };
}

describe('chunked upload bookkeeping vs the client resume loop', () => {
  const cs = 1000;
  const total = 10_500; // 11 chunks, the last one short

  it('infers the chunk size the client used', () => {
    const all = full(total, cs);
    expect(inferChunkSize([])).toBe(25_000_000);
    expect(inferChunkSize([], 5)).toBe(5);
    expect(inferChunkSize(all)).toBe(cs);
    expect(inferChunkSize(all.slice(1, 4))).toBe(cs);
    expect(inferChunkSize(all.slice(3, 4))).toBe(cs); // a lone full chunk
    expect(inferChunkSize([{ offset: 25_000_000, size: 7_000_000 }])).toBe(25_000_000); // the short tail of a 2-chunk item
    expect(inferChunkSize([{ offset: 0, size: 400 }])).toBe(400);
  });

  it('reports only the unbroken run from offset chunkSize, highest offset first', () => {
    const all = full(total, cs);
    expect(resumeChunks(all, cs)).toEqual(all.slice(1, -1).reverse().map((c) => [String(c.offset), c.size]));
    expect(resumeChunks([all[1]!, all[2]!, all[5]!], cs)).toEqual([
      ['2000', 1000],
      ['1000', 1000],
    ]);
    expect(resumeChunks([all[0]!, all[2]!], cs)).toEqual([]);
  });

  for (const mode of ['data', 'item'] as const) {
    it(`${mode} mode: a resumed upload completes and sends only what is missing`, () => {
      const all = full(total, cs);
      for (let k = 0; k <= all.length; k++) {
        // data mode: chunk 0 is sent last, so an interrupted upload has chunks 1..k
        // item mode: chunks are sent in order, so it has 0..k-1
        const stored = mode === 'data' ? all.slice(1, k + 1) : all.slice(0, k);
        const r = resume(total, cs, stored, mode);
        expect(r.badSkips).toEqual([]);
        expect(r.size).toBe(stored.length === 0 ? 25_000_000 : cs);
        if (stored.length === 0) continue; // the client refuses a size mismatch: a fresh upload instead
        expect(planAssembly(r.final).total).toBe(total);
        const missing = all.length - stored.length;
        // besides what is missing (in data mode that includes chunk 0, sent last): the short
        // last chunk (never reported), and in item mode one more chunk
        expect(r.posts.length).toBeLessThanOrEqual(missing + 2);
        if (mode === 'data' && k < all.length - 1) expect(r.posts.length).toBe(missing); // exactly what is missing
      }
    });

    it(`${mode} mode: holes are uploaded, never skipped`, () => {
      const all = full(total, cs);
      const stored = [all[1]!, all[2]!, all[4]!, all[7]!, all[10]!];
      const r = resume(total, cs, stored, mode);
      if (mode === 'data') {
        expect(r.badSkips).toEqual([]);
        expect(planAssembly(r.final).total).toBe(total);
      } else {
        // re-sending a signed item whose chunk 0 never arrived: the client skips chunk 0 on the node's word
        // that chunk 1 is present; finishing then reports the gap instead of storing anything wrong
        expect(r.badSkips).toEqual([{ offset: 0, size: cs }]);
        expect(() => planAssembly(r.final)).toThrow(AssemblyError);
      }
    });
  }

  it('an item that is an exact multiple of the chunk size', () => {
    const t = 5 * cs;
    const all = full(t, cs);
    const r = resume(t, cs, all.slice(1, 3), 'data');
    expect(planAssembly(r.final).total).toBe(t);
  });

  it('refuses to assemble gaps, overlaps and nothing', () => {
    expect(() => planAssembly([])).toThrow(/no data/);
    expect(() => planAssembly([{ offset: 100, size: 10 }])).toThrow(/missing bytes 0\.\.99/);
    expect(() =>
      planAssembly([
        { offset: 0, size: 10 },
        { offset: 5, size: 10 },
      ]),
    ).toThrow(/overlap/);
    expect(
      planAssembly([
        { offset: 10, size: 5 },
        { offset: 0, size: 10 },
        { offset: 15, size: 0 },
      ]),
    ).toEqual({
      parts: [
        { offset: 0, size: 10 },
        { offset: 10, size: 5 },
      ],
      total: 15,
    });
  });
});
