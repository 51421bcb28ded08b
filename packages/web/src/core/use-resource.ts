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

export interface ResourceOptions {
  /** Live changes that make this resource fetch again (debounced); every resync does. */
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
  const soon = useCallback(() => {
    window.clearTimeout(timer.current);
    timer.current = window.setTimeout(reload, 150);
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
