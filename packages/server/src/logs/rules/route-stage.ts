/**
 * The route stage (seed 002's ① and ②): each accepted event is tested
 * against the enabled `route` rules of its group (rules are indexed by
 * group; `*` rules apply to every group), narrowed by source and stage,
 * then by the compiled pattern. The event's message is split and its JSON
 * parsed at most once, shared by every rule (`createFilterEvent`). A match
 * goes to its route's throttle (route-throttle.ts); what that decides to
 * send is queued here and published in batches by `flush`, never on the
 * ingest request's turn.
 *
 * Queue states: empty ──enqueue──▶ queued (a flush is started on a microtask) ──flush──▶ empty;
 * a full queue (QUEUE_LIMIT) counts what it drops on the rule.
 */
import type { EventInput, LogEvent, LogRouteRule } from '@tocsin/protocol';
import type { Logger } from '../../core/logger.js';
import type { LogStage } from '../log-pipeline.js';
import { createFilterEvent, type FilterEvent, type FilterPattern } from '../filter-pattern.js';
import { compileTemplate, type Template } from './route-template.js';
import { RouteRuntime, type RouteNotification, type RouteStats } from './route-throttle.js';

/** Notifications waiting to be published, at most. */
export const QUEUE_LIMIT = 10_000;
/** Notifications published per transaction, at most. */
export const PUBLISH_BATCH = 200;

/** One notification ready to publish: the topics and the event. */
export interface QueuedEvent {
  rule: string;
  topics: readonly string[];
  input: EventInput;
}

/** Publishes a batch in one transaction (and wakes the outbox after commit). */
export type BatchPublisher = (batch: readonly QueuedEvent[]) => Promise<void>;

interface CompiledRoute {
  rule: LogRouteRule;
  pattern: FilterPattern;
  title: Template;
  dedupKey: Template;
  runtime: RouteRuntime;
}

export interface RouteStageOptions {
  publish: BatchPublisher;
  /** The base of the notification's query link. */
  publicUrl: () => string;
  logger: Logger;
  /** The compiled pattern of a rule (cached by the rule service). */
  patternOf: (rule: LogRouteRule) => FilterPattern;
}

export class RouteStage implements LogStage {
  readonly name = 'routes';
  private byGroup = new Map<string, CompiledRoute[]>();
  private anyGroup: CompiledRoute[] = [];
  private readonly runtimes = new Map<string, RouteRuntime>();
  private queue: QueuedEvent[] = [];
  private flushing: Promise<void> | undefined;
  private scheduled = false;
  private closed = false;

  constructor(private readonly o: RouteStageOptions) {}

  /** Takes the enabled route rules (after every change); stats and open windows of kept rules stay. */
  setRules(rules: readonly LogRouteRule[]): void {
    const byGroup = new Map<string, CompiledRoute[]>();
    const anyGroup: CompiledRoute[] = [];
    const kept = new Set<string>();
    for (const rule of rules) {
      if (!rule.enabled) continue;
      kept.add(rule.name);
      let runtime = this.runtimes.get(rule.name);
      if (runtime) runtime.rule = rule;
      else {
        runtime = new RouteRuntime(rule, (r, open, stats) => this.breakerChanged(r, open, stats));
        this.runtimes.set(rule.name, runtime);
      }
      const compiled: CompiledRoute = {
        rule,
        pattern: this.o.patternOf(rule),
        title: compileTemplate(rule.title).render,
        dedupKey: compileTemplate(rule.dedupKey ?? rule.name).render,
        runtime,
      };
      if (rule.group === '*') anyGroup.push(compiled);
      else byGroup.set(rule.group, [...(byGroup.get(rule.group) ?? []), compiled]);
    }
    for (const name of [...this.runtimes.keys()]) if (!kept.has(name)) this.runtimes.delete(name);
    this.byGroup = byGroup;
    this.anyGroup = anyGroup;
  }

  process(events: readonly LogEvent[], now: number): void {
    if (this.runtimes.size === 0) return;
    for (const e of events) {
      const own = this.byGroup.get(e.group);
      if (own === undefined && this.anyGroup.length === 0) continue;
      let fe: FilterEvent | undefined;
      if (own) for (const r of own) fe = this.test(r, e, fe, now);
      for (const r of this.anyGroup) fe = this.test(r, e, fe, now);
    }
  }

  private test(r: CompiledRoute, e: LogEvent, fe: FilterEvent | undefined, now: number): FilterEvent | undefined {
    const rule = r.rule;
    if (rule.source !== undefined && rule.source !== e.source) return fe;
    if (rule.stage !== undefined && rule.stage !== e.stage) return fe;
    const event = fe ?? createFilterEvent(e.message);
    if (!r.pattern.matches(event)) return event;
    const key = r.dedupKey(e, event);
    const n = r.runtime.match(e, event, key.length > 255 ? key.slice(0, 255) : key, r.title, now);
    if (n) this.enqueue(r.runtime, n);
    return event;
  }

