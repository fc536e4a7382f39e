import { useCallback, useEffect, useState } from 'react';

export type Load<T> =
  | { state: 'loading'; data?: undefined; error?: undefined }
  | { state: 'ok'; data: T; error?: undefined }
  | { state: 'error'; data?: T; error: unknown };

/**
 * Runs `fn` when `deps` (plain values) change, and every `refreshMs` when set, keeping the last data on
 * screen while it refreshes; an answer for other deps than the current ones is never shown.
 */
export function useLoad<T>(
  fn: () => Promise<T>,
  deps: readonly unknown[],
  refreshMs?: number
): Load<T> & { reload: () => void } {
  const key = JSON.stringify(deps);
  const [load, setLoad] = useState<{ key: string; value: Load<T> }>({ key, value: { state: 'loading' } });
  const [tick, setTick] = useState(0);

  useEffect(() => {
    let current = true;
    fn().then(
      (data) => current && setLoad({ key, value: { state: 'ok', data } }),
      (error) =>
        current &&
        setLoad((prev) => ({
          key,
          value: { state: 'error', error, data: prev.key === key ? prev.value.data : undefined },
        }))
    );
    return () => {
      current = false;
    };
    // `fn` is a new closure every render; `key` stands for what it depends on
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key, tick]);

  useEffect(() => {
    if (!refreshMs) {
      return;
    }
    const t = setInterval(() => setTick((n) => n + 1), refreshMs);
    return () => clearInterval(t);
  }, [refreshMs]);

  const reload = useCallback(() => setTick((n) => n + 1), []);
  const value: Load<T> = load.key === key ? load.value : { state: 'loading' };
  return { ...value, reload };
}
