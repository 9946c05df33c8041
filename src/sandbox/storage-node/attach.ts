import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { isProcessAlive } from '../../util/process';

export interface AttachedStorageNode {
  url: string;
  address: string;
  pid: number;
}


/**
 * The storage node another Ativo process runs on this data dir (recorded in storage-node.json
 * while it runs), if it is alive and answers `/info`. Lets the CLI share the app's sandbox.
 */
export async function attachStorageNode(dataDir: string): Promise<AttachedStorageNode | undefined> {
  let rec: { url?: unknown; address?: unknown; pid?: unknown };
  try {
    rec = JSON.parse(await readFile(join(resolve(dataDir), 'storage-node.json'), 'utf8')) as typeof rec;
  } catch {
    return undefined;
  }
  if (typeof rec.url !== 'string' || typeof rec.address !== 'string' || typeof rec.pid !== 'number' || !isProcessAlive(rec.pid)) return undefined;
  try {
    const res = await fetch(`${rec.url}/info`, { signal: AbortSignal.timeout(5000) });
    if (!res.ok) return undefined;
  } catch {
    return undefined;
  }
  return { url: rec.url, address: rec.address, pid: rec.pid };
}
