/**
 * The log pipeline's watchdog (seed 002's ③): it turns pipeline failures into `pipeline.*` events on its topic —
 * `pipeline.dead_letter` (a delivery went to the dead letters), `pipeline.ingest_refused` (ingest answered 503, 429
 * or 413), `pipeline.rule_error` (a stage threw), `pipeline.dropped` (lines dropped for another reason: loop,
 * invalid, expired) — each kind at most once a window, counting everything since its last event.
 *
 * Per kind: quiet ──a failure──▶ pending (counts add up) ──check, a window since the last event──▶ raised
 * (published; counts reset; the window starts) ──▶ quiet or pending again. A check that cannot publish keeps the
 * counts pending (a database error) or drops them counted as `unpublished` (the topic does not exist: a warning is
 * logged once, until the topic appears). Dead letters of the watchdog's own topic never raise an event: a
 * destination that fails for the watchdog would otherwise feed it forever.
 */
import type { EventInput, Severity } from '@tocsin/protocol';
import type { Clock } from '../../core/clock.js';
import { formatDuration } from '../../core/durations.js';
import type { Logger } from '../../core/logger.js';
import type { DeadLetter } from '../../notify/dead-letter-hooks.js';
import type { PipelineStatusPart } from '../log-pipeline.js';
import { refusedReasons, refusedStatus, rise, type PipelineTotals } from './pipeline-totals.js';

export const watchdogKinds = ['dead_letter', 'ingest_refused', 'rule_error', 'dropped'] as const;
export type WatchdogKind = (typeof watchdogKinds)[number];

/** Most failure texts (dead letters) an event quotes: the latest ones. */
const SAMPLES_MAX = 5;

const severities: Record<WatchdogKind, Severity> = {
  dead_letter: 'error',
  ingest_refused: 'warning',
  rule_error: 'error',
  dropped: 'warning',
};

export interface WatchdogOptions {
  topic: string;
  windowMs: number;
  nodeId: string;
  clock: Clock;
  logger: Logger;
  /** The pipeline's cumulative counts now (pipeline-totals.ts). */
  totals: () => PipelineTotals;
  /** Publishes to the watchdog topic; false when the topic does not exist. */
  publish: (input: EventInput) => Promise<boolean>;
}

interface Pending {
  count: number;
  /** Counts by topic/subscription, reason or stage. */
  by: Record<string, number>;
  /** When the first failure of these counts was seen. */
  since: number;
  samples: string[];
}

/** The last event of a kind, as the status shows it. */
export interface RaisedEvent {
  at: number;
  count: number;
  by: Record<string, number>;
  /** False when the topic did not exist. */
  published: boolean;
}

