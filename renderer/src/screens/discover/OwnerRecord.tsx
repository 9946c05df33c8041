/** The public record of an owner's published asset, on its asset page (issue 16): the same figures buyers see. */
import { call } from '../../api/client';
import { useQuery } from '../../hooks/useQuery';
import { hrefFor } from '../../state/router';
import { PublicRecordView } from './PublicRecord';
import './discover.css';

export function OwnerRecord({ assetId, version }: { assetId: number; version: string }) {
  const q = useQuery(`${assetId}/${version}`, () => call('discover.record', { assetId }));
  const d = q.data;
  if (d === null || d.record === null || d.chainId === null || d.registry === null || d.tokenId === null) return null;
  return (
    <div className="owner-record">
      <PublicRecordView record={d.record} title="Its public record" />
      <p>
        <a href={hrefFor({ name: 'public', chainId: d.chainId, registry: d.registry, tokenId: d.tokenId })}>See its public page, as buyers see it</a>
      </p>
    </div>
  );
}
