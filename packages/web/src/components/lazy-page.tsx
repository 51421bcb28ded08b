/**
 * A page whose code loads on first visit (its own chunk), so that heavy pages stay out of the app shell that
 * test/web-bundle.test.ts keeps under budget. States: loading (a spinner) ──import resolves──▶ the page;
 * ──import fails (a deploy replaced the chunk, the network dropped)──▶ an error with Retry.
 */
import type { ComponentType } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ErrorState, LoadingState } from './page.js';

type Props = { params: Record<string, string> };

/** The page `load()` resolves to, rendered with the route's params once its module has loaded. */
export function lazyPage(load: () => Promise<ComponentType<Props>>): ComponentType<Props> {
  let loaded: ComponentType<Props> | undefined;
  let pending: Promise<ComponentType<Props>> | undefined;
  const get = () => {
    pending ??= load().then(
      (page) => {
        loaded = page;
        return page;
      },
      (err: unknown) => {
        // A failed import is not cached, so that Retry fetches the chunk again.
        pending = undefined;
        throw err;
      },
    );
    return pending;
  };
  return function LazyPage(props: Props) {
    const [page, setPage] = useState<ComponentType<Props> | undefined>(() => loaded);
    const [error, setError] = useState<unknown>();
    const [attempt, setAttempt] = useState(0);
    useEffect(() => {
      if (page) return;
      let live = true;
      get().then(
        (p) => live && setPage(() => p),
        (err: unknown) => live && setError(err),
      );
      return () => {
        live = false;
      };
    }, [attempt]);
    if (page) {
      const Page = page;
      return <Page {...props} />;
    }
    if (error !== undefined)
      return (
        <ErrorState
          error={new Error('This page could not be loaded; check the connection and retry.')}
          onRetry={() => {
            setError(undefined);
            setAttempt((n) => n + 1);
          }}
        />
      );
    return <LoadingState />;
  };
}
