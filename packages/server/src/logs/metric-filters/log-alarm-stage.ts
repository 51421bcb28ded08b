/**
 * The counting side of log alarms (`alarm` log rules): per rule, the events
 * of its group, source and stage that its pattern matches are counted per
 * second into `Tocsin/Logs` `MatchCount` {rule}, and for a `ratio` rule
 * every selected event into `LineCount` {rule}, both at the event's time,
 * through the same per-second buckets as metric filters. A managed metric
 * alarm watches them (log-alarm-manager.ts). The first and last few
 * matching lines of each minute are kept for the alarm's notification.
 *
 * State: per rule, its compiled pattern, counters, and the sample lines of
 * the minutes an evaluation may still look at (pruned at each flush).
 */
import type { LogAlarmRule, LogEvent, LogRuleSpec } from '@tocsin/protocol';
import { compileFilterPattern, type FilterEvent, type FilterPattern } from '../filter-pattern.js';
import type { LogStage, PipelineStatusPart } from '../log-pipeline.js';
import { selects } from './rule-selection.js';
import { FilterEventCache } from './filter-event-cache.js';
import type { SeriesBuckets } from './series-buckets.js';

export const LOG_ALARM_NAMESPACE = 'Tocsin/Logs';
export const MATCH_COUNT = 'MatchCount';
export const LINE_COUNT = 'LineCount';
/** The derived series a ratio alarm watches: 100 × MatchCount / LineCount per period. */
export const MATCH_PERCENT = 'MatchPercent';
/** Lines kept of a window: the first and the last this many. */
export const SAMPLE_LINES = 5;
const SAMPLE_MESSAGE_CHARS = 2048;
const MINUTE = 60_000;

export interface SampleLine {
  time: string;
  group: string;
  stream?: string;
  source?: string;
  stage?: string;
  level?: string;
  message: string;
}

/** Kept as the events themselves (at most 2 × SAMPLE_LINES a minute): shaped only when a notification asks. */
interface MinuteSamples {
  first: LogEvent[];
  last: LogEvent[];
  count: number;
}

/** Matches (or lines) of one second not yet added to the buckets: a batch is mostly one second or a few. */
interface Run {
  second: number;
  n: number;
}

interface CompiledAlarm {
  rule: LogAlarmRule;
  pattern: FilterPattern;
  dims: Record<string, string>;
  lines: number;
  matched: number;
  minutes: Map<number, MinuteSamples>;
  matchRun: Run;
  lineRun: Run;
  error?: string;
}

function sampleOf(e: LogEvent): SampleLine {
  const s: SampleLine = { time: new Date(e.time).toISOString(), group: e.group, message: e.message };
  if (e.message.length > SAMPLE_MESSAGE_CHARS) s.message = `${e.message.slice(0, SAMPLE_MESSAGE_CHARS)}…`;
  if (e.stream !== undefined) s.stream = e.stream;
  if (e.source !== undefined) s.source = e.source;
  if (e.stage !== undefined) s.stage = e.stage;
  if (e.levelText) s.level = e.levelText;
  return s;
}

export class LogAlarmStage implements LogStage, PipelineStatusPart {
  readonly name = 'log-alarms';
  private alarms: CompiledAlarm[] = [];
  private byName = new Map<string, CompiledAlarm>();

  constructor(
    private readonly buckets: SeriesBuckets,
    /** Shared with the other stages of a batch (filter-event-cache.ts); released once this stage is done. */
    private readonly views: FilterEventCache = new FilterEventCache(),
  ) {}

  /** Compiles the enabled alarm rules; counters and samples of a rule of the same name carry over. */
  setRules(rules: readonly LogRuleSpec[]): void {
    const before = this.byName;
    this.alarms = rules
      .filter((r): r is LogAlarmRule => r.kind === 'alarm' && r.enabled)
      .map((rule) => {
        const old = before.get(rule.name);
        const carried = { lines: old?.lines ?? 0, matched: old?.matched ?? 0, minutes: old?.minutes ?? new Map() };
        const runs = { matchRun: { second: 0, n: 0 }, lineRun: { second: 0, n: 0 } };
        const base = { rule, dims: { rule: rule.name }, ...carried, ...runs };
        try {
          return { ...base, pattern: compileFilterPattern(rule.pattern) };
        } catch (err) {
          return { ...base, pattern: compileFilterPattern(''), error: (err as Error).message };
        }
      });
    this.byName = new Map(this.alarms.map((a) => [a.rule.name, a]));
  }

