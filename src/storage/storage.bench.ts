/**
 * Upload throughput (`npm run bench -- upload`): Ativo's StorageClient.uploadFile of a generated
 * 256 MiB file to a local storage node, against curl sending the same bytes to the same node in
 * the same run. Encryption off. The node runs in its own process (its own event loop, as a
 * remote node has); every upload is a new item (fresh anchor), stored and charged.
 *
 * Baselines (both send a data item pre-built and pre-signed outside the timing):
 *  - curl chunked (like for like): `curl --parallel --parallel-max <batch>` posts the item's
 *    chunk files to the same /chunks endpoint with the same chunk size and concurrency, then
 *    finishes the upload. Same node work as Ativo's upload (chunk files, assembly, validation).
 *  - curl single POST: `curl --data-binary @item` to POST /tx/ethereum. The fastest way this
 *    node can take these bytes at all (no chunk files, no assembly copy), but not resumable.
 * Ativo's time covers everything uploadFile does: stat, the sha256 check of the file, price and
 * balance, the chunked upload through the Irys client (which deep-hashes and signs while
 * sending), receipt verification and the balance after. The dedupe look-up is off (every round
 * stores a new item); it is one GraphQL query.
 *
 * Goal: ≥ 0.7× the baseline's throughput. Encryption throughput vs the `age` CLI is measured by
 * src/crypto's own bench (`npm run bench -- encryption`).
 */
import { execFile, spawn } from 'node:child_process';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parseEther } from 'ethers';
import { startTestAnvil } from '../sandbox/storage-node/testing';
import { connectChain } from '../chain/client';
import { StorageClient } from './client';
import { fileTags, hashFile, newAnchor, signFileItem } from './item';
import { devPrivateKey, writeTestFile } from './testing';

const run = promisify(execFile);
const REPO = fileURLToPath(new URL('../..', import.meta.url));
const NODE_SCRIPT = fileURLToPath(new URL('./fixtures/node-process.ts', import.meta.url));
const MiB = 1024 * 1024;
const SIZE = 256 * MiB;
const CHUNK = 8 * MiB;
const BATCH = 4;
const ROUNDS = 3;

const secs = (ms: number): string => (ms / 1000).toFixed(2);
const mbps = (bytes: number, ms: number): string => (bytes / 1e6 / (ms / 1000)).toFixed(0);

async function timed<T>(f: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t0 = performance.now();
  const value = await f();
  return { ms: performance.now() - t0, value };
}

async function curl(args: string[]): Promise<string> {
  return (await run('curl', args, { maxBuffer: 1 << 20 })).stdout;
}

/** header + file → one item file. */
async function writeItem(out: string, header: Buffer, file: string): Promise<void> {
  await writeFile(out, header);
  await pipeline(createReadStream(file), createWriteStream(out, { flags: 'a' }));
}

