/**
 * Log alarms live in the alarm engine: each enabled `alarm` log rule has a
 * metric alarm named `log.<rule>` that this manager makes, changes and
 * deletes as the rule changes (and on load, so a restart or a missed change
 * converges). The alarm engine refuses edits of them through /api/alarms
 * and config apply, and export leaves them out: they come back from the
 * rule. Its history, state and actions (to the rule's topics) are those of
 * any alarm.
 *
 * - `count`: the alarm watches the Sum of `Tocsin/Logs` `MatchCount`
 *   {rule}, ≥ threshold.
 * - `ratio`: it watches `MatchPercent` {rule}, a series derived when the
 *   alarm reads it: per period, 100 × Sum(MatchCount) / Sum(LineCount),
 *   0 (not breaching) when the period has fewer lines than `minCount` or
 *   none. Both counts are stored by every node, so the share is right
 *   whichever node ingested the lines.
 * Every period has a datapoint (a count alarm's stage adds a 0 each flush):
 * CloudWatch's evaluation takes the most recent real datapoints however old,
 * so a quiet period must read 0 for the alarm to return to OK at once.
 *
 * A change of state of one of these alarms is annotated with the first and
 * last matching lines of its breaching period (as this node saw them) and a
 * link to the query of that period.
 */
import type { AlarmSpec, LogAlarmRule } from '@tocsin/protocol';
import type {
  AlarmEntry,
  AlarmManager,
  AlarmService,
  AnnotatedChange,
  PeriodSource,
} from '../../alarms/alarm-service.js';
import type { AlarmAnnotation } from '../../alarms/alarm-service.js';
import type { Logger } from '../../core/logger.js';
import type { LogRuleCatalog } from '../log-pipeline.js';
import {
  LINE_COUNT,
  LOG_ALARM_NAMESPACE,
  MATCH_COUNT,
  MATCH_PERCENT,
  type LogAlarmStage,
  type SampleLine,
} from './log-alarm-stage.js';

export const LOG_ALARM_PREFIX = 'log.';

/** The alarm of a log alarm rule. */
export const logAlarmName = (rule: string) => `${LOG_ALARM_PREFIX}${rule}`;

/** The managed alarm's settings for a rule. */
export function alarmSpecOf(rule: LogAlarmRule): Record<string, unknown> {
  const spec: Record<string, unknown> = {
    name: logAlarmName(rule.name),
    description: `Managed by log rule '${rule.name}' (${rule.measure} of '${rule.pattern}' in group ${rule.group})`,
    namespace: LOG_ALARM_NAMESPACE,
    metricName: rule.measure === 'ratio' ? MATCH_PERCENT : MATCH_COUNT,
    dimensions: { rule: rule.name },
    statistic: 'Sum',
    // As text: a bare number of an alarm's period is seconds.
    period: `${rule.period / 1000}s`,
    evaluationPeriods: rule.evaluationPeriods,
    threshold: rule.threshold,
    comparisonOperator: 'GreaterThanOrEqualToThreshold',
    treatMissingData: 'notBreaching',
    alarmActions: rule.alarmActions.map((topic) => ({ topic })),
    okActions: rule.okActions.map((topic) => ({ topic })),
  };
  if (rule.datapointsToAlarm !== undefined) spec.datapointsToAlarm = rule.datapointsToAlarm;
  return spec;
}

const same = (a: AlarmSpec, b: AlarmSpec) => JSON.stringify(a) === JSON.stringify(b);

export class LogAlarmManager implements AlarmManager {
  private running: Promise<void> = Promise.resolve();
  private lastError: string | undefined;

  constructor(
    private readonly alarms: AlarmService,
    private readonly catalog: LogRuleCatalog,
    private readonly stage: LogAlarmStage,
    private readonly publicUrl: () => string,
    private readonly logger: Logger,
  ) {
    alarms.addManager(this);
    alarms.addAnnotator((e, change) => this.annotate(e, change));
    alarms.addDerivedSeries(LOG_ALARM_NAMESPACE, MATCH_PERCENT, (base, key, _stat, periodMs, end, n) =>
      this.matchPercent(base, key.dimensions, periodMs, end, n),
    );
  }

  ownerOf(name: string): string | undefined {
    return name.startsWith(LOG_ALARM_PREFIX) ? `log rule '${name.slice(LOG_ALARM_PREFIX.length)}'` : undefined;
  }

  private rules(): LogAlarmRule[] {
    return this.catalog.list().filter((r): r is LogAlarmRule => r.kind === 'alarm' && r.enabled);
  }

