/**
 * The required one: a 300 MB file uploads through the real Irys client in chunks from a child
 * process running the job queue; the test SIGKILLs that process mid-upload, starts a new one on
 * the same catalog, and the upload completes without re-sending the chunks the node kept, with
 * the item id the first attempt would have had, and the bytes served back hash to the catalog's
 * sha256. Real anvil, real local storage node, real client, real SQLite: no mocks.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Catalog } from '../catalog/db';
import { UploadsQueries } from '../catalog/uploads';
import { JobQueue } from '../jobs';
import { computeItemId } from './item';
import { enqueueUpload, registerUploadJobs, type UploadCheckpoint, type UploadJobResult } from './jobs';
import { devPrivateKey, startStorageTestEnv, until, writeTestFile, type StorageTestEnv } from './testing';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const WORKER = fileURLToPath(new URL('./fixtures/upload-worker.ts', import.meta.url));
const MiB = 1024 * 1024;
const anyString: unknown = expect.any(String);
const SIZE = 300_000_000; // 300 MB
const CHUNK = 8 * MiB;
const BATCH = 4;
const ACCOUNT = 1;

interface Child {
  pid: number;
  out(): string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(): void;
}

function runWorker(args: string[]): Child {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER, ...args], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { out += d.toString(); });
  return {
    pid: child.pid ?? 0,
    out: () => out,
    exit: new Promise((resolve) => child.on('exit', (code, signal) => { resolve({ code, signal }); })),
    kill: () => child.kill('SIGKILL'),
  };
}

/** Peak resident memory of a live process (Linux), in bytes. */
function peakRss(pid: number): number | undefined {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

async function hashUrl(url: string): Promise<{ status: number; sha256: string; bytes: number }> {
  const r = await fetch(url);
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const c of (r.body ?? []) as AsyncIterable<Uint8Array>) {
    hash.update(c);
    bytes += c.byteLength;
  }
  return { status: r.status, sha256: hash.digest('hex'), bytes };
}

