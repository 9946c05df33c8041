/**
 * The hashing worker's code, run with `new Worker(source, { eval: true })`.
 *
 * Why a source string and not a .ts module: the same worker must start under vitest, tsx
 * (CLI, browser shell) and the Electron bundle, and only an eval'd CommonJS script loads
 * the same way in all three without a loader. It is small and has no imports but Node's.
 *
 * Protocol: in  { id, files: [{ path, size, mtimeMs }] }
 *           out { type: 'progress', id, bytes }                      (bytes since last progress)
 *               { type: 'done', id, results: [{ sha256, size, mtimeMs } | { error: { code, message } }] }
 * A file is read with one reusable buffer (never whole in memory). `changed` is set when
 * size or mtime differ before vs after reading, so the caller can re-read it.
 */
export const HASH_WORKER_SOURCE = String.raw`
'use strict';
const { parentPort } = require('node:worker_threads');
const fs = require('node:fs');
const crypto = require('node:crypto');
const BUF = Buffer.allocUnsafe(4 * 1024 * 1024);
const PROGRESS_EVERY = 16 * 1024 * 1024;

function hashOne(id, file) {
  let fd;
  try {
    fd = fs.openSync(file.path, fs.constants.O_RDONLY | (fs.constants.O_NOFOLLOW || 0));
    const before = fs.fstatSync(fd);
    if (!before.isFile()) return { error: { code: 'NOT_A_FILE', message: 'not a regular file' } };
    const hash = crypto.createHash('sha256');
    let pending = 0;
    let total = 0;
    for (;;) {
      const n = fs.readSync(fd, BUF, 0, BUF.length, null);
      if (n === 0) break;
      hash.update(n === BUF.length ? BUF : BUF.subarray(0, n));
      total += n;
      pending += n;
      if (pending >= PROGRESS_EVERY) {
        parentPort.postMessage({ type: 'progress', id, bytes: pending });
        pending = 0;
      }
    }
    if (pending > 0) parentPort.postMessage({ type: 'progress', id, bytes: pending });
    const after = fs.fstatSync(fd);
    const changed = after.size !== before.size || after.mtimeMs !== before.mtimeMs || total !== after.size;
    return { sha256: hash.digest('hex'), size: after.size, mtimeMs: after.mtimeMs, changed };
  } catch (e) {
    return { error: { code: (e && e.code) || 'EIO', message: (e && e.message) || String(e) } };
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

parentPort.on('message', (msg) => {
  const results = msg.files.map((f) => hashOne(msg.id, f));
  parentPort.postMessage({ type: 'done', id: msg.id, results });
});
`;
