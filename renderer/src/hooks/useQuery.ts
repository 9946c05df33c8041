/**
 * One server value for a view: fetched when `key` changes (or on `reload()`), with its
 * loading and error state. While the same key reloads, the previous value stays on screen
 * (no flicker); a new key shows nothing until its own answer arrives. `key === null`
 * fetches nothing (e.g. a balance with no wallet).
 */
import { useCallback, useEffect, useEffectEvent, useState } from 'react';
import { toApiError } from '../api/client';
import type { ApiError } from '../api/client';

export interface Query<T> {
  data: T | null;
  error: ApiError | null;
  /** True until the answer for the current key (and reload) arrived. */
  loading: boolean;
  reload: () => void;
  /** Replace the value (e.g. with what a mutation returned) without fetching. */
  set: (data: T) => void;
}

interface Answer<T> {
  key: string;
  tick: number;
  data: T | null;
  error: ApiError | null;
}

export function useQuery<T>(key: string | null, fetcher: () => Promise<T>): Query<T> {
  const [tick, setTick] = useState(0);
  const [answer, setAnswer] = useState<Answer<T> | null>(null);
  const fetchNow = useEffectEvent(fetcher);

  useEffect(() => {
    if (key === null) return;
    let live = true;
    fetchNow().then(
      (data) => {
        if (live) setAnswer({ key, tick, data, error: null });
      },
      (e: unknown) => {
        if (live) setAnswer({ key, tick, data: null, error: toApiError(e) });
      },
    );
    return () => {
      live = false;
    };
  }, [key, tick]);

  const reload = useCallback(() => {
    setTick((t) => t + 1);
  }, []);
  const set = useCallback(
    (data: T) => {
      if (key !== null) setAnswer({ key, tick, data, error: null });
    },
    [key, tick],
  );

  const sameKey = key !== null && answer?.key === key;
  const current = sameKey && answer.tick === tick;
  return {
    data: sameKey ? answer.data : null,
    error: current ? answer.error : null,
    loading: key !== null && !current,
    reload,
    set,
  };
}