  /** Makes the alarms match the rules; runs one at a time, and a failure is kept for the status. */
  reconcile(): Promise<void> {
    this.running = this.running.then(() =>
      this.reconcileNow().then(
        () => {
          this.lastError = undefined;
        },
        (err) => {
          this.lastError = (err as Error).message;
          this.logger.warn('log alarms not reconciled with their rules', { err });
        },
      ),
    );
    return this.running;
  }

  private async reconcileNow(): Promise<void> {
    const wanted = new Map(this.rules().map((r) => [logAlarmName(r.name), r]));
    for (const e of this.alarms.list()) {
      if (this.ownerOf(e.spec.name) === undefined || wanted.has(e.spec.name)) continue;
      await this.alarms.remove(e.spec.name, undefined, this);
    }
    for (const [name, rule] of wanted) {
      const spec = this.alarms.parse(alarmSpecOf(rule));
      const existing = this.alarms.list().find((e) => e.spec.name === name);
      if (!existing) await this.alarms.create(spec, undefined, this);
      else if (!same(existing.spec, spec)) await this.alarms.replace(name, spec, undefined, this);
    }
  }

  private async matchPercent(
    base: PeriodSource,
    dimensions: Record<string, string>,
    periodMs: number,
    end: number,
    n: number,
  ) {
    const rule = this.rules().find((r) => r.name === dimensions.rule);
    const minCount = rule?.minCount ?? 1;
    const [matches, lines] = await Promise.all([
      base({ namespace: LOG_ALARM_NAMESPACE, name: MATCH_COUNT, dimensions }, 'Sum', periodMs, end, n),
      base({ namespace: LOG_ALARM_NAMESPACE, name: LINE_COUNT, dimensions }, 'Sum', periodMs, end, n),
    ]);
    return lines.map((l, i) => {
      const total = l.value ?? 0;
      // No lines, or too few: 0, not missing, so that a quiet period ends an ALARM at once.
      const value = total === 0 || total < minCount ? 0 : (100 * (matches[i]?.value ?? 0)) / total;
      return { start: l.start, value };
    });
  }

  /** The sample lines and the query link of a change of state of one of this manager's alarms. */
  private annotate(e: AlarmEntry, change: AnnotatedChange): AlarmAnnotation | undefined {
    if (this.ownerOf(e.spec.name) === undefined || !('period' in e.spec)) return undefined;
    const ruleName = e.spec.name.slice(LOG_ALARM_PREFIX.length);
    const rule = this.catalog.list().find((r): r is LogAlarmRule => r.kind === 'alarm' && r.name === ruleName);
    if (!rule) return undefined;
    const period = e.spec.period;
    // The breaching period: the most recent one at or over the threshold; else the most recent one.
    const used = change.used.filter((p) => p.value !== null);
    const breaching = used.find((p) => (p.value ?? 0) >= rule.threshold) ?? change.used[0];
    const start = breaching ? breaching.start : change.at - period;
    const end = start + period;
    const query = this.queryUrl(rule, start, end);
    const logs: Record<string, unknown> = { rule: rule.name, group: rule.group, pattern: rule.pattern, query };
    if (change.next !== 'ALARM') return { attributes: { logs }, text: `Logs: ${query}` };
    const { first, last, seen } = this.stage.samples(rule.name, start, end);
    Object.assign(logs, { start: new Date(start).toISOString(), end: new Date(end).toISOString(), first, last, seen });
    const lines = [...first, ...(last.length ? ['…', ...last] : [])].map((l) => (typeof l === 'string' ? l : line(l)));
    const text = [`Matching lines (${seen} seen by this node in the period):`, ...lines, `Query: ${query}`];
    return { attributes: { logs }, text: text.join('\n') };
  }

  private queryUrl(rule: LogAlarmRule, start: number, end: number): string {
    const params = new URLSearchParams({
      group: rule.group,
      pattern: rule.pattern,
      start: new Date(start).toISOString(),
      end: new Date(end).toISOString(),
    });
    if (rule.source !== undefined) params.set('source', rule.source);
    if (rule.stage !== undefined) params.set('stage', rule.stage);
    return `${this.publicUrl().replace(/\/$/, '')}/logs?${params}`;
  }

  status(): Record<string, unknown> {
    return this.lastError === undefined ? {} : { reconcileError: this.lastError };
  }
}

function line(s: SampleLine): string {
  return `${s.time} ${s.source ?? s.group}${s.level ? ` ${s.level}` : ''}: ${s.message}`;
}
