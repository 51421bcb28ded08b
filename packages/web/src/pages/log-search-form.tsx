import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import type { LogGroupView } from '../core/api-types.js';
import { type LogSearch, localInputValue, rangePresets, timeOf } from './log-search-query.js';
import { PatternError, type PatternProblem } from './log-pattern-error.js';

export interface LogSearchFormProps {
  initial: LogSearch;
  groups: LogGroupView[];
  /** The time range's fields (search); the tail has none. */
  withRange: boolean;
  /** The server's refusal of the pattern, shown under it. */
  problem?: PatternProblem;
  submitLabel: string;
  onSubmit: (s: LogSearch) => void;
  /** Beside the submit button. */
  actions?: ComponentChildren;
}

const iso = (local: string) => {
  const ms = timeOf(local);
  return ms === undefined ? '' : new Date(ms).toISOString();
};

/** The group, the filter pattern (the field `/` focuses) and, for a search, the time range: presets or custom. */
export function LogSearchForm(props: LogSearchFormProps) {
  const { initial, groups } = props;
  const [draft, setDraft] = useState<LogSearch>(() => ({
    ...initial,
    start: localInputValue(timeOf(initial.start)),
    end: localInputValue(timeOf(initial.end)),
  }));
  const set = (k: keyof LogSearch) => (e: Event) =>
    setDraft((d) => ({ ...d, [k]: (e.currentTarget as HTMLInputElement).value }));
  const names = groups.map((g) => g.name);
  if (draft.group && !names.includes(draft.group)) names.unshift(draft.group);
  const submit = (e: Event) => {
    e.preventDefault();
    const custom = draft.range === 'custom';
    props.onSubmit({ ...draft, start: custom ? iso(draft.start) : '', end: custom ? iso(draft.end) : '' });
  };
  const problemId = 'log-pattern-error';
  return (
    <form class="log-search" onSubmit={submit}>
      <div class="field">
        <label for="log-group">Log group</label>
        <select id="log-group" value={draft.group} onChange={set('group')}>
          {!props.withRange && <option value="">Every group</option>}
          {names.map((n) => (
            <option key={n} value={n}>
              {n}
            </option>
          ))}
        </select>
      </div>
      <div class={`field log-pattern ${props.problem ? 'field-invalid' : ''}`}>
        <label for="log-pattern">Filter pattern</label>
        <input
          id="log-pattern"
          type="search"
          data-page-filter
          class="mono"
          spellcheck={false}
          autoComplete="off"
          value={draft.pattern}
          placeholder='ERROR, "timed out", { $.latency > 500 } or [ip, user, ..., status = 5*] (press /)'
          aria-invalid={props.problem ? 'true' : undefined}
          aria-describedby={props.problem ? problemId : 'log-pattern-hint'}
          onInput={set('pattern')}
        />
        {props.problem ? (
          <PatternError id={problemId} pattern={initial.pattern} problem={props.problem} />
        ) : (
          <p class="field-hint" id="log-pattern-hint">
            CloudWatch Logs filter syntax; empty matches every event.
          </p>
        )}
      </div>
      {props.withRange && (
        <div class="field">
          <label for="log-range">Time range</label>
          <select id="log-range" value={draft.range} onChange={set('range')}>
            {rangePresets.map((p) => (
              <option key={p.value} value={p.value}>
                {p.label}
              </option>
            ))}
            <option value="custom">Custom…</option>
          </select>
        </div>
      )}
      {props.withRange && draft.range === 'custom' && (
        <>
          <div class="field">
            <label for="log-start">From</label>
            <input id="log-start" type="datetime-local" step={1} value={draft.start} onInput={set('start')} />
          </div>
          <div class="field">
            <label for="log-end">To</label>
            <input id="log-end" type="datetime-local" step={1} value={draft.end} onInput={set('end')} />
          </div>
        </>
      )}
      <div class="form-actions log-search-actions">
        <button type="submit" class="button-primary">
          {props.submitLabel}
        </button>
        {props.actions}
      </div>
    </form>
  );
}
