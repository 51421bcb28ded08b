import { type ComponentChildren, Fragment } from 'preact';
import { useState } from 'preact/hooks';
import { CopyButton } from '../components/copy-button.js';
import { Time } from '../components/time.js';
import { VirtualList } from '../components/virtual-list.js';
import type { LogEventView } from '../core/api-types.js';
import { levelTone } from './log-search-query.js';

/** A row's height: one line of text (the message is cut; the detail has it whole). */
const ROW_HEIGHT = 30;
const clock = new Intl.DateTimeFormat(undefined, {
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  fractionalSecondDigits: 3,
});

export interface LogEventListProps {
  events: LogEventView[];
  /** The list's accessible name. */
  label: string;
  /** Shown instead of the list when there are no events. */
  empty: ComponentChildren;
  /** The viewport's height; the window below the list's top by default. */
  height?: number;
}

/**
 * Events as a virtualized list, level-coloured, one line each; a row is a button that opens the event (its
 * message whole, attributes and resource) in the panel beside the list, and closes it again.
 */
export function LogEventList({ events, label, empty, height }: LogEventListProps) {
  const [openId, setOpenId] = useState<string | undefined>();
  const open = openId === undefined ? undefined : events.find((e) => e.id === openId);
  if (events.length === 0) return <div class="state state-empty">{empty}</div>;
  return (
    <div class={`log-results ${open ? 'log-results-open' : ''}`}>
      <VirtualList
        items={events}
        rowHeight={ROW_HEIGHT}
        height={height}
        label={label}
        rowKey={(e) => e.id}
        rowTestId={() => 'log-row'}
        rowClass="log-vrow"
        renderRow={(e) => (
          <button
            type="button"
            class={`log-row lvl-${levelTone(e.level)}`}
            aria-expanded={e.id === openId}
            aria-controls="log-detail"
            onClick={() => setOpenId(e.id === openId ? undefined : e.id)}
          >
            <span class="log-time">{clock.format(e.time)}</span>
            <span class="log-level">{e.levelText || '—'}</span>
            <span class="log-source">{e.source ?? e.stream ?? ''}</span>
            <span class="log-message">{e.message}</span>
          </button>
        )}
      />
      <div id="log-detail" class="log-detail" data-testid="log-detail" hidden={!open}>
        {open && <LogEventDetail event={open} onClose={() => setOpenId(undefined)} />}
      </div>
    </div>
  );
}

const json = (v: unknown) => JSON.stringify(v, null, 2);

function LogEventDetail({ event: e, onClose }: { event: LogEventView; onClose: () => void }) {
  const facts: [string, ComponentChildren][] = [
    ['Time', <Time at={e.time} />],
    ['Observed', <Time at={e.observedTime} />],
    ['Group', e.group],
    ['Stream', e.stream],
    ['Source', e.source],
    ['Stage', e.stage],
    ['Level', `${e.levelText || 'unspecified'} (${e.level})`],
    ['Trace', e.traceId && <code>{e.traceId}</code>],
    ['Span', e.spanId && <code>{e.spanId}</code>],
  ];
  return (
    <section aria-label="Log event">
      <div class="section-head">
        <h2>Event</h2>
        <div class="page-actions">
          <CopyButton text={e.message} label="Copy message" />
          <button type="button" onClick={onClose}>
            Close
          </button>
        </div>
      </div>
      <dl class="facts">
        {facts
          .filter(([, v]) => v !== undefined && v !== '')
          .map(([k, v]) => (
            <Fragment key={k}>
              <dt>{k}</dt>
              <dd>{v}</dd>
            </Fragment>
          ))}
      </dl>
      <h3>Message</h3>
      <pre class="log-pre" data-testid="log-detail-message">
        {e.message}
      </pre>
      <h3>Attributes</h3>
      <pre class="log-pre" data-testid="log-detail-attributes">
        {json(e.attributes)}
      </pre>
      <h3>Resource</h3>
      <pre class="log-pre">{json(e.resource)}</pre>
    </section>
  );
}
