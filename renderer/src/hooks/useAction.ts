import { useCallback, useState } from 'react';
import { messageOf } from '../api/client';

export interface Action {
  /** True while the action runs (disable the submit button). */
  busy: boolean;
  /** The last failure's message, shown in the form (null: none). */
  error: string | null;
  setError: (message: string | null) => void;
  /**
   * Runs `action` with busy set and the previous error cleared. A failure becomes `error`,
   * passed first through `onError` (to scrub what was typed from it, move focus…).
   */
  run: (action: () => Promise<void>, onError?: (message: string) => string) => Promise<void>;
}

/** The busy/error state every dialog's submit needs, in one place. */
export function useAction(): Action {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const run = useCallback(async (action: () => Promise<void>, onError?: (message: string) => string): Promise<void> => {
    setBusy(true);
    setError(null);
    try {
      await action();
    } catch (err) {
      const message = messageOf(err);
      setError(onError ? onError(message) : message);
    } finally {
      setBusy(false);
    }
  }, []);
  return { busy, error, setError, run };
}
