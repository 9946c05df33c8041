/** Certificates: export one (with its eip712 section) and verify one against the chain, storage and files. */
import { parseCertificate, withEip712, type Certificate } from '../chain/certificate';
import { parseManifestText, verifyCertificate, type FilesSource, type KnownRegistry } from '../publish/verify';
import { StorageGateway } from '../storage/gateway';
import { AtivoError } from '../util/errors';
import type { BackendContext, FeatureService } from './context';
import { toResultError } from './public-errors';

export type CertificatesCommand = 'assets.certificate' | 'certificates.verify';

export function createCertificatesService(ctx: BackendContext): FeatureService<CertificatesCommand> {
  const { catalog, chain, networks, versionKeys, mustGet } = ctx;
  return {
    handlers: {
      'assets.certificate': (input) => {
        const a = mustGet(input.id);
        const c = catalog.certificates.latest(a.id);
        if (!c) throw new AtivoError('NOT_FOUND', `${a.name} has no certificate yet: publish it first.`, { cli: `${a.name} has no certificate yet: publish it first (ativo publish ${a.id}).` });
        // Exported with its eip712 section (added to a certificate made before it existed).
        const doc = typeof c.document === 'object' && c.document !== null ? withEip712(c.document as Certificate) : c.document;
        return Promise.resolve({ certificate: doc as Record<string, unknown> });
      },
      'certificates.verify': async (input) => {
        // Its shape first: nothing of a malformed certificate is checked (or trusted).
        const parsed = parseCertificate(input.certificate);
        if (!parsed.ok) throw new AtivoError('INVALID_INPUT', parsed.reason);
        const cert = parsed.certificate;
        // The certificate's chain must be the one Ativo is on (the sandbox, or a configured network).
        const h = await chain.chain().catch(() => null);
        const sameChain = h !== null && h.chainId === cert.chain.chainId;
        // The registries Ativo trusts: its network profiles' (the sandbox's is the one it deployed).
        const known: KnownRegistry[] = networks
          .state()
          .profiles.flatMap((p) => (p.chainId !== null && p.registry !== null ? [{ network: p.name, chainId: p.chainId, registry: p.registry }] : []));
        if (h !== null && h.registryAddress !== null && !known.some((k) => k.network === h.network)) known.push({ network: h.network, chainId: h.chainId, registry: h.registryAddress });
        // The storage node's receipt key for that network: the sandbox's is pinned in its data dir.
        const storageKey = sameChain
          ? async (): Promise<string> => {
              const pinned = h.network === 'sandbox' ? () => chain.sandboxNodeKey() : undefined;
              if (h.storageUrl !== null) return new StorageGateway(h.storageUrl).receiptKey(pinned);
              const key = pinned === undefined ? null : await pinned();
              if (key !== null) return key;
              throw new Error(`the ${h.network} network has no storage node set (add its URL in the network settings)`);
            }
          : null;
        // The local asset the certificate belongs to (given, or the one this catalog certified as its token).
        const local =
          input.assetId !== undefined
            ? mustGet(input.assetId)
            : typeof cert.chain.tokenId === 'string' && typeof cert.chain.registry === 'string'
              ? (() => {
                  const c = catalog.certificates.byToken(cert.chain.chainId, cert.chain.registry, cert.chain.tokenId);
                  return c === undefined ? undefined : catalog.assets.get(c.assetId);
                })()
              : undefined;
        const certified = typeof cert.asset.contentRoot === 'string' ? catalog.versions.anyByRoot(cert.asset.contentRoot) : undefined;
        let source: FilesSource;
        if (input.folder !== undefined) source = { kind: 'folder', folder: input.folder };
        else if (local !== undefined && !input.fromStorage) source = { kind: 'folder', folder: local.rootPath, note: `the local folder ${local.rootPath}` };
        else {
          let identities: string[] | null = null;
          let noIdentity = 'this asset is not in this catalog, so its key cannot be found';
          if (local !== undefined) {
            try {
              // The key of the certificate's version (its own, or the asset's for older versions).
              const identity = await versionKeys.identity(local.id, cert.asset.contentRoot);
              if (identity !== null) identities = [identity];
              else noIdentity = `the keychain holds no key for ${local.name}`;
            } catch (e) {
              noIdentity = `the keychain cannot be read: ${toResultError(e).message}`;
            }
          }
          source = { kind: 'storage', identities, noIdentity };
        }
        const checks = await verifyCertificate(
          cert,
          {
            conn: sameChain ? h.conn : null,
            known,
            givenRegistry: input.registry,
            storageUrl: sameChain ? h.storageUrl : null,
            storageKey,
            ...(sameChain ? { storageNetwork: h.network } : {}),
            pool: ctx.pool,
            ...(certified ? { certifiedHashes: parseManifestText(certified.manifest) } : {}),
          },
          source,
        );
        return { ok: checks.every((c) => c.ok || c.skipped === true), checks };
      },
    },
  };
}