describe('upload: a real crash mid-upload', () => {
  let env: StorageTestEnv;

  beforeAll(async () => {
    env = await startStorageTestEnv();
  });
  afterAll(async () => {
    await env.stop();
  });

  it('resumes a 300 MB upload after SIGKILL without re-sending stored chunks, same item id, bytes verified', async () => {
    const funder = await env.client(ACCOUNT);
    await env.fund(funder, '1');
    const path = join(env.dir, 'big.bin');
    const sha256 = await writeTestFile(path, SIZE, 42);
    const file = join(env.dir, 'catalog.sqlite');

    // Enqueue here; run in children.
    const setup = Catalog.open(file);
    const assetId = setup.assets.insert({ kind: 'dataset', name: 'Big', rootPath: env.dir }, new Date().toISOString());
    const q0 = new JobQueue(setup);
    registerUploadJobs(q0, { catalog: setup, clientFor: () => funder });
    const jobId = enqueueUpload(q0, { assetId, relPath: 'big.bin', path, sha256, size: SIZE, network: 'sandbox' }).job.id;
    setup.close();
    const args = [file, env.node.url, env.anvil.rpcUrl, String(ACCOUNT), String(CHUNK), String(BATCH)];

    // 1. First run: killed once the node holds ≥ 64 MiB of chunks.
    const first = runWorker(args);
    await until(() => env.node.stats().chunkBytes >= 64 * MiB || first.out().includes('result'), 'chunks to arrive');
    const rss1 = peakRss(first.pid);
    first.kill();
    expect(await first.exit, first.out()).toEqual({ code: null, signal: 'SIGKILL' });
    expect(first.out()).not.toContain('result');

    const catalog = Catalog.open(file);
    try {
      const left = catalog.jobs.get(jobId);
      expect(left?.state).toBe('running'); // the dead process's job, as it left it
      const cp = left?.checkpoint as unknown as UploadCheckpoint;
      expect(cp).toMatchObject({ chunkSize: CHUNK, uploadId: anyString, anchor: anyString, itemId: null, dataSha256: sha256 });
      const uploadId = cp.uploadId ?? '';

      // What the node kept: wait until no chunk is half-written (the killed requests are cleaned up), then ask it.
      const uploadDir = join(env.nodeDir, 'uploads', uploadId);
      await until(() => readdirSync(uploadDir).every((f) => f === 'upload.json' || f.endsWith('.chunk')), 'the node to drop the cut-off chunks');
      const info = (await (await fetch(`${env.node.url}/chunks/ethereum/${uploadId}/-1`)).json()) as { size: number; chunks: [string, number][]; stored: [string, number][] };
      expect(info.size).toBe(CHUNK);
      const resumable = new Set(info.chunks.map(([o]) => Number(o)));
      const beyondGap = info.stored.filter(([o]) => !resumable.has(Number(o)));
      const resendBytes = beyondGap.reduce((n, [, len]) => n + len, 0);
      expect(resumable.size).toBeGreaterThanOrEqual(4); // a real part of the file survived the crash
      expect(beyondGap.length).toBeLessThanOrEqual(BATCH - 1); // only chunks past a hole left by the kill
      const before = env.node.stats();

      // The id the first attempt would have produced: recomputed from the file, key, tags and anchor.
      const expected = await computeItemId(path, devPrivateKey(ACCOUNT), cp.itemTags ?? [], cp.anchor ?? '');

      // 2. A new process on the same catalog finishes the job.
      const second = runWorker(args);
      const exit = await second.exit;
      expect(exit, second.out()).toEqual({ code: 0, signal: null });
      const done = catalog.jobs.get(jobId);
      expect(done?.state, done?.error ?? '').toBe('done');
      const result = done?.result as UploadJobResult;
      expect(result.storageId).toBe(expected.id);
      expect(result.resumed).toBe(true);
      const itemBytes = expected.headerLength + SIZE;
      expect(result.itemBytes).toBe(itemBytes);

      // Chunk accounting on the node, over both runs: every byte of the item once, plus exactly the
      // chunks that had landed past a hole when the process died (≤ BATCH − 1 chunks).
      const after = env.node.stats();
      expect(after.uploadsCreated).toBe(1); // the second run resumed the first run's upload
      expect(after.chunkBytes).toBe(itemBytes + resendBytes);
      expect(after.chunkBytes).toBeLessThanOrEqual(itemBytes + (BATCH - 1) * CHUNK);
      // The second run sent exactly the chunks the node did not report (the header chunk included, once).
      expect(after.chunkPosts - before.chunkPosts - (after.emptyChunkPosts - before.emptyChunkPosts)).toBe(Math.ceil(itemBytes / CHUNK) - resumable.size);
      expect(after.chunkBytes - before.chunkBytes).toBe(itemBytes - resumable.size * CHUNK);
      expect(after.uploadsFinished).toBe(1);

      // The bytes the node serves hash to the catalog's sha256.
      const row = new UploadsQueries(catalog.db).get('sandbox', sha256, assetId, 'big.bin');
      expect(row).toMatchObject({ storageId: expected.id, sha256, source: 'uploaded' });
      expect(row?.chargedAtomic).toBe(row?.quotedAtomic);
      expect(await hashUrl(`${env.node.url}/${expected.id}`)).toEqual({ status: 200, sha256: row?.sha256, bytes: SIZE });

      const rss2 = Number(/rss (\d+)/.exec(second.out())?.[1] ?? 0) * 1024;
      const base2 = Number(/base (\d+)/.exec(second.out())?.[1] ?? 0);
      console.log(
        `[crash] chunks kept ${resumable.size} of ${Math.ceil(itemBytes / CHUNK)} (+${beyondGap.length} past a hole, re-sent: ${resendBytes} bytes); ` +
          `uploader peak RSS: first run ${((rss1 ?? 0) / MiB).toFixed(0)} MiB, second run ${(rss2 / MiB).toFixed(0)} MiB ` +
          `(${(base2 / MiB).toFixed(0)} MiB once loaded, before uploading)`,
      );
      // Memory stays flat: the upload adds a few chunks' worth, nowhere near the 300 MB file.
      expect(base2).toBeGreaterThan(0);
      expect(rss2 - base2).toBeLessThan(256 * MiB); // < the 300 MB (286 MiB) file
    } finally {
      catalog.close();
    }
  });
});