  /** Window ends and breaker cool-downs due by `now` (a scheduler job, every second), then a flush. */
  async tick(now: number): Promise<void> {
    for (const runtime of this.runtimes.values()) for (const n of runtime.tick(now)) this.enqueue(runtime, n);
    await this.flush();
  }

  /** Every route's stats, by rule name. */
  stats(): Record<string, RouteStats> {
    return Object.fromEntries([...this.runtimes].map(([name, r]) => [name, { ...r.stats }]));
  }

  statsOf(name: string): RouteStats | undefined {
    const r = this.runtimes.get(name);
    return r && { ...r.stats };
  }

  /** Notifications waiting to be published. */
  get queued(): number {
    return this.queue.length;
  }

  /** Publishes what is queued, in batches; resolves when the queue is empty (or a batch failed). */
  flush(): Promise<void> {
    this.flushing ??= this.drain().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  /** Stops taking notifications and publishes those queued. */
  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
  }

  private enqueue(runtime: RouteRuntime, n: RouteNotification): void {
    if (this.closed || this.queue.length >= QUEUE_LIMIT) {
      runtime.settled(false);
      return;
    }
    this.queue.push({ rule: n.rule.name, topics: n.rule.topics, input: eventOf(n, this.o.publicUrl()) });
    if (this.scheduled || this.flushing) return;
    this.scheduled = true;
    queueMicrotask(() => {
      this.scheduled = false;
      void this.flush();
    });
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, PUBLISH_BATCH);
      try {
        await this.o.publish(batch);
        for (const q of batch) this.runtimes.get(q.rule)?.settled(true);
      } catch (err) {
        for (const q of batch) this.runtimes.get(q.rule)?.settled(false);
        this.o.logger.warn('publishing log route notifications failed; they are counted as dropped', {
          err,
          notifications: batch.length,
        });
        return;
      }
    }
  }

  private breakerChanged(rule: LogRouteRule, open: boolean, stats: RouteStats): void {
    if (open)
      this.o.logger.warn('log route circuit breaker opened: the route stops sending until its cool-down ends', {
        rule: rule.name,
        maxPerMinute: rule.maxPerMinute,
        closesAt: new Date(stats.breakerClosesAt ?? 0).toISOString(),
      });
    else this.o.logger.info('log route circuit breaker closed', { rule: rule.name, held: stats.held });
  }
}

const iso = (ms: number) => new Date(ms).toISOString();

/** The `log.match` event of a notification (docs/logs.md, "Routes"). */
export function eventOf(n: RouteNotification, publicUrl: string): EventInput {
  const { rule, event } = n;
  const lines = n.samples.map((s) => `${iso(s.time)}${s.source ? ` ${s.source}` : ''} ${s.text}`);
  const where = `rule '${rule.name}', group '${event.group}'`;
  const head =
    n.since === undefined
      ? `${n.count} match${n.count === 1 ? '' : 'es'} (${where})`
      : `${n.count} more since ${iso(n.since)} (${where})`;
  const sampled = lines.length < n.count ? `\nSample lines (the first and the last ${rule.sampleLines}):` : '';
  const text = [head + sampled, ...lines].join('\n').slice(0, 65_536);
  const title = n.since === undefined ? n.title : `${n.title} (${n.count} more since ${iso(n.since)})`;
  const query = new URLSearchParams({
    group: event.group,
    pattern: rule.pattern,
    start: String(n.firstTime),
    end: String(n.lastTime + 1),
  });
  const attributes: Record<string, unknown> = {
    rule: rule.name,
    group: event.group,
    count: n.count,
    firstTime: n.firstTime,
    lastTime: n.lastTime,
    samples: lines,
    queryUrl: `${publicUrl.replace(/\/+$/, '')}/logs?${query}`,
  };
  if (event.source !== undefined) attributes.source = event.source;
  if (event.stage !== undefined) attributes.stage = event.stage;
  if (n.since !== undefined) attributes.since = n.since;
  const tags: Record<string, string> = { group: event.group };
  if (event.source !== undefined) tags.source = event.source;
  return {
    kind: 'log.match',
    severity: rule.severity,
    source: { type: 'log_rule', name: rule.name, tags },
    title: (title || rule.name).slice(0, 512),
    text,
    attributes,
    dedupKey: n.key || rule.name,
    time: n.lastTime,
  };
}
