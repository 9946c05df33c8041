/** What every command module shares: the options, their parsing, and how a command prints. */
import { parseArgs } from 'node:util';
import type { Backend } from '../api/backend';
import type { AssetKind } from '../api/contract';
import { UsageError, type Print } from './usage';

export const OPTIONS = {
  'data-dir': { type: 'string' },
  json: { type: 'boolean', default: false },
  kind: { type: 'string' },
  name: { type: 'string' },
  query: { type: 'string' },
  port: { type: 'string' },
  rpc: { type: 'string' },
  'chain-id': { type: 'string' },
  registry: { type: 'string' },
  storage: { type: 'string' },
  label: { type: 'string' },
  mnemonic: { type: 'boolean', default: false },
  path: { type: 'string' },
  out: { type: 'string' },
  ether: { type: 'string' },
  wait: { type: 'boolean', default: false },
  private: { type: 'boolean', default: false },
  public: { type: 'boolean', default: false },
  license: { type: 'string' },
  terms: { type: 'string' },
  'terms-hash': { type: 'string' },
  price: { type: 'string' },
  split: { type: 'string' },
  'access-days': { type: 'string' },
  free: { type: 'boolean', default: false },
  'max-price': { type: 'string' },
  sort: { type: 'string' },
  citation: { type: 'string' },
  description: { type: 'string' },
  consent: { type: 'string' },
  folder: { type: 'string', multiple: true },
  'from-storage': { type: 'boolean', default: false },
  message: { type: 'string' },
  reason: { type: 'string' },
  csv: { type: 'boolean', default: false },
  html: { type: 'string' },
  network: { type: 'string' },
  yes: { type: 'boolean', default: false },
  // Governance (issue 17)
  rule: { type: 'string' },
  propose: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
  version: { type: 'boolean', short: 'v', default: false },
} as const;

/** The command line, parsed (strict: an unknown option is a usage error). */
export const parseCommandLine = (argv: string[]) => parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });

export type Values = ReturnType<typeof parseCommandLine>['values'];

/** What main.ts hands a command module: the open backend, the words after the command, the options. */
export interface CommandContext {
  backend: Backend;
  command: string;
  args: string[];
  values: Values;
  print: Print;
}

/** One line (or block) on stdout. */
export const out = (s: string): void => {
  process.stdout.write(s.endsWith('\n') ? s : `${s}\n`);
};

export function parseId(raw: string | undefined): number {
  if (raw === undefined) throw new UsageError('give the asset id (see `ativo list`)');
  const id = Number(raw);
  if (!Number.isSafeInteger(id) || id <= 0) throw new UsageError(`"${raw}" is not an asset id (ids are positive whole numbers)`);
  return id;
}

export function parseKind(raw: string | undefined): AssetKind | undefined {
  if (raw === undefined) return undefined;
  if (raw !== 'dataset' && raw !== 'model') throw new UsageError(`--kind must be dataset or model (got "${raw}")`);
  return raw;
}
