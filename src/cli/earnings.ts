/** `ativo earnings [--json|--csv]`, `ativo earnings reconcile`, `ativo earnings withdraw [--wait]`. See issue 7. */
import type { Backend } from '../api/backend';
import type { CommandOutput } from '../api/contract';
import { AtivoError } from '../util/errors';
import { ethText } from '../util/format';
import { WITHDRAW_JOB_KIND } from '../earnings/withdraw';
import { waitForJob } from './follow';
import { table } from './format';
import { UsageError, type Print } from './usage';


/** Writes all of `text` to stdout before resolving (a large CSV into a pipe must not be cut short). */
function write(text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    process.stdout.write(text, (e) => {
      if (e) reject(e);
      else resolve();
    });
  });
}

export interface EarningsReport {
  summary: CommandOutput<'earnings.summary'>;
  assets: CommandOutput<'earnings.assets'>['items'];
  contributors: CommandOutput<'earnings.contributors'>['items'];
  series: { day: CommandOutput<'earnings.series'>['points']; week: CommandOutput<'earnings.series'>['points']; month: CommandOutput<'earnings.series'>['points'] };
  payouts: CommandOutput<'earnings.payouts'>;
}

async function report(backend: Backend): Promise<EarningsReport> {
  const summary = await backend.call('earnings.summary', {});
  const [assets, contributors, day, week, month] = await Promise.all([
    backend.call('earnings.assets', {}),
    backend.call('earnings.contributors', {}),
    backend.call('earnings.series', { bucket: 'day' }),
    backend.call('earnings.series', { bucket: 'week' }),
    backend.call('earnings.series', { bucket: 'month' }),
  ]);
  const first = await backend.call('earnings.payouts', { offset: 0, limit: 10_000 });
  const items = [...first.items];
  while (items.length < first.total) {
    const next = await backend.call('earnings.payouts', { offset: items.length, limit: 10_000 });
    if (next.items.length === 0) break;
    items.push(...next.items);
  }
  return {
    summary,
    assets: assets.items,
    contributors: contributors.items,
    series: { day: day.points, week: week.points, month: month.points },
    payouts: { items, total: first.total },
  };
}

function human(r: EarningsReport): string {
  const s = r.summary;
  const lines = [
    `Earnings of ${s.account} on ${s.network} (indexed to block ${s.syncedBlock})`,
    `  earned        ${ethText(s.earnedWei)}`,
    `  withdrawable  ${ethText(s.withdrawableWei)}`,
    `  withdrawn     ${ethText(s.withdrawnWei)}`,
  ];
  if (r.assets.length === 0) {
    lines.push('', 'No earnings yet: when someone pays for access to one of your published assets and you approve, its price is credited to the payees of its split. Publish an asset with a price to start.');
    return lines.join('\n');
  }
  lines.push('', table(['ASSET', 'NAME', 'REQUESTS', 'APPROVALS', 'REVENUE'], r.assets.map((a) => [`#${a.tokenId}`, a.assetName ?? '-', String(a.requests), String(a.approvals), ethText(a.revenueWei)])));
  lines.push('', table(['ASSET', 'PAYEE', 'SHARE', 'EARNED'], r.contributors.map((c) => [`#${c.tokenId}`, c.payee + (c.isYou ? ' (you)' : ''), `${(c.bps / 100).toFixed(2)}%`, ethText(c.earnedWei)])));
  lines.push('', `${r.payouts.total} payout(s); export them with: ativo earnings --csv > payouts.csv`);
  return lines.join('\n');
}

export async function earningsCommand(backend: Backend, args: string[], values: { csv?: boolean | undefined; wait?: boolean | undefined }, print: Print): Promise<number> {
  const [sub, ...rest] = args;
  if (rest.length > 0) throw new UsageError(`unexpected argument "${rest[0] ?? ''}" (ativo earnings [reconcile | withdraw] [--json | --csv])`);
  switch (sub) {
    case undefined: {
      if (values.csv === true) {
        const { csv } = await backend.call('earnings.csv', {});
        await write(csv);
        return 0;
      }
      const r = await report(backend);
      print(r, () => human(r));
      return 0;
    }
    case 'reconcile': {
      const r = await backend.call('earnings.reconcile', {});
      print(r, () =>
        r.agreed
          ? `The cache agrees with the chain (read again from block 0 to ${r.summary.syncedBlock}): earned ${ethText(r.summary.earnedWei)}, withdrawable ${ethText(r.summary.withdrawableWei)}, withdrawn ${ethText(r.summary.withdrawnWei)}.`
          : [`The cache DISAGREES with the chain (${r.differences.length} difference(s)):`, ...r.differences.map((d) => `  ${d}`)].join('\n'),
      );
      return r.agreed ? 0 : 1;
    }
    case 'withdraw': {
      const w = await backend.call('earnings.withdraw', {});
      if (values.wait !== true) {
        print(w, () => `Withdrawing ${ethText(w.amountWei)} (job ${w.jobId}); the app or \`ativo serve\` carries it on. Follow it with: ativo earnings withdraw --wait`);
        return 0;
      }
      // Here, or (the app or `ativo serve` runs the jobs) followed from the catalog.
      const j = await waitForJob(backend, w.jobId, WITHDRAW_JOB_KIND);
      if (j.state !== 'done') throw new AtivoError('CHAIN_ERROR', `The withdrawal (job ${w.jobId}) ${j.state}: ${j.error ?? 'no reason given'}`);
      const latest = (await backend.call('earnings.payouts', { offset: 0, limit: 50 })).items.find((p) => p.kind === 'withdrawal');
      const out = { jobId: w.jobId, amountWei: latest?.amountWei ?? w.amountWei, txHash: latest?.txHash ?? null };
      print(out, () => `Withdrew ${ethText(out.amountWei)} (tx ${out.txHash ?? '?'}).`);
      return 0;
    }
    default:
      throw new UsageError(`unknown earnings command "${sub}" (reconcile or withdraw)`);
  }
}
