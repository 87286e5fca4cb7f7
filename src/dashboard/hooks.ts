import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { live } from './live.js';
import type { GatewayEvent } from './types.js';

export interface Loaded<T> {
  data: T | undefined;
  error: Error | undefined;
  loading: boolean;
  reload: () => void;
  setData: (update: (old: T | undefined) => T | undefined) => void;
}

/**
 * Loads data when the deps change and when the live stream reports lost events, keeping
 * the last answer on screen while a reload runs. A stale answer (deps changed meanwhile)
 * is dropped.
 */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[], merge?: (current: T | undefined, fresh: T) => T): Loaded<T> {
  const [data, setDataState] = useState<T | undefined>(undefined);
  const [error, setError] = useState<Error | undefined>(undefined);
  const [loading, setLoading] = useState(true);
  const generation = useRef(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  const mergeRef = useRef(merge);
  mergeRef.current = merge;
  const reload = useCallback(() => {
    const mine = ++generation.current;
    setLoading(true);
    loadRef.current().then(
      (d) => {
        if (mine !== generation.current) return;
        // A live event may have come while the read was under way, and be newer than it.
        setDataState((current) => (mergeRef.current ? mergeRef.current(current, d) : d));
        setError(undefined);
        setLoading(false);
      },
      (err: Error) => {
        if (mine !== generation.current) return;
        setError(err);
        setLoading(false);
      },
    );
  }, []);
  useEffect(reload, deps);
  useEffect(() => live.onReload(reload), [reload]);
  const setData = useCallback((update: (old: T | undefined) => T | undefined) => setDataState((old) => update(old)), []);
  return { data, error, loading, reload, setData };
}

/** Calls the handler with every live event while the component is mounted. */
export function useLiveEvents(handler: (ev: GatewayEvent) => void): void {
  const ref = useRef(handler);
  ref.current = handler;
  useEffect(() => live.subscribe((ev) => ref.current(ev)), []);
}

/** Calls fn at most once per `ms` after the last call (trailing). */
export function useDebounced(fn: () => void, ms: number): () => void {
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const ref = useRef(fn);
  ref.current = fn;
  useEffect(() => () => clearTimeout(timer.current), []);
  return useCallback(() => {
    clearTimeout(timer.current);
    timer.current = setTimeout(() => ref.current(), ms);
  }, [ms]);
}