function add(into: Record<string, number>, counts: Record<string, number>): number {
  let n = 0;
  for (const [k, v] of Object.entries(counts)) {
    into[k] = (into[k] ?? 0) + v;
    n += v;
  }
  return n;
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

function titleOf(kind: WatchdogKind, n: number, window: string): string {
  switch (kind) {
    case 'dead_letter':
      return `${plural(n, 'delivery', 'deliveries')} dead-lettered in the last ${window}`;
    case 'ingest_refused':
      return `${plural(n, 'log line', 'log lines')} refused at ingest in the last ${window}`;
    case 'rule_error':
      return `${plural(n, 'log stage failure', 'log stage failures')} in the last ${window}`;
    case 'dropped':
      return `${plural(n, 'log line', 'log lines')} dropped in the last ${window}`;
  }
}

function byLabel(kind: WatchdogKind, key: string): string {
  const status = kind === 'ingest_refused' ? refusedStatus[key as keyof typeof refusedStatus] : undefined;
  return status ? `${key} (${status})` : key;
}

export class LogWatchdog implements PipelineStatusPart {
  readonly name = 'watchdog';
  private readonly pending = new Map<WatchdogKind, Pending>();
  private readonly lastRaisedAt = new Map<WatchdogKind, number>();
  private readonly last = new Map<WatchdogKind, RaisedEvent>();
  private readonly raised = new Map<WatchdogKind, number>();
  private baseline: PipelineTotals = { dropped: {}, stageFailures: {} };
  private ownDeadLetters = 0;
  private unpublished = 0;
  private publishFailures = 0;
  private warnedNoTopic = false;
  private failing = false;

  constructor(private readonly options: WatchdogOptions) {}

  /** The outbox's dead-letter hook: counts a dead delivery, unless it was one of the watchdog topic's own. */
  deadLetter(d: DeadLetter): void {
    if (d.topic === this.options.topic) {
      this.ownDeadLetters++;
      return;
    }
    const where = d.owner ?? `${d.topic ?? '(deleted)'}/${d.subscription ?? '(deleted)'}`;
    const p = this.note('dead_letter', { [where]: 1 });
    p.samples.push(`${where}${d.protocol ? ` (${d.protocol})` : ''}: ${d.error}`.slice(0, 500));
    if (p.samples.length > SAMPLES_MAX) p.samples.shift();
  }

  private note(kind: WatchdogKind, counts: Record<string, number>): Pending {
    const p = this.pending.get(kind) ?? { count: 0, by: {}, since: this.options.clock.now(), samples: [] };
    this.pending.set(kind, p);
    p.count += add(p.by, counts);
    return p;
  }

  /** Reads the counters, then raises every kind that has counts and whose window has passed. */
  async check(): Promise<void> {
    const totals = this.options.totals();
    const dropped = rise(this.baseline.dropped, totals.dropped);
    const failures = rise(this.baseline.stageFailures, totals.stageFailures);
    this.baseline = { dropped: { ...totals.dropped }, stageFailures: { ...totals.stageFailures } };
    const refused: Record<string, number> = {};
    const other: Record<string, number> = {};
    for (const [reason, n] of Object.entries(dropped))
      (refusedReasons.includes(reason as never) ? refused : other)[reason] = n;
    if (Object.keys(refused).length) this.note('ingest_refused', refused);
    if (Object.keys(other).length) this.note('dropped', other);
    if (Object.keys(failures).length) this.note('rule_error', failures);
    const now = this.options.clock.now();
    for (const kind of watchdogKinds) {
      const p = this.pending.get(kind);
      if (!p || p.count === 0) continue;
      const lastAt = this.lastRaisedAt.get(kind);
      if (lastAt !== undefined && now - lastAt < this.options.windowMs) continue;
      await this.raise(kind, p, now);
    }
  }

  private async raise(kind: WatchdogKind, p: Pending, now: number): Promise<void> {
    const event = this.eventOf(kind, p, now);
    let published: boolean;
    try {
      published = await this.options.publish(event);
    } catch (err) {
      this.publishFailures++;
      // Logged once until a publish succeeds again: the checks go on every few seconds.
      if (!this.failing) this.options.logger.warn('the watchdog could not publish; it keeps the counts', { err });
      this.failing = true;
      return;
    }
    this.failing = false;
    if (!published) {
      this.unpublished++;
      if (!this.warnedNoTopic)
        this.options.logger.warn(
          `the watchdog topic '${this.options.topic}' does not exist: pipeline failures are only counted`,
          {
            kind: event.kind,
          },
        );
      this.warnedNoTopic = true;
    } else this.warnedNoTopic = false;
    this.pending.delete(kind);
    this.lastRaisedAt.set(kind, now);
    this.raised.set(kind, (this.raised.get(kind) ?? 0) + 1);
    this.last.set(kind, { at: now, count: p.count, by: p.by, published });
  }

  private eventOf(kind: WatchdogKind, p: Pending, now: number): EventInput {
    const window = formatDuration(this.options.windowMs);
    const by = Object.entries(p.by)
      .sort((a, b) => b[1] - a[1])
      .map(([k, n]) => `- ${byLabel(kind, k)}: ${n}`);
    const samples = p.samples.length ? ['', 'Latest:', ...p.samples.map((s) => `- ${s}`)] : [];
    return {
      kind: `pipeline.${kind}`,
      severity: severities[kind],
      source: { type: 'pipeline', name: 'watchdog', tags: { node: this.options.nodeId } },
      title: titleOf(kind, p.count, window),
      text: [...by, ...samples, '', `Since ${new Date(p.since).toISOString()} on node ${this.options.nodeId}.`].join(
        '\n',
      ),
      attributes: {
        count: p.count,
        by: p.by,
        since: p.since,
        until: now,
        samples: p.samples,
        node: this.options.nodeId,
      },
      dedupKey: `pipeline.${kind}`,
      time: now,
    };
  }

  status(): Record<string, unknown> {
    const perKind = <T>(f: (k: WatchdogKind) => T | undefined) =>
      Object.fromEntries(watchdogKinds.flatMap((k) => (f(k) === undefined ? [] : [[k, f(k)]])));
    return {
      topic: this.options.topic,
      windowMs: this.options.windowMs,
      pending: perKind((k) => this.pending.get(k)?.count),
      raised: perKind((k) => this.raised.get(k)),
      last: perKind((k) => this.last.get(k)),
      ownDeadLetters: this.ownDeadLetters,
      unpublished: this.unpublished,
      publishFailures: this.publishFailures,
    };
  }
}
