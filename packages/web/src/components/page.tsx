import type { ComponentChildren } from 'preact';
import { useEffect } from 'preact/hooks';
import { errorMessage } from '../core/api-client.js';

export interface PageProps {
  /** The page's `<h1>` and the document title. */
  title: string;
  /** Beside the heading: buttons and links. */
  actions?: ComponentChildren;
  /** A line under the heading. */
  description?: ComponentChildren;
  /** Shows a loading line instead of the children (while there is nothing to show yet). */
  loading?: boolean;
  /** Shows the error with a retry button instead of the children. */
  error?: unknown;
  onRetry?: () => void;
  /** Shows `emptyMessage` instead of the children. */
  empty?: boolean;
  emptyMessage?: ComponentChildren;
  children?: ComponentChildren;
}

/** A page: its heading and actions, then loading, error, empty, or the content. */
export function Page(props: PageProps) {
  useEffect(() => {
    document.title = `${props.title} · Tocsin`;
  }, [props.title]);
  return (
    <section class="page" aria-busy={props.loading ? 'true' : undefined}>
      <header class="page-head">
        <h1>{props.title}</h1>
        {props.actions && <div class="page-actions">{props.actions}</div>}
      </header>
      {props.description && <p class="page-description">{props.description}</p>}
      <PageBody {...props} />
    </section>
  );
}

function PageBody(props: PageProps) {
  if (props.error !== undefined && props.error !== null)
    return <ErrorState error={props.error} onRetry={props.onRetry} />;
  if (props.loading) return <LoadingState />;
  if (props.empty) return <EmptyState>{props.emptyMessage ?? 'Nothing here yet.'}</EmptyState>;
  return <>{props.children}</>;
}

export function LoadingState({ label = 'Loading…' }: { label?: string }) {
  return (
    <p class="state state-loading" role="status">
      <span class="spinner" aria-hidden="true" /> {label}
    </p>
  );
}

export function ErrorState({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  return (
    <div class="state state-error" role="alert">
      <p>{errorMessage(error)}</p>
      {onRetry && (
        <button type="button" onClick={onRetry}>
          Retry
        </button>
      )}
    </div>
  );
}

export function EmptyState({ children }: { children: ComponentChildren }) {
  return <div class="state state-empty">{children}</div>;
}

/** A titled block inside a page (an `<h2>` and its content). */
export function Section({
  title,
  actions,
  children,
}: {
  title: string;
  actions?: ComponentChildren;
  children?: ComponentChildren;
}) {
  return (
    <section class="section">
      <header class="section-head">
        <h2>{title}</h2>
        {actions && <div class="page-actions">{actions}</div>}
      </header>
      {children}
    </section>
  );
}
