/**
 * Metric filters (`metric_filter` log rules) as CloudWatch Logs has them:
 * each event of the rule's group, source and stage that its pattern matches
 * adds `value` (a number, or what `$.field` / `$name` takes from the event)
 * to `namespace`/`metricName`, with dimensions taken from fields of the
 * event, at the event's time. A value that is not a number, or a dimension
 * that the event lacks, skips the event (counted). When a flush saw events
 * of the rule but no match, `defaultValue` is emitted once (CloudWatch's
 * "data reported in every period with logs").
 *
 * As CloudWatch does, a filter that makes more than MAX_SERIES_PER_FILTER
 * distinct dimension sets is stopped (reported in the status) until its
 * rule changes: a dimension on a request id would otherwise grow without end.
 *
 * State: per rule, its compiled form and counters (kept across rule changes
 * by name); between flushes, whether it saw events and whether one matched.
 */
import type { LogEvent, LogMetricFilterRule, LogRuleSpec } from '@tocsin/protocol';
import { compileFilterPattern, type FilterEvent, type FilterPattern } from '../filter-pattern.js';
import type { LogStage, PipelineStatusPart } from '../log-pipeline.js';
import { compileValueSelector, dimensionOf, numberOf, selects, type ValueSelector } from './rule-selection.js';
import { FilterEventCache } from './filter-event-cache.js';
import type { SeriesBuckets } from './series-buckets.js';

export const MAX_SERIES_PER_FILTER = 1000;
const DAY = 86_400_000;
/** What the metrics domain takes: two weeks old to two hours ahead. */
const OLDEST_MS = 14 * DAY;
const AHEAD_MS = 2 * 3_600_000;

export interface MetricFilterCounters {
  matched: number;
  /** Matched, but the value was not a number. */
  notNumber: number;
  /** Matched, but a dimension's field was missing or not a string or number. */
  missingDimension: number;
  /** Matched, but the event's time was outside what metrics take (14 days old, 2 hours ahead). */
  outOfRange: number;
  defaults: number;
}

interface CompiledFilter {
  rule: LogMetricFilterRule;
  pattern: FilterPattern;
  value: number | ValueSelector;
  dimensions: [string, ValueSelector][];
  counters: MetricFilterCounters;
  series: Set<string>;
  /** Why it is stopped (a bad rule, too many series). */
  stopped?: string;
  saw: boolean;
  matchedSinceFlush: boolean;
}

const zero = (): MetricFilterCounters => ({
  matched: 0,
  notNumber: 0,
  missingDimension: 0,
  outOfRange: 0,
  defaults: 0,
});

export class MetricFilterStage implements LogStage, PipelineStatusPart {
  readonly name = 'metric-filters';
  private filters: CompiledFilter[] = [];
  private active: CompiledFilter[] = [];

  constructor(
    private readonly buckets: SeriesBuckets,
    /** Shared with the other stages of a batch (filter-event-cache.ts). */
    private readonly views: FilterEventCache = new FilterEventCache(),
  ) {}

  /** Compiles the enabled metric filters of `rules`; counters of a rule of the same name carry over. */
  setRules(rules: readonly LogRuleSpec[]): void {
    const before = new Map(this.filters.map((f) => [f.rule.name, f.counters]));
    this.filters = rules
      .filter((r): r is LogMetricFilterRule => r.kind === 'metric_filter' && r.enabled)
      .map((rule) => this.compile(rule, before.get(rule.name) ?? zero()));
    this.active = this.filters.filter((f) => f.stopped === undefined);
  }

  private compile(rule: LogMetricFilterRule, counters: MetricFilterCounters): CompiledFilter {
    const base = { rule, counters, series: new Set<string>(), saw: false, matchedSinceFlush: false };
    try {
      return {
        ...base,
        pattern: compileFilterPattern(rule.pattern),
        value: typeof rule.value === 'number' ? rule.value : compileValueSelector(rule.value),
        dimensions: Object.entries(rule.dimensions).map(([k, sel]) => [k, compileValueSelector(sel)]),
      };
    } catch (err) {
      const never = compileFilterPattern('');
      return { ...base, pattern: never, value: 0, dimensions: [], stopped: `rule error: ${(err as Error).message}` };
    }
  }

  process(events: readonly LogEvent[], now: number): void {
    const filters = this.active;
    if (filters.length === 0) return;
    for (let i = 0; i < events.length; i++) {
      const e = events[i]!;
      let fe: FilterEvent | undefined;
      for (const f of filters) {
        if (!selects(f.rule, e)) continue;
        f.saw = true;
        fe ??= this.views.of(events, i);
        const fields = f.pattern.extract(fe);
        if (fields === undefined) continue;
        f.counters.matched++;
        f.matchedSinceFlush = true;
        this.add(f, e, fe, fields, now);
      }
    }
  }

  private add(f: CompiledFilter, e: LogEvent, fe: FilterEvent, fields: Record<string, string>, now: number): void {
    const value = typeof f.value === 'number' ? f.value : numberOf(f.value(fe, fields));
    if (value === undefined) {
      f.counters.notNumber++;
      return;
    }
    if (e.time < now - OLDEST_MS || e.time > now + AHEAD_MS) {
      f.counters.outOfRange++;
      return;
    }
    let dims: Record<string, string> = {};
    if (f.dimensions.length) {
      dims = {};
      let key = '';
      for (const [name, select] of f.dimensions) {
        const v = dimensionOf(select(fe, fields));
        if (v === undefined) {
          f.counters.missingDimension++;
          return;
        }
        dims[name] = v;
        key += `${v.length}:${v}`;
      }
      if (!f.series.has(key)) {
        if (f.series.size >= MAX_SERIES_PER_FILTER) {
          this.stop(f);
          return;
        }
        f.series.add(key);
      }
    }
    this.buckets.add(f.rule.namespace, f.rule.metricName, dims, e.time, value, { unit: f.rule.unit });
  }

  private stop(f: CompiledFilter): void {
    f.stopped = `stopped: more than ${MAX_SERIES_PER_FILTER} dimension sets (use fields of low cardinality)`;
    this.active = this.filters.filter((x) => x.stopped === undefined);
  }

  /** At each flush: the default value of each filter that saw events but matched none since the last flush. */
  flush(now: number): void {
    for (const f of this.active) {
      const { defaultValue } = f.rule;
      if (defaultValue !== undefined && f.saw && !f.matchedSinceFlush) {
        this.buckets.add(f.rule.namespace, f.rule.metricName, {}, now, defaultValue, { unit: f.rule.unit });
        f.counters.defaults++;
      }
      f.saw = false;
      f.matchedSinceFlush = false;
    }
  }

  status(): Record<string, unknown> {
    return {
      filters: this.filters.map((f) => ({
        rule: f.rule.name,
        metric: `${f.rule.namespace}/${f.rule.metricName}`,
        ...f.counters,
        ...(f.dimensions.length ? { series: f.series.size } : {}),
        ...(f.stopped ? { stopped: f.stopped } : {}),
      })),
    };
  }
}
