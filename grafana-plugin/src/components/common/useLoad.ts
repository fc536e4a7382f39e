import { useCallback, useEffect, useRef, useState } from 'react';

export type Load<T> =
  | { state: 'loading'; data?: undefined; error?: undefined }
  | { state: 'ok'; data: T; error?: undefined }
  | { state: 'error'; data?: T; error: unknown };

/**
 * Runs `fn` when `deps` change (and every `refreshMs` when set, keeping the last data on screen while it
 * refreshes); a late answer to an earlier call is dropped.
 */
export function useLoad<T>(
  fn: () => Promise<T>,
  deps: readonly unknown[],
  refreshMs?: number
): Load<T> & { reload: () => void } {
  const [load, setLoad] = useState<Load<T>>({ state: 'loading' });
  const [tick, setTick] = useState(0);
  const seq = useRef(0);
  const fnRef = useRef(fn);
  fnRef.current = fn;

  useEffect(() => {
    setLoad({ state: 'loading' });
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, deps);

  useEffect(() => {
    const mine = ++seq.current;
    fnRef.current().then(
      (data) => mine === seq.current && setLoad({ state: 'ok', data }),
      (error) => mine === seq.current && setLoad((prev) => ({ state: 'error', error, data: prev.data }))
    );
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, tick]);

  useEffect(() => {
    if (!refreshMs) {
      return;
    }
    const t = setInterval(() => setTick((n) => n + 1), refreshMs);
    return () => clearInterval(t);
  }, [refreshMs]);

  const reload = useCallback(() => setTick((n) => n + 1), []);
  return { ...load, reload };
}
