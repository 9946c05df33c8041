/** `ativo publish <id|folder> …`: rescan, upload, register, certify (a durable job), and `--wait` for it. */
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Backend } from '../api/backend';
import { AtivoError } from '../util/errors';
import { ethText } from '../util/format';
import { parseId, parseKind, type CommandContext } from './args';
import { fromResult } from './errors';
import { followJobElsewhere } from './follow';
import { parseRule } from './proposals';
import { UsageError, type Print } from './usage';
import { waitForJobs } from './wait';

/** --split 0xA:70,0xB:30 (also for `ativo terms … --propose`). */
export function parseSplit(raw: string | undefined): { address: string; percent: number }[] | undefined {
  if (raw === undefined) return undefined;
  return raw.split(',').map((part) => {
    const m = /^\s*(0x[0-9a-fA-F]{40})\s*:\s*(\d{1,3}(?:\.\d{1,2})?)\s*%?\s*$/.exec(part);
    if (!m) throw new UsageError(`--split takes address:percent pairs separated by commas (got "${part}")`);
    return { address: m[1] ?? '', percent: Number(m[2]) };
  });
}

export function parseAccessDays(raw: string): number {
  if (!/^\d{1,5}$/.test(raw) || Number(raw) > 36_500) throw new UsageError(`--access-days takes a whole number of days from 0 (perpetual) to 36500 (got "${raw.slice(0, 40)}")`);
  return Number(raw);
}

async function publishCommand(
  backend: Backend,
  id: number,
  values: { private?: boolean | undefined; public?: boolean | undefined; license?: string | undefined; terms?: string | undefined; price?: string | undefined; split?: string | undefined; 'access-days'?: string | undefined; description?: string | undefined; consent?: string | undefined; wait?: boolean | undefined; json?: boolean | undefined },
  print: Print,
): Promise<number> {
  if (values.private === true && values.public === true) throw new UsageError('give --private or --public, not both');
  // Only the terms given change: the others are the previous version's (a first publication:
  // public, CC-BY-4.0, free, 100% to you).
  const license = values.license ?? (values.terms !== undefined ? 'custom' : undefined);
  // On the sandbox the publication funds the storage it needs (test ETH; issue 15).
  const sandbox = (await backend.call('network.list', {})).current === 'sandbox';
  const r = await backend.invoke('assets.publish', {
    id,
    ...(sandbox ? { fundStorage: 'needed' } : {}),
    ...(values.private === true ? { visibility: 'private' } : values.public === true ? { visibility: 'public', confirmPublic: true } : {}),
    ...(license !== undefined ? { license } : {}),
    ...(values.terms !== undefined ? { customTerms: values.terms } : {}),
    ...(values.price !== undefined ? { priceEth: values.price } : {}),
    ...(values.split !== undefined ? { split: parseSplit(values.split) } : {}),
    ...(values['access-days'] !== undefined ? { accessDays: parseAccessDays(values['access-days']) } : {}),
    ...(values.description !== undefined ? { description: values.description } : {}),
    ...(values.consent !== undefined ? { consent: parseRule(values.consent, '--consent') } : {}),
  });
  if (!r.ok) throw /was published as private/.test(r.error.message) ? new AtivoError(r.error.code, `${r.error.message} (ativo publish ${id} --public)`) : fromResult(r.error);
  const job = r.value as { jobId: number | null; network: string; version: number; alreadyCertified: { version: number; tokenId: string | null } | null; storageFunded?: string };
  if (job.storageFunded !== undefined && BigInt(job.storageFunded) > 0n && values.json !== true) {
    process.stderr.write(`Added ${ethText(job.storageFunded).replace(/ ETH$/, ' test ETH')} to your storage balance to store the new files.\n`);
  }
  if (job.jobId === null || job.alreadyCertified !== null) {
    const done = job.alreadyCertified ?? { version: job.version, tokenId: null };
    if (values.json === true) {
      const { certificate } = await backend.call('assets.certificate', { id });
      print({ alreadyCertified: done, certificate }, () => '');
    } else {
      print(job, () => `Already certified: asset #${id} is unchanged since version ${done.version} (token #${done.tokenId ?? '?'}), so nothing was published. Change files to publish a new version; export the certificate with: ativo certificate ${id}`);
    }
    return 0;
  }
  if (values.wait !== true) {
    print(job, () => `Publishing asset #${id} on ${job.network} (job ${job.jobId}); the app or \`ativo serve\` carries it on. Follow it with: ativo publish ${id} --wait`);
    return 0;
  }
  const jobId = job.jobId;
  if ((await backend.call('jobs.list', { limit: 1 })).runner) {
    await waitForJobs(backend, [jobId], (j) => j.kind === 'upload' && j.assetId === id);
  } else {
    // The app or `ativo serve` runs the jobs: follow the publication from the catalog.
    const end = await followJobElsewhere(backend, jobId, {
      kind: 'publish',
      blocked: async () => {
        const waiting = await backend.call('jobs.list', { kind: 'upload', assetId: id, state: 'waiting', limit: 1 });
        const j = waiting.items[0];
        return j?.error && /balance/i.test(j.error) ? j.error : null;
      },
      onDetail: values.json === true ? undefined : (line) => { process.stderr.write(`Publishing asset #${id}: ${line}\n`); },
    });
    if (end.blocked !== null) throw new AtivoError('BUSY', `Uploads are waiting: ${end.blocked}`);
    if (end.state !== 'done') throw new AtivoError('BUSY', `The publication of asset #${id} (job ${jobId}) ${end.state === 'failed' ? 'failed' : 'was cancelled'}: ${end.error ?? 'no reason given'}`);
  }
  const { certificate } = await backend.call('assets.certificate', { id });
  print(certificate, () => {
    const c = certificate as { chain?: { tokenId?: string; txHash?: string }; asset?: { contentRoot?: string } };
    return `Certified version ${job.version}: asset token #${c.chain?.tokenId ?? '?'} (tx ${c.chain?.txHash ?? '?'}), content root ${c.asset?.contentRoot ?? '?'}. Export it: ativo certificate ${id} > ativo-certificate.json`;
  });
  return 0;
}

export async function publishEntry({ backend, args, values, print }: CommandContext): Promise<number> {
  const target = args[0];
  // A folder (not an id): catalog it, or rescan it when it is in the catalog already, then publish.
  if (target !== undefined && !/^\d+$/.test(target)) {
    const path = resolve(target);
    if (!existsSync(path)) throw new UsageError(`"${target}" is neither an asset id nor a folder that exists: give an asset id (see ativo list) or a folder to publish`);
    if (!statSync(path).isDirectory()) throw new UsageError(`${path} is a file: give the folder that holds it, or an asset id`);
    const a = await backend.call('assets.add', { path, kind: parseKind(values.kind) ?? 'dataset', ...(values.name !== undefined ? { name: values.name } : {}) });
    if (!values.json) process.stderr.write(`Publishing ${a.name} (asset #${a.id}) from ${path}.\n`);
    return await publishCommand(backend, a.id, values, print);
  }
  return await publishCommand(backend, parseId(target), values, print);
}
