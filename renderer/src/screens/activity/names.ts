import { call } from '../../api/client';
import { useQuery } from '../../hooks/useQuery';

/** An asset's name for job and batch titles ("Asset #7" until it is known or when it is gone). */
export function useAssetName(id: number | null): string {
  const q = useQuery(id === null ? null : `asset-name:${id}`, () => call('assets.get', { id: id ?? 0 }).then((a) => a.name));
  if (id === null) return '—';
  return q.data ?? `Asset #${id}`;
}
