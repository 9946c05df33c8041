/**
 * The `upload` job on the real job queue, a real temp catalog, a real anvil, the real local
 * storage node and the real Irys client: no mocks.
 */
import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseEther } from 'ethers';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Catalog } from '../catalog/db';
import { UploadsQueries } from '../catalog/uploads';
import { decryptFile, generateIdentity } from '../crypto';
import { FakeClock, JobQueue, type JobQueueOptions, type JobRecord, type JobStateValue } from '../jobs';
import type { UploadProgress } from './client';
import { computeItemId } from './item';
import { enqueueUpload, registerUploadJobs, type UploadJobDeps, type UploadJobInput, type UploadJobResult } from './jobs';
import { StorageClient } from './client';
import { devPrivateKey, startStorageTestEnv, tamperingProxy, writeTestFile, type StorageTestEnv } from './testing';

const MiB = 1024 * 1024;
const anyString: unknown = expect.any(String);

async function sha256Url(url: string): Promise<{ status: number; sha256: string; body: Buffer }> {
  const r = await fetch(url);
  const body = Buffer.from(await r.arrayBuffer());
  return { status: r.status, sha256: createHash('sha256').update(body).digest('hex'), body };
}

interface ProgressLine {
  progress: number;
  detail: string;
}

/** Every progress event of job `id` (the queue must have progressEventMs: 0 to see them all). */
function recordProgress(queue: JobQueue, id: number): ProgressLine[] {
  const lines: ProgressLine[] = [];
  queue.on((e) => {
    if (e.type === 'progress' && e.id === id) lines.push({ progress: e.progress, detail: e.detail ?? '' });
  });
  return lines;
}

const PHASE_LINE = /^(Hashing|Encrypting|Uploading) (\d+)% · \d+(?:\.\d)? [kKMG]?B of \d+(?:\.\d)? [kKMG]?B(?: · (less than a minute left|about (?:\d+ h )?(?:\d+ min )?left|about \d+ h left))?$/;

/** The phase of each line, consecutive repeats collapsed. */
const phasesOf = (lines: ProgressLine[]): string[] =>
  lines.map((l) => PHASE_LINE.exec(l.detail)?.[1] ?? l.detail).filter((p, i, all) => i === 0 || p !== all[i - 1]);

/** Checks every line's shape, its overall progress against its phase's range, and that progress never goes down. */
function checkLines(lines: ProgressLine[], ranges: [phase: string, from: number, to: number][], finalLine: RegExp): void {
  let prev = 0;
  let range = 0;
  const last = lines.at(-1);
  expect(last?.detail).toMatch(finalLine);
  expect(last?.progress).toBe(1);
  for (const l of lines.slice(0, -1)) {
    const m = PHASE_LINE.exec(l.detail);
    expect(m, l.detail).not.toBeNull();
    const [, phase, pct, eta] = m ?? [];
    if (phase !== ranges[range]?.[0]) range++;
    const [want, from, to] = ranges[range] ?? ['?', 0, 0];
    expect(phase, l.detail).toBe(want);
    expect(l.progress, l.detail).toBeGreaterThanOrEqual(from - 1e-9);
    expect(l.progress, l.detail).toBeLessThanOrEqual(to + 1e-9);
    expect(l.progress, l.detail).toBeGreaterThanOrEqual(prev);
    prev = l.progress;
    // n% is the phase's own percent
    const own = to > from ? ((l.progress - from) / (to - from)) * 100 : 100;
    expect(Math.abs(Number(pct) - own), l.detail).toBeLessThanOrEqual(1);
    if (phase !== 'Uploading') expect(eta, l.detail).toBeUndefined();
  }
  expect(range).toBe(ranges.length - 1);
}

/** A clock that moves one second on every reading (the ETA then shows deterministically). */
const steppingClock = (): (() => number) => {
  let t = 0;
  return () => (t += 1_000);
};

/** Resolves with the job the next time it enters `state` (listen before acting). */
function nextState(queue: JobQueue, id: number, state: JobStateValue): Promise<JobRecord> {
  return new Promise((resolve) => {
    const off = queue.on((e) => {
      if (e.type === 'state' && e.job.id === id && e.job.state === state && e.from !== state) {
        off();
        resolve(e.job);
      }
    });
  });
}

