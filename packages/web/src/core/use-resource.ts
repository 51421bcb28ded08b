import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { type LiveChange, useLive } from './live-stream.js';

export interface Resource<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  /** Fetches again (keeping what is shown until the answer comes). */
  reload: () => void;
  /** Replaces the data shown (a live change applied in place). */
  mutate: (update: (data: T) => T) => void;
}

/** How soon after a live change a resource fetches again, and so at most how often. */
export const REFETCH_EVERY_MS = 500;

export interface ResourceOptions {
  /** Live changes that make this resource fetch again (at most every REFETCH_EVERY_MS); every resync does. */
  refetchOn?: (change: LiveChange) => boolean;
}

/** Loads `load()` when `key` changes, with loading and error state, and follows the live stream. */
export function useResource<T>(key: string, load: (signal: AbortSignal) => Promise<T>, options: ResourceOptions = {}) {
  const [state, setState] = useState<{ data?: T; error?: unknown; loading: boolean; key: string }>({
    loading: true,
    key,
  });
  const loadRef = useRef(load);
  loadRef.current = load;
  const [generation, setGeneration] = useState(0);
  const timer = useRef<number | undefined>(undefined);

  useEffect(() => {
    const ctrl = new AbortController();
    setState((s) => ({ ...s, loading: true, key, ...(s.key === key ? {} : { data: undefined, error: undefined }) }));
    loadRef.current(ctrl.signal).then(
      (data) => !ctrl.signal.aborted && setState({ data, error: undefined, loading: false, key }),
      (error) => !ctrl.signal.aborted && setState((s) => ({ ...s, error, loading: false, key })),
    );
    return () => ctrl.abort();
  }, [key, generation]);

  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  // At most one refetch per REFETCH_EVERY_MS however many changes arrive: a storm of changes costs the server a
  // few requests a second per open page, and the page still updates during the storm (a debounce would wait it out).
  const soon = useCallback(() => {
    if (timer.current !== undefined) return;
    timer.current = window.setTimeout(() => {
      timer.current = undefined;
      reload();
    }, REFETCH_EVERY_MS);
  }, [reload]);
  useEffect(() => () => window.clearTimeout(timer.current), []);

  useLive((e) => {
    if (e.kind === 'resync') soon();
    else if (options.refetchOn?.(e.change)) soon();
  });

  const mutate = useCallback(
    (update: (data: T) => T) => setState((s) => (s.data === undefined ? s : { ...s, data: update(s.data) })),
    [],
  );
  const r: Resource<T> = { data: state.data, error: state.error, loading: state.loading, reload, mutate };
  return r;
}
