/** `ativo verify <ativo-certificate.json|id> [--folder F | --from-storage] [--registry 0x…]`. */
import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { errnoCode } from '../util/errors';
import { parseId, type CommandContext } from './args';
import { formatBytes } from './format';
import { UsageError } from './usage';

/** The largest certificate file `verify` reads (one for ~150,000 files, with their receipts). */
const MAX_CERTIFICATE_BYTES = 256 * 1024 * 1024;

/** Reads a certificate file: a JSON object, not larger than a certificate can be. */
function readCertificateFile(path: string): Record<string, unknown> {
  let size: number;
  try {
    size = statSync(path).size;
  } catch (e) {
    throw new UsageError(`cannot read the certificate ${path}: ${errnoCode(e) === 'ENOENT' ? 'there is no such file' : e instanceof Error ? e.message : String(e)}`);
  }
  if (size > MAX_CERTIFICATE_BYTES) throw new UsageError(`${path} is ${formatBytes(size)}, larger than a certificate can be (at most ${formatBytes(MAX_CERTIFICATE_BYTES)}): it is not an ativo-certificate.json`);
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new UsageError(`cannot read the certificate ${path}: ${e instanceof SyntaxError ? 'it is not JSON' : e instanceof Error ? e.message : String(e)}`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new UsageError(`${path} is not an Ativo certificate (ativo-certificate.json): it must hold a JSON object`);
  return doc as Record<string, unknown>;
}

export async function verifyEntry({ backend, args, values, print }: CommandContext): Promise<number> {
  const target = args[0];
  if (target === undefined) throw new UsageError('give a certificate file or an asset id: ativo verify <ativo-certificate.json|id> [--folder F | --from-storage] [--registry 0x…]');
  const registry = values.registry;
  if (registry !== undefined && !/^0x[0-9a-fA-F]{40}$/.test(registry)) throw new UsageError(`--registry must be a registry address, 0x and 40 hexadecimal digits (got "${registry.slice(0, 100)}")`);
  const fromStorage = values['from-storage'];
  if (fromStorage && values.folder !== undefined) throw new UsageError('give either --folder or --from-storage, not both');
  let certificate: Record<string, unknown>;
  if ((values.folder?.length ?? 0) > 1) throw new UsageError('give one --folder to verify against');
  const folder = values.folder?.[0] !== undefined ? resolve(values.folder[0]) : undefined;
  let assetId: number | undefined;
  if (/^\d+$/.test(target)) {
    assetId = parseId(target);
    certificate = (await backend.call('assets.certificate', { id: assetId })).certificate;
  } else {
    certificate = readCertificateFile(target);
  }
  const r = await backend.call('certificates.verify', {
    certificate,
    fromStorage,
    ...(folder !== undefined ? { folder } : {}),
    ...(assetId !== undefined ? { assetId } : {}),
    ...(registry !== undefined ? { registry } : {}),
  });
  const skipped = r.checks.filter((c) => c.skipped === true).map((c) => c.name);
  print(r, () =>
    [
      ...r.checks.map((c) => `${c.skipped === true ? 'SKIP' : c.ok ? 'PASS' : 'FAIL'}  ${c.name.padEnd(12)} ${c.detail}`),
      r.ok ? `The certificate holds${skipped.length ? ` (not checked: ${skipped.join(', ')})` : ''}.` : 'The certificate does NOT hold.',
    ].join('\n'),
  );
  return r.ok ? 0 : 1;
}
