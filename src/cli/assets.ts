/** `ativo add|list|show|manifest|rescan|remove|uploads|certificate`: the catalog's assets. */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { AssetDetail, AssetSummary, EventPayload } from '../api/contract';
import { ethText, priceText } from '../util/format';
import { out, parseId, parseKind, type CommandContext } from './args';
import { formatBytes, table } from './format';
import { cell, describeLife } from './lifecycle';
import { UsageError } from './usage';

function describeAsset(a: AssetDetail): string {
  const lines = [
    `${a.name}  (#${a.id}, ${a.kind})`,
    `  folder        ${a.rootPath}`,
    `  state         ${a.state}${a.error !== null ? `: ${a.error}` : ''}`,
    `  files         ${a.fileCount.toLocaleString('en-US')} (${formatBytes(a.totalBytes)})`,
    `  content root  ${a.contentRoot ?? '(not computed yet)'}`,
    `  scanned       ${a.scannedAt ?? 'never'}`,
    ...describeLife(a),
  ];
  if (a.versions.length) {
    lines.push(`  versions      ${a.versions.length}`);
    for (const v of a.versions) {
      const token = v.tokenId !== null ? `token #${v.tokenId}` : 'not registered';
      lines.push(`    v${v.number}  ${v.contentRoot.slice(0, 16)}…  ${token}${v.network !== null ? ` on ${v.network}` : ''}  certified ${v.certifiedAt ?? '-'}${v.previous !== null ? `  (after v${v.previous})` : ''}`);
      if (v.terms !== null) lines.push(`          ${priceText(v.terms.priceWei)}, ${v.terms.license}, split ${v.terms.split.map((p) => `${p.address} ${p.bps / 100}%`).join(', ')}`);
    }
  }
  if (a.skipped.length) {
    lines.push(`  skipped       ${a.skipped.length}`);
    for (const s of a.skipped.slice(0, 20)) lines.push(`    ${JSON.stringify(s.relPath)}: ${s.reason}`);
    if (a.skipped.length > 20) lines.push(`    … and ${a.skipped.length - 20} more (see --json)`);
  }
  return lines.join('\n');
}

function progressPrinter(): { onEvent: (p: EventPayload<'scan.progress'>) => void; done: () => void } {
  const tty = process.stderr.isTTY;
  let last = 0;
  return {
    onEvent: (p) => {
      if (!tty || Date.now() - last < 100) return;
      last = Date.now();
      const pct = p.bytesTotal > 0 ? Math.floor((100 * p.bytesDone) / p.bytesTotal) : 0;
      const text = p.phase === 'walking' ? `Listing files… ${p.filesTotal}` : `Fingerprinting ${p.filesDone}/${p.filesTotal} files, ${formatBytes(p.bytesDone)} of ${formatBytes(p.bytesTotal)} (${pct}%)`;
      process.stderr.write(`\r\x1b[2K${text}`);
    },
    done: () => {
      if (tty) process.stderr.write('\r\x1b[2K');
    },
  };
}

export async function assetsCommand({ backend, command, args, values, print }: CommandContext): Promise<number> {
  const json = values.json;
  switch (command) {
    case 'add': {
      const folder = args[0];
      if (folder === undefined) throw new UsageError('give the folder to add: ativo add <folder>');
      const progress = progressPrinter();
      const off = backend.subscribe((event, payload) => {
        if (event === 'scan.progress') progress.onEvent(payload as EventPayload<'scan.progress'>);
      });
      try {
        const a = await backend.call('assets.add', { path: resolve(folder), kind: parseKind(values.kind) ?? 'dataset', ...(values.name !== undefined ? { name: values.name } : {}) });
        progress.done();
        print(a, () => describeAsset(a));
      } finally {
        off();
        progress.done();
      }
      return 0;
    }
    case 'list': {
      const items: AssetSummary[] = [];
      for (let offset = 0; ; ) {
        const page = await backend.call('assets.list', { query: values.query, kind: parseKind(values.kind), offset, limit: 1000 });
        items.push(...page.items);
        offset += page.items.length;
        if (page.items.length === 0 || offset >= page.total) break;
      }
      print(items, () =>
        items.length === 0
          ? 'The catalog is empty. Add a folder: ativo add <folder>'
          : table(
              ['ID', 'KIND', 'NAME', 'FILES', 'SIZE', 'STATE', 'STATUS', 'PENDING', 'EARNED', 'ROOT'],
              items.map((a) => [
                String(a.id),
                a.kind,
                a.name,
                String(a.fileCount),
                formatBytes(a.totalBytes),
                a.state,
                cell(a.status.label, 60),
                String(a.pendingRequests),
                ethText(a.earnedWei),
                a.contentRoot?.slice(0, 12) ?? '-',
              ]),
            ),
      );
      return 0;
    }
    case 'show': {
      const a = await backend.call('assets.get', { id: parseId(args[0]) });
      print(a, () => describeAsset(a));
      return 0;
    }
    case 'manifest': {
      const m = await backend.call('assets.manifest', { id: parseId(args[0]) });
      if (json) out(JSON.stringify(m, null, 2));
      else process.stdout.write(m.text);
      return 0;
    }
    case 'rescan': {
      const a = await backend.call('assets.rescan', { id: parseId(args[0]) });
      print(a, () => describeAsset(a));
      return 0;
    }
    case 'remove': {
      const r = await backend.call('assets.remove', { id: parseId(args[0]) });
      print(r, () => `Removed asset #${r.id} from the catalog. Its folder was not touched.`);
      return 0;
    }
    case 'certificate': {
      if (values.html !== undefined) {
        // The printable page for people (issue 16), beside the JSON.
        const page = await backend.call('buyer.certificate', { id: parseId(args[0]) });
        writeFileSync(resolve(values.html), page.html);
        if (!values.json) process.stderr.write(`Wrote the printable certificate of ${page.view.title} to ${resolve(values.html)}.\n`);
      }
      const { certificate } = await backend.call('assets.certificate', { id: parseId(args[0]) });
      out(JSON.stringify(certificate, null, 2));
      return 0;
    }
    case 'uploads': {
      const r = await backend.call('uploads.list', { assetId: parseId(args[0]) });
      print(r, () =>
        r.items.length === 0
          ? 'Nothing stored yet: ativo upload <id>'
          : table(
              ['FILE', 'NETWORK', 'ITEM', 'HOW', 'CHARGED (wei)'],
              r.items.map((u) => [u.relPath ?? '(manifest)', u.network, u.storageId ?? '-', u.source + (u.encrypted ? ', encrypted' : ''), u.charged ?? '-']),
            ),
      );
      return 0;
    }
    default:
      throw new Error(`assetsCommand cannot run "${command}"`);
  }
}
