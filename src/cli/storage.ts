/** `ativo storage status|quote|fund` and `ativo upload <id> [--wait]`: the network's storage. */
import type { Backend } from '../api/backend';
import { parseId, type CommandContext } from './args';
import { formatBytes } from './format';
import { UsageError, type Print } from './usage';
import { waitForJobs } from './wait';

async function storageCommand(backend: Backend, args: string[], values: { ether?: string | undefined }, print: Print): Promise<number> {
  const [sub, arg] = args;
  switch (sub) {
    case undefined:
    case 'status': {
      const s = await backend.call('storage.status', {});
      print(s, () => `${s.address} has ${s.balance.formatted} at the storage node ${s.nodeUrl} (${s.network})`);
      return 0;
    }
    case 'quote': {
      const bytes = Number(arg);
      if (!Number.isSafeInteger(bytes) || bytes < 0) throw new UsageError('give a size in bytes: ativo storage quote <bytes>');
      const q = await backend.call('storage.quote', { bytes });
      print(q, () => `Storing ${formatBytes(q.dataBytes)} costs ${q.price.formatted} (the item is ${q.itemBytes} bytes with its signed header).`);
      return 0;
    }
    case 'fund': {
      if (values.ether === undefined) throw new UsageError('say how much: ativo storage fund --ether 0.01');
      const r = await backend.call('storage.fund', { ether: values.ether });
      print(r, () => `Funded ${r.amount.formatted} (tx ${r.txHash}, ${r.status}).`);
      return 0;
    }
    default:
      throw new UsageError(`unknown storage command "${sub}" (status, quote or fund)`);
  }
}

async function uploadCommand(backend: Backend, id: number, wait: boolean, print: Print): Promise<number> {
  const r = await backend.call('assets.upload', { id });
  if (!wait) {
    print(r, () => `Queued ${r.queued} of ${r.files} file(s) for upload on ${r.network} (the app or \`ativo serve\` uploads them; or run ativo upload ${id} --wait).`);
    return 0;
  }
  if (!(await backend.call('jobs.list', { limit: 1 })).runner) {
    print(r, () => `Queued ${r.queued} of ${r.files} file(s); another Ativo process (the app or \`ativo serve\`) is uploading them.`);
    return 0;
  }
  const ids = new Set(r.jobIds);
  // Batch ids are their first job's id: the batch this call made (if it queued any) is the newest.
  const newBatch = r.queued > 0 && r.batches.length > 0 ? Math.max(...r.batches) : null;
  await waitForJobs(backend, r.unbatchedJobIds, (j) => ids.has(j.id) || (j.kind === 'upload' && j.assetId === id), r.batches, newBatch);
  const stored = await backend.call('uploads.list', { assetId: id });
  print(stored, () => `Stored ${stored.items.length} file(s) on ${r.network}.`);
  return 0;
}

export async function storageEntry({ backend, command, args, values, print }: CommandContext): Promise<number> {
  return command === 'upload' ? uploadCommand(backend, parseId(args[0]), values.wait, print) : storageCommand(backend, args, values, print);
}
