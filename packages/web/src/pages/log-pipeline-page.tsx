import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { Page } from '../components/page.js';
import { Time } from '../components/time.js';
import { api } from '../core/api-client.js';
import type { PipelineStatus } from '../core/api-types.js';
import { useResource } from '../core/use-resource.js';
import '../styles/logs.css';
import { humanize } from './log-search-query.js';
import { LogTabs } from './log-tabs.js';

/** How often the page asks again: the counters move with every batch, a few seconds is fresh enough to watch. */
export const PIPELINE_REFRESH_MS = 3000;

const isPlain = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isScalar = (v: unknown) => v === null || typeof v !== 'object';

/** A part's name as its heading: `metric-filters` → "Metric filters". */
const partTitle = (name: string) => {
  const words = name.replace(/[-_]+/g, ' ');
  return humanize(words === name ? name : words[0].toUpperCase() + words.slice(1));
};

/** A time the parts report (`lastFlushAt`, `breakerClosesAt`): epoch ms or an ISO string under a key ending in At. */
const isTime = (key: string, v: unknown) =>
  /At$/.test(key) && ((typeof v === 'number' && v > 1e11) || (typeof v === 'string' && !Number.isNaN(Date.parse(v))));

function scalar(v: unknown, key: string): ComponentChildren {
  if (v === null || v === undefined) return <span class="muted">—</span>;
  if (isTime(key, v)) return <Time at={v as number | string} />;
  if (typeof v === 'number') return v.toLocaleString();
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  return String(v);
}

/** Whether a part holds a table of rows (an array of objects), which needs the page's width. */
function hasRows(v: unknown): boolean {
  if (Array.isArray(v)) return v.some((x) => isPlain(x)) || v.some(hasRows);
  return isPlain(v) && Object.values(v).some(hasRows);
}

/**
 * Any JSON value the parts report, as tables: an object is a table of its keys (numbers right-aligned), nested
 * objects are tables inside it, an array of objects is a table with a column per key.
 */
function Value({ value, caption, name = '' }: { value: unknown; caption: string; name?: string }): ComponentChildren {
  if (isScalar(value)) return scalar(value, name);
  if (Array.isArray(value)) {
    if (value.length === 0) return <span class="muted">none</span>;
    if (value.every(isScalar)) return value.map((v) => String(v)).join(', ');
    const columns = [...new Set(value.flatMap((v) => (isPlain(v) ? Object.keys(v) : [])))];
    return (
      <table class="kv-table">
        <caption class="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            {columns.map((c) => (
              <th scope="col" key={c}>
                {humanize(c)}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {value.map((row, i) => (
            <tr key={i}>
              {columns.map((c) => (
                <td key={c} class={typeof (row as Record<string, unknown>)?.[c] === 'number' ? 'num' : undefined}>
                  <Value value={(row as Record<string, unknown>)?.[c]} caption={`${caption}, ${c}`} name={c} />
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    );
  }
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 0) return <span class="muted">none</span>;
  return (
    <table class="kv-table">
      <caption class="visually-hidden">{caption}</caption>
      <tbody>
        {entries.map(([k, v]) => (
          <tr key={k} data-testid={`pipeline-${k}`}>
            <th scope="row">{humanize(k)}</th>
            <td class={typeof v === 'number' ? 'num' : undefined}>
              <Value value={v} caption={`${caption}: ${humanize(k)}`} name={k} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** `/logs/pipeline`: every part of the pipeline's status (ingest, storage, rules, watchdog…), refreshed. */
export function LogPipelinePage() {
  const res = useResource('log-pipeline', (signal) => api.get<PipelineStatus>('/api/logs/pipeline', { signal }));
  const [updated, setUpdated] = useState<number | undefined>();
  useEffect(() => {
    const t = window.setInterval(res.reload, PIPELINE_REFRESH_MS);
    return () => window.clearInterval(t);
  }, [res.reload]);
  useEffect(() => {
    if (res.data) setUpdated(Date.now());
  }, [res.data]);
  const parts = Object.entries(res.data?.parts ?? {});
  return (
    <Page
      title="Pipeline health"
      description={
        <>
          The log pipeline's counters, part by part, as <code>tocsin pipeline status</code> shows them.{' '}
          {`Refreshed every ${PIPELINE_REFRESH_MS / 1000} s.`}
        </>
      }
      loading={res.loading && !res.data}
      error={res.data ? undefined : res.error}
      onRetry={res.reload}
    >
      <LogTabs />
      <p class="log-summary" data-testid="pipeline-updated">
        {res.error && res.data ? 'The last refresh failed; showing the previous counters. ' : ''}
        {updated !== undefined && `Updated ${new Date(updated).toLocaleTimeString()}.`}
      </p>
      {parts.length === 0 && <p class="state state-empty">The pipeline reports no parts.</p>}
      <div class="pipeline-parts">
        {parts.map(([name, part]) => (
          <section
            class={`card pipeline-part ${hasRows(part) ? 'pipeline-part-wide' : ''}`}
            key={name}
            data-testid={`pipeline-part-${name}`}
            aria-labelledby={`part-${name}`}
          >
            <h2 id={`part-${name}`}>{partTitle(name)}</h2>
            <Value value={part} caption={partTitle(name)} />
          </section>
        ))}
      </div>
    </Page>
  );
}
