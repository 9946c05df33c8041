import { useEffect, useRef, useState } from 'react';

/**
 * `value`, following it at most once every `ms` milliseconds (trailing: the latest value always
 * arrives). Unlike a debounce it keeps moving while `value` changes all the time.
 */
export function useThrottled<T>(value: T, ms: number): T {
  const [shown, setShown] = useState(value);
  const last = useRef(0);
  useEffect(() => {
    if (Object.is(value, shown)) return;
    const wait = Math.max(0, last.current + ms - Date.now());
    const t = setTimeout(() => {
      last.current = Date.now();
      setShown(value);
    }, wait);
    return () => {
      clearTimeout(t);
    };
  }, [value, shown, ms]);
  return shown;
}
