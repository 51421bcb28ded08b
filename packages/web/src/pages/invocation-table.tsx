/** A run's invocations, one row a host, each row opening to its stdout and stderr (with a "truncated" mark). */
import { STDERR_MAX, STDOUT_MAX } from '@tocsin/protocol';
import { useState } from 'preact/hooks';
import { Link } from '../components/link.js';
import { Time } from '../components/time.js';
import { formatMs, toMs } from '../core/format.js';
import { seg } from '../core/router.js';
import type { Invocation } from './command-verdict.js';
import { StatusBadge } from './command-parts.js';

function Output({ label, text, truncated, max }: { label: string; text: string; truncated: boolean; max: string }) {
  return (
    <div class="run-output">
      <h3>
        {label}
        {truncated && (
          <span class="badge badge-warn" data-testid="truncated" title={`Only the first ${max} characters are kept`}>
            truncated
          </span>
        )}
      </h3>
      {text ? (
        // A scrolling box is reached by keyboard too (axe: scrollable-region-focusable).
        // biome-ignore lint/a11y/noNoninteractiveTabindex: see above
        <pre tabIndex={0}>{text}</pre>
      ) : (
        <p class="muted">(empty)</p>
      )}
    </div>
  );
}

function duration(i: Invocation): string {
  const start = toMs(i.startedAt);
  const end = toMs(i.endedAt);
  return start !== undefined && end !== undefined ? formatMs(end - start) : '—';
}

const columns = ['Host', 'Status', 'Exit code', 'Started', 'Took', 'Output'];

export function InvocationTable({ invocations }: { invocations: Invocation[] }) {
  const [open, setOpen] = useState<ReadonlySet<string>>(new Set());
  const toggle = (id: string) =>
    setOpen((s) => {
      const next = new Set(s);
      if (!next.delete(id)) next.add(id);
      return next;
    });
  return (
    <div class="table-wrap">
      <table class="data-table">
        <caption class="visually-hidden">Hosts of the run</caption>
        <thead>
          <tr>
            {columns.map((c) => (
              <th scope="col" key={c} class={c === 'Exit code' ? 'num' : undefined}>
                {c}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {invocations.length === 0 && (
            <tr>
              <td colSpan={columns.length} class="muted">
                No host was targeted.
              </td>
            </tr>
          )}
          {invocations.map((i) => {
            const shown = open.has(i.id);
            const outputId = `output-${i.id}`;
            return [
              <tr key={i.id} data-testid={`invocation-row-${i.hostname}`} data-status={i.status}>
                <td>
                  <Link href={`/agents/${seg(i.agentId)}`}>{i.hostname}</Link>
                  <div class="muted">
                    <code>{i.agentId}</code>
                  </div>
                </td>
                <td>
                  <StatusBadge status={i.status} />
                  {i.reason && <div class="muted run-reason">{i.reason}</div>}
                </td>
                <td class="num">{i.exitCode ?? '—'}</td>
                <td>
                  <Time at={i.startedAt} relative />
                </td>
                <td>{duration(i)}</td>
                <td>
                  <button
                    type="button"
                    class="button-small"
                    aria-expanded={shown}
                    aria-controls={outputId}
                    onClick={() => toggle(i.id)}
                  >
                    {shown ? `Hide output of ${i.hostname}` : `Show output of ${i.hostname}`}
                  </button>
                </td>
              </tr>,
              shown && (
                <tr key={`${i.id}-output`} id={outputId} data-testid={`invocation-output-${i.hostname}`}>
                  <td colSpan={columns.length}>
                    <Output
                      label="stdout"
                      text={i.stdout}
                      truncated={i.stdoutTruncated}
                      max={STDOUT_MAX.toLocaleString()}
                    />
                    <Output
                      label="stderr"
                      text={i.stderr}
                      truncated={i.stderrTruncated}
                      max={STDERR_MAX.toLocaleString()}
                    />
                  </td>
                </tr>
              ),
            ];
          })}
        </tbody>
      </table>
    </div>
  );
}