  process(events: readonly LogEvent[]): void {
    const alarms = this.alarms;
    if (alarms.length === 0) return;
    for (let i = 0; i < events.length; i++) {
      const e = events[i]!;
      let fe: FilterEvent | undefined;
      for (const a of alarms) {
        if (a.error !== undefined || !selects(a.rule, e)) continue;
        a.lines++;
        if (a.rule.measure === 'ratio') this.count(a, a.lineRun, LINE_COUNT, e.time);
        fe ??= this.views.of(events, i);
        if (!a.pattern.matches(fe)) continue;
        a.matched++;
        this.count(a, a.matchRun, MATCH_COUNT, e.time);
        this.sample(a, e);
      }
    }
    for (const a of alarms) {
      this.addRun(a, a.lineRun, LINE_COUNT);
      this.addRun(a, a.matchRun, MATCH_COUNT);
    }
    this.views.release();
  }

  /** Counts one at `time`: a bucket add (a series key built) per second of a batch, not per line. */
  private count(a: CompiledAlarm, run: Run, metric: string, time: number): void {
    const second = time - (time % 1000);
    if (run.n > 0 && run.second !== second) this.addRun(a, run, metric);
    run.second = second;
    run.n++;
  }

  private addRun(a: CompiledAlarm, run: Run, metric: string): void {
    if (run.n === 0) return;
    this.buckets.add(LOG_ALARM_NAMESPACE, metric, a.dims, run.second, 1, { weight: run.n });
    run.n = 0;
  }

  private sample(a: CompiledAlarm, e: LogEvent): void {
    const minute = e.time - (e.time % MINUTE);
    let m = a.minutes.get(minute);
    if (!m) {
      m = { first: [], last: [], count: 0 };
      a.minutes.set(minute, m);
    }
    m.count++;
    if (m.first.length < SAMPLE_LINES) m.first.push(e);
    else {
      m.last.push(e);
      if (m.last.length > SAMPLE_LINES) m.last.shift();
    }
  }

  /**
   * At each flush: a 0 into each count alarm's MatchCount, so that every period has a datapoint and a quiet
   * period ends an ALARM at once (CloudWatch evaluates the most recent real datapoints, however old); and the
   * samples of minutes no evaluation looks at any more are forgotten.
   */
  flush(now: number): void {
    for (const a of this.alarms) {
      if (a.error === undefined && a.rule.measure === 'count')
        this.buckets.add(LOG_ALARM_NAMESPACE, MATCH_COUNT, a.dims, now, 0);
      const keep = now - a.rule.period * (a.rule.evaluationPeriods + 2) - 2 * MINUTE;
      for (const minute of a.minutes.keys()) if (minute < keep) a.minutes.delete(minute);
    }
  }

  /** The first and last matching lines of `[start, end)` this node saw, and how many matched in all. */
  samples(rule: string, start: number, end: number): { first: SampleLine[]; last: SampleLine[]; seen: number } {
    const a = this.byName.get(rule);
    const minutes = a ? [...a.minutes].filter(([m]) => m >= start && m < end).sort((x, y) => x[0] - y[0]) : [];
    const all = minutes.flatMap(([, m]) => [...m.first, ...m.last]).map(sampleOf);
    const seen = minutes.reduce((n, [, m]) => n + m.count, 0);
    const kept = minutes.reduce((n, [, m]) => n + m.first.length + m.last.length, 0);
    if (kept === seen) return { first: all, last: [], seen };
    const first = minutes.flatMap(([, m]) => m.first).slice(0, SAMPLE_LINES);
    const tail = minutes.flatMap(([, m]) => (m.last.length ? m.last : m.first));
    return { first: first.map(sampleOf), last: tail.slice(-SAMPLE_LINES).map(sampleOf), seen };
  }

  status(): Record<string, unknown> {
    return {
      alarms: this.alarms.map((a) => ({
        rule: a.rule.name,
        measure: a.rule.measure,
        lines: a.lines,
        matched: a.matched,
        ...(a.error ? { error: a.error } : {}),
      })),
    };
  }
}
