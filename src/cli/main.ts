/**
 * The `ativo` command: parses the command line and runs the command's module. Each module (and
 * the backend) is loaded only when its command runs (`await import()`; the bundle keeps them as
 * separate chunks, .ci/build-cli.js), so `--help` loads none of them and `list` only what
 * listing the catalog needs.
 */
import type { BackendOptions } from '../api/backend';
import { VERSION } from '../api/version';
import { out, parseCommandLine, parseId, type CommandContext } from './args';
import { HELP } from './help';
import { UsageError } from './usage';

type Run = (ctx: CommandContext) => Promise<number>;

/** Each command's module, loaded when that command runs. */
const COMMANDS: Record<string, () => Promise<Run>> = {
  ...Object.fromEntries(['add', 'list', 'show', 'manifest', 'rescan', 'remove', 'uploads', 'certificate'].map((c) => [c, () => import('./assets').then((m) => m.assetsCommand)])),
  network: () => import('./network').then((m) => m.networkEntry),
  sandbox: () => import('./network').then((m) => m.networkEntry),
  wallet: () => import('./wallet').then((m) => m.walletEntry),
  storage: () => import('./storage').then((m) => m.storageEntry),
  upload: () => import('./storage').then((m) => m.storageEntry),
  publish: () => import('./publish').then((m) => m.publishEntry),
  verify: () => import('./verify').then((m) => m.verifyEntry),
  access: () => import('./access').then((m) => (c) => m.accessCommand(c.backend, c.args, c.values, c.print)),
  terms: () =>
    import('./terms').then((m) => async (c) =>
      // Governance (issue 17): --propose asks the payees instead of changing the terms at once.
      c.values.propose ? (await import('./proposals')).proposeCommand(c.backend, parseId(c.args[0]), c.values, c.print) : m.termsCommand(c.backend, parseId(c.args[0]), c.values, c.print),
    ),
  consent: () => import('./proposals').then((m) => (c) => m.consentCommand(c.backend, parseId(c.args[0]), c.values, c.print)),
  proposals: () => import('./proposals').then((m) => (c) => m.proposalsCommand(c.backend, c.args, c.values, c.print)),
  sale: () => import('./terms').then((m) => (c) => m.saleCommand(c.backend, c.args, c.values, c.print, parseId)),
  audit: () => import('./audit').then((m) => (c) => m.auditCommand(c.backend, c.print)),
  earnings: () => import('./earnings').then((m) => (c) => m.earningsCommand(c.backend, c.args, c.values, c.print)),
  discover: () => import('./discover').then((m) => (c) => m.discoverCommand(c.backend, c.args, c.values, c.print)),
  approvers: () => import('./approvers').then((m) => (c) => m.approversCommand(c.backend, c.args, c.print, parseId)),
  // serve, and start without Electron
  serve: () => import('./serve').then((m) => (c) => m.serve(c.backend, c.values.port)),
  start: () => import('./serve').then((m) => (c) => m.serve(c.backend, c.values.port)),
};

/** Commands that run the background jobs in this process (one-shot commands leave them to the app or `ativo serve`). */
const RUNS_JOBS_WITH_WAIT = new Set(['upload', 'publish', 'earnings', 'terms', 'sale', 'proposals']);

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandLine(argv);
  if (values.version) {
    out(VERSION);
    return 0;
  }
  const [command, ...args] = positionals;
  if (values.help || command === undefined || command === 'help') {
    out(HELP);
    return command === undefined && !values.help ? 2 : 0;
  }
  const dataDir = values['data-dir'];
  const print = (value: unknown, human: () => string): void => {
    out(values.json ? JSON.stringify(value, null, 2) : human());
  };
  const keychain: BackendOptions = process.env.ATIVO_KEYCHAIN_PREFIX ? { keychainPrefix: process.env.ATIVO_KEYCHAIN_PREFIX } : {};

  if (command === 'start') {
    const code = await (await import('./serve')).startDesktop(dataDir);
    if (code !== null) return code;
  }

  if (command === 'catalog') {
    // Before the backend: a damaged catalog cannot be opened by it.
    return (await import('./catalog')).catalogCommand(args, values, keychain, print);
  }

  const load = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
  if (load === undefined) throw new UsageError(`unknown command "${command}" (see \`ativo --help\`)`);

  const [run, { createBackend }] = await Promise.all([load(), import('../api/backend')]);
  const workers = Number(process.env.ATIVO_HASH_WORKERS ?? '');
  const backend = await createBackend({
    ...(dataDir === undefined ? {} : { dataDir }),
    runJobs: command === 'serve' || command === 'start' || (RUNS_JOBS_WITH_WAIT.has(command) && values.wait),
    ...keychain,
    ...(Number.isInteger(workers) && workers > 0 ? { hashWorkers: workers } : {}),
  });
  try {
    return await run({ backend, command, args, values, print });
  } finally {
    await backend.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  async (e: unknown) => {
    const parseError = e instanceof TypeError && 'code' in e && typeof e.code === 'string' && e.code.startsWith('ERR_PARSE_ARGS');
    const usage = e instanceof UsageError || parseError;
    // The error wording is loaded only when there is an error to word.
    const message = usage ? e.message : await import('./errors').then(async (m) => m.cliMessage((await import('../api/public-errors')).toResultError(e)));
    process.stderr.write(`ativo: ${message.replace(/\s*\n\s*/g, ' ')}\n`);
    process.exitCode = usage ? 2 : 1;
  },
);