export async function benchUpload(): Promise<string[]> {
  const dir = await mkdtemp(join(tmpdir(), 'ativo-upload-bench-'));
  const anvil = await startTestAnvil();
  const node = spawn(process.execPath, ['--import', 'tsx', NODE_SCRIPT, join(dir, 'node'), anvil.rpcUrl], { cwd: REPO, stdio: ['pipe', 'pipe', 'inherit'] });
  try {
    const first = await new Promise<string>((resolve, reject) => {
      node.stdout.once('data', (d: Buffer) => { resolve(d.toString()); });
      node.once('exit', (code) => { reject(new Error(`the storage node exited (${String(code)})`)); });
    });
    const { url } = JSON.parse(first) as { url: string };
    const path = join(dir, 'bench.bin');
    const sha256 = await writeTestFile(path, SIZE, 9);
    const clients = await Promise.all([1, 2, 3].map((i) => StorageClient.create({ network: 'sandbox', nodeUrl: url, rpcUrl: anvil.rpcUrl, privateKey: devPrivateKey(i), chunkSize: CHUNK, batchSize: BATCH })));
    const conn = await connectChain(anvil.rpcUrl);
    try {
      for (const c of clients) await c.fund(parseEther('10'), conn);
    } finally {
      conn.close();
    }
    const [ativo] = clients;
    if (!ativo) throw new Error('no client');
    const tags = fileTags(sha256);

    const results = { ativo: [] as number[], single: [] as number[], chunked: [] as number[], hash: [] as number[] };
    for (let round = 0; round < ROUNDS; round++) {
      // Pre-built, pre-signed items for the curl baselines (new anchors: new items every round).
      const single = await signFileItem(path, devPrivateKey(2), tags, newAnchor());
      const singleFile = join(dir, `single-${round}.bin`);
      await writeItem(singleFile, single.header, path);
      const chunked = await signFileItem(path, devPrivateKey(3), tags, newAnchor());
      const chunkedFile = join(dir, `chunked-${round}.bin`);
      await writeItem(chunkedFile, chunked.header, path);
      const chunkDir = join(dir, `chunks-${round}`);
      await run('mkdir', ['-p', chunkDir]);
      await run('split', ['-b', String(CHUNK), '-d', '-a', '4', chunkedFile, join(chunkDir, 'c-')]);
      const chunkFiles = (await readdir(chunkDir)).sort();
      // Everything in the page cache for every contender.
      await run('sh', ['-c', `cat "${path}" "${singleFile}" "${chunkedFile}" "${chunkDir}"/* > /dev/null`]);

      const h = await timed(() => hashFile(path));
      results.hash.push(h.ms);

      const s = await timed(() => curl(['-s', '-o', '/dev/null', '-w', '%{http_code}', '-H', 'content-type: application/octet-stream', '--data-binary', `@${singleFile}`, `${url}/tx/ethereum`]));
      if (s.value !== '200') throw new Error(`curl POST /tx answered ${s.value}`);
      results.single.push(s.ms);

      const c = await timed(async () => {
        const start = (await (await fetch(`${url}/chunks/ethereum/-1/-1`, { headers: { 'x-chunking-version': '2' } })).json()) as { id: string };
        const args = ['--parallel', '--parallel-max', String(BATCH)];
        chunkFiles.forEach((f, i) => {
          if (i > 0) args.push('--next');
          args.push('-s', '-o', '/dev/null', '-w', '%{http_code}\n', '-H', 'content-type: application/octet-stream', '-H', 'x-chunking-version: 2');
          args.push('--data-binary', `@${join(chunkDir, f)}`, `${url}/chunks/ethereum/${start.id}/${i * CHUNK}`);
        });
        const codes = (await curl(args)).trim().split('\n');
        if (codes.length !== chunkFiles.length || codes.some((x) => x !== '200')) throw new Error(`curl chunk POSTs answered ${codes.join(',')}`);
        return curl(['-s', '-o', '/dev/null', '-w', '%{http_code}', '-X', 'POST', '-H', 'x-chunking-version: 2', `${url}/chunks/ethereum/${start.id}/-1`]);
      });
      if (c.value !== '200') throw new Error(`curl chunked finish answered ${c.value}`);
      results.chunked.push(c.ms);

      const a = await timed(() => ativo.uploadFile(path, { expectedSha256: sha256, dedupe: false }));
      if (a.value.reused || a.value.chargeMismatch) throw new Error('the bench upload was not a fresh, exactly charged upload');
      results.ativo.push(a.ms);

      await rm(singleFile, { force: true });
      await rm(chunkedFile, { force: true });
      await rm(chunkDir, { recursive: true, force: true });
    }
    const best = (xs: number[]): number => Math.min(...xs);
    const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
    const A = best(results.ativo);
    const S = best(results.single);
    const C = best(results.chunked);
    const all = (xs: number[]): string => xs.map(secs).join(' / ');
    return [
      `file ${SIZE / MiB} MiB, chunks of ${CHUNK / MiB} MiB, ${BATCH} in flight, node in its own process, ${ROUNDS} rounds interleaved (encryption off)`,
      `Ativo uploadFile:                 best ${secs(A)} s  ${mbps(SIZE, A)} MB/s  (rounds ${all(results.ativo)} s; the sha256 check ${secs(best(results.hash))} s)`,
      `curl chunked (same endpoint):     best ${secs(C)} s  ${mbps(SIZE, C)} MB/s  (rounds ${all(results.chunked)} s)`,
      `curl single POST /tx/ethereum:    best ${secs(S)} s  ${mbps(SIZE, S)} MB/s  (rounds ${all(results.single)} s)`,
      `ratio vs curl chunked (like for like): ${(C / A).toFixed(2)}× best, ${(median(results.chunked) / median(results.ativo)).toFixed(2)}× median (goal ≥ 0.7×)`,
      `ratio vs curl single POST:             ${(S / A).toFixed(2)}× best, ${(median(results.single) / median(results.ativo)).toFixed(2)}× median`,
      'encryption vs the age CLI: see the "encryption" bench (src/crypto/crypto.bench.ts)',
    ];
  } finally {
    node.stdin.end();
    if (node.exitCode === null) await new Promise((r) => node.once('exit', r));
    await anvil.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const line of await benchUpload()) console.log(line);
}