describe('upload jobs', () => {
  let env: StorageTestEnv;
  let catalog: Catalog;
  let uploads: UploadsQueries;
  let assetId: number;
  let funded: StorageClient;
  const queues: JobQueue[] = [];
  let fileNo = 0;

  const newQueue = (deps: Partial<UploadJobDeps> & Pick<UploadJobDeps, 'clientFor'>, clock?: FakeClock, options: JobQueueOptions = {}): JobQueue => {
    const queue = new JobQueue(catalog, { ...(clock ? { clock, random: () => 0 } : {}), ...options });
    registerUploadJobs(queue, { catalog, uploads, stagingDir: join(env.dir, 'staging'), ...deps });
    queues.push(queue);
    return queue;
  };
  const newFile = async (size: number): Promise<UploadJobInput> => {
    fileNo++;
    const relPath = `data/file-${fileNo}.bin`;
    const path = join(env.dir, `file-${fileNo}.bin`);
    const sha256 = await writeTestFile(path, size, 100 + fileNo);
    return { assetId, relPath, path, sha256, size, network: 'sandbox' };
  };

  beforeAll(async () => {
    env = await startStorageTestEnv();
    catalog = Catalog.open(join(env.dir, 'catalog.sqlite'));
    uploads = new UploadsQueries(catalog.db);
    assetId = catalog.assets.insert({ kind: 'dataset', name: 'Birds', rootPath: join(env.dir, 'birds') }, new Date().toISOString());
    funded = await env.client(1, { chunkSize: MiB, batchSize: 3 });
    await env.fund(funded, '1');
  });
  afterEach(async () => {
    await Promise.all(queues.splice(0).map((q) => q.stop()));
  });
  afterAll(async () => {
    catalog.close();
    await env.stop();
  });

  it('several uploads at once: files with the same bytes are stored and paid once (the others reuse the item)', async () => {
    const queue = newQueue({ clientFor: () => funded, concurrency: 3 });
    const content = `same bytes ${String(Date.now())}\n`;
    const sha256 = createHash('sha256').update(content).digest('hex');
    const inputs: UploadJobInput[] = [];
    for (let i = 0; i < 5; i++) {
      const path = join(env.dir, `copy-${String(i)}.txt`);
      await writeFile(path, content);
      inputs.push({ assetId, relPath: `copies/${String(i)}.txt`, path, sha256, size: content.length, network: 'sandbox' });
    }
    const before = env.node.stats();
    const jobs = inputs.map((i) => enqueueUpload(queue, i).job);
    queue.start();
    const done = await Promise.all(jobs.map((j) => queue.settled(j.id)));
    expect(done.map((j) => j.state)).toEqual(['done', 'done', 'done', 'done', 'done']);
    const results = done.map((j) => j.result as UploadJobResult);
    expect(results.filter((r) => r.reused === null)).toHaveLength(1); // one upload, paid once
    expect(new Set(results.map((r) => r.storageId)).size).toBe(1);
    expect(env.node.stats().uploadsFinished - before.uploadsFinished).toBe(1);
    for (const i of inputs) expect(uploads.get('sandbox', sha256, assetId, i.relPath)?.storageId).toBe(results[0]?.storageId);
  });

  it('uploads a file, records storage id, receipt, quote and charge, and the bytes come back', async () => {
    const input = await newFile(5 * MiB + 3);
    const queue = newQueue({ clientFor: () => funded });
    queue.start();
    const { job } = enqueueUpload(queue, input);
    expect(enqueueUpload(queue, input)).toMatchObject({ created: false, job: { id: job.id } });
    const done = await queue.settled(job.id);
    expect(done.state, done.error ?? '').toBe('done');
    const result = done.result as UploadJobResult;
    expect(result.reused).toBeNull();
    const row = uploads.get('sandbox', input.sha256, assetId, input.relPath);
    expect(row).toMatchObject({ storageId: result.storageId, source: 'uploaded', bytes: input.size, dataSha256: input.sha256, encryption: null, chargeWarning: null });
    expect(row?.quotedAtomic).toBe(env.node.price(row?.itemBytes ?? 0).toString());
    expect(row?.chargedAtomic).toBe(row?.quotedAtomic);
    expect(await funded.irys.verifyReceipt(row?.receipt as never)).toBe(true);
    // the checkpoint kept what a resume needs
    expect(done.checkpoint).toMatchObject({ uploadId: anyString, chunkSize: MiB, itemId: result.storageId, quoted: row?.quotedAtomic });
    expect(done.progress).toBe(1);
    expect((await sha256Url(`${env.node.url}/${result.storageId}`)).sha256).toBe(input.sha256);
  });

  it('never pays twice: same content again is reused from the catalog, then (catalog row gone) from the node', async () => {
    const input = await newFile(3 * MiB);
    const queue = newQueue({ clientFor: () => funded });
    queue.start();
    const first = await queue.settled(enqueueUpload(queue, input).job.id);
    expect(first.state, first.error ?? '').toBe('done');
    const id = (first.result as UploadJobResult).storageId;
    const balance = await funded.balance();
    const stats = env.node.stats();

    // Same content under another path: the catalog knows it.
    const second = await queue.settled(enqueueUpload(queue, { ...input, relPath: 'copy/of-it.bin' }).job.id);
    expect(second.result).toMatchObject({ reused: 'catalog', storageId: id, chargedAtomic: '0', quotedAtomic: null });
    expect(uploads.get('sandbox', input.sha256, assetId, 'copy/of-it.bin')).toMatchObject({ source: 'reused', storageId: id });

    // The catalog forgot both rows: the node is asked (GraphQL: owner + App-Name + Content-Sha256).
    for (const rel of [input.relPath, 'copy/of-it.bin']) {
      const row = uploads.get('sandbox', input.sha256, assetId, rel);
      if (row) uploads.remove(row.id);
    }
    const third = await queue.settled(enqueueUpload(queue, { ...input, relPath: 'third.bin' }).job.id);
    expect(third.state, third.error ?? '').toBe('done');
    expect(third.result).toMatchObject({ reused: 'node', storageId: id, chargedAtomic: '0' });
    const row = uploads.get('sandbox', input.sha256, assetId, 'third.bin');
    expect(row).toMatchObject({ source: 'reused', storageId: id });
    expect(await funded.irys.verifyReceipt(row?.receipt as never)).toBe(true);

    const after = env.node.stats();
    expect(after.itemsStored).toBe(stats.itemsStored);
    expect(after.uploadsCreated).toBe(stats.uploadsCreated);
    expect(after.chunkPosts).toBe(stats.chunkPosts);
    expect(after.graphqlQueries).toBeGreaterThan(stats.graphqlQueries);
    expect(await funded.balance()).toEqual(balance);
  });

  it('a prepared item (its id named by a publication before anything was sent) is sent exactly, whoever queues the file; a file changed since fails for good saying what to do', async () => {
    const input = await newFile(2 * MiB + 5);
    const now = new Date().toISOString();
    const p = await funded.prepareFile(input.path, { expectedSha256: input.sha256, expectedSize: input.size });
    catalog.prepared.add({ network: 'sandbox', sha256: input.sha256, encryption: null, itemId: p.id, resume: p.resume as unknown as Record<string, unknown>, dataPath: null, assetId }, now);
    expect((await fetch(`${env.node.url}/${p.id}`)).status).toBe(404); // nothing was sent by preparing it
    const queue = newQueue({ clientFor: () => funded });
    queue.start();
    const done = await queue.settled(enqueueUpload(queue, input).job.id);
    expect(done.state, done.error ?? '').toBe('done');
    expect(done.result).toMatchObject({ storageId: p.id, reused: null });
    expect(catalog.prepared.get('sandbox', input.sha256, null)).toBeUndefined();
    expect(uploads.get('sandbox', input.sha256, assetId, input.relPath)).toMatchObject({ storageId: p.id, source: 'uploaded' });
    expect((await sha256Url(`${env.node.url}/${p.id}`)).sha256).toBe(input.sha256);

    // Prepared, then the file changed (same size): its item can no longer be made; nothing is sent.
    const other = await newFile(MiB);
    const q = await funded.prepareFile(other.path, { expectedSha256: other.sha256, expectedSize: other.size });
    catalog.prepared.add({ network: 'sandbox', sha256: other.sha256, encryption: null, itemId: q.id, resume: q.resume as unknown as Record<string, unknown>, dataPath: null, assetId }, now);
    await writeTestFile(other.path, MiB, 9_999);
    const failed = await queue.settled(enqueueUpload(queue, other).job.id);
    expect(failed.state).toBe('failed');
    expect(failed.error).toMatch(new RegExp(`^${other.relPath}: .* is not the one whose storage id was fixed and named in the publication .* Put the original bytes back and retry, or rescan and publish the folder again as a new version\\.$`));
    expect((await fetch(`${env.node.url}/${q.id}`)).status).toBe(404);
    expect(catalog.prepared.get('sandbox', other.sha256, null)?.itemId).toBe(q.id); // kept: the original bytes may come back
  });

  it('waits with a clear message while the storage balance is short, and completes once funded', async () => {
    const poor = await env.client(5, { chunkSize: MiB });
    const input = await newFile(2 * MiB);
    const queue = newQueue({ clientFor: () => poor, fundingRetryMs: 24 * 3_600_000 });
    queue.start();
    const { job } = enqueueUpload(queue, input);
    const stats = env.node.stats();
    const waiting = await queue.settled(job.id, ['waiting']);
    const price = (await poor.quote(input.size)).price;
    expect(waiting.error).toBe(
      `Your storage balance is short by ${price.formatted}: fund it on the Wallet screen and the upload of ${input.relPath} continues.`,
    );
    expect(waiting.attempts).toBe(0); // waiting does not use up attempts
    expect(env.node.stats().uploadsCreated).toBe(stats.uploadsCreated); // nothing was sent

    await poor.fund(parseEther('0.01'), env.conn);
    const done = queue.settled(job.id);
    expect(queue.poke({ kind: 'upload' })).toBe(1);
    const rec = await done;
    expect(rec.state, rec.error ?? '').toBe('done');
    expect((await sha256Url(`${env.node.url}/${(rec.result as UploadJobResult).storageId}`)).sha256).toBe(input.sha256);
  });

  it('once storage is funded, waking the waits clears them at once: back in line, no waiting message, the change announced', async () => {
    const poor = await env.client(6, { chunkSize: MiB });
    const input = await newFile(MiB);
    const queue = newQueue({ clientFor: () => poor, fundingRetryMs: 24 * 3_600_000 });
    queue.start();
    const { job } = enqueueUpload(queue, input);
    await queue.settled(job.id, ['waiting']);
    const seen: { state: string; error: string | null }[] = [];
    queue.on((ev) => {
      if (ev.type === 'state' && ev.job.id === job.id) seen.push({ state: ev.job.state, error: ev.job.error });
    });
    await poor.fund(parseEther('0.01'), env.conn);
    const done = queue.settled(job.id);
    // Only waits for storage funds are ended.
    expect(queue.wake('upload', () => false)).toBe(0);
    expect(queue.wake('upload', (m) => m !== null && /storage balance is short/.test(m))).toBe(1);
    expect(seen[0]).toEqual({ state: 'queued', error: null });
    expect(queue.list({ state: 'waiting' }).total).toBe(0);
    const rec = await done;
    expect(rec.state, rec.error ?? '').toBe('done');
  });

  it('fails for good, naming the file, when it changed on disk while queued; nothing is uploaded', async () => {
    const input = await newFile(2 * MiB);
    const queue = newQueue({ clientFor: () => funded });
    const { job } = enqueueUpload(queue, input);
    await writeFile(input.path, Buffer.alloc(2 * MiB, 1)); // same size, other bytes
    const stats = env.node.stats();
    queue.start();
    const failed = await queue.settled(job.id);
    expect(failed.state).toBe('failed');
    expect(failed.attempts).toBe(1); // permanent: not retried
    expect(failed.error).toContain(input.relPath);
    expect(failed.error).toContain(input.path);
    expect(failed.error).toMatch(/changed on disk since it was scanned.*Nothing was uploaded/);
    const after = env.node.stats();
    expect(after.uploadsCreated).toBe(stats.uploadsCreated);
    expect(after.chunkPosts).toBe(stats.chunkPosts);
    expect(after.graphqlQueries).toBe(stats.graphqlQueries);
    expect(uploads.get('sandbox', input.sha256, assetId, input.relPath)).toBeUndefined();
  });

  it('pauses mid-upload and resumes without re-sending a chunk, with the same item id', async () => {
    const input = await newFile(16 * MiB);
    const holder: { queue?: JobQueue; pausing?: Promise<JobRecord> } = {};
    const queue = newQueue({
      clientFor: () => funded,
      onProgress: (id: number, p: UploadProgress) => {
        if (p.phase === 'uploading' && p.bytes >= 3 * MiB && holder.pausing === undefined && holder.queue) holder.pausing = holder.queue.pause(id);
      },
    });
    holder.queue = queue;
    queue.start();
    const stats = env.node.stats();
    const { job } = enqueueUpload(queue, input);
    const paused = await queue.settled(job.id, ['paused']);
    expect(paused.checkpoint).toMatchObject({ uploadId: anyString, chunkSize: MiB, anchor: anyString });
    const mid = env.node.stats();
    const stored = mid.chunkBytes - stats.chunkBytes;
    expect(stored).toBeGreaterThanOrEqual(3 * MiB);
    expect(stored).toBeLessThan(input.size);
    expect(mid.uploadsFinished).toBe(stats.uploadsFinished);

    await queue.resume(job.id);
    const done = await queue.settled(job.id);
    expect(done.state, done.error ?? '').toBe('done');
    const result = done.result as UploadJobResult;
    expect(result.resumed).toBe(true);
    const after = env.node.stats();
    const itemBytes = result.itemBytes ?? 0;
    // Every byte of the item crossed the wire exactly once (the header chunk goes last, after the resume).
    expect(after.chunkBytes - stats.chunkBytes).toBe(itemBytes);
    expect(after.chunkPosts - stats.chunkPosts).toBe(Math.ceil(itemBytes / MiB));
    const cp = done.checkpoint as { itemTags: { name: string; value: string }[]; anchor: string };
    expect(result.storageId).toBe((await computeItemId(input.path, devPrivateKey(1), cp.itemTags, cp.anchor)).id);
    expect((await sha256Url(`${env.node.url}/${result.storageId}`)).sha256).toBe(input.sha256);
  });

  it('retries with backoff while the node is down, and completes when it is back (nothing lost)', async () => {
    const clock = new FakeClock();
    const input = await newFile(12 * MiB);
    let stopAt: number | undefined = 4 * MiB;
    let stopping: Promise<void> | undefined;
    const queue = newQueue(
      {
        clientFor: () => funded,
        retry: { baseMs: 1_000, factor: 2, maxAttempts: 10, jitter: 0 },
        onProgress: (_id, p) => {
          if (stopAt !== undefined && p.phase === 'uploading' && p.bytes >= stopAt) {
            stopAt = undefined;
            stopping = env.stopNode(); // closes the listener and every connection now
          }
        },
      },
      clock,
    );

    // 1. Down before the job starts.
    await env.stopNode();
    queue.start();
    const { job } = enqueueUpload(queue, input);
    let retry = await nextState(queue, job.id, 'queued');
    expect(retry.error).toMatch(/^Storage node at http:\/\/127\.0\.0\.1:\d+ is not reachable \(ECONNREFUSED\); retrying\.$/);
    expect(retry.attempts).toBe(1);
    expect(Date.parse(retry.nextRunAt ?? '')).toBe(clock.now() + 1_000);

    // 2. Back, then down again in the middle of the upload.
    await env.restartNode();
    let again = nextState(queue, job.id, 'queued');
    clock.advance(1_000);
    retry = await again;
    await stopping;
    expect(retry.error).toMatch(/^Storage node at http:\/\/127\.0\.0\.1:\d+ is not reachable \([A-Z_]+\); retrying\.$/);
    expect(retry.attempts).toBe(2);
    expect(Date.parse(retry.nextRunAt ?? '')).toBe(clock.now() + 2_000); // backoff doubled
    const uploadId = (retry.checkpoint as { uploadId?: string }).uploadId;
    expect(uploadId).toEqual(anyString);

    // 3. Back for good: the upload resumes from the chunks the node kept on disk.
    const node = await env.restartNode();
    again = queue.settled(job.id);
    clock.advance(2_000);
    const done = await again;
    expect(done.state, done.error ?? '').toBe('done');
    const result = done.result as UploadJobResult;
    expect(result.resumed).toBe(true);
    const s = node.stats(); // this node instance only
    expect(s.uploadsResumed).toBeGreaterThanOrEqual(1);
    expect(s.chunkBytes).toBeGreaterThan(0);
    expect(s.chunkBytes).toBeLessThanOrEqual((result.itemBytes ?? 0) - 4 * MiB + 3 * MiB); // ≥ 4 MiB of chunks were kept; the batch of 3 in flight may be re-sent
    expect((await sha256Url(`${node.url}/${result.storageId}`)).sha256).toBe(input.sha256);
  });

  it('fails for good on a bad receipt and records nothing (receipt altered by a proxy stub in front of the node)', async () => {
    const proxy = await tamperingProxy(env.node.url, (r) => ({ ...r, signature: String(r.signature).replace(/^./, (c) => (c === 'A' ? 'B' : 'A')) }));
    try {
      const viaProxy = await StorageClient.create({ network: 'sandbox', nodeUrl: proxy.url, rpcUrl: env.anvil.rpcUrl, privateKey: devPrivateKey(1), chunkSize: MiB });
      const input = await newFile(MiB + 1);
      const queue = newQueue({ clientFor: () => viaProxy });
      queue.start();
      const failed = await queue.settled(enqueueUpload(queue, input).job.id);
      expect(failed.state).toBe('failed');
      expect(failed.attempts).toBe(1);
      expect(failed.error).toMatch(/^The storage node's receipt for \w+ is not valid: its signature does not verify\. The upload was not recorded\.$/);
      expect(uploads.get('sandbox', input.sha256, assetId, input.relPath)).toBeUndefined();
    } finally {
      await proxy.close();
    }
  });

  it('a private upload reports Hashing, Encrypting, Hashing (the ciphertext), Uploading with time left, in order, never going back', async () => {
    const input = await newFile(24 * MiB + 5);
    const { recipient } = await generateIdentity();
    const phases: UploadProgress['phase'][] = [];
    const queue = newQueue(
      { clientFor: () => funded, now: steppingClock(), onProgress: (_id, p) => { if (phases.at(-1) !== p.phase) phases.push(p.phase); } },
      undefined,
      { progressEventMs: 0 },
    );
    const id = enqueueUpload(queue, { ...input, encryptTo: [recipient] }).job.id;
    const lines = recordProgress(queue, id);
    queue.start();
    const done = await queue.settled(id);
    expect(done.state, done.error ?? '').toBe('done');
    expect(phases).toEqual(['checking', 'encrypting', 'checking', 'uploading']);
    expect(phasesOf(lines)).toEqual(['Hashing', 'Encrypting', 'Hashing', 'Uploading', expect.stringMatching(/^100% · /)]);
    checkLines(lines, [['Hashing', 0, 0.05], ['Encrypting', 0.05, 0.45], ['Hashing', 0.45, 0.5], ['Uploading', 0.5, 1]], /^100% · 25\.2 MB of 25\.2 MB$/);
    const encrypting = lines.filter((l) => l.detail.startsWith('Encrypting '));
    expect(encrypting.at(0)?.detail).toBe('Encrypting 0% · 0 B of 25.2 MB');
    expect(encrypting.at(-1)?.detail).toBe('Encrypting 100% · 25.2 MB of 25.2 MB');
    expect(encrypting.length).toBeGreaterThanOrEqual(25); // one per 1 MiB block read
    const uploading = lines.filter((l) => l.detail.startsWith('Uploading '));
    expect(uploading.some((l) => / · (less than a minute left|about .+ left)$/.test(l.detail))).toBe(true);
    expect(uploading.at(-1)?.detail).toBe('Uploading 100% · 25.2 MB of 25.2 MB'); // no time left once done
  });

  it('a public upload reports Hashing (0–5%) then Uploading (5–100%); the time left, when shown, is in words', async () => {
    const input = await newFile(6 * MiB);
    const queue = newQueue({ clientFor: () => funded }, undefined, { progressEventMs: 0 });
    const id = enqueueUpload(queue, input).job.id;
    const lines = recordProgress(queue, id);
    queue.start();
    const done = await queue.settled(id);
    expect(done.state, done.error ?? '').toBe('done');
    expect(phasesOf(lines)).toEqual(['Hashing', 'Uploading', '100% · 6.3 MB of 6.3 MB']);
    checkLines(lines, [['Hashing', 0, 0.05], ['Uploading', 0.05, 1]], /^100% · 6\.3 MB of 6\.3 MB$/);
    expect(lines[0]?.detail).toBe('Hashing 0% · 0 B of 6.3 MB');
  });

  it('a resumed private upload reuses its encrypted copy: no Hashing of the plaintext nor Encrypting the second time', async () => {
    const input = await newFile(12 * MiB);
    const { recipient } = await generateIdentity();
    const holder: { queue?: JobQueue; pausing?: Promise<JobRecord> } = {};
    const queue = newQueue(
      {
        clientFor: () => funded,
        onProgress: (jobId, p) => {
          if (p.phase === 'uploading' && p.bytes >= 2 * MiB && holder.pausing === undefined && holder.queue) holder.pausing = holder.queue.pause(jobId);
        },
      },
      undefined,
      { progressEventMs: 0 },
    );
    holder.queue = queue;
    const id = enqueueUpload(queue, { ...input, encryptTo: [recipient] }).job.id;
    const lines = recordProgress(queue, id);
    queue.start();
    await queue.settled(id, ['paused']);
    expect(phasesOf(lines)).toEqual(['Hashing', 'Encrypting', 'Hashing', 'Uploading']);
    const firstRun = lines.splice(0);
    expect(firstRun.at(-1)?.progress).toBeGreaterThan(0.5);
    await queue.resume(id);
    const done = await queue.settled(id);
    expect(done.state, done.error ?? '').toBe('done');
    expect(phasesOf(lines)).toEqual(['Hashing', 'Uploading', expect.stringMatching(/^100% · /)]);
    checkLines(lines, [['Hashing', 0.45, 0.5], ['Uploading', 0.5, 1]], /^100% · /);
  });

  it('encrypts a private file once (age), uploads the ciphertext, and it decrypts to the original', async () => {
    const input = await newFile(3 * MiB + 11);
    const { identity, recipient } = await generateIdentity();
    const queue = newQueue({ clientFor: () => funded });
    queue.start();
    const done = await queue.settled(enqueueUpload(queue, { ...input, encryptTo: [recipient] }).job.id);
    expect(done.state, done.error ?? '').toBe('done');
    const result = done.result as UploadJobResult;
    const row = uploads.get('sandbox', input.sha256, assetId, input.relPath);
    expect(row?.encryption).toBe(`age:${recipient}`);
    expect(row?.dataSha256).not.toBe(input.sha256);
    const got = await sha256Url(`${env.node.url}/${result.storageId}`);
    expect(got.sha256).toBe(row?.dataSha256);
    const enc = join(env.dir, 'got.age');
    const dec = join(env.dir, 'got.bin');
    await writeFile(enc, got.body);
    expect((await decryptFile(enc, dec, [identity])).sha256).toBe(input.sha256);
    // The staged ciphertext is gone; a public upload of the same bytes is a different upload.
    const staged = (done.checkpoint as { staged?: { path: string } }).staged?.path ?? '';
    const { existsSync } = await import('node:fs');
    expect(existsSync(staged)).toBe(false);
    expect(uploads.findReusable('sandbox', input.sha256, null)).toBeUndefined();
  });
});
